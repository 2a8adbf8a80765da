//! The fleet bench (issue 18): events/s end to end, from a child's output (capture-mode
//! blocks, one PROCESS_COMMUNICATION_STDOUT event each) to the JetStream ack, with
//! `event-forwarder` as the pool's only listener, against a no-op SDK listener in the same
//! run and the same daemon config; the forwarder with `fsync` per event (the default) and
//! with `--no-fsync`. Then the delivery latency with the broker up, from the moment the
//! child wrote an event (its CLOCK_REALTIME inside the event) to the moment the server
//! stored it (the stream's timestamp), p50 and p99, for paced events. The load generator
//! (a C program) is measured alone first and must be ≥ 3× faster than what is measured.
//!
//! Both throughput runs have a nats-server running (idle for the no-op listener), and both
//! take their end time from the thing measured, not from the bench's polling: the stream's
//! stored timestamp of the last event, or the time the no-op listener wrote in its marker.
//! The bench polls every 50 ms, with the same cost in both.
//!
//! The fsync ceiling: the protocol has one event in flight, so a listener that makes each
//! event durable before answering does one `fdatasync` per event, never a group commit.
//! How many this disk does alone is measured in the same run (an appended 400-byte record
//! on a growing file, on a zero-filled one, and `Spool::push` with `sync`), so that the
//! forwarder's `fsync` figure can be read against it.
//!
//! `cargo build --release -p examples --bin event-forwarder -p supervisor-core --bin supervisord && cargo bench -p benches --bench fleet_forward`;
//! env `BENCH_EVENTS` (default 20000), `BENCH_ROUNDS` (default 3; medians),
//! `BENCH_LATENCY_EVENTS` (default 300, 10 ms apart).

use std::io::Read;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use listener_sdk::spool::{Spool, SpoolOptions};

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

fn epoch_ns(t: SystemTime) -> i128 {
    t.duration_since(UNIX_EPOCH).unwrap_or_default().as_nanos() as i128
}

/// Polls every 50 ms (cheaper than the harness's 10 ms; the end time does not depend on it).
fn poll(mut cond: impl FnMut() -> bool) -> bool {
    try_wait_until(Duration::from_secs(600), || {
        let held = cond();
        if !held {
            std::thread::sleep(Duration::from_millis(40));
        }
        held
    })
}

fn running(d: &Daemon, name: &str) -> bool {
    try_wait_until(Duration::from_secs(20), || {
        d.rpc(&format!(
            "s.supervisor.getProcessInfo('{name}')['statename']"
        ))
        .is_ok_and(|s| s == "RUNNING")
    })
}

/// CPU time (ns) a process's threads have run, from `/proc/PID/task/*/schedstat`.
fn cpu_ns(pid: u32) -> u64 {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .map(|tasks| {
            tasks
                .flatten()
                .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
                .filter_map(|s| s.split(' ').next()?.parse::<u64>().ok())
                .sum()
        })
        .unwrap_or(0)
}

/// CPU µs per event of each process of a run, over the burst.
#[derive(Debug, Default, Clone, Copy)]
struct CpuPerEvent {
    supervisord: f64,
    listener: f64,
    nats: f64,
}

/// Samples the CPU of (supervisord, listener, nats-server) at the start and end of a burst.
struct CpuMeter {
    pids: [u32; 3],
    start: [u64; 3],
}

impl CpuMeter {
    fn start(d: &Daemon, nats: Option<u32>) -> CpuMeter {
        let listener = d
            .rpc("s.supervisor.getProcessInfo('bench')['pid']")
            .ok()
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        let pids = [d.pid(), listener, nats.unwrap_or(0)];
        CpuMeter {
            pids,
            start: pids.map(cpu_ns),
        }
    }

    fn per_event(&self, n: u64) -> CpuPerEvent {
        let us =
            |k: usize| cpu_ns(self.pids[k]).saturating_sub(self.start[k]) as f64 / 1e3 / n as f64;
        CpuPerEvent {
            supervisord: us(0),
            listener: us(1),
            nats: us(2),
        }
    }
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

/// A nats-server, a work directory and our daemon whose pool's only listener is the
/// forwarder, with `talk` ready to send `n` events `pause_us` apart (not started yet).
fn forwarder_daemon(
    spew: &Path,
    n: u64,
    pause_us: u64,
    fsync: bool,
) -> Option<(NatsServer, TempDir, Daemon)> {
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
        &(talk(spew, n, pause_us) + &listener(&cmd, n)),
        "info",
    )
    .ok()?;
    running(&d, "bench").then_some((nats, work, d))
}

/// Events/s through the forwarder, from starting the child to all `n` in the stream, and
/// what each process spent per event.
fn forwarder_rate(spew: &Path, n: u64, fsync: bool) -> Option<(f64, CpuPerEvent)> {
    // Bound in this order, so the daemon stops first and the broker last.
    let (nats, _work, d) = forwarder_daemon(spew, n, 0, fsync)?;
    let meter = CpuMeter::start(&d, nats.pid());
    let start = epoch_ns(SystemTime::now());
    d.rpc("s.supervisor.startProcess('talk')").ok()?;
    if !poll(|| nats.count("SUPERVISOR_EVENTS").unwrap_or(0) >= n) {
        return None;
    }
    let cpu = meter.per_event(n);
    let last = nats
        .messages("SUPERVISOR_EVENTS")
        .ok()?
        .iter()
        .map(|m| m.stored_ns)
        .max()?;
    Some((n as f64 / ((last - start) as f64 / 1e9), cpu))
}

/// Events/s through the no-op SDK listener, same daemon config, and the CPU per event.
fn noop_rate(spew: &Path, n: u64) -> Option<(f64, CpuPerEvent)> {
    // Idle, but running, as in the forwarder's runs.
    let nats = NatsServer::start().ok()?;
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
    let meter = CpuMeter::start(&d, nats.pid());
    let start = epoch_ns(SystemTime::now());
    d.rpc("s.supervisor.startProcess('talk')").ok()?;
    if !poll(|| marker.exists()) {
        return None;
    }
    let cpu = meter.per_event(n);
    // Written in one go, but possibly not yet when first seen.
    let mut end = None;
    try_wait_until(Duration::from_secs(5), || {
        end = std::fs::read_to_string(&marker)
            .ok()
            .and_then(|t| t.split(' ').nth(1)?.trim().parse::<i128>().ok());
        end.is_some()
    });
    Some((n as f64 / ((end? - start) as f64 / 1e9), cpu))
}

/// `fdatasync`ed 400-byte appends/s on this disk, alone: (growing file, zero-filled file,
/// `Spool::push` with sync).
fn fsync_ceiling(dir: &Path, n: usize) -> (f64, f64, f64) {
    let record = [b'x'; 400];
    let mut rates = [0.0; 2];
    for (i, rate) in rates.iter_mut().enumerate() {
        let path = dir.join(format!("ceiling-{i}"));
        let file = std::fs::File::create(&path).expect("file");
        if i == 1 {
            file.write_all_at(&vec![0; (n + 1) * record.len()], 0)
                .expect("zero-fill");
            file.sync_all().expect("sync");
        }
        let start = Instant::now();
        for k in 0..n {
            file.write_all_at(&record, (k * record.len()) as u64)
                .expect("write");
            file.sync_data().expect("fdatasync");
        }
        *rate = n as f64 / start.elapsed().as_secs_f64();
        let _ = std::fs::remove_file(&path);
    }
    let spool = Spool::open(dir.join("ceiling-spool"), SpoolOptions::default()).expect("spool");
    let start = Instant::now();
    for _ in 0..n {
        spool.push(&record).expect("push");
    }
    let pushes = n as f64 / start.elapsed().as_secs_f64();
    (rates[0], rates[1], pushes)
}

/// Write-to-stored latencies (ms), sorted, for `n` events 10 ms apart.
fn latencies(spew: &Path, n: u64, fsync: bool) -> Option<Vec<f64>> {
    let (nats, _work, d) = forwarder_daemon(spew, n, 10_000, fsync)?;
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

/// The median run by rate, with its CPU figures.
fn median_run(mut v: Vec<(f64, CpuPerEvent)>) -> Option<(f64, CpuPerEvent)> {
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
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
    let ceiling_n: usize = env_or("BENCH_FSYNCS", 2000);
    let ceiling = fsync_ceiling(tools.path(), ceiling_n);
    let (mut noop, mut fwd, mut fwd_nosync) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        // Alternate which goes first.
        if round % 2 == 0 {
            noop.extend(noop_rate(&spew, n));
        }
        fwd.extend(forwarder_rate(&spew, n, true));
        fwd_nosync.extend(forwarder_rate(&spew, n, false));
        if round % 2 == 1 {
            noop.extend(noop_rate(&spew, n));
        }
    }
    let (noop_run, fwd_run, nosync_run) =
        (median_run(noop), median_run(fwd), median_run(fwd_nosync));
    let (noop, fwd, fwd_nosync) = (
        noop_run.map(|r| r.0),
        fwd_run.map(|r| r.0),
        nosync_run.map(|r| r.0),
    );
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
    // The CPU ceiling: what each process spent per event in the median run. On this
    // machine's cores, the forwarder's pipeline cannot beat cores / (the sum of them), nor
    // the single-threaded supervisord beat 1 / its own share.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get()) as f64;
    for (name, run) in [
        ("no-op", noop_run),
        ("fsync", fwd_run),
        ("--no-fsync", nosync_run),
    ] {
        let Some((rate, cpu)) = run else { continue };
        let total = cpu.supervisord + cpu.listener + cpu.nats;
        let ceiling = cores * 1e6 / total;
        println!(
            "CPU per event ({name}, {rate:.0} events/s): supervisord {:.2} µs, listener {:.2} µs, \
             nats-server {:.2} µs; all {total:.2} µs, so {cores} cores carry at most {ceiling:.0} events/s",
            cpu.supervisord, cpu.listener, cpu.nats
        );
        rows.push((
            format!("CPU per event ({name}): supervisord (us)"),
            cpu.supervisord,
        ));
        rows.push((
            format!("CPU per event ({name}): listener (us)"),
            cpu.listener,
        ));
        rows.push((
            format!("CPU per event ({name}): nats-server (us)"),
            cpu.nats,
        ));
        rows.push((format!("CPU ceiling ({name}) events/s"), ceiling));
    }
    if let (Some(base), Some((_, cpu))) = (noop, nosync_run) {
        let others = cpu.supervisord + cpu.nats;
        println!(
            "  80 % of the no-op listener is {:.0} events/s: with supervisord's and nats-server's \
             {others:.2} µs per event, that leaves the forwarder {:.2} µs per event on {cores} cores \
             (it spent {:.2})",
            0.8 * base,
            cores * 1e6 / (0.8 * base) - others,
            cpu.listener
        );
    }
    for (name, fsync) in [("fsync", true), ("--no-fsync", false)] {
        if let Some(ms) = latencies(&spew, lat_n, fsync) {
            let (p50, p99) = (percentile(&ms, 0.5), percentile(&ms, 0.99));
            println!("delivery latency ({name}), child write -> stored in the stream, {} events 10 ms apart: p50 {p50:.2} ms, p99 {p99:.2} ms", ms.len());
            rows.push((format!("delivery latency ({name}) p50 (ms)"), p50));
            rows.push((format!("delivery latency ({name}) p99 (ms)"), p99));
        }
    }
    let (grow, zeroed, pushes) = ceiling;
    println!(
        "fsync ceiling, {ceiling_n} fdatasync'd 400-byte appends alone: growing file {grow:.0}/s, \
         zero-filled file {zeroed:.0}/s, Spool::push (sync) {pushes:.0}/s"
    );
    if let (Some(base), Some(r)) = (noop, fwd) {
        println!(
            "  the no-op listener's rate is {:.1}x the spool's fsync ceiling; event-forwarder (fsync) reaches {:.1} % of that ceiling",
            base / pushes,
            100.0 * r / pushes
        );
        rows.push((
            "event-forwarder (fsync) / Spool::push sync ceiling (%)".into(),
            100.0 * r / pushes,
        ));
    }
    rows.push(("fdatasync ceiling, growing file, appends/s".into(), grow));
    rows.push((
        "fdatasync ceiling, zero-filled file, appends/s".into(),
        zeroed,
    ));
    rows.push((
        "fdatasync ceiling, Spool::push sync, pushes/s".into(),
        pushes,
    ));
    rows.push(("load generator events/s".into(), generator));
    let json: Vec<String> = rows
        .iter()
        .map(|(k, v)| format!("  {{\"scenario\": {k:?}, \"value\": {v:.3}}}"))
        .collect();
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/fleet_forward.json");
    let _ = std::fs::write(out, format!("[\n{}\n]\n", json.join(",\n")));
}
