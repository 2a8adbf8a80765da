//! The log directory removed while logging (issue 9, [PROC-SPAWN-errors-parent]).
//!
//! A program logs into a directory that is then deleted. Both daemons keep supervising and
//! answering. Starting a program whose log cannot be opened is a spawn error in 4.3; ours
//! creates the missing directory (or starts the program without the log) instead, reports
//! failed writes once (not once per chunk) and resumes writing when the directory comes back.

use std::time::Duration;

use tests::{python_reference, try_wait_until, wait_until, Daemon, Implementation, TempDir};

fn log_dir_removed(which: Implementation) {
    let logs = TempDir::new("logs").expect("temp dir");
    let l = logs.path().display().to_string();
    let d = Daemon::start(
        which,
        &format!(
            "[program:spew]\ncommand=sh -c 'while :; do echo spew-line; sleep 0.01; done'\n\
             startsecs=0\nstdout_logfile={l}/spew.log\nstdout_logfile_maxbytes=2KB\n\
             stdout_logfile_backups=1\n\n\
             [program:later]\ncommand=sleep 1000\nautostart=false\nstartsecs=0\n\
             startretries=0\nstdout_logfile={l}/later.log\n"
        ),
    )
    .expect("daemon starts");
    let spew = logs.join("spew.log");
    wait_until(Duration::from_secs(20), "spew logging", || {
        std::fs::metadata(&spew).is_ok_and(|m| m.len() > 0)
    });
    std::fs::remove_dir_all(logs.path()).expect("remove the log dir");

    if which == Implementation::Python {
        // 4.3: starting a program whose log cannot be opened is a spawn error.
        let err = d
            .rpc("s.supervisor.startProcess('later')")
            .expect_err("the start fails");
        assert!(err.to_string().contains("SPAWN_ERROR"), "{which:?}: {err}");
        wait_until(Duration::from_secs(10), "the spawn error logged", || {
            d.main_log()
                .contains("spawnerr: unknown error making dispatchers for 'later': ENOENT")
        });
        // Still supervising: spew keeps running, the daemon answers.
        assert_eq!(
            d.rpc("s.supervisor.getProcessInfo('spew')['statename']")
                .expect("RPC answers"),
            "RUNNING"
        );
        return;
    }
    // Ours: the failure is reported once however many chunks fail ...
    wait_until(
        Duration::from_secs(10),
        "the write failure reported",
        || d.main_log().contains("cannot write"),
    );
    let reported = |log: &str| log.matches("cannot write").count();
    // (spew writes ~100 chunks/s; give it time to fail many more)
    let before = d.main_log();
    assert!(
        !try_wait_until(Duration::from_secs(1), || reported(&d.main_log()) > 1),
        "reported more than once:\n{before}"
    );
    // ... starting a program creates the missing directory, and says so ...
    assert_eq!(
        d.rpc("s.supervisor.startProcess('later')").expect("starts"),
        "True"
    );
    assert!(
        d.main_log().contains(&format!(
            "WARN created the missing log directory {l} for 'later'"
        )),
        "{}",
        d.main_log()
    );
    // ... and spew's writing resumes, announced once.
    wait_until(Duration::from_secs(10), "spew logging again", || {
        std::fs::read_to_string(&spew).is_ok_and(|s| s.contains("spew-line"))
            && d.main_log().contains("writing ")
    });
    assert_eq!(
        d.rpc("s.supervisor.getProcessInfo('spew')['statename']")
            .expect("RPC answers"),
        "RUNNING"
    );
}

fn pid_of(d: &Daemon, name: &str) -> i32 {
    d.rpc(&format!("s.supervisor.getProcessInfo('{name}')['pid']"))
        .expect("RPC answers")
        .parse()
        .expect("a pid")
}

fn kill_and_wait_respawn(d: &Daemon, name: &str) -> i32 {
    let old = pid_of(d, name);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(old),
        nix::sys::signal::Signal::SIGKILL,
    )
    .expect("kill");
    wait_until(Duration::from_secs(20), "respawned and RUNNING", || {
        d.rpc(&format!(
            "(lambda p: p['statename'] + ' ' + str(p['pid']))(s.supervisor.getProcessInfo('{name}'))"
        ))
        .is_ok_and(|s| s.starts_with("RUNNING ") && s != format!("RUNNING {old}"))
    });
    pid_of(d, name)
}

/// The log directory deleted, then the program killed: it respawns, RUNNING again, with the
/// directory created and a line saying so. A directory that cannot be created (a file in
/// its place) leaves the program running without the log, reported once over respawns, and
/// the log resumes when the directory returns.
#[test]
fn deleted_log_dir_then_killed_respawns() {
    let logs = TempDir::new("logs").expect("temp dir");
    let dir = logs.join("writer-logs");
    std::fs::create_dir(&dir).expect("mkdir");
    let l = dir.display().to_string();
    let d = Daemon::start(
        Implementation::Rust,
        &format!(
            "[program:writer]\ncommand=sh -c 'echo started $$; exec sleep 1000'\n\
             startsecs=0\nstartretries=1\nautorestart=true\n\
             stdout_logfile={l}/writer.log\n"
        ),
    )
    .expect("daemon starts");
    let log = dir.join("writer.log");
    wait_until(Duration::from_secs(20), "writer logging", || {
        std::fs::read_to_string(&log).is_ok_and(|s| s.contains("started"))
    });
    std::fs::remove_dir_all(&dir).expect("remove the log dir");
    let pid = kill_and_wait_respawn(&d, "writer");
    wait_until(Duration::from_secs(10), "the new spawn logged", || {
        std::fs::read_to_string(&log).is_ok_and(|s| s.contains(&format!("started {pid}")))
    });
    let main = d.main_log();
    assert!(
        main.contains(&format!(
            "WARN created the missing log directory {l} for 'writer'"
        )),
        "{main}"
    );
    assert!(!main.contains("spawnerr"), "{main}");

    // A file where the directory was: it cannot be created.
    std::fs::remove_dir_all(&dir).expect("remove the log dir");
    std::fs::write(&dir, "in the way").expect("a file in its place");
    kill_and_wait_respawn(&d, "writer");
    kill_and_wait_respawn(&d, "writer");
    let main = d.main_log();
    assert_eq!(main.matches("cannot open").count(), 1, "{main}");
    assert!(
        main.contains(&format!(
            "ERRO cannot open {l}/writer.log for 'writer': Not a directory"
        )),
        "{main}"
    );
    assert!(!main.contains("FATAL"), "{main}");
    std::fs::remove_file(&dir).expect("remove the file");
    std::fs::create_dir(&dir).expect("the directory back");
    let pid = kill_and_wait_respawn(&d, "writer");
    wait_until(Duration::from_secs(10), "logging again", || {
        std::fs::read_to_string(&log).is_ok_and(|s| s.contains(&format!("started {pid}")))
    });
}

#[test]
fn log_dir_removed_python_reference() {
    if python_reference() {
        log_dir_removed(Implementation::Python);
    }
}

#[test]
fn log_dir_removed_ours() {
    if python_reference() {
        log_dir_removed(Implementation::Rust);
    }
}
