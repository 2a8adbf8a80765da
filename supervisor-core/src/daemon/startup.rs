//! The daemon's life from a loaded configuration to exit ([PROC-SUPD-startup],
//! [PROC-SUPD-shutdown]): rlimits, the main log with 4.3's startup lines, the pidfile, the
//! supervisor task on a current-thread runtime, and cleanup. The `supervisord` binary parses
//! its flags and config, then calls [`run_daemon`].

use tokio::sync::mpsc;

use super::lifecycle::{daemonize, set_rlimits, Forked, Pidfile};
use super::supervisor::{run_with, Ended};
use crate::log_level::{LogLevel, LogLine};
use crate::logging::MainLog;
use crate::model::{DaemonModel, DaemonOptions, RunAs, ServerModel};

/// Drops to `user` before anything else happens, as 4.3 does (so the main log, the sockets
/// and AUTO child logs are created by that user). Returns the line to log; `Err` is the
/// message for a usage error (exit 2).
fn set_uid(user: Option<&RunAs>) -> Result<LogLine, String> {
    let Some(user) = user else {
        return Ok(LogLine::new(
            LogLevel::Critical,
            "Supervisor is running as root.  Privileges were not dropped because no user is \
             specified in the config file.  If you intend to run as root, you can set user=root \
             in the config file to avoid this message.",
        ));
    };
    let current = nix::unistd::getuid().as_raw();
    if current != user.uid {
        if current != 0 {
            return Err("Can't drop privilege as nonroot user".into());
        }
        let mut groups = vec![nix::unistd::Gid::from_raw(user.gid)];
        groups.extend(user.groups.iter().map(|&g| nix::unistd::Gid::from_raw(g)));
        nix::unistd::setgroups(&groups).map_err(|_| "Could not set groups of effective user")?;
        nix::unistd::setgid(nix::unistd::Gid::from_raw(user.gid))
            .map_err(|_| "Could not set group id of effective user")?;
        nix::unistd::setuid(nix::unistd::Uid::from_raw(user.uid))
            .map_err(|e| format!("Could not set user id of effective user: {e}"))?;
    }
    Ok(LogLine::new(
        LogLevel::Info,
        format!("Set uid to user {} succeeded", user.uid),
    ))
}

/// Whether `name` is an AUTO child log of the daemon called `identifier`
/// (`<process>-<channel>---<identifier>-<random>.log`, with any rotation suffix), as 4.3
/// recognises them when it clears `childlogdir`.
pub fn is_auto_child_log(name: &str, identifier: &str) -> bool {
    let marker = format!("---{identifier}-");
    let Some(at) = name.find(&marker).filter(|&i| i > 0) else {
        return false;
    };
    let rest = &name[at + marker.len()..];
    match rest.find(".log") {
        Some(i) if i > 0 => !rest[..i].chars().any(char::is_whitespace),
        _ => false,
    }
}

/// Deletes the AUTO child logs a previous run left in `dir`; problems become WARN lines.
fn clear_auto_child_logs(dir: &std::path::Path, identifier: &str, log: &mut MainLog) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        log.log(&LogLine::new(
            LogLevel::Warn,
            "Could not clear childlog dir",
        ));
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if is_auto_child_log(&name.to_string_lossy(), identifier)
            && std::fs::remove_file(entry.path()).is_err()
        {
            log.log(&LogLine::new(
                LogLevel::Warn,
                format!("Failed to clean up '{}'", entry.path().display()),
            ));
        }
    }
}

/// How a daemon run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOutcome {
    /// Exit with this status: 0 after a clean shutdown, 2 when it could not start (a message
    /// was printed to stderr), as 4.3 does.
    Exit(i32),
    /// Restart: the caller re-reads the config and calls [`run_daemon`] again, in the same
    /// process ([PROC-SUPD-restart]).
    Restart,
}

/// Runs the daemon until it shuts down or asks for a restart. `first` is false on restarts:
/// rlimits are only set and the process only daemonizes on the first start.
pub fn run_daemon(model: DaemonModel, options: DaemonOptions, first: bool) -> RunOutcome {
    let outcome = run_once(model, options, first);
    match outcome {
        Ok(Ended::Restart) => RunOutcome::Restart,
        Ok(Ended::Shutdown) => RunOutcome::Exit(0),
        Ok(Ended::Failed(status)) => RunOutcome::Exit(status),
        Err(code) => RunOutcome::Exit(code),
    }
}

/// Prints 4.3's `Error: <msg>` / `For help, use <argv0> -h` and returns exit status 2.
fn usage_error(msg: &str) -> i32 {
    let argv0 = std::env::args()
        .next()
        .unwrap_or_else(|| "supervisord".into());
    eprintln!("Error: {msg}");
    eprintln!("For help, use {argv0} -h");
    2
}

fn run_once(model: DaemonModel, options: DaemonOptions, first: bool) -> Result<Ended, i32> {
    super::spawn::catch_file_size_signal();
    let uid_line = match set_uid(options.user.as_ref()) {
        Ok(line) => line,
        Err(msg) => return Err(usage_error(&msg)),
    };
    let infos = if first {
        match set_rlimits(options.minfds, options.minprocs) {
            Ok(infos) => infos,
            Err(msg) => {
                eprintln!("Error: {msg}");
                return Err(2);
            }
        }
    } else {
        Vec::new()
    };
    let mut log = match MainLog::open(&model.main_log, model.loglevel, model.echo_log) {
        Ok(log) => log,
        Err(e) => {
            eprintln!("Error: cannot open the main log: {e}");
            return Err(2);
        }
    };
    // As 4.3's make_logger: criticals, then warnings, then infos, each in the order they
    // arose (config parsing, then setuid, then rlimits).
    let root_warning = uid_line.level != LogLevel::Critical || nix::unistd::geteuid().is_root();
    let mut startup_lines: Vec<&LogLine> = options.parse_messages.iter().collect();
    startup_lines.extend(root_warning.then_some(&uid_line));
    startup_lines.extend(&infos);
    startup_lines.sort_by_key(|l| std::cmp::Reverse(l.level));
    for line in startup_lines {
        log.log(line);
    }
    // The servers are opened before the daemon logs them, detaches and writes its pidfile, as
    // in 4.3: a socket in use is reported on the terminal and leaves the running daemon's
    // pidfile alone. Unlike 4.3, also before AUTO child logs are cleared, so a second
    // supervisord started by mistake does not delete the running one's logs (COMPATIBILITY.md).
    let servers = match super::servers::open_servers(&model.servers) {
        Ok(servers) => servers,
        Err(msg) => return Err(usage_error(&msg)),
    };
    if let Some(dir) = &options.clean_childlogdir {
        clear_auto_child_logs(dir, &model.identifier, &mut log);
    }
    if !model.servers.is_empty() {
        log.log(&LogLine::new(
            LogLevel::Info,
            "RPC interface 'supervisor' initialized",
        ));
    }
    for server in &model.servers {
        let (section, open) = match server {
            ServerModel::Unix { credentials, .. } => ("unix_http_server", credentials.is_none()),
            ServerModel::Tcp { credentials, .. } => ("inet_http_server", credentials.is_none()),
        };
        if open {
            log.log(&LogLine::new(
                LogLevel::Critical,
                format!("Server '{section}' running without any HTTP authentication checking"),
            ));
        }
    }
    if let Some((directory, umask)) = options.daemonize.as_ref().filter(|_| first) {
        match daemonize(directory.as_deref(), *umask) {
            Ok((Forked::Parent, _)) => return Ok(Ended::Shutdown),
            Ok((Forked::Daemon, lines)) => {
                for line in &lines {
                    log.log(line);
                }
            }
            Err(e) => {
                eprintln!("Error: could not daemonize: {e}");
                return Err(2);
            }
        }
    }
    let pidfile = match options.pidfile.as_deref().map(Pidfile::write) {
        Some(Ok(p)) => Some(p),
        Some(Err(line)) => {
            log.log(&line);
            None
        }
        None => None,
    };
    log.log(&LogLine::new(
        LogLevel::Info,
        format!("supervisord started with pid {}", std::process::id()),
    ));
    super::heap_trim::configure_allocator();
    // The supervisor task's runtime; the HTTP servers run on a thread of their own
    // (`servers::OpenServers::serve`), with the encoders.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .max_blocking_threads(2)
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("Error: cannot start the runtime: {e}");
            return Err(2);
        }
    };
    let (ctl_tx, ctl_rx) = mpsc::unbounded_channel();
    let result = runtime.block_on(run_with(model, log, servers, ctl_tx, ctl_rx));
    if let Some(p) = pidfile {
        let _ = p.remove();
    }
    result.map_err(|e| {
        eprintln!("Error: {e}");
        2
    })
}
