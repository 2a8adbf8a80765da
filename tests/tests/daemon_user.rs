//! `[supervisord] user=` ([CFG-SUPD-user]): as root the daemon drops to that user before it
//! creates anything, so its log, socket, pidfile and AUTO child logs belong to the user and
//! its children run as the user; it logs 4.3's `Set uid to user <uid> succeeded` instead of
//! the running-as-root warning. Not root, asking for another user is 4.3's usage error.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::process::{Command, Stdio};
use std::time::Duration;

use nix::unistd::{Uid, User};
use tests::{rust_binary, wait_until, StopOnDrop, TempDir};

#[test]
fn daemon_drops_to_the_configured_user() {
    let dir = TempDir::new("user").expect("temp dir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let d = dir.path().display();
    let root = Uid::effective().is_root();
    let target = User::from_name("nobody")
        .ok()
        .flatten()
        .filter(|u| u.uid != Uid::effective())
        .expect("a user 'nobody' other than us");
    let conf = dir.join("supervisord.conf");
    std::fs::write(
        &conf,
        format!(
            "[unix_http_server]\nfile={d}/s.sock\n\n[supervisord]\nnodaemon=true\n\
             logfile={d}/supervisord.log\npidfile={d}/s.pid\nchildlogdir={d}\nuser=nobody\n\n\
             [rpcinterface:supervisor]\n\
             supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n\
             [program:who]\ncommand=id -u\nstartsecs=0\nautorestart=false\n"
        ),
    )
    .expect("config");
    let daemon = Command::new(rust_binary("supervisord"))
        .arg("-c")
        .arg(&conf)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    if !root {
        let out = daemon.wait_with_output().expect("exits");
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr)
            .contains("Error: Can't drop privilege as nonroot user"));
        return;
    }
    let _daemon = StopOnDrop(daemon);
    let log = || std::fs::read_to_string(dir.join("supervisord.log")).unwrap_or_default();
    wait_until(Duration::from_secs(20), "who exited", || {
        log().contains("exited: who (exit status 0; expected)")
    });
    let text = log();
    assert!(
        text.contains(&format!("INFO Set uid to user {} succeeded", target.uid)),
        "{text}"
    );
    assert!(!text.contains("running as root"), "{text}");
    let owner = |name: &str| std::fs::metadata(dir.join(name)).map(|m| m.uid()).ok();
    assert_eq!(owner("supervisord.log"), Some(target.uid.as_raw()));
    assert_eq!(owner("s.sock"), Some(target.uid.as_raw()));
    assert_eq!(owner("s.pid"), Some(target.uid.as_raw()));
    let stdout_log = std::fs::read_dir(dir.path())
        .expect("dir")
        .flatten()
        .find(|e| e.file_name().to_string_lossy().starts_with("who-stdout---"))
        .expect("the AUTO stdout log");
    let meta = stdout_log.metadata().expect("meta");
    assert_eq!(meta.uid(), target.uid.as_raw());
    assert_eq!(
        meta.permissions().mode() & 0o777,
        0o600,
        "AUTO logs start private"
    );
    assert_eq!(
        std::fs::read_to_string(stdout_log.path())
            .expect("read")
            .trim(),
        target.uid.to_string(),
        "the child runs as the daemon's user"
    );
}
