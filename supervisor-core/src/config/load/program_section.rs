//! The keys `[program:x]`, `[eventlistener:x]` and `[fcgi-program:x]` share ([CFG-PROG-*],
//! [CFG-EL-*]): one [`ProgramModel`] per process of each group the section runs in.

use std::path::{Path, PathBuf};

use super::channel::{channel, log_name, AutoLogs, LogName};
use super::ctx::{base_names, host_node_name, section_here, Ctx};
use super::env_files::section_environment;
use super::eventlistener_section::pool;
use super::fcgi_section::fcgi_socket;
use super::group_section::GroupMember;
use super::orchestration::orchestration;
use super::users::run_as;
use crate::config::expand::{expand, ExpValue, Expansions};
use crate::config::ini::{Entry, Section};
use crate::config::{command, values};
use crate::log_level::{LogLevel, LogLine};
use crate::model::{ProgramModel, RunAs};
use crate::pool::PoolSettings;
use crate::process::{AutoRestart, ProcessParams};
use crate::signal::Signal;

/// The most processes one `[program:x]` section may ask for with `numprocs`.
///
/// 4.3 has no limit and hangs building a huge list; we refuse with an error
/// (see COMPATIBILITY.md, [CFG-PROG-numprocs]).
pub const MAX_NUMPROCS: i64 = 65_536;

/// The `[supervisord]` values the program sections need.
pub(super) struct Globals<'a> {
    /// The main file's directory.
    pub(super) here: &'a Path,
    /// `[supervisord] environment=` (for `%(ENV_x)s`).
    pub(super) env: &'a [(String, String)],
    /// Where AUTO logs go.
    pub(super) logs: AutoLogs<'a>,
    /// `[supervisord] strip_ansi=`.
    pub(super) strip_ansi: bool,
    /// `[supervisord] stoptree=`, the default of each program's.
    pub(super) stoptree: bool,
}

/// What the program sections produce.
struct Out<'m> {
    /// Every process so far.
    programs: Vec<ProgramModel>,
    /// Every listener pool so far.
    pools: Vec<PoolSettings>,
    /// Warnings to log at startup.
    messages: &'m mut Vec<LogLine>,
}

/// Every process and listener pool, in section order; warnings are added to `messages`.
pub(super) fn programs(
    ctx: &mut Ctx,
    sections: &[Section],
    group_of: &[GroupMember],
    g: &Globals,
    messages: &mut Vec<LogLine>,
) -> (Vec<ProgramModel>, Vec<PoolSettings>) {
    let mut out = Out {
        programs: Vec::new(),
        pools: Vec::new(),
        messages,
    };
    for s in sections {
        let (kind, pname) = if let Some(n) = s.name.strip_prefix("program:") {
            ("program", n)
        } else if let Some(n) = s.name.strip_prefix("eventlistener:") {
            ("eventlistener", n)
        } else if let Some(n) = s.name.strip_prefix("fcgi-program:") {
            ("fcgi-program", n)
        } else {
            continue;
        };
        let pname = match values::name(pname) {
            Ok(n) => n,
            Err(m) => {
                ctx.err(s, None, m);
                continue;
            }
        };
        let listener = kind == "eventlistener";
        let groups: Vec<(String, i32)> = if listener {
            vec![(pname.clone(), 0)]
        } else {
            let g: Vec<_> = group_of
                .iter()
                .filter(|m| m.program == pname)
                .map(|m| (m.group.clone(), m.priority))
                .collect();
            if g.is_empty() {
                vec![(pname.clone(), 0)]
            } else {
                g
            }
        };
        for group in groups {
            group_programs(ctx, s, kind, &pname, group, g, &mut out);
        }
    }
    (out.programs, out.pools)
}

/// The processes of section `s` (a `kind` section for program `pname`) in group
/// `(gname, gprio)`; nothing after recording an error.
fn group_programs(
    ctx: &mut Ctx,
    s: &Section,
    kind: &str,
    pname: &str,
    (gname, gprio): (String, i32),
    g: &Globals,
    out: &mut Out,
) {
    let listener = kind == "eventlistener";
    let mut early = base_names(&section_here(g.here, s), g.env);
    early.insert("program_name".into(), ExpValue::Str(pname.to_owned()));
    early.insert("group_name".into(), ExpValue::Str(gname.clone()));
    early.insert("host_node_name".into(), ExpValue::Str(host_node_name()));
    let priority_set = s.get("priority").is_some();
    let priority = ctx.get(s, "priority", 999, &early, values::integer) as i32;
    let group_priority = if listener {
        if priority_set {
            priority
        } else {
            -1
        }
    } else if gname == pname {
        priority
    } else {
        gprio
    };
    let mut params = process_params(ctx, s, &early, &gname);
    let orchestration = orchestration(ctx, s, &early, pname, &mut params);
    let Some(keys) = shared_keys(ctx, s, kind, &early) else {
        return;
    };
    let fcgi_socket = if kind == "fcgi-program" {
        let mut names = base_names(&section_here(g.here, s), &[]);
        names.insert("program_name".into(), ExpValue::Str(pname.to_owned()));
        match fcgi_socket(ctx, s, &names) {
            Some(sock) => Some(sock),
            None => return,
        }
    } else {
        None
    };
    let pool_index = if listener {
        match pool(ctx, s, pname, &early, g.logs.identifier, &mut out.pools) {
            Some(i) => Some(i),
            None => return,
        }
    } else {
        None
    };
    let model = ProgramModel {
        params,
        group_priority,
        priority,
        argv: Vec::new(),
        command: String::new(),
        environment: Vec::new(),
        directory: None,
        umask: keys.umask,
        user: keys.user.clone(),
        redirect_stderr: keys.redirect_stderr,
        strip_ansi: g.strip_ansi,
        stdout: Default::default(),
        stderr: Default::default(),
        pool: pool_index,
        server_url: None,
        fcgi_socket,
        orchestration,
        stoptree: ctx.get(s, "stoptree", g.stoptree, &early, values::boolean),
    };
    let shape = Shape {
        s,
        keys,
        early,
        model,
    };
    for num in shape.keys.numprocs_start..shape.keys.numprocs_end {
        let Some(p) = process(ctx, &shape, num, g, out.messages) else {
            break;
        };
        out.programs.push(p);
    }
}

/// The state-machine keys (`autostart` to `exitcodes`) of section `s`, for a process of
/// group `gname` (named when the process is).
fn process_params(ctx: &mut Ctx, s: &Section, early: &Expansions, gname: &str) -> ProcessParams {
    let autostart = ctx.get(s, "autostart", true, early, values::boolean);
    let autorestart = ctx.get(s, "autorestart", AutoRestart::Unexpected, early, |v| {
        if v.eq_ignore_ascii_case("unexpected") {
            Ok(AutoRestart::Unexpected)
        } else {
            match values::boolean(v) {
                Ok(true) => Ok(AutoRestart::True),
                Ok(false) => Ok(AutoRestart::False),
                Err(_) => Err(format!(
                    "invalid 'autorestart' value '{}': expected true, false or unexpected",
                    v.to_lowercase()
                )),
            }
        }
    });
    let startsecs = ctx.get(s, "startsecs", 1, early, values::integer);
    let startretries = ctx.get(s, "startretries", 3, early, values::integer);
    let stopsignal = ctx.get(s, "stopsignal", Signal::TERM, early, |v| {
        Signal::parse(v).map_err(|e| e.with_accepted())
    });
    let stopwaitsecs = ctx.get(s, "stopwaitsecs", 10, early, values::integer);
    let stopasgroup = ctx.get(s, "stopasgroup", false, early, values::boolean);
    let killasgroup = ctx.get(s, "killasgroup", stopasgroup, early, values::boolean);
    if stopasgroup && !killasgroup {
        ctx.err(
            s,
            s.get("killasgroup"),
            "Cannot set stopasgroup=true and killasgroup=false",
        );
    }
    let exitcodes = ctx.get(s, "exitcodes", vec![0], early, values::exit_codes);
    let mut params = ProcessParams::new("", gname);
    params.autostart = autostart;
    params.autorestart = autorestart;
    params.startsecs = startsecs.max(0) as u64;
    params.startretries = startretries.max(0) as u32;
    params.exitcodes = exitcodes;
    params.stopsignal = stopsignal;
    params.stopwaitsecs = stopwaitsecs.max(0) as u64;
    params.stopasgroup = stopasgroup;
    params.killasgroup = killasgroup;
    params
}

/// The section keys every process of a group shares, from `redirect_stderr` to `command`.
struct Keys<'s> {
    /// `redirect_stderr=`.
    redirect_stderr: bool,
    /// `numprocs=`.
    numprocs: i64,
    /// `numprocs_start=`, the first process number.
    numprocs_start: i64,
    /// One past the last process number.
    numprocs_end: i64,
    /// `user=`.
    user: Option<RunAs>,
    /// `umask=`.
    umask: Option<u32>,
    /// `process_name`, not yet expanded.
    template: String,
    /// `command`, not yet expanded.
    command: &'s Entry,
}

/// Reads [`Keys`] from `s`; `None` after recording an error.
fn shared_keys<'s>(
    ctx: &mut Ctx,
    s: &'s Section,
    kind: &str,
    early: &Expansions,
) -> Option<Keys<'s>> {
    let listener = kind == "eventlistener";
    let redirect_stderr = ctx.get(s, "redirect_stderr", false, early, values::boolean);
    if listener && redirect_stderr {
        ctx.err(s, s.get("redirect_stderr"), format!("[{}] section sets redirect_stderr=true but this is not allowed because it will interfere with the eventlistener protocol", s.name));
    }
    let numprocs = ctx.get(s, "numprocs", 1, early, values::integer);
    let numprocs_start = ctx.get(s, "numprocs_start", 0, early, values::integer);
    if numprocs > MAX_NUMPROCS {
        ctx.err(
            s,
            s.get("numprocs"),
            format!("numprocs: got {numprocs}; at most {MAX_NUMPROCS} processes per section are supported"),
        );
        return None;
    }
    let Some(numprocs_end) = numprocs_start.checked_add(numprocs.max(0)) else {
        ctx.err(
            s,
            s.get("numprocs_start"),
            format!("numprocs_start: got {numprocs_start}; numprocs_start + numprocs overflows"),
        );
        return None;
    };
    let user = ctx.get(s, "user", None, early, |v| run_as(v).map(Some));
    let umask = ctx.get(s, "umask", None, early, |v| values::octal(v).map(Some));
    let template = s
        .get("process_name")
        .map_or_else(|| "%(program_name)s".to_owned(), |e| e.value.clone());
    if let Err(m) = values::name(&template) {
        ctx.err(s, s.get("process_name"), m);
        return None;
    }
    if numprocs > 1 && !template.contains("%(process_num)") {
        ctx.err(
            s,
            s.get("numprocs"),
            "%(process_num) must be present within process_name when numprocs > 1",
        );
        return None;
    }
    let Some(cmd_entry) = s.get("command") else {
        ctx.err(
            s,
            None,
            format!("{kind} section {} does not specify a command", s.name),
        );
        return None;
    };
    Some(Keys {
        redirect_stderr,
        numprocs,
        numprocs_start,
        numprocs_end,
        user,
        umask,
        template,
        command: cmd_entry,
    })
}

/// One group's section and what its processes share.
struct Shape<'s> {
    /// The section.
    s: &'s Section,
    /// Its shared keys.
    keys: Keys<'s>,
    /// The names known before the process number (`program_name`, `group_name`, ...).
    early: Expansions,
    /// The shared values; each process fills in its own name, command and channels.
    model: ProgramModel,
}

/// Process number `num` of `shape`; `None` after recording an error (no further numbers
/// are tried).
fn process(
    ctx: &mut Ctx,
    shape: &Shape,
    num: i64,
    g: &Globals,
    messages: &mut Vec<LogLine>,
) -> Option<ProgramModel> {
    let s = shape.s;
    let mut late = shape.early.clone();
    late.insert("process_num".into(), ExpValue::Int(num));
    late.insert("numprocs".into(), ExpValue::Int(shape.keys.numprocs));
    let proc_name = match expand(
        &shape.keys.template,
        &late,
        &format!("{}.process_name", s.name),
    ) {
        Ok(n) => n,
        Err(m) => {
            ctx.err(s, s.get("process_name"), m);
            return None;
        }
    };
    let env = section_environment(ctx, s, &mut late, &section_here(g.here, s));
    let cmd = match expand(
        &shape.keys.command.value,
        &late,
        &format!("{}.command", s.name),
    ) {
        Ok(c) => c,
        Err(m) => {
            ctx.err(s, Some(shape.keys.command), m);
            return None;
        }
    };
    let argv = command::split(&cmd).unwrap_or_else(|_| vec![cmd.clone()]);
    let directory = ctx.string(s, "directory", &late).map(PathBuf::from);
    let mut warnings = Vec::new();
    let stdout = channel(ctx, s, &g.logs, &mut warnings, &late, "stdout", &proc_name);
    let mut stderr = channel(ctx, s, &g.logs, &mut warnings, &late, "stderr", &proc_name);
    for w in warnings {
        if !messages.contains(&w) {
            messages.push(w);
        }
    }
    let server_url = ctx
        .string(s, "serverurl", &shape.early)
        .map(|u| u.trim().to_owned())
        .filter(|u| !u.eq_ignore_ascii_case("auto"));
    if shape.keys.redirect_stderr {
        if s.get("stderr_logfile")
            .is_some_and(|e| !matches!(log_name(&e.value), LogName::Auto | LogName::None))
        {
            messages.push(LogLine::new(LogLevel::Warn, format!("For [{}], redirect_stderr=true but stderr_logfile has also been set to a filename, the filename has been ignored", s.name)));
        }
        stderr.logfile = None;
        stderr.auto = false;
    }
    let mut params = shape.model.params.clone();
    params.name = proc_name;
    Some(ProgramModel {
        params,
        argv,
        command: cmd,
        environment: env,
        directory,
        stdout,
        stderr,
        server_url,
        ..shape.model.clone()
    })
}
