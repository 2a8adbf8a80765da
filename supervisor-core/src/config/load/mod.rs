//! From files to the daemon's model: every section, key, default and check of 4.3's configuration ([CFG-*]), with
//! all problems collected in one pass. Each section kind is read by its own module, in the
//! order 4.3 reports problems: `[supervisord]`, the servers, `[rpcinterface:x]`,
//! `[group:x]`, the program sections, `[supervisorctl]`.

use std::path::{Path, PathBuf};

use super::error::ConfigError;
use super::expand::{expand, ExpValue};
use super::glob;
use super::ini::{Ini, SyntaxError};
use crate::log_level::{LogLevel, LogLine};
use crate::logging::MainLogTarget;
use crate::model::{ConfigSource, DaemonModel, DaemonOptions, Overrides};

mod channel;
mod ctx;
mod env_files;
mod eventlistener_section;
mod fcgi_section;
mod group_section;
mod orchestration;
mod program_section;
mod rpcinterface;
mod server_sections;
mod supervisord_section;
mod users;

use channel::AutoLogs;
use ctx::{absolute, base_names, host_node_name, Ctx};
use program_section::Globals;
pub use server_sections::CtlSettings;
use supervisord_section::Supervisord;

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
    if let Err(e) = ini.read(path, text) {
        return Err(vec![syntax_error(e)]);
    }
    let here = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let here = if here.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        here
    };
    let here = std::fs::canonicalize(&here).unwrap_or(here);
    read_includes(&mut ctx, &mut ini, &here, &mut messages);
    let sections = ini.resolved();
    let Some(supd) = sections.iter().find(|s| s.name == "supervisord").cloned() else {
        ctx.file_err(".ini file does not include supervisord section");
        return Err(ctx.errors);
    };
    let supd = supervisord_section::supervisord(&mut ctx, supd, overrides, &here);
    let servers = server_sections::servers(&mut ctx, &sections, &here);
    let server_url = server_sections::server_url(&servers);
    rpcinterface::check(&mut ctx, &sections);
    let group_of = group_section::groups(&mut ctx, &sections, &here);
    let globals = Globals {
        here: &here,
        env: &supd.env,
        logs: AutoLogs {
            childlogdir: &supd.childlogdir,
            identifier: &supd.identifier,
        },
        strip_ansi: supd.strip_ansi,
        stoptree: supd.stoptree,
    };
    let (programs, pools) =
        program_section::programs(&mut ctx, &sections, &group_of, &globals, &mut messages);
    let ctl = server_sections::supervisorctl(&mut ctx, &sections, &here);
    orchestration::check_dependencies(&programs, &sections, &mut ctx.errors);
    if !ctx.errors.is_empty() {
        return Err(ctx.errors);
    }
    let model = DaemonModel {
        server_url,
        programs,
        servers,
        pools,
        source: Some(ConfigSource {
            path: path.to_owned(),
            overrides: overrides.clone(),
        }),
        ..DaemonModel::default()
    };
    Ok(assemble(supd, model, ctl, messages))
}

/// An ini syntax error in 4.3's words.
fn syntax_error(e: SyntaxError) -> ConfigError {
    ConfigError {
        file: e.file.clone(),
        line: Some(e.line),
        section: None,
        key: None,
        message: format!(
            "File contains parsing errors: expected `key = value` or `[section]`, got {:?}",
            e.text
        ),
    }
}

/// `[include] files=` ([CFG-INC-*]): reads every matching file into `ini`, noting each (and
/// each pattern matching nothing) in `messages`.
fn read_includes(ctx: &mut Ctx, ini: &mut Ini, here: &Path, messages: &mut Vec<LogLine>) {
    if let Some(inc) = ini.sections.iter().find(|s| s.name == "include").cloned() {
        match inc.get("files") {
            None => ctx.err(
                &inc,
                None,
                ".ini file has [include] section, but no files setting",
            ),
            Some(files) => {
                let mut names = base_names(here, &[]);
                names.insert("host_node_name".into(), ExpValue::Str(host_node_name()));
                let patterns = expand(&files.value, &names, "include.files").unwrap_or_else(|m| {
                    ctx.err(&inc, Some(files), m);
                    String::new()
                });
                for pattern in patterns.split_whitespace() {
                    let (full, found) = glob::expand(here, pattern);
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
                            ctx.errors.push(syntax_error(e));
                        }
                    }
                }
            }
        }
    }
}

/// The result from the `[supervisord]` values and the rest of the daemon's `model`.
fn assemble(
    supd: Supervisord,
    model: DaemonModel,
    ctl: Option<CtlSettings>,
    messages: Vec<LogLine>,
) -> LoadedConfig {
    let main_log = match supd.logfile {
        Some(p) => MainLogTarget::File {
            path: absolute(&p),
            maxbytes: supd.logfile_maxbytes.max(0) as u64,
            backups: supd.logfile_backups.max(0) as u32,
        },
        // `logfile=syslog` ([CFG-SUPD-logfile]).
        None => MainLogTarget::Syslog,
    };
    let directory = supd.directory.map(PathBuf::from);
    LoadedConfig {
        ctl,
        model: DaemonModel {
            identifier: supd.identifier,
            main_log,
            loglevel: supd.loglevel,
            echo_log: supd.nodaemon && !supd.silent,
            environment: supd.env,
            children_file: Some(absolute(&supd.pidfile).with_extension("children")),
            ..model
        },
        options: DaemonOptions {
            minfds: supd.minfds.max(0) as u64,
            minprocs: supd.minprocs.max(0) as u64,
            pidfile: Some(absolute(&supd.pidfile)),
            parse_messages: messages,
            daemonize: (!supd.nodaemon).then(|| (directory.clone(), supd.umask)),
            clean_childlogdir: (!supd.nocleanup).then(|| supd.childlogdir.clone()),
            user: supd.user,
        },
        nodaemon: supd.nodaemon,
        umask: supd.umask,
        directory,
        childlogdir: supd.childlogdir,
        nocleanup: supd.nocleanup,
    }
}
