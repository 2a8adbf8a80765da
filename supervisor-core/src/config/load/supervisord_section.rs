//! `[supervisord]` ([CFG-SUPD-*]): the daemon's own settings, with the command line's
//! overrides applied first.

use std::path::{Path, PathBuf};

use super::ctx::{base_names, Ctx};
use super::env_files::section_environment;
use super::users::run_as;
use crate::config::ini::{Entry, Section};
use crate::config::values;
use crate::log_level::LogLevel;
use crate::model::{Overrides, RunAs};

/// The values of `[supervisord]`, each already checked (a bad value is recorded and the
/// default kept).
pub(super) struct Supervisord {
    /// `environment=`.
    pub(super) env: Vec<(String, String)>,
    /// `logfile=` (`None`: syslog).
    pub(super) logfile: Option<String>,
    /// `logfile_maxbytes=`.
    pub(super) logfile_maxbytes: i64,
    /// `logfile_backups=`.
    pub(super) logfile_backups: i64,
    /// `loglevel=`.
    pub(super) loglevel: LogLevel,
    /// `pidfile=`.
    pub(super) pidfile: String,
    /// `umask=`.
    pub(super) umask: u32,
    /// `nodaemon=`.
    pub(super) nodaemon: bool,
    /// `silent=`.
    pub(super) silent: bool,
    /// `minfds=`.
    pub(super) minfds: i64,
    /// `minprocs=`.
    pub(super) minprocs: i64,
    /// `nocleanup=`.
    pub(super) nocleanup: bool,
    /// `user=`.
    pub(super) user: Option<RunAs>,
    /// `childlogdir=`.
    pub(super) childlogdir: PathBuf,
    /// `directory=`.
    pub(super) directory: Option<String>,
    /// `strip_ansi=`.
    pub(super) strip_ansi: bool,
    /// `stoptree=` (an extension): the default of every program's `stoptree`.
    pub(super) stoptree: bool,
    /// `identifier=`.
    pub(super) identifier: String,
}

/// Reads `[supervisord]`; `here` is the main file's directory.
pub(super) fn supervisord(
    ctx: &mut Ctx,
    supd: Section,
    overrides: &Overrides,
    here: &Path,
) -> Supervisord {
    let mut names = base_names(here, &[]);
    let supd_env = section_environment(ctx, &supd, &mut names, here);
    let names = base_names(here, &supd_env);
    let supd = with_overrides(supd, overrides);
    let logfile = ctx.get(
        &supd,
        "logfile",
        Some("supervisord.log".to_owned()),
        &names,
        |v| {
            if v == "syslog" {
                Ok(None)
            } else {
                values::dirpath(v).map(Some)
            }
        },
    );
    let logfile_maxbytes = ctx.get(
        &supd,
        "logfile_maxbytes",
        50 << 20,
        &names,
        values::byte_size,
    );
    let logfile_backups = ctx.get(&supd, "logfile_backups", 10, &names, values::integer);
    let loglevel = ctx.get(&supd, "loglevel", LogLevel::Info, &names, |v| {
        v.parse::<LogLevel>().map_err(|e| e.to_string())
    });
    let pidfile = ctx.get(
        &supd,
        "pidfile",
        "supervisord.pid".to_owned(),
        &names,
        values::dirpath,
    );
    let umask = ctx.get(&supd, "umask", 0o022, &names, values::octal);
    let nodaemon = ctx.get(&supd, "nodaemon", false, &names, values::boolean);
    let silent = ctx.get(&supd, "silent", false, &names, values::boolean);
    let minfds = ctx.get(&supd, "minfds", 1024, &names, values::integer);
    let minprocs = ctx.get(&supd, "minprocs", 200, &names, values::integer);
    let nocleanup = ctx.get(&supd, "nocleanup", false, &names, values::boolean);
    let daemon_user = ctx.get(&supd, "user", None, &names, |v| run_as(v).map(Some));
    let tmp = std::env::temp_dir().display().to_string();
    let childlogdir = ctx.get(&supd, "childlogdir", tmp, &names, values::existing_dir);
    let directory = ctx.string(&supd, "directory", &names).and_then(|d| {
        values::existing_dir(&d)
            .map_err(|m| ctx.err(&supd, supd.get("directory"), m))
            .ok()
    });
    let strip_ansi = ctx.get(&supd, "strip_ansi", false, &names, values::boolean);
    let stoptree = ctx.get(&supd, "stoptree", false, &names, values::boolean);
    let identifier = ctx
        .string(&supd, "identifier", &names)
        .unwrap_or_else(|| "supervisor".into());
    Supervisord {
        env: supd_env,
        logfile,
        logfile_maxbytes,
        logfile_backups,
        loglevel,
        pidfile,
        umask,
        nodaemon,
        silent,
        minfds,
        minprocs,
        nocleanup,
        user: daemon_user,
        childlogdir: PathBuf::from(&childlogdir),
        directory,
        strip_ansi,
        stoptree,
        identifier,
    }
}

/// `supd` with each value given on the command line in place of the file's
/// ([CFG-CLI-override]).
fn with_overrides(supd: Section, overrides: &Overrides) -> Section {
    let ov = |o: &Option<String>, s: &Section, key: &str| -> Section {
        let mut s = s.clone();
        if let Some(v) = o {
            s.entries.retain(|e| e.key != key);
            s.entries.push(Entry {
                key: key.into(),
                value: v.replace('%', "%%"),
                file: PathBuf::from("command line"),
                line: 0,
            });
        }
        s
    };
    let mut supd = supd;
    for (value, key) in [
        (&overrides.logfile, "logfile"),
        (&overrides.logfile_maxbytes, "logfile_maxbytes"),
        (&overrides.logfile_backups, "logfile_backups"),
        (&overrides.loglevel, "loglevel"),
        (&overrides.pidfile, "pidfile"),
        (&overrides.identifier, "identifier"),
        (&overrides.childlogdir, "childlogdir"),
        (&overrides.minfds, "minfds"),
        (&overrides.minprocs, "minprocs"),
        (&overrides.umask, "umask"),
        (&overrides.directory, "directory"),
        (&overrides.user, "user"),
    ] {
        supd = ov(value, &supd, key);
    }
    let b = |v: Option<bool>| {
        v.map(|b| {
            Some(if b {
                "true".to_owned()
            } else {
                "false".to_owned()
            })
        })
        .unwrap_or(None)
    };
    for (value, key) in [
        (b(overrides.nodaemon), "nodaemon"),
        (b(overrides.silent), "silent"),
        (b(overrides.nocleanup), "nocleanup"),
        (b(overrides.strip_ansi), "strip_ansi"),
    ] {
        supd = ov(&value, &supd, key);
    }
    supd
}
