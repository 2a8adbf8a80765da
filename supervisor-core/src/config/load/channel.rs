//! A process's output channels: the `stdout_*` and `stderr_*` keys, and AUTO log
//! names made up in `childlogdir`.

use std::path::{Path, PathBuf};

use super::ctx::Ctx;
use crate::config::expand::Expansions;
use crate::config::ini::Section;
use crate::config::values;
use crate::log_level::{LogLevel, LogLine};
use crate::model::ChannelModel;

/// Where AUTO logs go and what their names carry.
pub(super) struct AutoLogs<'a> {
    /// `childlogdir`.
    pub(super) childlogdir: &'a Path,
    /// `[supervisord] identifier`.
    pub(super) identifier: &'a str,
}

/// The settings of channel `ch` (`stdout` or `stderr`) of process `proc_name` from section
/// `s`; deprecation and rollover warnings go to `warnings`.
pub(super) fn channel(
    ctx: &mut Ctx,
    s: &Section,
    at: &AutoLogs,
    warnings: &mut Vec<LogLine>,
    late: &Expansions,
    ch: &str,
    proc_name: &str,
) -> ChannelModel {
    let logfile = ctx.get(
        s,
        &format!("{ch}_logfile"),
        Some(LogName::Auto),
        late,
        |v| Ok(Some(log_name(v))),
    );
    let maxbytes = ctx.get(
        s,
        &format!("{ch}_logfile_maxbytes"),
        50 << 20,
        late,
        values::byte_size,
    );
    let backups = ctx.get(
        s,
        &format!("{ch}_logfile_backups"),
        10,
        late,
        values::integer,
    );
    let capture = ctx.get(
        s,
        &format!("{ch}_capture_maxbytes"),
        0,
        late,
        values::byte_size,
    );
    let events = ctx.get(
        s,
        &format!("{ch}_events_enabled"),
        false,
        late,
        values::boolean,
    );
    let timestamps = ctx.get(
        s,
        &format!("{ch}_log_timestamps"),
        false,
        late,
        values::boolean,
    );
    let mut syslog = ctx.get(s, &format!("{ch}_syslog"), false, late, values::boolean);
    let key = format!("{ch}_logfile");
    if s.get(&key)
        .is_some_and(|e| e.value.trim().eq_ignore_ascii_case("syslog"))
    {
        syslog = true;
        warnings.push(LogLine::new(
                LogLevel::Warn,
                format!(
                    "For [{}], {key}=syslog but this is deprecated and will be removed.  Use {ch}_syslog=true to enable syslog instead.",
                    s.name
                ),
            ));
    }
    if matches!(logfile, Some(LogName::Auto) | None) && maxbytes == 0 {
        warnings.push(LogLine::new(
                LogLevel::Warn,
                format!(
                    "For [{}], AUTO logging used for {key} without rollover, set maxbytes > 0 to avoid filling up filesystem unintentionally",
                    s.name
                ),
            ));
    }
    let auto = matches!(logfile, Some(LogName::Auto) | None);
    let path = match logfile {
        Some(LogName::Auto) | None => Some(at.childlogdir.join(format!(
            "{proc_name}-{ch}---{}-{}.log",
            at.identifier,
            random_suffix()
        ))),
        Some(LogName::None) => None,
        Some(LogName::Path(p)) => match values::dirpath(&p) {
            Ok(p) => Some(PathBuf::from(p)),
            Err(m) => {
                ctx.err(s, s.get(&format!("{ch}_logfile")), m);
                None
            }
        },
    };
    ChannelModel {
        logfile: path,
        maxbytes: maxbytes.max(0) as u64,
        backups: backups.max(0) as u32,
        capture_maxbytes: capture.max(0) as usize,
        events_enabled: events,
        syslog,
        auto,
        timestamps,
    }
}

/// What a `*_logfile` value asks for.
pub(super) enum LogName {
    /// `AUTO`: a name made up in `childlogdir`.
    Auto,
    /// `NONE` (or `off`, or the deprecated `syslog`): no file.
    None,
    /// A file name.
    Path(String),
}

/// Reads a `*_logfile` value.
pub(super) fn log_name(v: &str) -> LogName {
    match v.trim().to_lowercase().as_str() {
        "auto" => LogName::Auto,
        "none" | "off" | "syslog" => LogName::None,
        _ => LogName::Path(v.trim().to_owned()),
    }
}

/// Eight random name characters, as 4.3's `tempfile` uses for AUTO log names.
fn random_suffix() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64),
    );
    let mut n = h.finish();
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789_";
    (0..8)
        .map(|_| {
            let c = CHARS[(n % CHARS.len() as u64) as usize] as char;
            n /= CHARS.len() as u64;
            c
        })
        .collect()
}
