//! `environment_file=` and `*_log_timestamps=` (extensions, issue 20): variables from files
//! merged under `environment=`, visible to `%(ENV_x)s`; errors at `file:line`; RFC 3339
//! stamps on each line of the log file while `tail` returns the child's bytes; and 4.3 still
//! loads a file with these keys.

use std::process::Command;
use std::time::Duration;

use tests::{python_reference, rust_binary, wait_until, Daemon, Implementation, TempDir};

const A_ENV: &str = "# the database\nFROMFILE=first\nQUOTED=\"two words\"\nB=from-file\n\
                     export LITERAL='$HOME # not a comment'\n\n; ini-style comment\n";
const B_ENV: &str = "FROMFILE=second  # later files win\n";

/// Our supervisord on `conf` (in the foreground, as the file says), with `env` added to its
/// environment; stopped by pid when dropped.
fn supervisord(conf: &std::path::Path, env: &[(&str, &str)]) -> tests::StopOnDrop {
    tests::StopOnDrop(
        Command::new(rust_binary("supervisord"))
            .arg("-c")
            .arg(conf)
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("supervisord starts"),
    )
}

#[test]
fn environment_files_merge_under_environment_and_expand() {
    // The files are read when the config loads: write them first, then start.
    let dir = TempDir::new("envfile").expect("temp dir");
    std::fs::write(dir.join("a.env"), A_ENV).expect("write");
    std::fs::write(dir.join("b.env"), B_ENV).expect("write");
    let conf = dir.join("supervisord.conf");
    let d = dir.path().display();
    std::fs::write(
        &conf,
        format!(
            "[unix_http_server]\nfile={d}/s.sock\n[supervisord]\nnodaemon=true\n\
             logfile={d}/supervisord.log\npidfile={d}/supervisord.pid\nchildlogdir={d}\n\
             [rpcinterface:supervisor]\n\
             supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\
             [program:show]\n\
             command=sh -c 'echo FROMFILE=$FROMFILE; echo QUOTED=$QUOTED; echo B=$B; \
             echo LITERAL=$LITERAL; echo ARG=%(ENV_QUOTED)s; exec sleep 1000'\n\
             environment_file=a.env, %(here)s/b.env\nenvironment=B=from-conf\n\
             startsecs=0\nstdout_logfile={d}/show.log\nstdout_log_timestamps=true\n"
        ),
    )
    .expect("config");
    let mut daemon = supervisord(&conf, &[]);
    let log = dir.join("show.log");
    wait_until(
        Duration::from_secs(20),
        "show logged its environment",
        || std::fs::read_to_string(&log).is_ok_and(|s| s.contains("ARG=")),
    );
    let text = std::fs::read_to_string(&log).expect("log");
    let bodies: Vec<&str> = text
        .lines()
        .map(|l| {
            let (stamp, body) = l.split_once(' ').expect("a stamped line");
            assert_eq!(stamp.len(), 29, "{l}");
            assert_eq!(&stamp[10..11], "T", "{l}");
            body
        })
        .collect();
    assert_eq!(
        bodies,
        [
            "FROMFILE=second",
            "QUOTED=two words",
            "B=from-conf",
            "LITERAL=$HOME # not a comment",
            "ARG=two words",
        ],
        "{text}"
    );
    // tail returns what the child wrote, without the stamps.
    let tail = Command::new(rust_binary("supervisorctl"))
        .args(["-s", &format!("unix://{d}/s.sock"), "tail", "show"])
        .output()
        .expect("supervisorctl runs");
    let tail = String::from_utf8_lossy(&tail.stdout);
    assert!(
        tail.starts_with("FROMFILE=second\nQUOTED=two words\n"),
        "{tail}"
    );
    assert!(daemon.running());
}

fn check(dir: &TempDir, program: &str) -> (String, i32) {
    let d = dir.path().display();
    let conf = dir.join("supervisord.conf");
    std::fs::write(
        &conf,
        format!(
            "[supervisord]\nlogfile={d}/supervisord.log\npidfile={d}/supervisord.pid\n\n{program}"
        ),
    )
    .expect("config");
    let out = Command::new(rust_binary("supervisord"))
        .arg("-c")
        .arg(&conf)
        .arg("--check")
        .output()
        .expect("supervisord runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn environment_file_errors_name_file_and_line() {
    let dir = TempDir::new("envfile-errors").expect("temp dir");
    let (out, code) = check(
        &dir,
        "[program:x]\ncommand=sleep 1\nenvironment_file=%(here)s/nope.env\n",
    );
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains(
            "supervisord.conf:7: [program:x] environment_file: cannot read environment file"
        ),
        "{out}"
    );
    assert!(out.contains("nope.env"), "{out}");

    std::fs::write(dir.join("bad.env"), "GOOD=1\n# fine\nthis is not a pair\n").expect("write");
    let (out, code) = check(
        &dir,
        "[program:x]\ncommand=sleep 1\nenvironment_file=bad.env\n",
    );
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains(
            "bad.env:3: [program:x] environment_file: expected KEY=VALUE (got \"this is not a pair\")"
        ),
        "{out}"
    );

    let (out, code) = check(
        &dir,
        "[program:x]\ncommand=sleep 1\nstdout_log_timestamps=maybe\n",
    );
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("stdout_log_timestamps"), "{out}");
}

/// 4.3 ignores the new keys: the same file loads and runs there.
#[test]
fn python_4_3_loads_a_file_with_the_new_keys() {
    if !python_reference() {
        return;
    }
    let d = Daemon::start(
        Implementation::Python,
        "[program:show]\ncommand=sleep 1000\nstartsecs=0\n\
         environment_file=%(here)s/none-such.env\nstdout_log_timestamps=true\n\
         stderr_log_timestamps=true\nstoptree=true\n",
    )
    .expect("4.3 loads it");
    wait_until(Duration::from_secs(20), "show RUNNING under 4.3", || {
        d.rpc("s.supervisor.getProcessInfo('show')['statename']")
            .is_ok_and(|s| s == "RUNNING")
    });
}

/// `[supervisord] environment_file` reaches every child, and `%(ENV_x)s` in program sections.
#[test]
fn a_daemon_wide_environment_file() {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/daemon.env");
    let d = Daemon::start(
        Implementation::Rust,
        &format!(
            "[supervisord]\nenvironment_file={file}\n\n\
             [program:show]\ncommand=sh -c 'echo \"child=$DAEMON_WIDE arg=%(ENV_DAEMON_WIDE)s\"; exec sleep 1000'\n\
             startsecs=0\nstdout_logfile=%(here)s/show.log\n"
        ),
    )
    .expect("daemon starts");
    let log = d.dir().join("show.log");
    wait_until(Duration::from_secs(20), "show's line", || {
        std::fs::read_to_string(&log)
            .is_ok_and(|s| s.contains("child=from the daemon file arg=from the daemon file"))
    });
}

/// A child inherits the daemon's own environment under the `SUPERVISOR_*` variables and
/// `environment=` (the request carries only what is set on top of it), and a command word is
/// looked up in the program's own `PATH` when it sets one.
#[test]
fn children_inherit_the_daemons_environment_under_their_own() {
    let dir = TempDir::new("envinherit").expect("temp dir");
    let bin = dir.join("bin");
    std::fs::create_dir(&bin).expect("bin dir");
    let tool = bin.join("only-here");
    std::fs::write(&tool, "#!/bin/sh\necho TOOL=ran\n").expect("tool");
    std::fs::set_permissions(&tool, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let conf = dir.join("supervisord.conf");
    let d = dir.path().display();
    std::fs::write(
        &conf,
        format!(
            "[unix_http_server]\nfile={d}/s.sock\n[supervisord]\nnodaemon=true\n\
             logfile={d}/supervisord.log\npidfile={d}/supervisord.pid\nchildlogdir={d}\n\
             [rpcinterface:supervisor]\n\
             supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\
             [program:show]\n\
             command=sh -c 'echo DAEMON_ONLY=$DAEMON_ONLY; echo NAME=$SUPERVISOR_PROCESS_NAME; \
             echo GROUP=$SUPERVISOR_GROUP_NAME; echo ENABLED=$SUPERVISOR_ENABLED; \
             echo OVERRIDDEN=$OVERRIDDEN; echo END; exec sleep 1000'\n\
             environment=OVERRIDDEN=by-program\n\
             startsecs=0\nstdout_logfile={d}/show.log\n\
             [program:tool]\ncommand=only-here\nenvironment=PATH=\"{bin}:/usr/bin:/bin\"\n\
             startsecs=0\nautorestart=false\nstdout_logfile={d}/tool.log\n",
            bin = bin.display()
        ),
    )
    .expect("config");
    let mut daemon = supervisord(
        &conf,
        &[
            ("DAEMON_ONLY", "inherited"),
            ("SUPERVISOR_GROUP_NAME", "stale"),
            ("OVERRIDDEN", "by-daemon"),
        ],
    );
    let log = dir.join("show.log");
    wait_until(
        Duration::from_secs(20),
        "show logged its environment",
        || std::fs::read_to_string(&log).is_ok_and(|s| s.contains("END")),
    );
    let text = std::fs::read_to_string(&log).expect("log");
    assert_eq!(
        text.lines().collect::<Vec<_>>(),
        [
            "DAEMON_ONLY=inherited",
            "NAME=show",
            "GROUP=show",
            "ENABLED=1",
            "OVERRIDDEN=by-program",
            "END"
        ],
        "{text}"
    );
    let tool_log = dir.join("tool.log");
    wait_until(Duration::from_secs(20), "the PATH-found tool ran", || {
        std::fs::read_to_string(&tool_log).is_ok_and(|s| s.contains("TOOL=ran"))
    });
    assert!(daemon.running());
}
