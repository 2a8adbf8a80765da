//! Our `supervisorctl` against Python's 4.3 `supervisorctl`: the same command sequence on
//! two identical daemons, one driven by each client; stdout and exit statuses must match
//! (pids and uptimes normalised) ([CTL-*], issue 6).

use std::time::Duration;

use tests::{python_reference, wait_until, Daemon, Implementation};

const SECTIONS: &str = "\
[program:cat]\ncommand=sh -c 'echo hello; echo oops >&2; exec cat'\nstartsecs=0\n\n\
[program:sleeper]\ncommand=sleep 1000\nstartsecs=0\nautostart=false\n\n\
[program:quick]\ncommand=sh -c 'exit 3'\nstartsecs=0\nautostart=false\nautorestart=false\n\n\
[program:one]\ncommand=sleep 1001\nstartsecs=0\n\n\
[program:two]\ncommand=sleep 1002\nstartsecs=0\npriority=5\n\n\
[group:grp]\nprograms=one,two\n";

const SCRIPT: &[&[&str]] = &[
    &["status"],
    &["status", "cat", "grp:*", "nosuch"],
    &["status", "sleeper"],
    &["start"],
    &["start", "sleeper"],
    &["start", "sleeper"],
    &["start", "nosuch"],
    &["start", "nosuch:*"],
    &["stop", "sleeper"],
    &["stop", "sleeper"],
    &["stop"],
    &["stop", "grp:*"],
    &["start", "grp:*"],
    &["restart", "grp:one"],
    &["signal", "CONT", "cat"],
    &["signal", "BOGUS", "cat"],
    &["signal", "CONT", "sleeper"],
    &["signal", "CONT"],
    &["pid", "sleeper"],
    &["pid", "nosuch"],
    &["tail", "cat"],
    &["tail", "cat", "stderr"],
    &["tail", "-3", "cat"],
    &["tail", "cat", "bogus"],
    &["tail"],
    &["tail", "nosuch"],
    &["clear", "cat"],
    &["clear", "nosuch"],
    &["clear"],
    &["avail"],
    &["avail", "x"],
    &["reread"],
    &["update"],
    &["add", "grp"],
    &["remove", "nosuch"],
    &["remove", "cat"],
    &["version"],
    &["version", "x"],
    &["bogus"],
    &["stop", "all"],
    &["status"],
    &["start", "all"],
];

fn normalise(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let mut words: Vec<String> = Vec::new();
        let mut prev_pid = false;
        for w in line.split(' ') {
            if prev_pid && w.trim_end_matches(',').parse::<u32>().is_ok() {
                words.push("PID,".into());
            } else if w.matches(':').count() == 2
                && w.chars().all(|c| c.is_ascii_digit() || c == ':')
            {
                words.push("UPTIME".into());
            } else {
                words.push(w.to_owned());
            }
            prev_pid = w == "pid";
        }
        // A stop time (`Nov 25 02:01 AM`) may fall in different minutes for the two runs.
        let n = words.len();
        if n >= 4 && matches!(words[n - 1].as_str(), "AM" | "PM") && words[n - 2].contains(':') {
            words.truncate(n - 4);
            words.push("DATE".into());
        }
        let line = words.join(" ");
        // A bare pid (`pid sleeper`).
        let line = if line.parse::<u32>().is_ok_and(|p| p > 0) {
            "PID".to_owned()
        } else {
            line
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn transcript(python_client: bool) -> String {
    let d = Daemon::start(Implementation::Rust, SECTIONS).expect("daemon starts");
    wait_until(
        Duration::from_secs(10),
        "cat RUNNING with its output",
        || {
            d.rpc("s.supervisor.readProcessStdoutLog('cat', 0, 0)")
                .is_ok_and(|t| t.contains("hello"))
        },
    );
    let mut t = String::new();
    for cmd in SCRIPT {
        let (out, code) = if python_client {
            d.ctl(cmd).expect("python supervisorctl")
        } else {
            d.rust_ctl(cmd).expect("our supervisorctl")
        };
        // After a usage error each client prints its own help text (ours is our own wording,
        // COMPATIBILITY.md): only the error line is compared.
        let out = match out.lines().next() {
            Some(first) if first.starts_with("Error:") => format!("{first}\n"),
            _ => out,
        };
        // Group and `all` results come in completion order, which varies from run to run.
        let mut out = normalise(&out);
        if cmd.iter().any(|a| *a == "all" || a.ends_with(":*")) && cmd[0] != "status" {
            let mut lines: Vec<&str> = out.lines().collect();
            lines.sort_unstable();
            out = lines.iter().map(|l| format!("{l}\n")).collect();
        }
        t.push_str(&format!("$ {}\n{out}[exit {code}]\n", cmd.join(" ")));
    }
    t
}

#[test]
fn our_supervisorctl_prints_what_4_3_prints() {
    if !python_reference() {
        return;
    }
    let ours = transcript(false);
    let reference = transcript(true);
    let a: Vec<&str> = ours.split("$ ").collect();
    let b: Vec<&str> = reference.split("$ ").collect();
    let diffs: Vec<String> = a
        .iter()
        .zip(&b)
        .filter(|(x, y)| x != y)
        .map(|(x, y)| format!("ours:\n$ {x}Python:\n$ {y}"))
        .collect();
    assert!(
        diffs.is_empty(),
        "{} commands differ:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

/// `status --json` (beyond 4.3, its issue #1274): the same processes as JSON.
#[test]
fn status_json_lists_processes_as_json() {
    if !python_reference() {
        return;
    }
    let d = Daemon::start(Implementation::Rust, SECTIONS).expect("daemon starts");
    wait_until(Duration::from_secs(10), "cat RUNNING", || {
        d.rpc("s.supervisor.getProcessInfo('cat')['statename']")
            .is_ok_and(|s| s == "RUNNING")
    });
    let (out, code) = d.rust_ctl(&["status", "--json"]).expect("runs");
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("JSON");
    let items = v.as_array().expect("an array");
    assert_eq!(items.len(), 5, "{out}");
    let cat = items.iter().find(|p| p["name"] == "cat").expect("cat");
    assert_eq!(cat["statename"], "RUNNING");
    assert!(cat["pid"].as_i64().is_some_and(|p| p > 0));
    assert_eq!(
        code, 3,
        "sleeper and quick are stopped, as plain status says"
    );
}

/// The interactive shell: runs `status` first, then each line; `open` switches servers.
#[test]
fn the_shell_runs_lines_and_open_switches_servers() {
    if !python_reference() {
        return;
    }
    use std::io::Write;
    use std::process::{Command, Stdio};
    let d = Daemon::start(Implementation::Rust, SECTIONS).expect("daemon starts");
    let mut child = Command::new(tests::rust_binary("supervisorctl"))
        .arg("-c")
        .arg(d.dir().join("supervisord.conf"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let url = d.server_url();
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("version\nopen ftp://x\nopen {url}\nquit\n").as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.starts_with("cat "), "status first: {text}");
    assert!(text.contains("supervisor> 4.3.0"), "{text}");
    assert!(
        text.contains("ERROR: url must be http:// or unix://"),
        "{text}"
    );
    assert_eq!(
        text.matches("sleeper ").count(),
        2,
        "status again after open: {text}"
    );
}

/// `fg`: the process's output arrives, typed lines reach its stdin, EOF leaves ([CTL-fg]).
#[test]
fn fg_attaches_to_a_process() {
    if !python_reference() {
        return;
    }
    use std::io::{Read, Write};
    use std::process::{Command, Stdio};
    let d = Daemon::start(
        Implementation::Rust,
        "[program:echoer]\ncommand=sh -c 'while read l; do echo \"echo: $l\"; done'\nstartsecs=0\n",
    )
    .expect("daemon starts");
    wait_until(Duration::from_secs(10), "echoer RUNNING", || {
        d.rpc("s.supervisor.getProcessInfo('echoer')['statename']")
            .is_ok_and(|s| s == "RUNNING")
    });
    let mut child = Command::new(tests::rust_binary("supervisorctl"))
        .arg("-c")
        .arg(d.dir().join("supervisord.conf"))
        .args(["fg", "echoer"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 1024];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut seen = String::new();
    let mut read_until = |want: &str| {
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        while !seen.contains(want) {
            assert!(
                std::time::Instant::now() < deadline,
                "no {want:?} in {seen:?}"
            );
            if let Ok(b) = rx.recv_timeout(Duration::from_millis(100)) {
                seen.push_str(&String::from_utf8_lossy(&b));
            }
        }
    };
    read_until("==> Press Ctrl-C to exit <==");
    stdin.write_all(b"hello\n").expect("type");
    read_until("echo: hello");
    drop(stdin);
    read_until("Exiting foreground");
    assert!(child.wait().expect("wait").success());
}

/// On 401 the shell asks for a username and password and tries again
/// ([CTL-OPT-auth-prompt]).
#[test]
fn the_shell_asks_for_credentials_on_401() {
    if !python_reference() {
        return;
    }
    use std::io::Write;
    use std::process::{Command, Stdio};
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let d = Daemon::start(
        Implementation::Rust,
        &format!("[inet_http_server]\nport=127.0.0.1:{port}\nusername=user\npassword=123\n\n[program:cat]\ncommand=cat\nstartsecs=0\n"),
    )
    .expect("daemon starts");
    let mut child = Command::new(tests::rust_binary("supervisorctl"))
        .args(["-s", &format!("http://127.0.0.1:{port}")])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"user\n123\nversion\nquit\n")
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("Server requires authentication\nUsername:Password:"),
        "{text}"
    );
    assert!(text.contains("cat "), "status after logging in: {text}");
    assert!(text.contains("supervisor> 4.3.0"), "{text}");
    drop(d);
}
