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
