//! Logging to syslog ([CFG-SUPD-logfile] `logfile=syslog`, [LOG-CHILD-syslog]
//! `*_syslog=true`, [CFG-LOGNAME-syslog] the deprecated `*_logfile=syslog`): one datagram per
//! line, in the format glibc's `syslog(3)` gives Python's `syslog.syslog` —
//! `<14>Mmm dd hh:mm:ss supervisord: <message>` — with the main log's lines as
//! `<asctime> <LEVEL> <line>\n` and a child's as `<process name> <line>`. The daemon sends to
//! the socket named by `SUPERVISORD_SYSLOG_SOCKET` (here one in a temp dir) instead of
//! `/dev/log`. Ours only: Python's syslog module cannot be pointed elsewhere.

use std::os::unix::net::UnixDatagram;
use std::process::{Command, Stdio};
use std::time::Duration;

use tests::{rust_binary, try_wait_until, StopOnDrop, TempDir};

#[test]
fn main_and_child_logs_reach_syslog() {
    let dir = TempDir::new("syslog").expect("temp dir");
    let d = dir.path().display();
    let sock = dir.join("log.sock");
    let server = UnixDatagram::bind(&sock).expect("bind the syslog socket");
    server
        .set_read_timeout(Some(Duration::from_millis(200)))
        .expect("timeout");
    let conf = dir.join("supervisord.conf");
    std::fs::write(
        &conf,
        format!(
            "[unix_http_server]\nfile={d}/s.sock\n\n[supervisord]\nnodaemon=true\n\
             logfile=syslog\npidfile={d}/s.pid\nchildlogdir={d}\n\n\
             [rpcinterface:supervisor]\n\
             supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n\
             [program:web]\ncommand=sh -c 'echo hello; echo two-lines; echo oops >&2; exec sleep 1000'\n\
             startsecs=0\nstdout_logfile=NONE\nstdout_syslog=true\nstderr_logfile=syslog\n"
        ),
    )
    .expect("config");
    let _daemon = StopOnDrop(
        Command::new(rust_binary("supervisord"))
            .arg("-c")
            .arg(&conf)
            .env("SUPERVISORD_SYSLOG_SOCKET", &sock)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn"),
    );
    let mut got: Vec<String> = Vec::new();
    let wanted = [
        " supervisord: web hello",
        " supervisord: web two-lines",
        " supervisord: web oops",
    ];
    let complete = try_wait_until(Duration::from_secs(20), || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = server.recv(&mut buf) {
            got.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
        wanted.iter().all(|w| got.iter().any(|g| g.ends_with(w)))
    });
    assert!(complete, "child lines missing: {got:#?}");
    for g in &got {
        assert!(g.starts_with("<14>"), "{g:?}");
        assert_eq!(&g[19..32], " supervisord:", "{g:?}");
    }
    let main = |needle: &str| {
        got.iter()
            .find(|g| g.contains(needle))
            .unwrap_or_else(|| panic!("no {needle:?} in {got:#?}"))
    };
    // Main-log lines: `<asctime> <LEVEL> <line>\n` after the tag.
    let spawned = main("INFO spawned: 'web' with pid");
    assert!(spawned.ends_with('\n'), "{spawned:?}");
    assert_eq!(
        &spawned[33..35],
        "20",
        "an asctime follows the tag: {spawned:?}"
    );
    main(
        "WARN For [program:web], stderr_logfile=syslog but this is deprecated and will be \
         removed.  Use stderr_syslog=true to enable syslog instead.",
    );
    assert!(
        !dir.join("syslog").exists() && !dir.path().join("supervisord.log").exists(),
        "no main log file"
    );
}
