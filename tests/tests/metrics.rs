//! `GET /metrics` scraped by a real Prometheus (Debian `prometheus`, started here on a free
//! port with basic-auth scrape config): node_exporter's series and a pool drop counter that
//! rose while a slow listener overflowed. The output also parses with the standard Python
//! parsers, in both formats, and `/metrics` without credentials is refused. `supervisorctl
//! pools` and `status --json` show the same pool.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use tests::{free_port, python_reference, wait_until, Daemon, Implementation, StopOnDrop, TempDir};

const CREDS: &str = "dXNlcjpzZWNyZXQ="; // user:secret

/// Debian's prometheus: under CI its absence fails the test.
fn prometheus() -> Option<PathBuf> {
    let path = PathBuf::from("/usr/bin/prometheus");
    tests::required(path.exists(), "prometheus", "apt-get install prometheus").then_some(path)
}

/// One HTTP/1.0 GET; the whole response, or "" when nothing listens yet.
fn get(port: u16, path: &str, headers: &str) -> String {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return String::new();
    };
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(s, "GET {path} HTTP/1.0\r\nHost: localhost\r\n{headers}\r\n").expect("write");
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn body(response: &str) -> &str {
    response.split_once("\r\n\r\n").map_or("", |(_, b)| b)
}

/// Parses `text` with prometheus_client's parser for `format` and prints `name value` for
/// every sample whose name starts with `prefix`.
fn parse_with_python(text: &str, openmetrics: bool, prefix: &str) -> String {
    let module = if openmetrics {
        "prometheus_client.openmetrics.parser"
    } else {
        "prometheus_client.parser"
    };
    let script = format!(
        "import sys\nfrom {module} import text_string_to_metric_families as parse\n\
         for fam in parse(sys.stdin.read()):\n    for s in fam.samples:\n        \
         if s.name.startswith({prefix:?}):\n            print(s.name, dict(s.labels), s.value)\n"
    );
    let mut child = Command::new("python3")
        .args(["-c", &script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("feed");
    let out = child.wait_with_output().expect("parse");
    assert!(
        out.status.success(),
        "the standard parser refused our output: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn prometheus_scrapes_node_exporter_series_and_a_pool_drop() {
    if !python_reference() {
        return;
    }
    let Some(prom) = prometheus() else {
        return;
    };
    let port = free_port();
    // A listener that takes its first event and never answers: the pool (buffer 2) overflows
    // as the chatty program's output events keep coming.
    let sections = format!(
        "[inet_http_server]\nport=127.0.0.1:{port}\nusername=user\npassword=secret\n\n\
         [program:chatty]\ncommand=sh -c \"while true; do echo line; sleep 0.05; done\"\n\
         stdout_events_enabled=true\nstartsecs=0\n\n\
         [eventlistener:slow]\ncommand=python3 -c \"import sys, time; sys.stdout.write('READY\\n'); \
         sys.stdout.flush(); time.sleep(600)\"\nevents=PROCESS_LOG_STDOUT\nbuffer_size=2\n"
    );
    let d = Daemon::start(Implementation::Rust, &sections).expect("daemon");
    wait_until(Duration::from_secs(20), "drops", || {
        body(&get(
            port,
            "/metrics",
            &format!("Authorization: Basic {CREDS}\r\n"),
        ))
        .contains("supervisord_pool_events_dropped_total{pool=\"slow\"} ")
            && !body(&get(
                port,
                "/metrics",
                &format!("Authorization: Basic {CREDS}\r\n"),
            ))
            .contains("supervisord_pool_events_dropped_total{pool=\"slow\"} 0\n")
    });

    // Without credentials: 401.
    let refused = get(port, "/metrics", "");
    assert!(
        refused.starts_with("HTTP/1.0 401") || refused.starts_with("HTTP/1.1 401"),
        "{refused}"
    );

    // Both formats parse with the standard parsers.
    let auth = format!("Authorization: Basic {CREDS}\r\n");
    let text = get(port, "/metrics", &auth);
    assert!(text.contains("text/plain; version=0.0.4"), "{text}");
    let parsed = parse_with_python(body(&text), false, "node_supervisord_up");
    assert!(
        parsed.contains("node_supervisord_up {'name': 'chatty', 'group': 'chatty'} 1"),
        "{parsed}"
    );
    let om = get(
        port,
        "/metrics",
        &format!("{auth}Accept: application/openmetrics-text;version=1.0.0,text/plain;q=0.5\r\n"),
    );
    assert!(om.contains("application/openmetrics-text"), "{om}");
    let parsed = parse_with_python(body(&om), true, "supervisord_pool_events_dropped");
    assert!(
        parsed.contains("supervisord_pool_events_dropped_total {'pool': 'slow'}"),
        "{parsed}"
    );

    // A real Prometheus scrapes it with basic auth.
    let dir = TempDir::new("prom").expect("temp dir");
    let prom_port = free_port();
    std::fs::write(
        dir.join("prometheus.yml"),
        format!(
            "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: supervisord\n    \
             basic_auth:\n      username: user\n      password: secret\n    \
             static_configs:\n      - targets: ['127.0.0.1:{port}']\n"
        ),
    )
    .expect("config");
    let _prom = StopOnDrop(
        Command::new(prom)
            .arg(format!(
                "--config.file={}",
                dir.join("prometheus.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{prom_port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::from(
                std::fs::File::create(dir.join("prometheus.log")).expect("log"),
            ))
            .spawn()
            .expect("start prometheus"),
    );
    let query = |q: &str| body(&get(prom_port, &format!("/api/v1/query?query={q}"), "")).to_owned();
    wait_until(
        Duration::from_secs(60),
        "prometheus has node_supervisord_up",
        || query("node_supervisord_up").contains("\"name\":\"chatty\""),
    );
    let up = query("node_supervisord_up%7Bname%3D%22chatty%22%7D");
    assert!(up.contains("\"1\"]"), "{up}");
    wait_until(Duration::from_secs(30), "prometheus sees the drops", || {
        let q = query("supervisord_pool_events_dropped_total%7Bpool%3D%22slow%22%7D%3E0");
        q.contains("\"pool\":\"slow\"")
    });
    for name in [
        "node_supervisord_state",
        "node_supervisord_exit_status",
        "node_supervisord_start_time_seconds",
    ] {
        assert!(
            query(name).contains("\"name\":\"chatty\""),
            "{name} missing"
        );
    }

    // supervisorctl pools and status --json show the same pool.
    let (table, code) = d.rust_ctl(&["pools"]).expect("ctl");
    assert_eq!(code, 0, "{table}");
    let row = table
        .lines()
        .find(|l| l.starts_with("slow"))
        .expect("slow row");
    assert!(row.contains("slow=BUSY"), "{table}");
    let (json, _) = d.rust_ctl(&["pools", "--json"]).expect("ctl");
    let pools: serde_json::Value = serde_json::from_str(json.trim()).expect("pools JSON");
    assert!(pools[0]["dropped"].as_i64().unwrap_or(0) > 0, "{json}");
    let (status, _) = d.rust_ctl(&["status", "--json"]).expect("ctl");
    let infos: serde_json::Value = serde_json::from_str(status.trim()).expect("status JSON");
    let slow = infos
        .as_array()
        .and_then(|a| a.iter().find(|p| p["name"] == "slow"))
        .expect("slow in status");
    assert_eq!(slow["pool"]["name"], "slow");
    assert_eq!(slow["ready"], true);
}
