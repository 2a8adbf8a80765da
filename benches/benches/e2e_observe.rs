//! What observing the daemon costs (issue 21), on our daemon with 500 programs: one
//! `/metrics` scrape (ms and bytes, in both formats) against one `getAllProcessInfo` (ms and
//! bytes) in the same run, and the daemon's CPU while 10 browsers' worth of console pollers
//! (api/status and api/events once a second each) watch it.
//!
//! `cargo bench -p benches --bench e2e_observe`; env `BENCH_PROGRAMS` (default 500),
//! `BENCH_SECONDS` (default 10, the pollers' run).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use tests::{try_wait_until, Daemon, Implementation};

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The daemon's CPU seconds so far.
fn cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rfind(')').map_or("", |i| &stat[i + 1..]);
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0)
        + f.get(12).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    ticks / 100.0
}

/// One request; the response's length (0 on failure).
fn request(port: u16, head: &str, body: &[u8]) -> usize {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return 0;
    };
    if s.write_all(head.as_bytes())
        .and_then(|()| s.write_all(body))
        .is_err()
    {
        return 0;
    }
    let mut out = Vec::with_capacity(1 << 20);
    if s.read_to_end(&mut out).is_err() || !out.starts_with(b"HTTP/1.1 200") {
        return 0;
    }
    out.len()
}

/// Mean milliseconds and bytes of `n` runs of `f`.
fn measure(n: usize, mut f: impl FnMut() -> usize) -> (f64, usize) {
    let start = Instant::now();
    let mut bytes = 0;
    for _ in 0..n {
        bytes = f();
        assert!(bytes > 0, "a request failed");
    }
    (start.elapsed().as_secs_f64() * 1000.0 / n as f64, bytes)
}

fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return;
    }
    let programs = env_or("BENCH_PROGRAMS", 500usize);
    let secs = env_or("BENCH_SECONDS", 10u64);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let mut conf = format!("[inet_http_server]\nport=127.0.0.1:{port}\n\n");
    for i in 0..programs {
        conf.push_str(&format!(
            "[program:p{i:03}]\ncommand=sleep 100000\nstartsecs=0\nstdout_logfile=NONE\nstderr_logfile=NONE\n\n"
        ));
    }
    let d = Daemon::start_at_level(Implementation::Rust, &conf, "info").expect("daemon");
    let all_running = try_wait_until(Duration::from_secs(120), || {
        let text = request(
            port,
            "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            b"",
        );
        text > 0
            && d.rpc(
                "len([p for p in s.supervisor.getAllProcessInfo() if p['statename'] == 'RUNNING'])",
            )
            .is_ok_and(|n| n == programs.to_string())
    });
    assert!(all_running, "the programs did not all start");
    let rpc_body = b"<?xml version=\"1.0\"?><methodCall><methodName>supervisor.getAllProcessInfo</methodName><params></params></methodCall>";
    let rpc_head = format!(
        "POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        rpc_body.len()
    );
    let n = 50;
    let (rpc_ms, rpc_bytes) = measure(n, || request(port, &rpc_head, rpc_body));
    let (text_ms, text_bytes) = measure(n, || {
        request(
            port,
            "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            b"",
        )
    });
    let (om_ms, om_bytes) = measure(n, || {
        request(
            port,
            "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: application/openmetrics-text;version=1.0.0\r\nConnection: close\r\n\r\n",
            b"",
        )
    });
    // Ten consoles, each polling api/status and api/events once a second.
    let cpu0 = cpu_secs(d.pid());
    let idle_start = Instant::now();
    std::thread::sleep(Duration::from_secs(secs));
    let idle_cpu = (cpu_secs(d.pid()) - cpu0) / idle_start.elapsed().as_secs_f64();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let cpu1 = cpu_secs(d.pid());
    let start = Instant::now();
    let pollers: Vec<_> = (0..10)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut polls = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let t = Instant::now();
                    request(
                        port,
                        "GET /api/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                        b"",
                    );
                    request(
                        port,
                        "GET /api/events?after=0 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                        b"",
                    );
                    polls += 1;
                    if let Some(rest) = Duration::from_secs(1).checked_sub(t.elapsed()) {
                        std::thread::sleep(rest);
                    }
                }
                polls
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(secs));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let polls: u64 = pollers.into_iter().map(|p| p.join().unwrap_or(0)).sum();
    let watched_cpu = (cpu_secs(d.pid()) - cpu1) / start.elapsed().as_secs_f64();
    println!("{programs} programs, {n} requests each (mean):");
    println!("  getAllProcessInfo:       {rpc_ms:8.2} ms  {rpc_bytes:8} bytes");
    println!(
        "  /metrics (text 0.0.4):   {text_ms:8.2} ms  {text_bytes:8} bytes  ({:.2}x the call's time)",
        text_ms / rpc_ms
    );
    println!(
        "  /metrics (OpenMetrics):  {om_ms:8.2} ms  {om_bytes:8} bytes  ({:.2}x)",
        om_ms / rpc_ms
    );
    println!(
        "  10 consoles polling: {polls} polls in {secs} s; daemon CPU {:.1} % (idle: {:.1} %)",
        watched_cpu * 100.0,
        idle_cpu * 100.0
    );
}
