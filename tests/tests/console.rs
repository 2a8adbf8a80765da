//! The live web console in a real headless chromium (Debian `chromium`): a state change
//! appears without a reload, the pools panel goes red on a drop, coloured output is rendered
//! (not raw escapes), the event stream filters; the page is served under a CSP and runs
//! nothing inline. The screenshot is kept in `target/test-artifacts/console.png`.

use std::time::Duration;

use tests::{free_port, wait_until, Daemon, Implementation};

#[test]
fn the_console_updates_live_and_renders_pools_events_and_colours() {
    let Some(chromium) = tests::chromium() else {
        return;
    };
    if !tests::python_reference() {
        return;
    }
    let port = free_port();
    let d = Daemon::start(
        Implementation::Rust,
        &format!(
            "[inet_http_server]\nport=127.0.0.1:{port}\n\n\
             [program:flipper]\ncommand=sleep 1000\nstartsecs=0\n\n\
             [program:painter]\ncommand=sh -c \"printf 'plain \\033[31mred\\033[0m done\\n'; exec sleep 1000\"\n\
             startsecs=0\n\n\
             [program:chatty]\ncommand=sh -c \"while true; do echo line; sleep 0.05; done\"\n\
             stdout_events_enabled=true\nstartsecs=0\n\n\
             [eventlistener:slow]\ncommand=python3 -c \"import sys, time; sys.stdout.write('READY\\n'); \
             sys.stdout.flush(); time.sleep(600)\"\nevents=PROCESS_LOG_STDOUT\nbuffer_size=2\n"
        ),
    )
    .expect("daemon");
    wait_until(Duration::from_secs(15), "flipper RUNNING", || {
        d.rpc("s.supervisor.getProcessInfo('flipper')['statename']")
            .is_ok_and(|s| s == "RUNNING")
    });
    let artifacts =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/test-artifacts");
    std::fs::create_dir_all(&artifacts).expect("artifact dir");
    let shot = artifacts.join("console.png");
    let _ = std::fs::remove_file(&shot);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/console_check.py");
    let out = std::process::Command::new("python3")
        .arg(script)
        .arg(&chromium)
        .arg(format!("http://127.0.0.1:{port}/index.html"))
        .args(["flipper", "slow", "painter"])
        .arg(&shot)
        .output()
        .expect("python3 runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for check in [
        "state change shown live",
        "pools panel red on drops",
        "ansi colours rendered",
        "event stream filtered",
        "screenshot saved",
    ] {
        assert!(text.contains(check), "{check} missing: {text}");
    }
    let png = std::fs::read(&shot).expect("screenshot");
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
}

#[test]
fn pages_are_served_under_a_csp_with_no_inline_code() {
    let port = free_port();
    let d = Daemon::start(
        Implementation::Rust,
        &format!("[inet_http_server]\nport=127.0.0.1:{port}\n\n[program:p]\ncommand=sleep 100\n"),
    )
    .expect("daemon");
    let get = |path: &str| {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
        write!(s, "GET {path} HTTP/1.0\r\nHost: x\r\n\r\n").expect("write");
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out
    };
    let page = get("/index.html");
    let lower = page.to_ascii_lowercase();
    assert!(
        lower.contains("content-security-policy: default-src 'none'; script-src 'self'"),
        "{page}"
    );
    assert!(
        !lower.contains("<style>") && !lower.contains("<script>"),
        "inline code: {page}"
    );
    assert!(
        !lower.contains(" onclick=") && !lower.contains("javascript:"),
        "{page}"
    );
    assert!(page.contains("<script src=\"console.js\"></script>"));
    let js = get("/console.js");
    assert!(
        js.contains("text/javascript") && js.contains("textContent"),
        "{js}"
    );
    assert!(!js.contains("innerHTML"), "the script never inserts markup");
    let status = get("/api/status");
    assert!(
        status.contains("\"processes\":[{") && status.contains("\"pools\":[]"),
        "{status}"
    );
    drop(d);
}
