//! Without `nodaemon`, supervisord detaches ([CFG-CLI-daemon]): the command returns 0 at once,
//! the daemon's pid is in the pidfile, it serves RPC, and SIGTERM stops it.

use std::process::Command;
use std::time::Duration;

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use tests::{python_reference, try_wait_until, wait_until, TempDir};

/// Kills the daemon by pid if the test fails midway.
struct KillOnDrop(Option<i32>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(pid) = self.0 {
            let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
        }
    }
}

#[test]
fn detaches_and_serves_cfg_cli_daemon() {
    if !python_reference() {
        return;
    }
    let dir = TempDir::new("dmn").expect("temp dir");
    let d = dir.path().display();
    let conf = dir.join("supervisord.conf");
    std::fs::write(
        &conf,
        format!(
            "[unix_http_server]\nfile={d}/s.sock\n[supervisord]\nlogfile={d}/s.log\npidfile={d}/s.pid\n\
             childlogdir={d}\ndirectory={d}\n[rpcinterface:supervisor]\n\
             supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\
             [program:sleeper]\ncommand=sleep 1000\nstartsecs=0\n"
        ),
    )
    .expect("write config");
    let status = Command::new(tests::rust_binary("supervisord"))
        .arg("-c")
        .arg(&conf)
        .status()
        .expect("supervisord runs");
    assert!(status.success(), "the foreground process exits 0");
    let pidfile = dir.join("s.pid");
    wait_until(Duration::from_secs(10), "the pidfile", || {
        std::fs::read_to_string(&pidfile).is_ok_and(|s| s.ends_with('\n'))
    });
    let pid: i32 = std::fs::read_to_string(&pidfile)
        .expect("pidfile")
        .trim()
        .parse()
        .expect("a pid");
    let mut guard = KillOnDrop(Some(pid));
    let url = format!("unix://{d}/s.sock");
    let script = format!(
        "from supervisor import childutils\n\
         s = childutils.getRPCInterface({{'SUPERVISOR_SERVER_URL': '{url}'}})\n\
         print(s.supervisor.getPID(), s.supervisor.getProcessInfo('sleeper')['statename'])"
    );
    let answered = try_wait_until(Duration::from_secs(10), || {
        Command::new("python3")
            .args(["-c", &script])
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == format!("{pid} RUNNING"))
    });
    assert!(answered, "the daemon answers RPC with its own pid");
    let log = std::fs::read_to_string(dir.join("s.log")).expect("main log");
    assert!(
        log.contains("INFO daemonizing the supervisord process"),
        "{log}"
    );
    assert!(
        log.contains(&format!("INFO set current directory: '{d}'")),
        "{log}"
    );
    kill(Pid::from_raw(pid), Signal::SIGTERM).expect("signal the daemon");
    wait_until(Duration::from_secs(15), "the daemon to exit", || {
        kill(Pid::from_raw(pid), None).is_err()
    });
    guard.0 = None;
    assert!(!pidfile.exists(), "pidfile removed at clean exit");
}

/// A second supervisord on a socket that is in use fails in the foreground, before it
/// detaches or writes its pidfile, as 4.3 does: exit status 2, 4.3's message on stderr, and
/// the running daemon's pidfile untouched (ours used to detach first, exit 0, and remove the
/// running daemon's pidfile on the way out).
#[test]
fn a_second_daemon_on_a_busy_socket_fails_before_detaching() {
    if !python_reference() {
        return;
    }
    let first = tests::Daemon::start(
        tests::Implementation::Rust,
        "[program:talk]\ncommand=sh -c 'echo hello; exec sleep 1000'\nstartsecs=0\n",
    )
    .expect("first daemon");
    let auto_log = || {
        std::fs::read_dir(first.dir())
            .into_iter()
            .flatten()
            .flatten()
            .any(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with("talk-stdout---")
            })
    };
    wait_until(Duration::from_secs(20), "talk's AUTO log", auto_log);
    let pidfile = first.dir().join("supervisord.pid");
    let recorded = || std::fs::read_to_string(&pidfile).unwrap_or_default();
    assert_eq!(recorded().trim(), first.pid().to_string());
    let conf = std::fs::read_to_string(first.dir().join("supervisord.conf"))
        .expect("config")
        .replace("nodaemon=true", "nodaemon=false");
    let second = first.dir().join("second.conf");
    std::fs::write(&second, conf).expect("second config");
    for program in [tests::rust_binary("supervisord"), "supervisord".into()] {
        let out = Command::new("timeout")
            .arg("20")
            .arg(&program)
            .arg("-c")
            .arg(&second)
            .output()
            .expect("second supervisord runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{program:?}: {stderr}");
        let mut lines = stderr.lines();
        assert_eq!(
            lines.next(),
            Some(
                "Error: Another program is already listening on a port that one of our HTTP \
                 servers is configured to use.  Shut this program down first before starting \
                 supervisord."
            ),
            "{program:?}: {stderr}"
        );
        let help = lines.next().unwrap_or_default();
        assert!(
            help.starts_with("For help, use ") && help.ends_with(" -h"),
            "{program:?}: {stderr}"
        );
        assert_eq!(lines.next(), None, "{program:?}: {stderr}");
        assert_eq!(
            recorded().trim(),
            first.pid().to_string(),
            "{program:?} touched the running daemon's pidfile"
        );
        if program.is_absolute() {
            // Ours binds before clearing AUTO child logs (4.3 clears them first and so deletes
            // the running daemon's logs: COMPATIBILITY.md).
            assert!(auto_log(), "the running daemon's AUTO log was deleted");
        }
    }
    assert_eq!(
        first
            .rpc("s.supervisor.getState()['statename']")
            .expect("rpc"),
        "RUNNING"
    );
}
