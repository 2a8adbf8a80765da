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

/// Sends a form POST to `/index.html` (with credentials) and reads the response head.
fn post(port: u16, body: &str, origin: Option<&str>, timeout: Duration) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .expect("timeout");
    let origin = origin
        .map(|o| format!("Origin: {o}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "POST /index.html HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Basic {CREDS}\r\n\
         {origin}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("write");
    let mut got = Vec::new();
    let deadline = Instant::now() + timeout;
    let mut buf = [0u8; 8192];
    while Instant::now() < deadline && !String::from_utf8_lossy(&got).contains("\r\n\r\n") {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(_) => {}
        }
    }
    String::from_utf8_lossy(&got).into_owned()
}

/// The form token in a status page.
fn csrf_token(page: &str) -> String {
    let start = page
        .find("name=\"csrf\" value=\"")
        .unwrap_or_else(|| panic!("no token in {page}"))
        + "name=\"csrf\" value=\"".len();
    page[start..start + 32].to_owned()
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
    let state = || {
        d.rpc("s.supervisor.getProcessInfo('sleeper')['statename']")
            .expect("rpc")
    };
    // 4.3's GET action changes nothing here.
    let r = get(
        port,
        "/index.html?processname=sleeper&action=stop",
        Some(CREDS),
        "</html>",
        short,
    );
    assert!(r.contains("Nothing was done"), "{r}");
    assert_eq!(state(), "RUNNING");
    let page = get(port, "/index.html", Some(CREDS), "</html>", short);
    let token = csrf_token(&page);
    let origin = format!("http://127.0.0.1:{port}");
    // A form without the token, or from another origin, changes nothing.
    for (body, from) in [
        (
            "processname=sleeper&action=stop".to_owned(),
            origin.as_str(),
        ),
        (
            format!("csrf=wrong{token}&processname=sleeper&action=stop"),
            origin.as_str(),
        ),
        (
            format!("csrf={token}&processname=sleeper&action=stop"),
            "http://evil.example",
        ),
    ] {
        let r = post(port, &body, Some(from), short);
        assert!(r.starts_with("HTTP/1.1 403"), "{body} from {from}: {r}");
    }
    assert_eq!(state(), "RUNNING");
    // The page's own form works, and sends the browser back to the page with the outcome.
    let r = post(
        port,
        &format!("csrf={token}&processname=sleeper&action=stop"),
        Some(&origin),
        short,
    );
    assert!(r.starts_with("HTTP/1.1 303"), "{r}");
    assert!(
        r.contains("location: index.html?message=Process%20sleeper%20stopped"),
        "{r}"
    );
    assert_eq!(state(), "STOPPED");
    let r = post(
        port,
        &format!("csrf={token}&processname=sleeper&action=start"),
        None,
        short,
    );
    assert!(r.starts_with("HTTP/1.1 303"), "{r}");
    let r = get(
        port,
        "/index.html?message=Process%20sleeper%20started",
        Some(CREDS),
        "</html>",
        short,
    );
    assert!(r.contains("Process sleeper started"), "{r}");
    assert_eq!(state(), "RUNNING");
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

/// A real browser clicks Stop on the status page (a POST form with the token from the
/// page), and the process stops.
#[test]
fn a_browser_clicks_stop_and_the_process_stops() {
    let Some(chromium) = tests::chromium() else {
        return;
    };
    let port = free_port();
    let d = Daemon::start(
        Implementation::Rust,
        &format!(
            "[inet_http_server]\nport=127.0.0.1:{port}\n\n\
             [program:sleeper]\ncommand=sleep 1000\nstartsecs=0\n"
        ),
    )
    .expect("daemon starts");
    wait_until(Duration::from_secs(10), "sleeper RUNNING", || {
        d.rpc("s.supervisor.getProcessInfo('sleeper')['statename']")
            .is_ok_and(|s| s == "RUNNING")
    });
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/browser_click.py");
    let out = std::process::Command::new("python3")
        .arg(script)
        .arg(&chromium)
        .arg(format!("http://127.0.0.1:{port}/index.html"))
        .args(["sleeper", "stop"])
        .output()
        .expect("python3 runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("Process sleeper stopped"), "{text}");
    assert_eq!(
        d.rpc("s.supervisor.getProcessInfo('sleeper')['statename']")
            .expect("rpc"),
        "STOPPED"
    );
}
