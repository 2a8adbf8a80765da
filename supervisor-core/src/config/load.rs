//! From files to the daemon's model: every section, key, default and check of config.md, with
//! all problems collected in one pass.

use std::path::{Path, PathBuf};

use event_proto::EventMask;

use super::error::ConfigError;
use super::expand::{expand, ExpValue, Expansions};
use super::ini::{Entry, Ini, Section};
use super::{command, environment, glob, values};
use crate::http::{Credentials, UnixSocketOptions};
use crate::log_level::{LogLevel, LogLine};
use crate::logging::MainLogTarget;
use crate::model::{
    ChannelModel, ConfigSource, DaemonModel, DaemonOptions, FcgiSocket, Overrides, ProgramModel,
    RunAs, ServerModel,
};
use crate::pool::PoolSettings;
use crate::process::{AutoRestart, ProcessParams};
use crate::signal::Signal;

/// The most processes one `[program:x]` section may ask for with `numprocs`.
///
/// 4.3 has no limit and hangs building a huge list; we refuse with an error
/// (see COMPATIBILITY.md, [CFG-PROG-numprocs]).
pub const MAX_NUMPROCS: i64 = 65_536;

/// The only result handler a Rust daemon can run ([EV-RH-contract]).
const DEFAULT_RESULT_HANDLER: &str = "supervisor.dispatchers:default_handler";
/// The only RPC interface factory ([CFG-RPCI-main]).
const MAIN_RPC_FACTORY: &str = "supervisor.rpcinterface:make_main_rpcinterface";

/// `[supervisorctl]` ([CFG-CTL-*]), read by supervisorctl.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CtlSettings {
    /// `serverurl` (default `http://localhost:9001`; relative `unix://` paths made absolute).
    pub serverurl: String,
    /// `username`.
    pub username: Option<String>,
    /// `password` (cleartext).
    pub password: Option<String>,
    /// `prompt` (default `supervisor`).
    pub prompt: String,
    /// `history_file`.
    pub history_file: Option<PathBuf>,
}

/// A loaded configuration.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    /// `[supervisorctl]`, if present.
    pub ctl: Option<CtlSettings>,
    /// What the daemon runs.
    pub model: DaemonModel,
    /// Process-level settings (rlimits, pidfile) and the messages to log at startup.
    pub options: DaemonOptions,
    /// `nodaemon`.
    pub nodaemon: bool,
    /// `umask` (applied when daemonizing).
    pub umask: u32,
    /// `directory` (chdir when daemonizing).
    pub directory: Option<PathBuf>,
    /// `childlogdir`.
    pub childlogdir: PathBuf,
    /// `nocleanup`.
    pub nocleanup: bool,
}

/// Collects problems; lookups record which file/line/section/key they concern.
struct Ctx<'a> {
    main: &'a Path,
    errors: Vec<ConfigError>,
}

impl Ctx<'_> {
    fn err(&mut self, section: &Section, entry: Option<&Entry>, message: impl Into<String>) {
        self.errors.push(ConfigError {
            file: entry.map_or_else(|| section.file.clone(), |e| e.file.clone()),
            line: Some(entry.map_or(section.line, |e| e.line)),
            section: Some(section.name.clone()),
            key: entry.map(|e| e.key.clone()),
            message: message.into(),
        });
    }

    fn file_err(&mut self, message: impl Into<String>) {
        self.errors.push(ConfigError {
            file: self.main.to_owned(),
            line: None,
            section: None,
            key: None,
            message: message.into(),
        });
    }

    /// A typed value with a default; a bad value is recorded and the default used.
    fn get<T>(
        &mut self,
        s: &Section,
        key: &str,
        default: T,
        names: &Expansions,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> T {
        let Some(e) = s.get(key) else {
            return default;
        };
        let option = format!("{}.{key}", s.name);
        let expanded = match expand(&e.value, names, &option) {
            Ok(v) => v,
            Err(msg) => {
                self.err(s, Some(e), msg);
                return default;
            }
        };
        match parse(&expanded) {
            Ok(v) => v,
            Err(msg) => {
                self.err(s, Some(e), format!("{msg} (got {expanded:?})"));
                default
            }
        }
    }

    fn string(&mut self, s: &Section, key: &str, names: &Expansions) -> Option<String> {
        s.get(key)?;
        Some(self.get(s, key, String::new(), names, |v| Ok(v.to_owned())))
    }
}

fn host_node_name() -> String {
    nix::sys::utsname::uname()
        .map(|u| u.nodename().to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn base_names(here: &Path, env: &[(String, String)]) -> Expansions {
    let mut n = Expansions::new();
    for (k, v) in std::env::vars().chain(env.iter().cloned()) {
        n.insert(format!("ENV_{k}"), ExpValue::Str(v));
    }
    n.insert("here".into(), ExpValue::Str(here.display().to_string()));
    n
}

fn absolute(path: &str) -> PathBuf {
    let p = PathBuf::from(path);
    if p.is_absolute() {
        p
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    }
}

/// Reads `path` (and its includes) and builds everything the daemon needs.
pub fn load(path: &Path, overrides: &Overrides) -> Result<LoadedConfig, Vec<ConfigError>> {
    let problem = |message: String| ConfigError {
        file: path.to_owned(),
        line: None,
        section: None,
        key: None,
        message,
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(vec![problem(format!(
                "could not find config file {}",
                path.display()
            ))]);
        }
        Err(_) => {
            return Err(vec![problem(format!(
                "could not read config file {}",
                path.display()
            ))]);
        }
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return Err(vec![problem("the file is not UTF-8".to_owned())]);
    };
    load_text(path, &text, overrides)
}

/// [`load`] on text already read from `path` (`path` locates includes and `%(here)s`).
pub fn load_text(
    path: &Path,
    text: &str,
    overrides: &Overrides,
) -> Result<LoadedConfig, Vec<ConfigError>> {
    let mut ctx = Ctx {
        main: path,
        errors: Vec::new(),
    };
    let mut messages = Vec::new();
    let mut ini = Ini::default();
    let syntax = |e: super::ini::SyntaxError| ConfigError {
        file: e.file.clone(),
        line: Some(e.line),
        section: None,
        key: None,
        message: format!(
            "File contains parsing errors: expected `key = value` or `[section]`, got {:?}",
            e.text
        ),
    };
    if let Err(e) = ini.read(path, text) {
        return Err(vec![syntax(e)]);
    }
    let here = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let here = if here.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        here
    };
    let here = std::fs::canonicalize(&here).unwrap_or(here);
    // [include] ([CFG-INC-*]).
    if let Some(inc) = ini.sections.iter().find(|s| s.name == "include").cloned() {
        match inc.get("files") {
            None => ctx.err(
                &inc,
                None,
                ".ini file has [include] section, but no files setting",
            ),
            Some(files) => {
                let mut names = base_names(&here, &[]);
                names.insert("host_node_name".into(), ExpValue::Str(host_node_name()));
                let patterns = expand(&files.value, &names, "include.files").unwrap_or_else(|m| {
                    ctx.err(&inc, Some(files), m);
                    String::new()
                });
                for pattern in patterns.split_whitespace() {
                    let (full, found) = glob::expand(&here, pattern);
                    if found.is_empty() {
                        messages.push(LogLine::new(
                            LogLevel::Warn,
                            format!("No file matches via include \"{}\"", full.display()),
                        ));
                    }
                    for f in found {
                        messages.push(LogLine::new(
                            LogLevel::Info,
                            format!("Included extra file \"{}\" during parsing", f.display()),
                        ));
                        let Ok(t) = std::fs::read_to_string(&f) else {
                            ctx.file_err(format!("could not read config file {}", f.display()));
                            continue;
                        };
                        if let Err(e) = ini.read(&f, &t) {
                            ctx.errors.push(syntax(e));
                        }
                    }
                }
            }
        }
    }
    let sections = ini.resolved();
    let Some(supd) = sections.iter().find(|s| s.name == "supervisord").cloned() else {
        ctx.file_err(".ini file does not include supervisord section");
        return Err(ctx.errors);
    };
    let section_here = |s: &Section| -> PathBuf {
        let dir = s.file.parent().map(Path::to_path_buf).unwrap_or_default();
        std::fs::canonicalize(&dir).unwrap_or(here.clone())
    };

    // [supervisord] ([CFG-SUPD-*]).
    let names = base_names(&here, &[]);
    let supd_env = match supd.get("environment") {
        Some(e) => {
            let v = expand(&e.value, &names, "supervisord.environment")
                .and_then(|v| environment::parse(&v));
            v.unwrap_or_else(|m| {
                ctx.err(&supd, Some(e), m);
                Vec::new()
            })
        }
        None => Vec::new(),
    };
    let names = base_names(&here, &supd_env);
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
    let identifier = ctx
        .string(&supd, "identifier", &names)
        .unwrap_or_else(|| "supervisor".into());

    // Servers ([CFG-UNIX-*], [CFG-INET-*], [CFG-AUTH-pair]).
    let mut servers = Vec::new();
    for s in sections.iter().filter(|s| {
        s.name.starts_with("unix_http_server") || s.name.starts_with("inet_http_server")
    }) {
        let sh = section_here(s);
        let snames = base_names(&sh, &[]);
        let creds = credentials(&mut ctx, s);
        if s.name.starts_with("unix") {
            let Some(file) = ctx.string(s, "file", &snames) else {
                ctx.err(s, None, format!("section [{}] has no file value", s.name));
                continue;
            };
            let mode = ctx.get(s, "chmod", 0o700, &Expansions::new(), |v| {
                values::octal(v).map_err(|_| format!("Invalid chmod value {v}"))
            });
            let owner = ctx.get(s, "chown", None, &Expansions::new(), |v| {
                user_group(v)
                    .map(Some)
                    .map_err(|_| format!("Invalid sockchown value {v}"))
            });
            servers.push(ServerModel::Unix {
                socket: UnixSocketOptions {
                    path: absolute(&values::expand_user(&file)),
                    mode,
                    owner,
                },
                credentials: creds,
            });
        } else {
            let Some(port) = s.get("port").map(|e| e.value.clone()) else {
                ctx.err(s, None, format!("section [{}] has no port value", s.name));
                continue;
            };
            match inet_address(&port) {
                Ok(address) => servers.push(ServerModel::Tcp {
                    address,
                    credentials: creds,
                }),
                Err(m) => ctx.err(s, s.get("port"), m),
            }
        }
    }
    let server_url = servers.first().map(|s| match s {
        ServerModel::Unix { socket, .. } => format!("unix://{}", socket.path.display()),
        ServerModel::Tcp { address, .. } => {
            let (host, port) = address.rsplit_once(':').unwrap_or(("", address));
            let host = if host.is_empty() || host == "0.0.0.0" {
                "localhost"
            } else {
                host
            };
            format!("http://{host}:{port}")
        }
    });

    // [rpcinterface:x] ([CFG-RPCI-*]).
    for s in sections
        .iter()
        .filter(|s| s.name.starts_with("rpcinterface:"))
    {
        match s.get("supervisor.rpcinterface_factory") {
            None => ctx.err(
                s,
                None,
                format!(
                    "section [{}] does not specify a supervisor.rpcinterface_factory",
                    s.name
                ),
            ),
            Some(e) if e.value.trim() != MAIN_RPC_FACTORY => ctx.err(
                s,
                Some(e),
                format!(
                    "{} cannot be resolved within [{}] (only {MAIN_RPC_FACTORY} is built in)",
                    e.value.trim(),
                    s.name
                ),
            ),
            Some(_) => {}
        }
    }

    // Groups ([CFG-GROUP-*]).
    let mut group_of: Vec<(String, String, i32)> = Vec::new(); // (program, group, group priority)
    for s in sections.iter().filter(|s| s.name.starts_with("group:")) {
        let gname = match values::name(&s.name["group:".len()..]) {
            Ok(n) => n,
            Err(m) => {
                ctx.err(s, None, m);
                continue;
            }
        };
        let gnames = base_names(&section_here(s), &[]);
        let priority = ctx.get(s, "priority", 999, &gnames, values::integer) as i32;
        let programs = ctx.get(s, "programs", Vec::new(), &gnames, |v| Ok(values::list(v)));
        for p in programs {
            let as_program = sections.iter().any(|x| x.name == format!("program:{p}"));
            let as_fcgi = sections
                .iter()
                .any(|x| x.name == format!("fcgi-program:{p}"));
            if as_program && as_fcgi {
                ctx.err(
                    s,
                    s.get("programs"),
                    format!("name {p} is ambiguous (exists as program and fcgi-program)"),
                );
                continue;
            }
            if !as_program && !as_fcgi {
                ctx.err(
                    s,
                    s.get("programs"),
                    format!("names unknown program or fcgi-program {p}"),
                );
                continue;
            }
            group_of.push((p, gname.clone(), priority));
        }
    }

    // Programs and listener pools ([CFG-PROG-*], [CFG-EL-*]).
    let mut programs = Vec::new();
    let mut pools = Vec::new();
    let childlogdir_path = PathBuf::from(&childlogdir);
    for s in &sections {
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
                .filter(|(p, _, _)| *p == pname)
                .map(|(_, g, pr)| (g.clone(), *pr))
                .collect();
            if g.is_empty() {
                vec![(pname.clone(), 0)]
            } else {
                g
            }
        };
        for (gname, gprio) in groups {
            let mut early = base_names(&section_here(s), &supd_env);
            early.insert("program_name".into(), ExpValue::Str(pname.clone()));
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
            let autostart = ctx.get(s, "autostart", true, &early, values::boolean);
            let autorestart = ctx.get(s, "autorestart", AutoRestart::Unexpected, &early, |v| {
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
            let startsecs = ctx.get(s, "startsecs", 1, &early, values::integer);
            let startretries = ctx.get(s, "startretries", 3, &early, values::integer);
            let stopsignal = ctx.get(s, "stopsignal", Signal::TERM, &early, |v| {
                Signal::parse(v).map_err(|e| e.with_accepted())
            });
            let stopwaitsecs = ctx.get(s, "stopwaitsecs", 10, &early, values::integer);
            let stopasgroup = ctx.get(s, "stopasgroup", false, &early, values::boolean);
            let killasgroup = ctx.get(s, "killasgroup", stopasgroup, &early, values::boolean);
            if stopasgroup && !killasgroup {
                ctx.err(
                    s,
                    s.get("killasgroup"),
                    "Cannot set stopasgroup=true and killasgroup=false",
                );
            }
            let exitcodes = ctx.get(s, "exitcodes", vec![0], &early, values::exit_codes);
            let redirect_stderr = ctx.get(s, "redirect_stderr", false, &early, values::boolean);
            if listener && redirect_stderr {
                ctx.err(s, s.get("redirect_stderr"), format!("[{}] section sets redirect_stderr=true but this is not allowed because it will interfere with the eventlistener protocol", s.name));
            }
            let numprocs = ctx.get(s, "numprocs", 1, &early, values::integer);
            let numprocs_start = ctx.get(s, "numprocs_start", 0, &early, values::integer);
            if numprocs > MAX_NUMPROCS {
                ctx.err(
                    s,
                    s.get("numprocs"),
                    format!("numprocs: got {numprocs}; at most {MAX_NUMPROCS} processes per section are supported"),
                );
                continue;
            }
            let Some(numprocs_end) = numprocs_start.checked_add(numprocs.max(0)) else {
                ctx.err(
                    s,
                    s.get("numprocs_start"),
                    format!(
                        "numprocs_start: got {numprocs_start}; numprocs_start + numprocs overflows"
                    ),
                );
                continue;
            };
            let user = ctx.get(s, "user", None, &early, |v| run_as(v).map(Some));
            let umask = ctx.get(s, "umask", None, &early, |v| values::octal(v).map(Some));
            let template = s
                .get("process_name")
                .map_or_else(|| "%(program_name)s".to_owned(), |e| e.value.clone());
            if let Err(m) = values::name(&template) {
                ctx.err(s, s.get("process_name"), m);
                continue;
            }
            if numprocs > 1 && !template.contains("%(process_num)") {
                ctx.err(
                    s,
                    s.get("numprocs"),
                    "%(process_num) must be present within process_name when numprocs > 1",
                );
                continue;
            }
            let Some(cmd_entry) = s.get("command") else {
                ctx.err(
                    s,
                    None,
                    format!("{kind} section {} does not specify a command", s.name),
                );
                continue;
            };
            let channel = |ctx: &mut Ctx,
                           warnings: &mut Vec<LogLine>,
                           late: &Expansions,
                           ch: &str,
                           proc_name: &str|
             -> ChannelModel {
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
                    Some(LogName::Auto) | None => Some(childlogdir_path.join(format!(
                        "{proc_name}-{ch}---{identifier}-{}.log",
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
                }
            };
            let fcgi_socket = if kind == "fcgi-program" {
                let mut names = base_names(&section_here(s), &[]);
                names.insert("program_name".into(), ExpValue::Str(pname.clone()));
                match fcgi_socket(&mut ctx, s, &names) {
                    Some(sock) => Some(sock),
                    None => continue,
                }
            } else {
                None
            };
            let pool_index = if listener {
                let Some(ev) = s.get("events") else {
                    ctx.err(
                        s,
                        None,
                        format!("[{}] section requires an \"events\" line", s.name),
                    );
                    continue;
                };
                let mask = match EventMask::parse_list(&ev.value) {
                    Ok(m) if !m.is_empty() => m,
                    Ok(_) => {
                        ctx.err(
                            s,
                            Some(ev),
                            format!("[{}] section requires an \"events\" line", s.name),
                        );
                        continue;
                    }
                    Err(e) => {
                        ctx.err(
                            s,
                            Some(ev),
                            format!("Unknown event type {} in [{}] events", e.name, s.name),
                        );
                        continue;
                    }
                };
                let buffer_size = ctx.get(s, "buffer_size", 10, &early, values::integer);
                if buffer_size < 1 {
                    ctx.err(
                        s,
                        s.get("buffer_size"),
                        format!(
                            "[{}] section sets invalid buffer_size ({buffer_size})",
                            s.name
                        ),
                    );
                }
                if let Some(rh) = s.get("result_handler") {
                    if rh.value.trim() != DEFAULT_RESULT_HANDLER {
                        ctx.err(s, Some(rh), format!("{} cannot be resolved within [{}] (only {DEFAULT_RESULT_HANDLER} is built in)", rh.value.trim(), s.name));
                    }
                }
                pools.push(PoolSettings {
                    name: pname.clone(),
                    events: mask,
                    buffer_size: buffer_size.max(1) as usize,
                    len_unit: event_proto::LenUnit::Chars,
                    server: identifier.clone(),
                });
                Some(pools.len() - 1)
            } else {
                None
            };
            for num in numprocs_start..numprocs_end {
                let mut late = early.clone();
                late.insert("process_num".into(), ExpValue::Int(num));
                late.insert("numprocs".into(), ExpValue::Int(numprocs));
                let proc_name = match expand(&template, &late, &format!("{}.process_name", s.name))
                {
                    Ok(n) => n,
                    Err(m) => {
                        ctx.err(s, s.get("process_name"), m);
                        break;
                    }
                };
                let env = match s.get("environment") {
                    Some(e) => expand(&e.value, &late, &format!("{}.environment", s.name))
                        .and_then(|v| environment::parse(&v))
                        .unwrap_or_else(|m| {
                            ctx.err(s, Some(e), m);
                            Vec::new()
                        }),
                    None => Vec::new(),
                };
                for (k, v) in &env {
                    late.insert(format!("ENV_{k}"), ExpValue::Str(v.clone()));
                }
                let cmd = match expand(&cmd_entry.value, &late, &format!("{}.command", s.name)) {
                    Ok(c) => c,
                    Err(m) => {
                        ctx.err(s, Some(cmd_entry), m);
                        break;
                    }
                };
                let argv = command::split(&cmd).unwrap_or_else(|_| vec![cmd.clone()]);
                let directory = ctx.string(s, "directory", &late).map(PathBuf::from);
                let mut warnings = Vec::new();
                let stdout = channel(&mut ctx, &mut warnings, &late, "stdout", &proc_name);
                let mut stderr = channel(&mut ctx, &mut warnings, &late, "stderr", &proc_name);
                for w in warnings {
                    if !messages.contains(&w) {
                        messages.push(w);
                    }
                }
                let server_url = ctx
                    .string(s, "serverurl", &early)
                    .map(|u| u.trim().to_owned())
                    .filter(|u| !u.eq_ignore_ascii_case("auto"));
                if redirect_stderr {
                    if s.get("stderr_logfile").is_some_and(|e| {
                        !matches!(log_name(&e.value), LogName::Auto | LogName::None)
                    }) {
                        messages.push(LogLine::new(LogLevel::Warn, format!("For [{}], redirect_stderr=true but stderr_logfile has also been set to a filename, the filename has been ignored", s.name)));
                    }
                    stderr.logfile = None;
                    stderr.auto = false;
                }
                let mut params = ProcessParams::new(&proc_name, &gname);
                params.autostart = autostart;
                params.autorestart = autorestart;
                params.startsecs = startsecs.max(0) as u64;
                params.startretries = startretries.max(0) as u32;
                params.exitcodes = exitcodes.clone();
                params.stopsignal = stopsignal;
                params.stopwaitsecs = stopwaitsecs.max(0) as u64;
                params.stopasgroup = stopasgroup;
                params.killasgroup = killasgroup;
                programs.push(ProgramModel {
                    params,
                    group_priority,
                    priority,
                    argv,
                    command: cmd,
                    environment: env,
                    directory,
                    umask,
                    user: user.clone(),
                    redirect_stderr,
                    strip_ansi,
                    stdout,
                    stderr,
                    pool: pool_index,
                    server_url,
                    fcgi_socket: fcgi_socket.clone(),
                });
            }
        }
    }
    let ctl = sections
        .iter()
        .find(|s| s.name == "supervisorctl")
        .map(|s| {
            let names = base_names(&section_here(s), &[]);
            let serverurl = ctx
                .string(s, "serverurl", &names)
                .unwrap_or_else(|| "http://localhost:9001".to_owned());
            let serverurl = match serverurl.strip_prefix("unix://") {
                Some(p) if !p.starts_with('/') => format!("unix://{}", absolute(p).display()),
                _ => serverurl,
            };
            CtlSettings {
                serverurl,
                username: s.get("username").map(|e| e.value.clone()),
                password: s.get("password").map(|e| e.value.clone()),
                prompt: s
                    .get("prompt")
                    .map_or_else(|| "supervisor".to_owned(), |e| e.value.clone()),
                history_file: ctx
                    .string(s, "history_file", &names)
                    .map(|h| absolute(&values::expand_user(&h))),
            }
        });
    if !ctx.errors.is_empty() {
        return Err(ctx.errors);
    }
    let main_log = match logfile {
        Some(p) => MainLogTarget::File {
            path: absolute(&p),
            maxbytes: logfile_maxbytes.max(0) as u64,
            backups: logfile_backups.max(0) as u32,
        },
        // `logfile=syslog` ([CFG-SUPD-logfile]).
        None => MainLogTarget::Syslog,
    };
    Ok(LoadedConfig {
        ctl,
        model: DaemonModel {
            identifier,
            main_log,
            loglevel,
            echo_log: nodaemon && !silent,
            environment: supd_env,
            server_url,
            programs,
            servers,
            pools,
            source: Some(ConfigSource {
                path: path.to_owned(),
                overrides: overrides.clone(),
            }),
        },
        options: DaemonOptions {
            minfds: minfds.max(0) as u64,
            minprocs: minprocs.max(0) as u64,
            pidfile: Some(absolute(&pidfile)),
            parse_messages: messages,
            daemonize: (!nodaemon).then(|| (directory.clone().map(PathBuf::from), umask)),
            clean_childlogdir: (!nocleanup).then(|| childlogdir_path.clone()),
            user: daemon_user,
        },
        nodaemon,
        umask,
        directory: directory.map(PathBuf::from),
        childlogdir: childlogdir_path,
        nocleanup,
    })
}

enum LogName {
    Auto,
    None,
    Path(String),
}

fn log_name(v: &str) -> LogName {
    match v.trim().to_lowercase().as_str() {
        "auto" => LogName::Auto,
        "none" | "off" | "syslog" => LogName::None,
        _ => LogName::Path(v.trim().to_owned()),
    }
}

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

/// `[fcgi-program:x] socket`, `socket_backlog`, `socket_owner`, `socket_mode` with 4.3's
/// error texts ([CFG-FCGI-errors]). `None` after recording an error.
fn fcgi_socket(ctx: &mut Ctx, s: &Section, names: &Expansions) -> Option<FcgiSocket> {
    let Some(entry) = s.get("socket") else {
        ctx.err(
            s,
            None,
            format!("[{}] section requires a \"socket\" line", s.name),
        );
        return None;
    };
    let url = match expand(&entry.value, names, &format!("{}.socket", s.name)) {
        Ok(u) => u.trim().to_owned(),
        Err(m) => {
            ctx.err(s, Some(entry), m);
            return None;
        }
    };
    let backlog = match s.get("socket_backlog") {
        None => None,
        Some(e) => match values::integer(&e.value) {
            Ok(n) if (1..=65535).contains(&n) => Some(n as i32),
            _ => {
                ctx.err(
                    s,
                    Some(e),
                    format!("Invalid socket_backlog value {}", e.value.trim()),
                );
                return None;
            }
        },
    };
    let owner_set = s.get("socket_owner").is_some();
    let mode_set = s.get("socket_mode").is_some();
    if let Some(path) = url.strip_prefix("unix://") {
        if !path.starts_with('/') {
            ctx.err(
                s,
                Some(entry),
                format!(
                    "('Unix socket path %s is not an absolute path', '{path}') in [{}] socket",
                    s.name
                ),
            );
            return None;
        }
        let mode = ctx.get(s, "socket_mode", 0o700, names, values::octal);
        let owner = ctx.get(s, "socket_owner", None, names, |v| {
            user_group(v)
                .map(Some)
                .map_err(|_| format!("Invalid sockchown value {v}"))
        });
        return Some(FcgiSocket::Unix {
            path: PathBuf::from(path),
            mode,
            owner,
            backlog,
        });
    }
    if let Some(addr) = url.strip_prefix("tcp://") {
        if owner_set || mode_set {
            ctx.err(s, Some(entry), format!("socket_owner and socket_mode params should only be used with a Unix domain socket in [{}] socket", s.name));
            return None;
        }
        if let Some((host, port)) = addr.rsplit_once(':') {
            if let Ok(port) = port.parse::<u16>() {
                return Some(FcgiSocket::Tcp {
                    host: host.to_owned(),
                    port,
                    backlog,
                });
            }
        }
    }
    ctx.err(
        s,
        Some(entry),
        format!("('Bad socket format %s', '{url}') in [{}] socket", s.name),
    );
    None
}

fn credentials(ctx: &mut Ctx, s: &Section) -> Option<Credentials> {
    match (s.get("username"), s.get("password")) {
        (Some(u), Some(p)) => Some(Credentials {
            username: u.value.clone(),
            password: p.value.clone(),
        }),
        (None, None) => None,
        _ => {
            ctx.err(s, None, format!("Section [{}] contains incomplete authentication: If a username or a password is specified, both the username and password must be specified", s.name));
            None
        }
    }
}

fn inet_address(port: &str) -> Result<String, String> {
    let (host, p) = match port.rsplit_once(':') {
        Some((h, p)) => (h.to_lowercase(), p),
        None => (String::new(), port),
    };
    let n: u32 = p
        .trim()
        .parse()
        .map_err(|_| format!("not a valid port number: '{p}' "))?;
    if n > 65535 {
        return Err(format!("{n} is above upper bound (65535)"));
    }
    let host = if host.is_empty() || host == "*" {
        "0.0.0.0".to_owned()
    } else {
        host
    };
    Ok(format!("{host}:{n}"))
}

fn user_group(v: &str) -> Result<(u32, Option<u32>), String> {
    let (user, group) = v.split_once(':').map_or((v, None), |(u, g)| (u, Some(g)));
    let u = run_as(user)?;
    let gid = match group {
        // No group: the socket's group is left as it is (4.3 passes -1 to chown).
        None => None,
        Some(g) => Some(match g.parse::<u32>() {
            Ok(n) => n,
            Err(_) => nix::unistd::Group::from_name(g)
                .ok()
                .flatten()
                .map(|g| g.gid.as_raw())
                .ok_or_else(|| format!("Invalid group name {g}"))?,
        }),
    };
    Ok((u.uid, gid))
}

/// Resolves `user=` to uid, gid and supplementary groups ([CFG-TYPE-user]).
fn run_as(v: &str) -> Result<RunAs, String> {
    let v = v.trim();
    let user = match v.parse::<u32>() {
        Ok(uid) => nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
            .ok()
            .flatten()
            .ok_or_else(|| format!("Invalid user id {v}"))?,
        Err(_) => nix::unistd::User::from_name(v)
            .ok()
            .flatten()
            .ok_or_else(|| format!("Invalid user name {v}"))?,
    };
    let name =
        std::ffi::CString::new(user.name.clone()).map_err(|_| format!("Invalid user name {v}"))?;
    let groups = nix::unistd::getgrouplist(&name, user.gid)
        .map(|g| g.into_iter().map(|g| g.as_raw()).collect())
        .unwrap_or_else(|_| vec![user.gid.as_raw()]);
    Ok(RunAs {
        uid: user.uid.as_raw(),
        gid: user.gid.as_raw(),
        groups,
    })
}
