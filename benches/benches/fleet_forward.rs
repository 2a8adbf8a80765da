//! The fleet bench (issue 18): events/s end to end, from a child's output (capture-mode
//! blocks, one PROCESS_COMMUNICATION_STDOUT event each) to the JetStream ack, with
//! `event-forwarder` as the pool's only listener, against a no-op SDK listener in the same
//! run and the same daemon config; the forwarder with `fsync` per event (the default) and
//! with `--no-fsync`. Then the delivery latency with the broker up, from the moment the
//! child wrote an event (its CLOCK_REALTIME inside the event) to the moment the server
//! stored it (the stream's timestamp), p50 and p99, for paced events. The load generator
//! (a C program) is measured alone first and must be ≥ 3× faster than what is measured.
//!
//! `cargo build --release -p examples --bin event-forwarder -p supervisor-core --bin supervisord && cargo bench -p benches --bench fleet_forward`;
//! env `BENCH_EVENTS` (default 20000), `BENCH_ROUNDS` (default 3; medians),
//! `BENCH_LATENCY_EVENTS` (default 300, 10 ms apart).

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use benches::build_c;
use tests::{
    nats_installed, rust_binary, try_wait_until, Daemon, Implementation, NatsServer, TempDir,
};

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn talk(spew: &Path, n: u64, pause_us: u64) -> String {
    format!(
        "[program:talk]\ncommand={} {n} {pause_us}\nstdout_capture_maxbytes=1MB\nstdout_logfile=NONE\n\
         autostart=false\nstartsecs=0\nautorestart=false\n\n",
        spew.display()
    )
}

fn listener(command: &str, n: u64) -> String {
    format!(
        "[eventlistener:bench]\ncommand={command}\nevents=PROCESS_COMMUNICATION\nbuffer_size={}\n\
         startsecs=0\n\n",
        n + 100
    )
}

fn running(d: &Daemon, name: &str) -> bool {
    try_wait_until(Duration::from_secs(20), || {
        d.rpc(&format!(
            "s.supervisor.getProcessInfo('{name}')['statename']"
        ))
        .is_ok_and(|s| s == "RUNNING")
    })
}

/// The generator alone: blocks/s into a pipe read as fast as possible.
fn generator_rate(spew: &Path, n: u64) -> f64 {
    let start = Instant::now();
    let mut child = Command::new(spew)
        .args([n.to_string(), "0".into(), "exit".into()])
        .stdout(Stdio::piped())
        .spawn()
        .expect("capspew");
    let mut sink = Vec::new();
    let _ = child.stdout.take().expect("stdout").read_to_end(&mut sink);
    let _ = child.wait();
    n as f64 / start.elapsed().as_secs_f64()
}

/// Events/s through the forwarder: from starting the child to all `n` in the stream.
fn forwarder_rate(spew: &Path, n: u64, fsync: bool) -> Option<f64> {
    let nats = NatsServer::start().ok()?;
    let work = TempDir::new("bfl").ok()?;
    let cmd = format!(
        "{} --nats {} --spool {} --host bench --no-state{}",
        rust_binary("event-forwarder").display(),
        nats.url(),
        work.join("spool").display(),
        if fsync { "" } else { " --no-fsync" }
    );
    let d = Daemon::start_at_level(
        Implementation::Rust,
        &(talk(spew, n, 0) + &listener(&cmd, n)),
        "info",
    )
    .ok()?;
    if !running(&d, "bench") {
        return None;
    }
    // The stream exists once the forwarder published something; make it exist first.
    let start = Instant::now();
    d.rpc("s.supervisor.startProcess('talk')").ok()?;
    let done = try_wait_until(Duration::from_secs(600), || {
        nats.count("SUPERVISOR_EVENTS").unwrap_or(0) >= n
    });
    let secs = start.elapsed().as_secs_f64();
    done.then_some(n as f64 / secs)
}

/// Events/s through the no-op SDK listener, same daemon config.
fn noop_rate(spew: &Path, n: u64) -> Option<f64> {
    let work = TempDir::new("bno").ok()?;
    let marker = work.join("done");
    let cmd = format!(
        "{} {n} {}",
        rust_binary("noop-listener").display(),
        marker.display()
    );
    let d = Daemon::start_at_level(
        Implementation::Rust,
        &(talk(spew, n, 0) + &listener(&cmd, n)),
        "info",
    )
    .ok()?;
    if !running(&d, "bench") {
        return None;
    }
    let start = Instant::now();
    d.rpc("s.supervisor.startProcess('talk')").ok()?;
    let done = try_wait_until(Duration::from_secs(600), || marker.exists());
    let secs = start.elapsed().as_secs_f64();
    done.then_some(n as f64 / secs)
}

/// Write-to-stored latencies (ms), sorted, for `n` events 10 ms apart.
fn latencies(spew: &Path, n: u64, fsync: bool) -> Option<Vec<f64>> {
    let nats = NatsServer::start().ok()?;
    let work = TempDir::new("blat").ok()?;
    let cmd = format!(
        "{} --nats {} --spool {} --host bench --no-state{}",
        rust_binary("event-forwarder").display(),
        nats.url(),
        work.join("spool").display(),
        if fsync { "" } else { " --no-fsync" }
    );
    let d = Daemon::start_at_level(
        Implementation::Rust,
        &(talk(spew, n, 10_000) + &listener(&cmd, n)),
        "info",
    )
    .ok()?;
    if !running(&d, "bench") {
        return None;
    }
    d.rpc("s.supervisor.startProcess('talk')").ok()?;
    if !try_wait_until(Duration::from_secs(600), || {
        nats.count("SUPERVISOR_EVENTS").unwrap_or(0) >= n
    }) {
        return None;
    }
    let mut ms: Vec<f64> = nats
        .messages("SUPERVISOR_EVENTS")
        .ok()?
        .iter()
        .filter_map(|m| {
            let written: i128 = m.body["data"].as_str()?.split(' ').nth(1)?.parse().ok()?;
            Some((m.stored_ns - written) as f64 / 1e6)
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    Some(ms)
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    if !nats_installed() {
        return;
    }
    let n: u64 = env_or("BENCH_EVENTS", 20_000);
    let rounds: usize = env_or("BENCH_ROUNDS", 3);
    let lat_n: u64 = env_or("BENCH_LATENCY_EVENTS", 300);
    let tools = TempDir::new("bflt").expect("dir");
    let spew = build_c(tools.path(), "capspew");
    let generator = generator_rate(&spew, n);
    let (mut noop, mut fwd, mut fwd_nosync) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        // Alternate which goes first.
        if round % 2 == 0 {
            noop.extend(noop_rate(&spew, n));
        }
        if let Some(r) = forwarder_rate(&spew, n, true) {
            fwd.push(r);
        }
        if let Some(r) = forwarder_rate(&spew, n, false) {
            fwd_nosync.push(r);
        }
        if round % 2 == 1 {
            noop.extend(noop_rate(&spew, n));
        }
    }
    let (noop, fwd, fwd_nosync) = (median(noop), median(fwd), median(fwd_nosync));
    println!("fleet bench: {n} events, {rounds} rounds (medians)");
    println!("load generator alone: {generator:.0} events/s");
    let mut rows = Vec::new();
    if let Some(base) = noop {
        println!("no-op SDK listener: {base:.0} events/s");
        rows.push(("no-op SDK listener events/s".to_owned(), base));
        assert!(
            generator >= 3.0 * base,
            "the load generator ({generator:.0}/s) must be >= 3x what it feeds ({base:.0}/s)"
        );
        for (name, r) in [("fsync", fwd), ("--no-fsync", fwd_nosync)] {
            if let Some(r) = r {
                println!(
                    "event-forwarder ({name}): {r:.0} events/s, {:.1} % of the no-op listener",
                    100.0 * r / base
                );
                rows.push((format!("event-forwarder ({name}) events/s"), r));
                rows.push((
                    format!("event-forwarder ({name}) / no-op (%)"),
                    100.0 * r / base,
                ));
            }
        }
    }
    for (name, fsync) in [("fsync", true), ("--no-fsync", false)] {
        if let Some(ms) = latencies(&spew, lat_n, fsync) {
            let (p50, p99) = (percentile(&ms, 0.5), percentile(&ms, 0.99));
            println!("delivery latency ({name}), child write -> stored in the stream, {} events 10 ms apart: p50 {p50:.2} ms, p99 {p99:.2} ms", ms.len());
            rows.push((format!("delivery latency ({name}) p50 (ms)"), p50));
            rows.push((format!("delivery latency ({name}) p99 (ms)"), p99));
        }
    }
    rows.push(("load generator events/s".into(), generator));
    let json: Vec<String> = rows
        .iter()
        .map(|(k, v)| format!("  {{\"scenario\": {k:?}, \"value\": {v:.3}}}"))
        .collect();
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/fleet_forward.json");
    let _ = std::fs::write(out, format!("[\n{}\n]\n", json.join(",\n")));
}
