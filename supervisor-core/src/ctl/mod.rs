//! `supervisorctl`: the command-line client for a running supervisord ([CTL-*], [CTL-COMMANDS]).
//! [`run`] is what the binary calls, so tests can run it in process too.

mod client;
mod commands;
mod shell;

pub use client::{CallError, Client};
pub use commands::{Ctl, COMMANDS};
/// Where the daemon listens (event-proto's, shared with listener-sdk).
pub use event_proto::xmlrpc::client::ServerUrl as Server;

use std::path::PathBuf;

/// Parsed command line.
#[derive(Debug, Default)]
struct Args {
    config: Option<PathBuf>,
    serverurl: Option<String>,
    username: Option<String>,
    password: Option<String>,
    interactive: bool,
    history_file: Option<PathBuf>,
    action: Vec<String>,
}

fn parse(argv: &[String]) -> Result<Args, String> {
    let mut a = Args::default();
    let mut i = 0;
    while i < argv.len() {
        let arg = &argv[i];
        let mut value = |name: &str| -> Result<String, String> {
            i += 1;
            argv.get(i)
                .cloned()
                .ok_or_else(|| format!("option {name} requires argument"))
        };
        match arg.as_str() {
            "-c" | "--configuration" => a.config = Some(PathBuf::from(value(arg)?)),
            "-s" | "--serverurl" => a.serverurl = Some(value(arg)?),
            "-u" | "--username" => a.username = Some(value(arg)?),
            "-p" | "--password" => a.password = Some(value(arg)?),
            "-r" | "--history-file" => a.history_file = Some(PathBuf::from(value(arg)?)),
            "-i" | "--interactive" => a.interactive = true,
            "-h" | "--help" => return Err(String::new()),
            s if s.starts_with('-') && a.action.is_empty() => {
                return Err(format!("option {s} not recognized"))
            }
            _ => {
                a.action = argv[i..].to_vec();
                break;
            }
        }
        i += 1;
    }
    Ok(a)
}

/// The config file when `-c` is not given: the same search as supervisord's.
fn default_config() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok();
    let here = exe
        .as_ref()
        .and_then(|e| e.parent())
        .and_then(|d| d.parent())
        .map(|d| d.to_path_buf());
    let mut candidates = Vec::new();
    if let Some(h) = here {
        candidates.push(h.join("etc/supervisord.conf"));
        candidates.push(h.join("supervisord.conf"));
    }
    candidates.extend([
        PathBuf::from("supervisord.conf"),
        PathBuf::from("etc/supervisord.conf"),
        PathBuf::from("/etc/supervisord.conf"),
        PathBuf::from("/etc/supervisor/supervisord.conf"),
    ]);
    candidates.into_iter().find(|p| p.exists())
}

/// Runs supervisorctl with `argv` (without the program name); returns the exit status.
pub fn run(argv: &[String]) -> i32 {
    let args = match parse(argv) {
        Ok(a) => a,
        Err(m) => {
            if !m.is_empty() {
                eprintln!("Error: {m}");
            }
            println!("supervisorctl -- control applications run by supervisord from the cmd line.\n\nUsage: supervisorctl [options] [action [arguments]]\n\nOptions:\n-c/--configuration FILENAME -- configuration file path (searches if not given)\n-h/--help -- print usage message and exit\n-i/--interactive -- start an interactive shell after executing commands\n-s/--serverurl URL -- URL on which supervisord server is listening\n     (default \"http://localhost:9001\").\n-u/--username USERNAME -- username to use for authentication with server\n-p/--password PASSWORD -- password to use for authentication with server\n-r/--history-file -- keep a readline history (if readline is available)\n\naction [arguments] -- see below\n\nActions are commands like \"tail\" or \"stop\".  If -i is specified or no action is\nspecified on the command line, a \"shell\" interpreting actions typed\ninteractively is started.  Use the action \"help\" to find out about available\nactions.");
            return if m.is_empty() { 0 } else { 2 };
        }
    };
    let settings = args
        .config
        .clone()
        .or_else(default_config)
        .and_then(
            |path| match crate::config::load(&path, &Default::default()) {
                Ok(c) => c.ctl,
                Err(errors) => {
                    for e in errors {
                        eprintln!("Error: {e}");
                    }
                    None
                }
            },
        );
    let url = args
        .serverurl
        .clone()
        .or_else(|| settings.as_ref().map(|s| s.serverurl.clone()))
        .unwrap_or_else(|| "http://localhost:9001".to_owned());
    let username = args
        .username
        .clone()
        .or_else(|| settings.as_ref().and_then(|s| s.username.clone()));
    let password = args
        .password
        .clone()
        .or_else(|| settings.as_ref().and_then(|s| s.password.clone()));
    let prompt = settings
        .as_ref()
        .map_or_else(|| "supervisor".to_owned(), |s| s.prompt.clone());
    let client = Client::new(&url, username.as_deref(), password.as_deref());
    let shell = args.action.is_empty() || args.interactive;
    let mut ctl = match Ctl::new(client, shell) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    if !args.action.is_empty() {
        let status = ctl.run(&args.action);
        if !args.interactive {
            return status;
        }
    } else {
        ctl.run(&["status".to_owned()]);
    }
    let history = args
        .history_file
        .clone()
        .or_else(|| settings.as_ref().and_then(|s| s.history_file.clone()));
    shell::run(&mut ctl, &prompt, history)
}
