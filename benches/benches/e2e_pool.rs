//! End-to-end pool bench (issue 5): a producer floods PROCESS_LOG_STDOUT events (64-line
//! chunks) into a pool whose listener is a fast C program; we count events/s delivered and
//! overflow drops (and the same for a minimal C relay, the ceiling), and measure child-exit → listener-receives-PROCESS_STATE_EXITED latency.
//! Each implementation available runs in the same invocation, so figures are ratios of one run.
//!
//! `cargo bench -p benches --bench e2e_pool`; env: `BENCH_SECONDS` (default 10),
//! `BENCH_IMPLS` (default `python,rust`), `BENCH_EXITS` (default 40).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use benches::build_c;
use tests::{try_wait_until, Daemon, Implementation, TempDir};

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

struct Throughput {
    events_per_sec: f64,
    dropped: usize,
}

fn throughput(which: Implementation, tools: &Path, numprocs: u32, secs: u64) -> Option<Throughput> {
    let work = TempDir::new("bench").ok()?;
    let out = work.join("events.txt");
    let conf = format!(
        "[program:spew]\ncommand={spew}\nstdout_events_enabled=true\nstdout_logfile=NONE\nautostart=false\nstartsecs=0\n\n\
         [eventlistener:bench]\ncommand={listener}\nevents=PROCESS_LOG\nnumprocs={numprocs}\nprocess_name=%(program_name)s_%(process_num)d\n\
         environment=BENCH_OUT=\"{out}\"\nbuffer_size=10\n",
        spew = tools.join("spew").display(),
        listener = tools.join("fast_listener").display(),
        out = out.display(),
    );
    let d = match Daemon::start_at_level(which, &conf, "info") {
        Ok(d) => d,
        Err(e) => {
            eprintln!("{which:?}: cannot start: {e}");
            return None;
        }
    };
    let listeners_up = try_wait_until(Duration::from_secs(20), || {
        d.rpc("sum(p['statename'] == 'RUNNING' for p in s.supervisor.getAllProcessInfo() if p['group'] == 'bench')")
            .is_ok_and(|n| n == numprocs.to_string())
    });
    if !listeners_up {
        eprintln!("{which:?}: listeners did not start");
        return None;
    }
    d.rpc("s.supervisor.startProcess('spew')").ok()?;
    let before = lines(&out).len();
    let start = Instant::now();
    std::thread::sleep(Duration::from_secs(secs));
    let elapsed = start.elapsed().as_secs_f64();
    let received = lines(&out).len().saturating_sub(before);
    let _ = d.rpc("s.supervisor.stopProcess('spew')");
    let dropped = d
        .main_log()
        .lines()
        .filter(|l| l.contains("event buffer overflowed"))
        .count();
    Some(Throughput {
        events_per_sec: received as f64 / elapsed,
        dropped,
    })
}

fn exit_latency(which: Implementation, tools: &Path, exits: usize) -> Option<(f64, f64)> {
    let work = TempDir::new("lat").ok()?;
    let out = work.join("events.txt");
    let stamps = work.join("exits.txt");
    let conf = format!(
        "[program:quick]\ncommand=sh -c 'sleep 0.3; date +%%s%%N >> {stamps}; exit 1'\nautostart=false\nautorestart=false\nstartsecs=0\nstdout_logfile=NONE\n\n\
         [eventlistener:lat]\ncommand={listener}\nevents=PROCESS_STATE_EXITED\nenvironment=BENCH_OUT=\"{out}\"\n",
        stamps = stamps.display(),
        listener = tools.join("fast_listener").display(),
        out = out.display(),
    );
    let d = Daemon::start_at_level(which, &conf, "info").ok()?;
    // A native client: a Python client process per call would compete for the CPU with the
    // very exit being timed.
    let client = listener_sdk::rpc::RpcClient::new(&d.server_url()).ok()?;
    // Events only go to a RUNNING listener (after its startsecs): wait for it, or the first
    // sample measures the listener's start-up.
    try_wait_until(Duration::from_secs(20), || {
        client
            .get_process_info("lat")
            .is_ok_and(|p| p.statename == "RUNNING")
    });
    let mut latencies = Vec::new();
    for i in 0..exits {
        client.start_process("quick", true).ok()?;
        let got = try_wait_until(Duration::from_secs(10), || {
            lines(&out)
                .iter()
                .filter(|l| l.starts_with("PROCESS_STATE_EXITED"))
                .count()
                > i
        });
        if !got {
            eprintln!("{which:?}: no EXITED event for exit {i}");
            return None;
        }
        let exit_ns: i128 = lines(&stamps).get(i)?.trim().parse().ok()?;
        let recv_ns: i128 = lines(&out)
            .iter()
            .filter(|l| l.starts_with("PROCESS_STATE_EXITED"))
            .nth(i)?
            .split(' ')
            .nth(1)?
            .parse()
            .ok()?;
        latencies.push((recv_ns - exit_ns) as f64 / 1e6);
    }
    if std::env::var_os("BENCH_VERBOSE").is_some() {
        eprintln!("{which:?} latencies in order (ms): {latencies:.1?}");
    }
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| latencies[((latencies.len() - 1) as f64 * p).round() as usize];
    Some((pct(0.5), pct(0.99)))
}

/// The C relay ceiling: the same producer and listener with nothing but a minimal relay
/// between them; returns events/s delivered.
fn relay(tools: &Path, numprocs: u32, secs: u64) -> Option<f64> {
    let out = Command::new(tools.join("relay"))
        .arg(tools.join("spew"))
        .arg(tools.join("fast_listener"))
        .arg(numprocs.to_string())
        .arg(secs.to_string())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let delivered: f64 = text.split_whitespace().next()?.parse().ok()?;
    Some(delivered / secs as f64)
}

fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return; // `cargo test --benches` and criterion-style listing: nothing to do.
    }
    if !tests::python_reference() {
        return;
    }
    let secs = env_or("BENCH_SECONDS", 10u64);
    let exits = env_or("BENCH_EXITS", 40usize);
    let impls = std::env::var("BENCH_IMPLS").unwrap_or_else(|_| "python,rust".into());
    let tools = TempDir::new("tools").expect("temp dir");
    build_c(tools.path(), "spew");
    build_c(tools.path(), "fast_listener");
    build_c(tools.path(), "relay");
    let mut table: Vec<(String, u32, f64)> = Vec::new();
    // (scenario, implementation, value) for the JSON summary.
    let mut rows: Vec<(String, String, f64)> = Vec::new();
    for numprocs in [1, 4] {
        match relay(tools.path(), numprocs, secs) {
            Some(r) => {
                println!("C relay ceiling: pool numprocs={numprocs}: {r:.0} events/s");
                table.push(("relay".into(), numprocs, r));
            }
            None => println!("C relay ceiling: pool numprocs={numprocs}: not measured"),
        }
    }
    for name in impls.split(',') {
        let which = match name.trim() {
            "python" => Implementation::Python,
            "rust" => Implementation::Rust,
            other => panic!("unknown implementation {other}"),
        };
        for numprocs in [1, 4] {
            match throughput(which, tools.path(), numprocs, secs) {
                Some(t) => {
                    println!(
                        "{name}: pool numprocs={numprocs}: {:.0} PROCESS_LOG events/s delivered, {} dropped on overflow",
                        t.events_per_sec, t.dropped
                    );
                    table.push((name.trim().to_owned(), numprocs, t.events_per_sec));
                    rows.push((
                        format!("pool events/s delivered, numprocs {numprocs}"),
                        name.trim().to_owned(),
                        t.events_per_sec,
                    ));
                    rows.push((
                        format!("pool events dropped on overflow, numprocs {numprocs}"),
                        name.trim().to_owned(),
                        t.dropped as f64,
                    ));
                }
                None => println!("{name}: pool numprocs={numprocs}: not measured"),
            }
        }
        match exit_latency(which, tools.path(), exits) {
            Some((p50, p99)) => {
                println!(
                    "{name}: exit -> PROCESS_STATE_EXITED at listener: median {p50:.1} ms, p99 {p99:.1} ms ({exits} exits)"
                );
                rows.push((
                    "exit -> event latency median (ms)".into(),
                    name.trim().to_owned(),
                    p50,
                ));
                rows.push((
                    "exit -> event latency p99 (ms)".into(),
                    name.trim().to_owned(),
                    p99,
                ));
            }
            None => println!("{name}: exit latency: not measured"),
        }
    }
    let get = |who: &str, n: u32| {
        table
            .iter()
            .find(|(w, k, _)| w == who && *k == n)
            .map(|t| t.2)
    };
    for n in [1, 4] {
        if let (Some(ceiling), Some(py), Some(rs)) =
            (get("relay", n), get("python", n), get("rust", n))
        {
            println!(
                "numprocs={n}: ours {:.0}% of the relay ceiling (Python {:.0}%), {:.2}x Python",
                100.0 * rs / ceiling,
                100.0 * py / ceiling,
                rs / py
            );
        }
    }
    write_json(&rows, &table);
}

/// `target/e2e_pool.json`: one object per scenario (`python`, `ours`, which direction is
/// better), the relay ceilings as rows of their own, the schema `e2e_daemon` writes.
fn write_json(rows: &[(String, String, f64)], table: &[(String, u32, f64)]) {
    let mut names: Vec<&String> = Vec::new();
    for (k, _, _) in rows {
        if !names.contains(&k) {
            names.push(k);
        }
    }
    let value = |k: &str, who: &str| {
        rows.iter()
            .find(|(n, w, _)| n == k && w == who)
            .map_or("null".to_owned(), |r| format!("{}", r.2))
    };
    let mut out: Vec<String> = names
        .iter()
        .map(|k| {
            let better = if k.contains("events/s") {
                "higher"
            } else {
                "lower"
            };
            format!(
                "{{\"scenario\":{k:?},\"python\":{},\"ours\":{},\"better\":{better:?}}}",
                value(k, "python"),
                value(k, "rust")
            )
        })
        .collect();
    for (who, n, v) in table {
        if who == "relay" {
            out.push(format!(
                "{{\"scenario\":\"C relay ceiling events/s, numprocs {n}\",\"python\":{v},\"ours\":{v},\"better\":\"higher\"}}"
            ));
        }
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/e2e_pool.json");
    let _ = std::fs::write(&path, format!("[{}]\n", out.join(",\n")));
    println!("JSON: {}", path.display());
}
