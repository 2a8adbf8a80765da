//! The commands, with 4.3's output and exit statuses ([CTL-*], rpc.md §5).

use event_proto::xmlrpc::Value;

use super::client::{CallError, Client};

/// Exit statuses ([CTL-EXIT-*]).
const ERROR: i32 = 1;
const NO_NAME: i32 = 2;
const STOPPED: i32 = 3;
const UNREACHABLE: i32 = 4;
const API_MISMATCH: i32 = 5;
const NOT_RUNNING: i32 = 7;

/// Fault codes used here.
const BAD_NAME: i64 = 10;
const BAD_SIGNAL: i64 = 11;
const NO_FILE: i64 = 20;
const NOT_EXECUTABLE: i64 = 21;
const FAILED: i64 = 30;
const ABNORMAL_TERMINATION: i64 = 40;
const SPAWN_ERROR: i64 = 50;
const ALREADY_STARTED: i64 = 60;
const NOT_RUNNING_FAULT: i64 = 70;
const SUCCESS: i64 = 80;
const ALREADY_ADDED: i64 = 90;
const STILL_RUNNING: i64 = 91;
const CANT_REREAD: i64 = 92;
const SHUTDOWN_STATE: i64 = 6;

/// The command names, as `help` lists them.
pub const COMMANDS: &[&str] = &[
    "add", "avail", "clear", "exit", "fg", "maintail", "open", "pid", "quit", "reload", "remove",
    "reread", "restart", "shutdown", "signal", "start", "status", "stop", "tail", "update",
    "version",
];

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

fn i(v: &Value, key: &str) -> i64 {
    v.get(key).and_then(Value::as_int).unwrap_or(0)
}

/// `name`, or `group:name` when they differ.
fn namespec(group: &str, name: &str) -> String {
    if group == name {
        name.to_owned()
    } else {
        format!("{group}:{name}")
    }
}

/// An XML-RPC value as JSON.
fn json_value(v: &Value) -> String {
    match v {
        Value::Int(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Double(d) if d.is_finite() => d.to_string(),
        Value::Double(_) => "null".into(),
        Value::String(t) => json_string(t),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(json_value).collect::<Vec<_>>().join(",")
        ),
        Value::Struct(members) => format!(
            "{{{}}}",
            members
                .iter()
                .map(|(k, v)| format!("{}:{}", json_string(k), json_value(v)))
                .collect::<Vec<_>>()
                .join(",")
        ),
        other => json_string(&format!("{other:?}")),
    }
}

fn json_string(t: &str) -> String {
    let mut out = String::with_capacity(t.len() + 2);
    out.push('"');
    for c in t.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
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

    fn call(&self, method: &str, params: Vec<Value>) -> Result<Value, CallError> {
        self.rt.block_on(self.client.call(method, params))
    }

    /// The names the shell completes: every process (`name`, or `group:name` in a group of
    /// its own name's otherwise) and `group:*` for every group, and the group names. Empty
    /// when the daemon cannot be reached.
    pub fn completion_names(&self) -> super::shell::Names {
        let mut names = super::shell::Names::default();
        let Ok(Value::Array(infos)) = self.call("supervisor.getAllProcessInfo", Vec::new()) else {
            return names;
        };
        for info in &infos {
            let (group, name) = (s(info, "group"), s(info, "name"));
            if group == name {
                names.processes.push(name.to_owned());
            } else {
                names.processes.push(format!("{group}:{name}"));
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
    fn generic(&mut self, e: &CallError) {
        let text = match e {
            CallError::Refused => format!("{} refused connection", self.client.url),
            CallError::NoSuchFile => format!("{} no such file", self.client.url),
            CallError::Unauthorized => "Server requires authentication".to_owned(),
            CallError::Fault(code, string) => format!("<Fault {code}: '{string}'>"),
            CallError::Other(m) => m.clone(),
        };
        println!("error: {text}");
        self.fail(ERROR);
    }

    /// [CTL-OPT-upcheck]: the server answers with the API we speak.
    fn upcheck(&mut self, status_cmd: bool) -> bool {
        match self.call("supervisor.getVersion", Vec::new()) {
            Ok(Value::String(v)) if v == "3.0" => true,
            Ok(v) => {
                println!(
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
                println!("{} refused connection", self.client.url);
                self.fail(UNREACHABLE);
                false
            }
            Err(CallError::NoSuchFile) => {
                println!("{} no such file", self.client.url);
                self.fail(if status_cmd { UNREACHABLE } else { NOT_RUNNING });
                false
            }
            Err(CallError::Unauthorized) => {
                println!("Server requires authentication");
                if self.interactive {
                    // [CTL-OPT-auth-prompt]: ask, then try again with what was typed.
                    let ask = |q: &str| {
                        use std::io::Write;
                        print!("{q}");
                        let _ = std::io::stdout().flush();
                        let mut line = String::new();
                        let _ = std::io::stdin().read_line(&mut line);
                        line.trim_end_matches(['\r', '\n']).to_owned()
                    };
                    let username = ask("Username:");
                    let password = ask("Password:");
                    if !username.is_empty() {
                        self.client = self.client.with_credentials(&username, &password);
                        return self.upcheck(status_cmd);
                    }
                }
                self.fail(if status_cmd { UNREACHABLE } else { ERROR });
                false
            }
            Err(e) => {
                self.generic(&e);
                if status_cmd {
                    self.fail(UNREACHABLE);
                }
                false
            }
        }
    }

    /// Runs one command line; returns its exit status.
    pub fn run(&mut self, words: &[String]) -> i32 {
        self.status = 0;
        let Some((cmd, args)) = words.split_first() else {
            return 0;
        };
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        match cmd.as_str() {
            "status" => self.status(&args),
            "start" => self.start(&args),
            "stop" => self.stop(&args),
            "restart" => {
                if args.is_empty() {
                    println!("Error: restart requires a process name");
                    println!("{}", usage("restart"));
                    self.fail(ERROR);
                } else {
                    self.stop(&args);
                    self.start(&args);
                }
            }
            "signal" => self.signal(&args),
            "pid" => self.pid(&args),
            "clear" => self.clear(&args),
            "avail" => self.avail(&args),
            "reread" => self.reread(&args),
            "update" => self.update(&args),
            "add" => self.add(&args),
            "remove" => self.remove(&args),
            "reload" | "shutdown" => self.shutdown(cmd, &args),
            "version" => self.version(&args),
            "tail" => self.tail(&args),
            "maintail" => self.maintail(&args),
            "help" => self.help(&args),
            "fg" => self.fg(&args),
            "open" => match args.as_slice() {
                [url] if url.starts_with("http://") || url.starts_with("unix://") => {
                    self.client = self.client.with_url(url);
                    self.status(&[]);
                }
                _ => {
                    println!("ERROR: url must be http:// or unix://");
                    self.fail(ERROR);
                }
            },
            _ => {
                println!("*** Unknown syntax: {}", words.join(" "));
                self.fail(ERROR);
            }
        }
        self.status
    }

    fn all_info(&mut self) -> Option<Vec<Value>> {
        match self.call("supervisor.getAllProcessInfo", Vec::new()) {
            Ok(Value::Array(v)) => Some(v),
            Ok(_) => Some(Vec::new()),
            Err(e) => {
                self.generic(&e);
                None
            }
        }
    }

    fn status(&mut self, args: &[&str]) {
        let json = args.contains(&"--json");
        let args: Vec<&str> = args.iter().copied().filter(|a| *a != "--json").collect();
        let args = args.as_slice();
        if !self.upcheck(true) {
            return;
        }
        let Some(infos) = self.all_info() else {
            return;
        };
        let mut shown: Vec<&Value> = Vec::new();
        let mut bad = false;
        if args.is_empty() || args.contains(&"all") {
            shown.extend(infos.iter());
        } else {
            for a in args {
                let (group, name) = match a.split_once(':') {
                    Some((g, n)) => (g, n),
                    None => (*a, *a),
                };
                let group_form = a.ends_with(':') || a.ends_with(":*");
                let matches: Vec<&Value> = infos
                    .iter()
                    .filter(|p| {
                        if group_form {
                            s(p, "group") == group
                        } else if a.contains(':') {
                            s(p, "group") == group && s(p, "name") == name
                        } else {
                            namespec(s(p, "group"), s(p, "name")) == *a
                        }
                    })
                    .collect();
                if matches.is_empty() {
                    if group_form {
                        println!("{group}: ERROR (no such group)");
                    } else {
                        println!("{a}: ERROR (no such process)");
                    }
                    bad = true;
                }
                shown.extend(matches);
            }
        }
        let width = shown
            .iter()
            .map(|p| namespec(s(p, "group"), s(p, "name")).len())
            .max()
            .unwrap_or(0)
            .max(30)
            + 3;
        let mut any_stopped = false;
        if json {
            // Beyond 4.3 (its issue #1274): the process info structs as a JSON array.
            let items: Vec<String> = shown.iter().map(|p| json_value(p)).collect();
            println!("[{}]", items.join(","));
        }
        for p in &shown {
            let state = s(p, "statename");
            if matches!(state, "STOPPED" | "EXITED" | "FATAL" | "UNKNOWN") {
                any_stopped = true;
            }
            if json {
                continue;
            }
            println!(
                "{:<width$}{:<10}{}",
                namespec(s(p, "group"), s(p, "name")),
                state,
                s(p, "description")
            );
        }
        if bad {
            self.fail(UNREACHABLE);
        } else if any_stopped {
            self.fail(STOPPED);
        }
    }

    /// Prints one start/stop result and sets the exit status ([CTL-EXIT-rule]).
    fn result(&mut self, name: &str, code: i64, description: &str, ok_word: &str, ignored: i64) {
        let text = match code {
            SUCCESS => {
                println!("{name}: {ok_word}");
                return;
            }
            BAD_NAME => "no such process".to_owned(),
            NO_FILE => "no such file".to_owned(),
            NOT_EXECUTABLE => "file is not executable".to_owned(),
            ALREADY_STARTED => "already started".to_owned(),
            SPAWN_ERROR => "spawn error".to_owned(),
            ABNORMAL_TERMINATION => "abnormal termination".to_owned(),
            NOT_RUNNING_FAULT => "not running".to_owned(),
            BAD_SIGNAL => "bad signal name".to_owned(),
            _ => description.to_owned(),
        };
        println!("{name}: ERROR ({text})");
        if code == ignored {
            return;
        }
        self.fail(match code {
            SPAWN_ERROR | ABNORMAL_TERMINATION | NOT_RUNNING_FAULT => NOT_RUNNING,
            _ => ERROR,
        });
    }

    fn results(&mut self, v: &Value, ok_word: &str, ignored: i64) {
        if let Value::Array(items) = v {
            for r in items {
                let name = namespec(s(r, "group"), s(r, "name"));
                self.result(&name, i(r, "status"), s(r, "description"), ok_word, ignored);
            }
        }
    }

    fn start_or_stop(&mut self, args: &[&str], start: bool) {
        let (verb, ok_word, ignored) = if start {
            ("start", "started", ALREADY_STARTED)
        } else {
            ("stop", "stopped", NOT_RUNNING_FAULT)
        };
        if args.is_empty() {
            println!("Error: {verb} requires a process name");
            println!("{}", usage(verb));
            self.fail(if start { NO_NAME } else { ERROR });
            return;
        }
        if !self.upcheck(false) {
            return;
        }
        let (one, group, all) = if start {
            (
                "supervisor.startProcess",
                "supervisor.startProcessGroup",
                "supervisor.startAllProcesses",
            )
        } else {
            (
                "supervisor.stopProcess",
                "supervisor.stopProcessGroup",
                "supervisor.stopAllProcesses",
            )
        };
        for a in args {
            if *a == "all" {
                match self.call(all, Vec::new()) {
                    Ok(v) => self.results(&v, ok_word, ignored),
                    Err(e) => self.generic(&e),
                }
            } else if let Some(g) = a.strip_suffix(":*") {
                match self.call(group, vec![Value::from(g)]) {
                    Ok(v) => self.results(&v, ok_word, ignored),
                    Err(CallError::Fault(BAD_NAME, _)) => {
                        println!("{g}: ERROR (no such group)");
                        self.fail(if start { NO_NAME } else { ERROR });
                    }
                    Err(e) => self.generic(&e),
                }
            } else {
                match self.call(one, vec![Value::from(*a)]) {
                    Ok(_) => println!("{a}: {ok_word}"),
                    Err(CallError::Fault(code, string)) => {
                        let description = string.split_once(": ").map_or("", |(_, d)| d).to_owned();
                        let shown = if code == FAILED {
                            string.clone()
                        } else {
                            description
                        };
                        self.result(a, code, &shown, ok_word, ignored);
                    }
                    Err(e) => self.generic(&e),
                }
            }
        }
    }

    fn start(&mut self, args: &[&str]) {
        self.start_or_stop(args, true);
    }

    fn stop(&mut self, args: &[&str]) {
        self.start_or_stop(args, false);
    }

    fn signal(&mut self, args: &[&str]) {
        if args.len() < 2 {
            println!("Error: signal requires a signal name and a process name");
            println!("{}", usage("signal"));
            self.fail(ERROR);
            return;
        }
        if !self.upcheck(false) {
            return;
        }
        let sig = args[0];
        for a in &args[1..] {
            let outcome = if *a == "all" {
                self.call("supervisor.signalAllProcesses", vec![Value::from(sig)])
            } else if let Some(g) = a.strip_suffix(":*") {
                self.call(
                    "supervisor.signalProcessGroup",
                    vec![Value::from(g), Value::from(sig)],
                )
            } else {
                match self.call(
                    "supervisor.signalProcess",
                    vec![Value::from(*a), Value::from(sig)],
                ) {
                    Ok(_) => {
                        println!("{a}: signalled");
                        continue;
                    }
                    Err(e) => Err(e),
                }
            };
            match outcome {
                Ok(v) => self.results(&v, "signalled", -1),
                Err(CallError::Fault(BAD_NAME, _)) if a.ends_with(":*") => {
                    println!("{}: ERROR (no such group)", a.trim_end_matches(":*"));
                    self.fail(ERROR);
                }
                Err(CallError::Fault(code, string)) => {
                    let d = string.split_once(": ").map_or("", |(_, d)| d).to_owned();
                    self.result(a, code, &d, "signalled", -1);
                }
                Err(e) => self.generic(&e),
            }
        }
    }

    fn pid(&mut self, args: &[&str]) {
        if !self.upcheck(false) {
            return;
        }
        if args.is_empty() {
            match self.call("supervisor.getPID", Vec::new()) {
                Ok(v) => println!("{}", v.as_int().unwrap_or(0)),
                Err(e) => self.generic(&e),
            }
            return;
        }
        for a in args {
            if *a == "all" {
                if let Some(infos) = self.all_info() {
                    for p in infos {
                        println!("{}", i(&p, "pid"));
                    }
                }
                continue;
            }
            match self.call("supervisor.getProcessInfo", vec![Value::from(*a)]) {
                Ok(p) => {
                    let pid = i(&p, "pid");
                    println!("{pid}");
                    if pid == 0 {
                        self.fail(NOT_RUNNING);
                    }
                }
                Err(CallError::Fault(BAD_NAME, _)) => {
                    println!("No such process {a}");
                    self.fail(ERROR);
                }
                Err(e) => self.generic(&e),
            }
        }
    }

    fn clear(&mut self, args: &[&str]) {
        if args.is_empty() {
            println!("Error: clear requires a process name");
            println!("{}", usage("clear"));
            self.fail(ERROR);
            return;
        }
        if !self.upcheck(false) {
            return;
        }
        for a in args {
            if *a == "all" {
                match self.call("supervisor.clearAllProcessLogs", Vec::new()) {
                    Ok(v) => self.results(&v, "cleared", -1),
                    Err(e) => self.generic(&e),
                }
                continue;
            }
            match self.call("supervisor.clearProcessLogs", vec![Value::from(*a)]) {
                Ok(_) => println!("{a}: cleared"),
                Err(CallError::Fault(BAD_NAME, _)) => {
                    println!("{a}: ERROR (no such process)");
                    self.fail(ERROR);
                }
                Err(CallError::Fault(FAILED, _)) => {
                    println!("{a}: ERROR (failed)");
                    self.fail(ERROR);
                }
                Err(e) => self.generic(&e),
            }
        }
    }

    fn no_args(&mut self, cmd: &str, args: &[&str]) -> bool {
        if args.is_empty() {
            return true;
        }
        println!("Error: {cmd} accepts no arguments");
        println!("{}", usage(cmd));
        self.fail(ERROR);
        false
    }

    fn avail(&mut self, args: &[&str]) {
        if !self.no_args("avail", args) {
            return;
        }
        match self.call("supervisor.getAllConfigInfo", Vec::new()) {
            Ok(Value::Array(items)) => {
                for p in items {
                    let inuse = matches!(p.get("inuse"), Some(Value::Bool(true)));
                    let auto = matches!(p.get("autostart"), Some(Value::Bool(true)));
                    println!(
                        "{:<32} {:<9} {:<9} {}:{}",
                        namespec(s(&p, "group"), s(&p, "name")),
                        if inuse { "in use" } else { "avail" },
                        if auto { "auto" } else { "manual" },
                        i(&p, "group_prio"),
                        i(&p, "process_prio")
                    );
                }
            }
            Ok(_) => {}
            Err(e) => self.generic(&e),
        }
    }

    /// `reloadConfig` → (added, changed, removed), or the error already printed.
    fn reload_config(&mut self) -> Option<[Vec<String>; 3]> {
        match self.call("supervisor.reloadConfig", Vec::new()) {
            Ok(Value::Array(outer)) => {
                let lists = match outer.first() {
                    Some(Value::Array(l)) => l.clone(),
                    _ => Vec::new(),
                };
                let names = |k: usize| match lists.get(k) {
                    Some(Value::Array(v)) => v
                        .iter()
                        .filter_map(|x| x.as_str().map(str::to_owned))
                        .collect(),
                    _ => Vec::new(),
                };
                Some([names(0), names(1), names(2)])
            }
            Ok(_) => Some([Vec::new(), Vec::new(), Vec::new()]),
            Err(CallError::Fault(SHUTDOWN_STATE, _)) => {
                println!("ERROR: supervisor shutting down");
                self.fail(ERROR);
                None
            }
            Err(CallError::Fault(CANT_REREAD, string)) => {
                println!("ERROR: {string}");
                self.fail(ERROR);
                None
            }
            Err(e) => {
                self.generic(&e);
                None
            }
        }
    }

    fn reread(&mut self, args: &[&str]) {
        if !self.no_args("reread", args) {
            return;
        }
        let Some([added, changed, removed]) = self.reload_config() else {
            return;
        };
        if added.is_empty() && changed.is_empty() && removed.is_empty() {
            println!("No config updates to processes");
            return;
        }
        let mut lines: Vec<String> = added
            .iter()
            .map(|g| format!("{g}: available"))
            .chain(changed.iter().map(|g| format!("{g}: changed")))
            .chain(removed.iter().map(|g| format!("{g}: disappeared")))
            .collect();
        lines.sort();
        for l in lines {
            println!("{l}");
        }
    }

    fn add(&mut self, args: &[&str]) {
        for g in args {
            match self.call("supervisor.addProcessGroup", vec![Value::from(*g)]) {
                Ok(_) => println!("{g}: added process group"),
                Err(CallError::Fault(SHUTDOWN_STATE, _)) => {
                    println!("ERROR: shutting down");
                    self.fail(ERROR);
                }
                Err(CallError::Fault(ALREADY_ADDED, _)) => {
                    println!("ERROR: process group already active");
                }
                Err(CallError::Fault(BAD_NAME, _)) => {
                    println!("ERROR: no such process/group: {g}");
                    self.fail(ERROR);
                }
                Err(e) => self.generic(&e),
            }
        }
    }

    fn remove(&mut self, args: &[&str]) {
        for g in args {
            match self.call("supervisor.removeProcessGroup", vec![Value::from(*g)]) {
                Ok(_) => println!("{g}: removed process group"),
                Err(CallError::Fault(STILL_RUNNING, _)) => {
                    println!("ERROR: process/group still running: {g}");
                    self.fail(ERROR);
                }
                Err(CallError::Fault(BAD_NAME, _)) => {
                    println!("ERROR: no such process/group: {g}");
                    self.fail(ERROR);
                }
                Err(e) => self.generic(&e),
            }
        }
    }

    fn update(&mut self, args: &[&str]) {
        let Some([added, changed, removed]) = self.reload_config() else {
            return;
        };
        let wanted: Vec<&str> = args.iter().copied().filter(|a| *a != "all").collect();
        if !wanted.is_empty() {
            let known: Vec<String> = match self.call("supervisor.getAllConfigInfo", Vec::new()) {
                Ok(Value::Array(items)) => items.iter().map(|p| s(p, "group").to_owned()).collect(),
                _ => Vec::new(),
            };
            for g in &wanted {
                if !known.iter().any(|k| k == g) && !removed.iter().any(|r| r == g) {
                    println!("ERROR: no such group: {g}");
                    self.fail(ERROR);
                    return;
                }
            }
        }
        let selected = |g: &String| wanted.is_empty() || wanted.contains(&g.as_str());
        for g in removed.iter().filter(|g| selected(g)) {
            let _ = self.call("supervisor.stopProcessGroup", vec![Value::from(g.as_str())]);
            println!("{g}: stopped");
            match self.call(
                "supervisor.removeProcessGroup",
                vec![Value::from(g.as_str())],
            ) {
                Ok(_) => println!("{g}: removed process group"),
                Err(_) => {
                    println!("{g}: has problems; not removing");
                    self.fail(ERROR);
                }
            }
        }
        for g in changed.iter().filter(|g| selected(g)) {
            let _ = self.call("supervisor.stopProcessGroup", vec![Value::from(g.as_str())]);
            println!("{g}: stopped");
            let _ = self.call(
                "supervisor.removeProcessGroup",
                vec![Value::from(g.as_str())],
            );
            let _ = self.call("supervisor.addProcessGroup", vec![Value::from(g.as_str())]);
            println!("{g}: updated process group");
        }
        for g in added.iter().filter(|g| selected(g)) {
            match self.call("supervisor.addProcessGroup", vec![Value::from(g.as_str())]) {
                Ok(_) => println!("{g}: added process group"),
                Err(e) => self.generic(&e),
            }
        }
    }

    fn shutdown(&mut self, cmd: &str, args: &[&str]) {
        if !self.no_args(cmd, args) {
            return;
        }
        let (method, question, done) = if cmd == "reload" {
            (
                "supervisor.restart",
                "Really restart the remote supervisord process y/N? ",
                "Restarted supervisord",
            )
        } else {
            (
                "supervisor.shutdown",
                "Really shut the remote supervisord process down y/N? ",
                "Shut down",
            )
        };
        if self.interactive {
            use std::io::Write;
            print!("{question}");
            let _ = std::io::stdout().flush();
            let mut answer = String::new();
            let _ = std::io::stdin().read_line(&mut answer);
            if !answer.trim().to_ascii_lowercase().starts_with('y') {
                return;
            }
        }
        match self.call(method, Vec::new()) {
            Ok(_) => println!("{done}"),
            Err(CallError::Fault(SHUTDOWN_STATE, _)) => println!("ERROR: already shutting down"),
            Err(CallError::Refused) if cmd == "shutdown" => {
                println!(
                    "ERROR: {} refused connection (already shut down?)",
                    self.client.url
                );
                self.fail(ERROR);
            }
            Err(CallError::NoSuchFile) if cmd == "shutdown" => {
                println!(
                    "ERROR: {} no such file (already shut down?)",
                    self.client.url
                );
                self.fail(ERROR);
            }
            Err(e) => self.generic(&e),
        }
    }

    fn version(&mut self, args: &[&str]) {
        if !self.no_args("version", args) || !self.upcheck(false) {
            return;
        }
        match self.call("supervisor.getSupervisorVersion", Vec::new()) {
            Ok(v) => println!("{}", v.as_str().unwrap_or("")),
            Err(e) => self.generic(&e),
        }
    }

    /// `-f` or `-<bytes>` → (follow, bytes); anything else is an error message.
    fn tail_flags(args: &mut Vec<&str>) -> Result<(bool, i64), String> {
        let mut follow = false;
        let mut bytes = 1600;
        if let Some(first) = args.first().copied() {
            if let Some(flag) = first.strip_prefix('-') {
                if flag == "f" {
                    follow = true;
                } else {
                    bytes = flag
                        .parse()
                        .map_err(|_| format!("Error: bad argument {first}"))?;
                }
                args.remove(0);
            }
        }
        Ok((follow, bytes))
    }

    fn follow(&mut self, path: &str) {
        println!("==> Press Ctrl-C to exit <==");
        let client = self.client.clone();
        let result = self.rt.block_on(client.follow(path, |chunk| {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(chunk);
            let _ = out.flush();
        }));
        if let Err(e) = result {
            self.generic(&e);
        }
    }

    fn tail(&mut self, args: &[&str]) {
        let mut args = args.to_vec();
        let (follow, bytes) = match Self::tail_flags(&mut args) {
            Ok(f) => f,
            Err(m) => {
                println!("{m}");
                self.fail(ERROR);
                return;
            }
        };
        if args.is_empty() {
            println!("Error: too few arguments");
            println!("{}", usage("tail"));
            self.fail(ERROR);
            return;
        }
        if args.len() > 2 {
            println!("Error: too many arguments");
            println!("{}", usage("tail"));
            self.fail(ERROR);
            return;
        }
        let name = args[0];
        let channel = args.get(1).copied().unwrap_or("stdout");
        if channel != "stdout" && channel != "stderr" {
            println!("Error: bad channel '{channel}'");
            self.fail(ERROR);
            return;
        }
        if !self.upcheck(false) {
            return;
        }
        if follow {
            self.follow(&format!("/logtail/{name}/{channel}"));
            return;
        }
        let method = if channel == "stderr" {
            "supervisor.readProcessStderrLog"
        } else {
            "supervisor.readProcessStdoutLog"
        };
        match self.call(
            method,
            vec![Value::from(name), Value::Int(-bytes), Value::Int(0)],
        ) {
            Ok(v) => println!("{}", v.as_str().unwrap_or("")),
            Err(CallError::Fault(BAD_NAME, _)) => {
                println!("{name}: ERROR (no such process name)");
                self.fail(ERROR);
            }
            Err(CallError::Fault(NO_FILE, _)) => {
                println!("{name}: ERROR (no log file)");
                self.fail(ERROR);
            }
            Err(CallError::Fault(FAILED, _)) => {
                println!("{name}: ERROR (unknown error reading log)");
                self.fail(ERROR);
            }
            Err(e) => self.generic(&e),
        }
    }

    fn maintail(&mut self, args: &[&str]) {
        let mut args = args.to_vec();
        let (follow, bytes) = match Self::tail_flags(&mut args) {
            Ok(f) if args.is_empty() => f,
            Ok(_) => {
                println!("Error: bad argument {}", args[0]);
                self.fail(ERROR);
                return;
            }
            Err(m) => {
                println!("{m}");
                self.fail(ERROR);
                return;
            }
        };
        if !self.upcheck(false) {
            return;
        }
        if follow {
            self.follow("/mainlogtail");
            return;
        }
        match self.call(
            "supervisor.readLog",
            vec![Value::Int(-bytes), Value::Int(0)],
        ) {
            Ok(v) => println!("{}", v.as_str().unwrap_or("")),
            Err(CallError::Fault(NO_FILE, _)) => {
                println!("supervisord: ERROR (no log file)");
                self.fail(ERROR);
            }
            Err(e) => self.generic(&e),
        }
    }

    /// [CTL-fg]: the process's output streamed here, and each line typed sent to its stdin,
    /// until EOF (Ctrl-D) or the process stops.
    fn fg(&mut self, args: &[&str]) {
        let name = match args {
            [] => {
                println!("ERROR: no process name supplied");
                self.fail(ERROR);
                return;
            }
            [name] => (*name).to_owned(),
            _ => {
                println!("ERROR: too many process names supplied");
                self.fail(ERROR);
                return;
            }
        };
        if !self.upcheck(false) {
            return;
        }
        match self.call(
            "supervisor.getProcessInfo",
            vec![Value::from(name.as_str())],
        ) {
            Ok(info) if s(&info, "statename") == "RUNNING" => {}
            Ok(_) => {
                println!("ERROR: process not running");
                self.fail(ERROR);
                return;
            }
            Err(CallError::Fault(BAD_NAME, _)) => {
                println!("ERROR: bad process name supplied");
                self.fail(ERROR);
                return;
            }
            Err(e) => {
                self.generic(&e);
                return;
            }
        }
        println!("==> Press Ctrl-C to exit <==");
        let client = self.client.clone();
        let message = self.rt.block_on(async move {
            let print = |chunk: &[u8]| {
                use std::io::Write;
                let mut out = std::io::stdout().lock();
                let _ = out.write_all(chunk);
                let _ = out.flush();
            };
            let tails: Vec<_> = ["stdout", "stderr"]
                .into_iter()
                .map(|channel| {
                    let client = client.clone();
                    let path = format!("/logtail/{name}/{channel}");
                    tokio::spawn(async move {
                        let _ = client.follow(&path, print).await;
                    })
                })
                .collect();
            let (tx, mut lines) = tokio::sync::mpsc::unbounded_channel::<Option<String>>();
            std::thread::spawn(move || {
                let stdin = std::io::stdin();
                loop {
                    let mut line = String::new();
                    match stdin.read_line(&mut line) {
                        Ok(0) | Err(_) => {
                            let _ = tx.send(None);
                            return;
                        }
                        Ok(_) => {
                            if tx.send(Some(line)).is_err() {
                                return;
                            }
                        }
                    }
                }
            });
            let mut check = tokio::time::interval(std::time::Duration::from_secs(1));
            let message = loop {
                tokio::select! {
                    line = lines.recv() => match line {
                        Some(Some(text)) => {
                            let chars = format!("{}\n", text.trim_end_matches(['\r', '\n']));
                            let _ = client
                                .call("supervisor.sendProcessStdin", vec![Value::from(name.as_str()), Value::from(chars)])
                                .await;
                        }
                        _ => break "Exiting foreground",
                    },
                    _ = check.tick() => {
                        let running = client
                            .call("supervisor.getProcessInfo", vec![Value::from(name.as_str())])
                            .await
                            .is_ok_and(|i| s(&i, "statename") == "RUNNING");
                        if !running {
                            break "Process got killed";
                        }
                    }
                }
            };
            for t in tails {
                t.abort();
            }
            message
        });
        println!();
        println!("{message}");
    }

    fn help(&mut self, args: &[&str]) {
        if let Some(topic) = args.first() {
            println!("{}", usage(topic));
            return;
        }
        println!();
        println!("default commands (type help <topic>):");
        println!("=====================================");
        for row in COMMANDS.chunks(10) {
            println!(
                "{}",
                row.iter()
                    .map(|c| format!("{c:<9}"))
                    .collect::<String>()
                    .trim_end()
            );
        }
        println!();
    }
}

/// One command's usage (`help <topic>`, and after a usage error), in our own words.
pub fn usage(topic: &str) -> String {
    let text = match topic {
        "status" => "status [--json] [<name>|<group>:*|all]...\tshow processes (all by default; --json: as a JSON array)",
        "start" => "start <name>|<group>:*|all...\tstart processes",
        "stop" => "stop <name>|<group>:*|all...\tstop processes",
        "restart" => "restart <name>|<group>:*|all...\tstop, then start processes",
        "signal" => "signal <signal> <name>|<group>:*|all...\tsend a signal (HUP, USR1, 15...)",
        "pid" => "pid [<name>...|all]\tthe pid of supervisord, or of processes",
        "tail" => "tail [-f|-<bytes>] <name> [stdout|stderr]\tthe end of a process log (1600 bytes of stdout by default; -f follows it)",
        "maintail" => "maintail [-f|-<bytes>]\tthe end of supervisord's own log",
        "clear" => "clear <name>...|all\tempty process logs",
        "avail" => "avail\t\t\tevery configured process and whether it is in use",
        "reread" => "reread\t\t\tread the configuration again and report what changed (nothing is started or stopped)",
        "update" => "update [all|<group>...]\tapply the configuration: remove, change and add groups",
        "add" => "add <group>...\t\tactivate groups from the configuration",
        "remove" => "remove <group>...\tremove stopped groups",
        "reload" => "reload\t\t\trestart supervisord",
        "shutdown" => "shutdown\t\tstop every process, then supervisord",
        "version" => "version\t\t\tthe version of supervisord",
        "open" => "open <url>\t\tconnect to another supervisord (unix:// or http://)",
        "fg" => "fg <name>\t\tattach to a process: its output, and your input as its stdin",
        "help" => "help [<command>]\tlist commands, or explain one",
        "quit" | "exit" => "quit\t\t\tleave the shell",
        other => return format!("*** No help on {other}"),
    };
    text.to_owned()
}
