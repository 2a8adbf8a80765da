//! `alert` into a local HTTPS endpoint (issue 17): events/s through the `alert` listener
//! (spooled: each event fsync'ed to its spool before `OK`, then POSTed as JSON over TLS,
//! verified against a CA the bench makes) against the same job done by a Python
//! `childutils` listener (urllib over TLS, the same CA), both fed the same pre-encoded
//! events on stdin and posting to the same loopback HTTPS server; plus the spool's own cost
//! per event (push+ack, with and without fsync) and the ceilings: the feeder (writing the
//! events into a pipe) and the endpoint (a client posting as fast as it can).
//!
//! `cargo build --release -p examples --bin alert && cargo bench -p benches --bench alert_https`;
//! env `BENCH_EVENTS` (default 2000), `BENCH_ROUNDS` (default 3: each round runs both
//! listeners, alternating which goes first; the table shows medians).

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use event_proto::ProcessState;
use listener_sdk::http::{HttpClient, HttpOptions};
use listener_sdk::spool::{Spool, SpoolOptions};
use listener_sdk::testing::{FakeHttp, Harness, TestEvent};
use tests::{rust_binary, try_wait_until, TempDir, TestCa};

const PYTHON_LISTENER: &str = r#"
import json, ssl, sys, urllib.request
from supervisor import childutils
url, cafile = sys.argv[1], sys.argv[2]
context = ssl.create_default_context(cafile=cafile)
while True:
    headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
    ph, _ = childutils.eventdata(payload + '\n')
    if headers['eventname'] == 'PROCESS_STATE_EXITED' and ph.get('expected') == '0':
        body = json.dumps({'process': ph['processname'], 'group': ph['groupname'],
                           'pid': ph['pid'], 'state': 'EXITED'}).encode()
        req = urllib.request.Request(url, body, {'Content-Type': 'application/json'})
        urllib.request.urlopen(req, context=context, timeout=10).read()
    childutils.listener.ok(sys.stdout)
"#;

fn events(n: usize) -> Vec<u8> {
    let list: Vec<TestEvent> = (0..n)
        .map(|i| {
            TestEvent::process_state(ProcessState::Exited, &format!("p{}", i % 100), "g")
                .expected(false)
                .pid(1000 + i as u32)
        })
        .collect();
    Harness::new().script(&list)
}

/// Feeds `input` to `cmd` on stdin (reading its answers), returns the seconds until the
/// endpoint has `n` requests more than it had.
fn run_listener(mut cmd: Command, input: &[u8], server: &FakeHttp, n: usize) -> f64 {
    let before = server.requests().len();
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start the listener: {e}"));
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = stdout.read_to_end(&mut sink);
    });
    let start = Instant::now();
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let done = try_wait_until(Duration::from_secs(600), || {
        server.requests().len() >= before + n
    });
    let secs = start.elapsed().as_secs_f64();
    let _ = writer.join();
    let _ = child.kill();
    let _ = child.wait();
    let _ = reader.join();
    assert!(done, "the listener did not deliver {n} alerts");
    secs
}

/// How fast the events can be written into a pipe read by a trivial reader (the feeder's
/// ceiling).
fn feeder(input: &[u8]) -> f64 {
    let mut child = Command::new("cat")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("cat");
    let start = Instant::now();
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(input).expect("write");
    drop(stdin);
    let _ = child.wait();
    start.elapsed().as_secs_f64()
}

fn spool_cost(n: usize, sync: bool, dir: &std::path::Path) -> f64 {
    let spool = Spool::open(
        dir.join(if sync { "sync" } else { "nosync" }),
        SpoolOptions {
            capacity: n + 1,
            sync,
        },
    )
    .expect("spool");
    let data = vec![b'x'; 300];
    let start = Instant::now();
    for _ in 0..n {
        spool.push(&data).expect("push");
        let e = spool.next().expect("entry");
        spool.ack(&e).expect("ack");
    }
    start.elapsed().as_secs_f64() / n as f64
}

fn main() {
    let n: usize = std::env::var("BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let dir = TempDir::new("alertbench").expect("dir");
    let ca = TestCa::new(dir.path(), "bench").expect("ca");
    let server = FakeHttp::start_tls(&["200 OK"], "", ca.server_config()).expect("server");
    let input = events(n);

    // The endpoint's ceiling: one client posting as fast as it can.
    let client = HttpClient::new(&HttpOptions {
        ca_file: Some(ca.ca_file.clone()),
        proxy_from_env: false,
        ..HttpOptions::default()
    })
    .expect("client");
    let start = Instant::now();
    for _ in 0..n.min(500) {
        client.post(server.url(), &[], b"{}").expect("post");
    }
    let endpoint = n.min(500) as f64 / start.elapsed().as_secs_f64();

    let alert = rust_binary("alert");
    assert!(
        alert.exists(),
        "{} missing: cargo build --release -p examples --bin alert",
        alert.display()
    );
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let (mut ours_runs, mut python_runs, mut syncs, mut nosyncs) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut unsynced_runs = Vec::new();
    for round in 0..rounds.max(1) {
        let spool_dir = dir.join(&format!("spool-{round}"));
        let ours = |fsync: bool| {
            let mut c = Command::new(&alert);
            if !fsync {
                c.arg("--no-fsync");
            }
            c.args(["--webhook", server.url(), "--cacert"])
                .arg(&ca.ca_file)
                .args(["--fold", "0", "--tail", "0", "--host", "bench", "--spool"])
                .arg(spool_dir.join(if fsync { "fsync" } else { "no-fsync" }))
                .env_remove("SUPERVISOR_SERVER_URL");
            c
        };
        let python = || {
            let mut c = Command::new("python3");
            c.args(["-c", PYTHON_LISTENER, server.url()])
                .arg(&ca.ca_file);
            c
        };
        if round % 2 == 0 {
            ours_runs.push(run_listener(ours(true), &input, &server, n));
            unsynced_runs.push(run_listener(ours(false), &input, &server, n));
            python_runs.push(run_listener(python(), &input, &server, n));
        } else {
            python_runs.push(run_listener(python(), &input, &server, n));
            unsynced_runs.push(run_listener(ours(false), &input, &server, n));
            ours_runs.push(run_listener(ours(true), &input, &server, n));
        }
        syncs.push(spool_cost(n, true, &dir.join(&format!("cost-{round}"))));
        nosyncs.push(spool_cost(n, false, &dir.join(&format!("cost-{round}"))));
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 2]
    };
    let (ours_secs, python_secs) = (median(&mut ours_runs), median(&mut python_runs));
    let unsynced_secs = median(&mut unsynced_runs);
    let (sync, nosync) = (median(&mut syncs), median(&mut nosyncs));
    let feed = feeder(&input);

    let rate = |s: f64| n as f64 / s;
    println!(
        "alert into a local HTTPS endpoint, {n} unexpected exits (one POST each), median of {} rounds:",
        rounds.max(1)
    );
    println!("| what | Python childutils+urllib | ours (alert, spooled) | ours/Python |");
    println!("|---|---:|---:|---:|");
    println!(
        "| events/s delivered | {:.0} | {:.0} | {:.2} |",
        rate(python_secs),
        rate(ours_secs),
        python_secs / ours_secs
    );
    println!(
        "| µs per event | {:.0} | {:.0} | |",
        python_secs / n as f64 * 1e6,
        ours_secs / n as f64 * 1e6
    );
    println!(
        "| events/s, ours with --no-fsync | {:.0} | {:.0} | {:.2} |",
        rate(python_secs),
        rate(unsynced_secs),
        python_secs / unsynced_secs
    );
    println!(
        "ceilings: endpoint {endpoint:.0} POSTs/s (one client, a TLS handshake per request); feeder {:.0} events/s ({:.0}x the faster listener)",
        rate(feed),
        rate(feed) / rate(ours_secs.min(python_secs))
    );
    println!(
        "spool push+next+ack per event: {:.1} µs with fsync, {:.1} µs without ({:.1} % / {:.1} % of ours' per-event time)",
        sync * 1e6,
        nosync * 1e6,
        sync / (ours_secs / n as f64) * 100.0,
        nosync / (ours_secs / n as f64) * 100.0
    );
}
