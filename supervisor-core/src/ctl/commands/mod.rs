//! The commands, with 4.3's output and exit statuses ([CTL-*], [CTL-COMMANDS]): the dispatcher and
//! the helpers the commands share here, one command (or close family) per submodule. Every
//! command writes to a `&mut dyn Write` (stdout in the binary), so its output can be read in
//! process.

use std::io::Write;

use event_proto::xmlrpc::Value;

use super::client::{CallError, Client};
use crate::rpc::{display_name, Fault, Method};

/// `println!` to a command's writer: one `write_fmt` of the line and its newline, and a panic
/// when it cannot be written, as `println!` panics when stdout cannot be.
macro_rules! outln {
    ($out:expr) => {
        $crate::ctl::commands::emit($out, format_args!("\n"))
    };
    ($out:expr, $($arg:tt)*) => {
        $crate::ctl::commands::emit($out, format_args!("{}\n", format_args!($($arg)*)))
    };
}

mod avail;
mod clear;
mod fg;
mod help;
mod pid;
mod pools;
mod reread_update;
mod shutdown;
mod signal;
mod start_stop;
mod status;
mod tail;
mod version;

pub use help::{usage, COMMANDS};

/// Exit statuses ([CTL-EXIT-*]).
const ERROR: i32 = 1;
const NO_NAME: i32 = 2;
const STOPPED: i32 = 3;
const UNREACHABLE: i32 = 4;
const API_MISMATCH: i32 = 5;
const NOT_RUNNING: i32 = 7;

/// Writes `args` to `out`; panics if it cannot, as `print!` does.
fn emit(out: &mut dyn Write, args: std::fmt::Arguments<'_>) {
    if let Err(e) = out.write_fmt(args) {
        panic!("failed printing to stdout: {e}");
    }
}

/// Writes `text` without a newline and flushes, for a question asked before reading stdin.
fn prompt(out: &mut dyn Write, text: &str) {
    emit(out, format_args!("{text}"));
    let _ = out.flush();
}

/// The string member `key`, or "".
fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// The int member `key`, or 0.
fn i(v: &Value, key: &str) -> i64 {
    v.get(key).and_then(Value::as_int).unwrap_or(0)
}

/// A process info or result struct's display name (`name`, or `group:name`).
fn name_of(v: &Value) -> String {
    display_name(s(v, "group"), s(v, "name"))
}

/// One command run: the client, a runtime to drive it, and the exit status so far.
#[derive(Debug)]
pub struct Ctl {
    /// The server.
    pub client: Client,
    /// Whether a shell is running (asks before reload/shutdown).
    pub interactive: bool,
    rt: tokio::runtime::Runtime,
    status: i32,
}

impl Ctl {
    /// A controller for `client`.
    pub fn new(client: Client, interactive: bool) -> std::io::Result<Ctl> {
        Ok(Ctl {
            client,
            interactive,
            rt: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?,
            status: 0,
        })
    }

    fn call(&self, method: Method, params: Vec<Value>) -> Result<Value, CallError> {
        self.rt.block_on(self.client.call(method.wire(), params))
    }

    /// The names the shell completes: every process (`name`, or `group:name` in a group of
    /// its own name's otherwise) and `group:*` for every group, and the group names. Empty
    /// when the daemon cannot be reached.
    pub fn completion_names(&self) -> super::shell::Names {
        let mut names = super::shell::Names::default();
        let Ok(Value::Array(infos)) = self.call(Method::GetAllProcessInfo, Vec::new()) else {
            return names;
        };
        for info in &infos {
            let group = s(info, "group");
            names.processes.push(name_of(info));
            if group != s(info, "name") {
                names.processes.push(format!("{group}:*"));
            }
            names.groups.push(group.to_owned());
        }
        names.processes.sort();
        names.processes.dedup();
        names.groups.sort();
        names.groups.dedup();
        names
    }

    fn fail(&mut self, code: i32) {
        self.status = code;
    }

    /// Reports an error no command handles, as 4.3's generic handler does.
    fn generic(&mut self, out: &mut dyn Write, e: &CallError) {
        let text = match e {
            CallError::Refused => format!("{} refused connection", self.client.url),
            CallError::NoSuchFile => format!("{} no such file", self.client.url),
            CallError::Unauthorized => "Server requires authentication".to_owned(),
            CallError::Fault(code, string) => format!("<Fault {code}: '{string}'>"),
            CallError::Other(m) => m.clone(),
        };
        outln!(out, "error: {text}");
        self.fail(ERROR);
    }

    /// [CTL-OPT-upcheck]: the server answers with the API we speak.
    fn upcheck(&mut self, out: &mut dyn Write, status_cmd: bool) -> bool {
        match self.call(Method::GetVersion, Vec::new()) {
            Ok(Value::String(v)) if v == "3.0" => true,
            Ok(v) => {
                outln!(
                    out,
                    "Sorry, this version of supervisorctl expects to talk to a server with API version 3.0, but the remote version is {}.",
                    v.as_str().unwrap_or("?")
                );
                self.fail(if status_cmd {
                    UNREACHABLE
                } else {
                    API_MISMATCH
                });
                false
            }
            Err(CallError::Refused) => {
                outln!(out, "{} refused connection", self.client.url);
                self.fail(UNREACHABLE);
                false
            }
            Err(CallError::NoSuchFile) => {
                outln!(out, "{} no such file", self.client.url);
                self.fail(if status_cmd { UNREACHABLE } else { NOT_RUNNING });
                false
            }
            Err(CallError::Unauthorized) => {
                outln!(out, "Server requires authentication");
                if self.interactive {
                    // [CTL-OPT-auth-prompt]: ask, then try again with what was typed.
                    let mut ask = |q: &str| {
                        prompt(out, q);
                        let mut line = String::new();
                        let _ = std::io::stdin().read_line(&mut line);
                        line.trim_end_matches(['\r', '\n']).to_owned()
                    };
                    let username = ask("Username:");
                    let password = ask("Password:");
                    if !username.is_empty() {
                        self.client = self.client.with_credentials(&username, &password);
                        return self.upcheck(out, status_cmd);
                    }
                }
                self.fail(if status_cmd { UNREACHABLE } else { ERROR });
                false
            }
            Err(e) => {
                self.generic(out, &e);
                if status_cmd {
                    self.fail(UNREACHABLE);
                }
                false
            }
        }
    }

    /// Runs one command line, its output on stdout; returns its exit status.
    pub fn run(&mut self, words: &[String]) -> i32 {
        self.run_to(&mut std::io::stdout(), words)
    }

    /// Runs one command line, its output written to `out`; returns its exit status.
    pub fn run_to(&mut self, out: &mut dyn Write, words: &[String]) -> i32 {
        self.status = 0;
        let Some((cmd, args)) = words.split_first() else {
            return 0;
        };
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        match cmd.as_str() {
            "status" => self.status(out, &args),
            "start" => self.start(out, &args),
            "stop" => self.stop(out, &args),
            "restart" => self.restart(out, &args),
            "signal" => self.signal(out, &args),
            "pid" => self.pid(out, &args),
            "clear" => self.clear(out, &args),
            "avail" => self.avail(out, &args),
            "reread" => self.reread(out, &args),
            "update" => self.update(out, &args),
            "add" => self.add(out, &args),
            "remove" => self.remove(out, &args),
            "reload" | "shutdown" => self.shutdown(out, cmd, &args),
            "version" => self.version(out, &args),
            "tail" => self.tail(out, &args),
            "maintail" => self.maintail(out, &args),
            "pools" => self.pools(out, &args),
            "help" => help::help(out, &args),
            "fg" => self.fg(out, &args),
            "open" => match args.as_slice() {
                [url] if url.starts_with("http://") || url.starts_with("unix://") => {
                    self.client = self.client.with_url(url);
                    self.status(out, &[]);
                }
                _ => {
                    outln!(out, "ERROR: url must be http:// or unix://");
                    self.fail(ERROR);
                }
            },
            _ => {
                outln!(out, "*** Unknown syntax: {}", words.join(" "));
                self.fail(ERROR);
            }
        }
        self.status
    }

    fn all_info(&mut self, out: &mut dyn Write) -> Option<Vec<Value>> {
        match self.call(Method::GetAllProcessInfo, Vec::new()) {
            Ok(Value::Array(v)) => Some(v),
            Ok(_) => Some(Vec::new()),
            Err(e) => {
                self.generic(out, &e);
                None
            }
        }
    }

    /// Prints one start/stop result and sets the exit status ([CTL-EXIT-rule]).
    fn result(
        &mut self,
        out: &mut dyn Write,
        name: &str,
        code: i64,
        description: &str,
        ok_word: &str,
        ignored: i64,
    ) {
        let text = match code {
            Fault::SUCCESS => {
                outln!(out, "{name}: {ok_word}");
                return;
            }
            Fault::BAD_NAME => "no such process".to_owned(),
            Fault::NO_FILE => "no such file".to_owned(),
            Fault::NOT_EXECUTABLE => "file is not executable".to_owned(),
            Fault::ALREADY_STARTED => "already started".to_owned(),
            Fault::SPAWN_ERROR => "spawn error".to_owned(),
            Fault::ABNORMAL_TERMINATION => "abnormal termination".to_owned(),
            Fault::NOT_RUNNING => "not running".to_owned(),
            Fault::BAD_SIGNAL => "bad signal name".to_owned(),
            _ => description.to_owned(),
        };
        outln!(out, "{name}: ERROR ({text})");
        if code == ignored {
            return;
        }
        self.fail(match code {
            Fault::SPAWN_ERROR | Fault::ABNORMAL_TERMINATION | Fault::NOT_RUNNING => NOT_RUNNING,
            _ => ERROR,
        });
    }

    /// Prints each entry of a multi-process method's result array with [`Ctl::result`].
    fn results(&mut self, out: &mut dyn Write, v: &Value, ok_word: &str, ignored: i64) {
        if let Value::Array(items) = v {
            for r in items {
                let name = name_of(r);
                self.result(
                    out,
                    &name,
                    i(r, "status"),
                    s(r, "description"),
                    ok_word,
                    ignored,
                );
            }
        }
    }

    fn no_args(&mut self, out: &mut dyn Write, cmd: &str, args: &[&str]) -> bool {
        if args.is_empty() {
            return true;
        }
        outln!(out, "Error: {cmd} accepts no arguments");
        outln!(out, "{}", usage(cmd));
        self.fail(ERROR);
        false
    }
}

#[cfg(test)]
mod tests;
