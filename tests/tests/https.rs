//! listener-sdk's HTTP client against real loopback HTTPS servers whose CA the test makes:
//! verified against `--cacert`/`ca_file` or `SSL_CERT_FILE`, a wrong CA refused with a
//! message saying why, `insecure` accepting it, a client certificate presented when the
//! server requires one, and a capped response size.

use std::time::Duration;

use listener_sdk::http::{HttpClient, HttpError, HttpOptions};
use listener_sdk::testing::FakeHttp;
use tests::{TempDir, TestCa};

fn options(ca: Option<&TestCa>) -> HttpOptions {
    HttpOptions {
        ca_file: ca.map(|c| c.ca_file.clone()),
        proxy_from_env: false,
        ..HttpOptions::with_timeout(Duration::from_secs(5))
    }
}

#[test]
fn the_right_ca_is_trusted_and_a_wrong_one_refused() {
    let dir = TempDir::new("https").expect("dir");
    let right = TestCa::new(&dir.join("."), "right").expect("ca");
    let wrong_dir = dir.join("wrong");
    std::fs::create_dir_all(&wrong_dir).expect("dir");
    let wrong = TestCa::new(&wrong_dir, "wrong").expect("ca");
    let server = FakeHttp::start_tls(&["201 Created"], "made", right.server_config()).expect("srv");

    let good = HttpClient::new(&options(Some(&right))).expect("client");
    let r = good
        .post(
            server.url(),
            &[("Content-Type", "application/json")],
            b"{\"a\":1}",
        )
        .expect("trusted");
    assert_eq!(
        (r.status, r.reason.as_str(), r.text().as_str()),
        (201, "Created", "made")
    );
    let got = server.requests();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].text(), "{\"a\":1}");
    assert_eq!(got[0].header("content-type"), Some("application/json"));

    let bad = HttpClient::new(&options(Some(&wrong))).expect("client");
    match bad.get(server.url(), &[]) {
        Err(HttpError::Tls(why)) => assert!(why.contains("not trusted"), "{why}"),
        other => panic!("a wrong CA must be refused, got {other:?}"),
    }
    // The system store does not know the test CA either.
    let system = HttpClient::new(&options(None)).expect("client");
    assert!(matches!(
        system.get(server.url(), &[]),
        Err(HttpError::Tls(_))
    ));
    // The explicit opt-out.
    let insecure = HttpClient::new(&HttpOptions {
        insecure: true,
        ..options(Some(&wrong))
    })
    .expect("client");
    assert_eq!(
        insecure.get(server.url(), &[]).expect("insecure").status,
        201
    );
    assert_eq!(
        server.requests().len(),
        2,
        "the refused handshakes sent nothing"
    );
}

#[test]
fn a_client_certificate_is_presented_when_required() {
    let dir = TempDir::new("mtls").expect("dir");
    let ca = TestCa::new(dir.path(), "mtls").expect("ca");
    let server = FakeHttp::start_tls(&["200 OK"], "hi", ca.server_config_requiring_client_cert())
        .expect("srv");
    let without = HttpClient::new(&options(Some(&ca))).expect("client");
    assert!(
        without.get(server.url(), &[]).is_err(),
        "no client certificate"
    );
    let with = HttpClient::new(&HttpOptions {
        client_cert: Some(ca.client_cert.clone()),
        client_key: Some(ca.client_key.clone()),
        ..options(Some(&ca))
    })
    .expect("client");
    assert_eq!(with.get(server.url(), &[]).expect("mtls").text(), "hi");
    // A certificate file without its key is a settings error naming the file.
    match HttpClient::new(&HttpOptions {
        client_cert: Some(ca.client_cert.clone()),
        ..options(Some(&ca))
    }) {
        Err(HttpError::Config(m)) => assert!(m.contains("client.pem"), "{m}"),
        other => panic!("expected a settings error, got {other:?}"),
    }
}

#[test]
fn responses_are_capped() {
    let dir = TempDir::new("cap").expect("dir");
    let ca = TestCa::new(dir.path(), "cap").expect("ca");
    let big = "x".repeat(10_000);
    let server = FakeHttp::start_tls(&["200 OK"], &big, ca.server_config()).expect("srv");
    let small = HttpClient::new(&HttpOptions {
        max_response: 1000,
        ..options(Some(&ca))
    })
    .expect("client");
    assert!(matches!(
        small.get(server.url(), &[]),
        Err(HttpError::TooLarge(_))
    ));
    let enough = HttpClient::new(&options(Some(&ca))).expect("client");
    assert_eq!(
        enough.get(server.url(), &[]).expect("whole").body.len(),
        10_000
    );
}

#[test]
fn ssl_cert_file_is_the_system_store_in_a_child() {
    // SSL_CERT_FILE is read by the process; check it through httpok in a child process,
    // which verifies against the system store when no --cacert is given.
    let dir = TempDir::new("sslenv").expect("dir");
    let ca = TestCa::new(dir.path(), "env").expect("ca");
    let server = FakeHttp::start_tls(&["200 OK"], "fine", ca.server_config()).expect("srv");
    let probe = |env_file: Option<&std::path::Path>| {
        let mut cmd = std::process::Command::new(tests::rust_binary("httpok"));
        cmd.args(["-p", "web", "-b", "fine", server.url()])
            .env("SUPERVISOR_SERVER_URL", "unix:///nonexistent")
            .env_remove("SSL_CERT_DIR");
        match env_file {
            Some(f) => cmd.env("SSL_CERT_FILE", f),
            None => cmd.env_remove("SSL_CERT_FILE"),
        };
        cmd
    };
    let tick = [listener_sdk::testing::TestEvent::tick(
        listener_sdk::event_proto::EventType::Tick60,
        60,
    )];
    let run = |cmd| {
        listener_sdk::testing::Harness::new()
            .run_binary(cmd, &tick, Duration::from_secs(20))
            .expect("runs")
    };
    let trusted = run(probe(Some(&ca.ca_file)));
    assert!(
        !trusted.stderr.contains("Exception retrieving process info"),
        "a good answer does not act: {}",
        trusted.stderr
    );
    let untrusted = run(probe(None));
    assert!(
        untrusted
            .stderr
            .contains("Exception retrieving process info"),
        "an untrusted certificate is a failed check: {}",
        untrusted.stderr
    );
}

#[test]
fn a_server_that_never_answers_times_out() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!(
        "http://127.0.0.1:{}/",
        silent.local_addr().expect("addr").port()
    );
    let hold = std::thread::spawn(move || silent.accept().map(|(c, _)| c));
    let client =
        HttpClient::new(&HttpOptions::with_timeout(Duration::from_millis(500))).expect("client");
    let start = std::time::Instant::now();
    let r = client.get(&url, &[]);
    assert!(matches!(r, Err(HttpError::Timeout(_))), "{r:?}");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    drop(hold);
}

/// A minimal HTTP CONNECT proxy on loopback: records each CONNECT target and relays bytes.
fn connect_proxy() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{BufRead, BufReader, Write};
    use std::net::{TcpListener, TcpStream};
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!(
        "http://127.0.0.1:{}",
        listener.local_addr().expect("addr").port()
    );
    let seen: std::sync::Arc<std::sync::Mutex<Vec<String>>> = Default::default();
    let record = std::sync::Arc::clone(&seen);
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let record = std::sync::Arc::clone(&record);
            std::thread::spawn(move || {
                let mut reader = BufReader::new(client.try_clone().ok()?);
                let mut line = String::new();
                reader.read_line(&mut line).ok()?;
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).ok()? <= 2 {
                        break;
                    }
                }
                let target = line.split_whitespace().nth(1)?.to_owned();
                record.lock().ok()?.push(target.clone());
                let upstream = TcpStream::connect(&target).ok()?;
                let mut client_w = client.try_clone().ok()?;
                client_w
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .ok()?;
                let mut up_r = upstream.try_clone().ok()?;
                let mut up_w = upstream;
                let down = std::thread::spawn(move || std::io::copy(&mut up_r, &mut client_w));
                let _ = std::io::copy(&mut reader, &mut up_w);
                let _ = up_w.shutdown(std::net::Shutdown::Write);
                let _ = down.join();
                Some(())
            });
        }
    });
    (url, seen)
}

#[test]
fn https_proxy_and_no_proxy_are_honoured() {
    // Through httpok in a child process, so the proxy variables stay out of this one.
    let dir = TempDir::new("proxy").expect("dir");
    let ca = TestCa::new(dir.path(), "proxy").expect("ca");
    let server = FakeHttp::start_tls(&["200 OK"], "fine", ca.server_config()).expect("srv");
    let (proxy, seen) = connect_proxy();
    let tick = [listener_sdk::testing::TestEvent::tick(
        listener_sdk::event_proto::EventType::Tick60,
        60,
    )];
    let run = |no_proxy: Option<&str>| {
        let mut cmd = std::process::Command::new(tests::rust_binary("httpok"));
        cmd.args(["-p", "web", "-b", "fine", "--cacert"])
            .arg(&ca.ca_file)
            .arg(server.url())
            .env("SUPERVISOR_SERVER_URL", "unix:///nonexistent")
            .env("HTTPS_PROXY", &proxy)
            .env_remove("https_proxy")
            .env_remove("ALL_PROXY")
            .env_remove("no_proxy");
        match no_proxy {
            Some(n) => cmd.env("NO_PROXY", n),
            None => cmd.env_remove("NO_PROXY"),
        };
        listener_sdk::testing::Harness::new()
            .run_binary(cmd, &tick, Duration::from_secs(20))
            .expect("runs")
    };
    let via_proxy = run(None);
    assert!(
        !via_proxy.stderr.contains("Exception"),
        "{}",
        via_proxy.stderr
    );
    let port = server
        .url()
        .trim_end_matches('/')
        .rsplit(':')
        .next()
        .unwrap_or("")
        .to_owned();
    assert_eq!(*seen.lock().expect("lock"), [format!("localhost:{port}")]);
    let direct = run(Some("localhost"));
    assert!(!direct.stderr.contains("Exception"), "{}", direct.stderr);
    assert_eq!(
        seen.lock().expect("lock").len(),
        1,
        "NO_PROXY bypassed the proxy"
    );
    assert_eq!(server.requests().len(), 2);
}
