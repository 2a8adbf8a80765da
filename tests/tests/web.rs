//! The web interface and log tails over real sockets, and that nothing is served without
//! credentials when they are set ([RPC-HTTP-web], [RPC-AUTH-*], issue 6). The checks that
//! hold for 4.3 too run against both daemons.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use tests::{python_reference, wait_until, Daemon, Implementation};

/// Sends a GET and reads until `until` appears in the response or `timeout` passes.
fn get(port: u16, path: &str, auth: Option<&str>, until: &str, timeout: Duration) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .expect("timeout");
    let auth = auth
        .map(|a| format!("Authorization: Basic {a}\r\n"))
        .unwrap_or_default();
    write!(s, "GET {path} HTTP/1.1\r\nHost: localhost\r\n{auth}\r\n").expect("write");
    let mut got = Vec::new();
    let deadline = Instant::now() + timeout;
    let mut buf = [0u8; 8192];
    while Instant::now() < deadline {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(_) => {}
        }
        if String::from_utf8_lossy(&got).contains(until) {
            break;
        }
    }
    String::from_utf8_lossy(&got).into_owned()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// `user:123` in base64.
const CREDS: &str = "dXNlcjoxMjM=";

fn scenario(which: Implementation) -> (Daemon, u16) {
    let port = free_port();
    let sections = format!(
        "[inet_http_server]\nport=127.0.0.1:{port}\nusername=user\npassword=123\n\n\
         [program:talker]\ncommand=sh -c 'echo first line; while read l; do echo \"got $l\"; done'\nstartsecs=0\n\n\
         [program:sleeper]\ncommand=sleep 1000\nstartsecs=0\n"
    );
    let d = Daemon::start(which, &sections).expect("daemon starts");
    wait_until(Duration::from_secs(10), "talker's first line", || {
        d.rpc("s.supervisor.readProcessStdoutLog('talker', 0, 0)")
            .is_ok_and(|t| t.contains("first line"))
    });
    let short = Duration::from_secs(5);
    for path in [
        "/",
        "/index.html",
        "/logtail/talker",
        "/mainlogtail",
        "/tail.html?processname=talker",
    ] {
        let r = get(port, path, None, "\r\n\r\n", short);
        assert!(
            r.starts_with("HTTP/1.1 401"),
            "{which:?} {path} without credentials: {r}"
        );
        let r = get(port, path, Some("dXNlcjp3cm9uZw=="), "\r\n\r\n", short);
        assert!(
            r.starts_with("HTTP/1.1 401"),
            "{which:?} {path} with a wrong password: {r}"
        );
    }
    let page = get(port, "/", Some(CREDS), "</html>", short);
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(
        page.contains("talker") && page.contains("sleeper"),
        "{page}"
    );
    // The tail follows: what the program writes later arrives on the same response.
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .expect("timeout");
    write!(
        s,
        "GET /logtail/talker HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {CREDS}\r\n\r\n"
    )
    .expect("write");
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let mut sent = false;
    let deadline = Instant::now() + Duration::from_secs(15);
    while !String::from_utf8_lossy(&got).contains("got ping") {
        assert!(
            Instant::now() < deadline,
            "{which:?}: no followed output: {}",
            String::from_utf8_lossy(&got)
        );
        if let Ok(n) = s.read(&mut buf) {
            got.extend_from_slice(&buf[..n]);
        }
        if !sent && String::from_utf8_lossy(&got).contains("first line") {
            d.rpc("s.supervisor.sendProcessStdin('talker', 'ping\\n')")
                .expect("stdin");
            sent = true;
        }
    }
    (d, port)
}

#[test]
fn web_and_tails_python_reference() {
    if python_reference() {
        let _ = scenario(Implementation::Python);
    }
}

#[test]
fn web_and_tails_ours() {
    if !python_reference() {
        return;
    }
    let (d, port) = scenario(Implementation::Rust);
    let short = Duration::from_secs(10);
    let r = get(
        port,
        "/index.html?processname=sleeper&action=stop",
        Some(CREDS),
        "</html>",
        short,
    );
    assert!(r.contains("Process sleeper stopped"), "{r}");
    assert_eq!(
        d.rpc("s.supervisor.getProcessInfo('sleeper')['statename']")
            .expect("rpc"),
        "STOPPED"
    );
    let r = get(
        port,
        "/index.html?processname=sleeper&action=start",
        Some(CREDS),
        "</html>",
        short,
    );
    assert!(r.contains("Process sleeper started"), "{r}");
    let r = get(
        port,
        "/tail.html?processname=talker",
        Some(CREDS),
        "</html>",
        short,
    );
    assert!(r.contains("first line"), "{r}");
    let r = get(port, "/logtail/nosuch", Some(CREDS), "\r\n\r\n", short);
    assert!(r.starts_with("HTTP/1.1 404"), "{r}");
    let r = get(port, "/mainlogtail", Some(CREDS), "success: talker", short);
    assert!(r.contains("success: talker entered RUNNING state"), "{r}");
}
