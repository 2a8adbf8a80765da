//! End-to-end daemon bench (issues 4, 6 and 8): each scenario runs on Python supervisord 4.3
//! and on ours with identical generated configs, in the same invocation, and prints ours,
//! Python's and the ratio; a JSON summary goes to `target/e2e_daemon.json`.
//!
//! Scenarios: (4) time to bring N programs (startsecs=1) to RUNNING, daemon RSS and idle CPU
//! with them; (5) `getAllProcessInfo` calls/s with N programs, 1 and 4 clients; (3) child-log
//! MB/s with 20 MB x 3 rotation from a near-free producer and daemon CPU per MB, against a
//! C copy with the same rotation; (6) restart
//! storm: 50 programs exiting at once with autorestart, restarts/s and daemon CPU.
//!
//! `cargo bench -p benches --bench e2e_daemon`; env `BENCH_PROGRAMS` (default 500; a list such
//! as `100,500` runs the programs scenario for each),
//! `BENCH_SECONDS` (default 5), `BENCH_LOG_MB` (default 4096), `BENCH_IMPLS`, `BENCH_ROUNDS`
//! (default 1: each round runs both daemons, alternating which goes first; the table shows
//! the median of the rounds), `BENCH_SCENARIOS` (default `programs,log,storm`: which to run;
//! the ceilings are sampled with the scenarios that need them).

use std::process::Command;
use std::time::{Duration, Instant};

use listener_sdk::rpc::RpcClient;
use tests::{try_wait_until, Daemon, Implementation};

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// (RSS bytes, CPU seconds) of a process.
fn usage(pid: u32) -> (u64, f64) {
    let rss = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .unwrap_or(0)
        * 1024;
    let cpu = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let after = stat[stat.rfind(')')? + 1..].to_owned();
            let f: Vec<&str> = after.split_whitespace().collect();
            Some(f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?)
        })
        .unwrap_or(0.0);
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    (rss, cpu / ticks)
}

/// One `getAllProcessInfo` over the unix socket, reading the whole response without
/// parsing it: what the daemon costs, not the client.
fn raw_call(socket: &std::path::Path, body: &[u8]) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::os::unix::net::UnixStream::connect(socket) else {
        return false;
    };
    let head = format!(
        "POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    if s.write_all(head.as_bytes())
        .and_then(|()| s.write_all(body))
        .is_err()
    {
        return false;
    }
    let mut out = Vec::with_capacity(1 << 20);
    s.read_to_end(&mut out).is_ok()
        && (out.starts_with(b"HTTP/1.1 200") || out.starts_with(b"HTTP/1.0 200"))
}

fn running(client: &RpcClient) -> usize {
    client
        .get_all_process_info()
        .map(|all| all.iter().filter(|p| p.statename == "RUNNING").count())
        .unwrap_or(0)
}

struct Row {
    name: String,
    python: Option<f64>,
    ours: Option<f64>,
    better: &'static str,
}

fn programs(
    which: Implementation,
    n: usize,
    secs: u64,
    rows: &mut Vec<(String, f64)>,
) -> Option<()> {
    let mut conf = String::new();
    for i in 0..n {
        conf.push_str(&format!(
            "[program:p{i:03}]\ncommand=sleep 100000\nstartsecs=1\nstdout_logfile=NONE\nstderr_logfile=NONE\n\n"
        ));
    }
    let start = Instant::now();
    let d = Daemon::start_at_level(which, &conf, "info").ok()?;
    let client = RpcClient::new(&d.server_url()).ok()?;
    if !try_wait_until(Duration::from_secs(120), || running(&client) == n) {
        eprintln!("{which:?}: {n} programs did not all reach RUNNING");
        return None;
    }
    rows.push((
        format!("{n} programs RUNNING (s, startsecs=1)"),
        start.elapsed().as_secs_f64(),
    ));
    std::thread::sleep(Duration::from_secs(1));
    let (rss, cpu0) = usage(d.pid());
    rows.push((
        format!("daemon RSS with {n} programs (MB)"),
        rss as f64 / 1e6,
    ));
    std::thread::sleep(Duration::from_secs(secs));
    let (_, cpu1) = usage(d.pid());
    rows.push((
        format!("idle daemon CPU with {n} programs (%)"),
        100.0 * (cpu1 - cpu0) / secs as f64,
    ));
    let socket = d.dir().join("supervisor.sock");
    let body = b"<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.getAllProcessInfo</methodName>\n<params>\n</params>\n</methodCall>\n";
    for clients in [1usize, 4] {
        let deadline = Instant::now() + Duration::from_secs(secs);
        let calls: usize = std::thread::scope(|s| {
            let handles: Vec<_> = (0..clients)
                .map(|_| {
                    let socket = socket.clone();
                    s.spawn(move || {
                        let mut k = 0;
                        while Instant::now() < deadline {
                            if raw_call(&socket, body) {
                                k += 1;
                            }
                        }
                        k
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
        });
        rows.push((
            format!("getAllProcessInfo calls/s, {n} programs, {clients} client(s)"),
            calls as f64 / secs as f64,
        ));
    }
    // What the burst of large responses leaves resident once it is over.
    std::thread::sleep(Duration::from_secs(1));
    rows.push((
        format!("daemon RSS with {n} programs after the RPC burst (MB)"),
        usage(d.pid()).0 as f64 / 1e6,
    ));
    Some(())
}

fn log_throughput(which: Implementation, mb: u64, rows: &mut Vec<(String, f64)>) -> Option<()> {
    // The producer costs almost nothing (vmsplice of one constant buffer), so the daemon is
    // what is measured; 20 MB files, 3 backups, as a production config would have them. The
    // producer creates `done` once its last write returned, that is once the daemon has read
    // all but the last pipe-full of its output.
    let bin = benches::build_c(&std::env::temp_dir(), "vmspew");
    let conf = format!(
        "[program:spew]\ncommand={bin}\nenvironment=SPEW_BYTES=\"{bytes}\",SPEW_DONE=\"%(here)s/done\"\n\
         autostart=false\nstartsecs=0\n\
         stdout_logfile=%(here)s/spew.log\nstdout_logfile_maxbytes=20MB\nstdout_logfile_backups=3\n",
        bin = bin.display(),
        bytes = mb << 20,
    );
    let d = Daemon::start_at_level(which, &conf, "info").ok()?;
    let client = RpcClient::new(&d.server_url()).ok()?;
    let done_file = d.dir().join("done");
    let (_, cpu0) = usage(d.pid());
    let start = Instant::now();
    client.start_process("spew", false).ok()?;
    if !try_wait_until(Duration::from_secs(300), || done_file.exists()) {
        eprintln!("{which:?}: the producer did not finish");
        return None;
    }
    let secs = start.elapsed().as_secs_f64();
    let (_, cpu1) = usage(d.pid());
    let done = (mb << 20) as f64 / 1e6;
    rows.push(("child log MB/s (20 MB x 3 rotation)".into(), done / secs));
    rows.push((
        "daemon CPU ms per MB logged".into(),
        1000.0 * (cpu1 - cpu0) / done,
    ));
    Some(())
}

fn restart_storm(which: Implementation, secs: u64, rows: &mut Vec<(String, f64)>) -> Option<()> {
    let mut conf = String::new();
    for i in 0..50 {
        conf.push_str(&format!(
            "[program:r{i:02}]\ncommand=/bin/true\nautostart=false\nautorestart=true\nstartsecs=0\nstartretries=1000000\nstdout_logfile=NONE\nstderr_logfile=NONE\n\n"
        ));
    }
    let d = Daemon::start_at_level(which, &conf, "info").ok()?;
    let client = RpcClient::new(&d.server_url()).ok()?;
    let spawned = || d.main_log().matches("spawned: 'r").count();
    let (_, cpu0) = usage(d.pid());
    client
        .call("supervisor.startAllProcesses", vec![false.into()])
        .ok()?;
    let before = spawned();
    let start = Instant::now();
    std::thread::sleep(Duration::from_secs(secs));
    let n = spawned() - before;
    let elapsed = start.elapsed().as_secs_f64();
    let (_, cpu1) = usage(d.pid());
    let _ = client.call("supervisor.stopAllProcesses", vec![true.into()]);
    rows.push((
        "restart storm: restarts/s (50 programs)".into(),
        n as f64 / elapsed,
    ));
    rows.push((
        "restart storm: daemon CPU (%)".into(),
        100.0 * (cpu1 - cpu0) / elapsed,
    ));
    Some(())
}

/// The ceiling for the log scenario: the same producer into a pipe, and a C copy from it into
/// a file with the same rotation (`rotcopy`). Returns (MB/s, the copy's CPU ms per MB): what
/// the daemon does, with nothing else.
fn pipe_copy(mb: u64) -> Option<(f64, f64)> {
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;
    let dir = tests::TempDir::new("copy").ok()?;
    let spew = benches::build_c(dir.path(), "vmspew");
    let rotcopy = benches::build_c(dir.path(), "rotcopy");
    let start = Instant::now();
    let mut producer = Command::new(spew)
        .env("SPEW_BYTES", (mb << 20).to_string())
        .env("SPEW_EXIT", "1")
        .stdout(Stdio::piped())
        .spawn()
        .ok()?;
    let copy = producer.stdout.take().and_then(|pipe| {
        Command::new(rotcopy)
            .arg(dir.join("copy.log"))
            .args(["20000000", "3"])
            .stdin(pipe)
            .spawn()
            .ok()
    });
    let Some(copy) = copy else {
        let _ = producer.kill();
        let _ = producer.wait();
        return None;
    };
    // wait4 rather than Child::wait: the copy's own CPU time comes with its exit status.
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value; wait4 fills it for the child it reaps.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `copy` is our unreaped child; both out-pointers are valid for the call.
    let reaped = unsafe { libc::wait4(copy.id() as i32, &mut status, 0, &mut usage) };
    let secs = start.elapsed().as_secs_f64();
    let _ = producer.wait();
    if reaped <= 0 || !std::process::ExitStatus::from_raw(status).success() {
        return None;
    }
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    let cpu = tv(usage.ru_utime) + tv(usage.ru_stime);
    let done = (mb << 20) as f64 / 1e6;
    Some((done / secs, 1000.0 * cpu / done))
}

/// The restart-storm ceiling: a C loop keeping 50 `/bin/true` children in flight (fork, exec,
/// wait, start another), restarts/s.
fn fork_loop(secs: u64) -> Option<f64> {
    let dir = tests::TempDir::new("fork").ok()?;
    let bin = benches::build_c(dir.path(), "forkloop");
    let out = Command::new(bin)
        .args([secs.to_string(), "50".into()])
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

/// The "implementation" name the ceilings' samples are kept under.
const CEILING: &str = "ceiling";
/// The ceilings' sample names.
const COPY_MBS: &str = "copy MB/s";
const COPY_CPU: &str = "copy CPU ms per MB";
const FORK_RATE: &str = "fork/exec/wait restarts/s";

fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return;
    }
    if !tests::python_reference() {
        return;
    }
    // One count or several (`100,500`): the programs scenario runs for each.
    let counts: Vec<usize> = std::env::var("BENCH_PROGRAMS")
        .unwrap_or_else(|_| "500".into())
        .split(',')
        .filter_map(|v| v.trim().parse().ok())
        .collect();
    let secs = env_or("BENCH_SECONDS", 5u64);
    let mb = env_or("BENCH_LOG_MB", 4096u64);
    let impls: Vec<String> = std::env::var("BENCH_IMPLS")
        .unwrap_or_else(|_| "python,rust".into())
        .split(',')
        .map(|s| s.trim().to_owned())
        .collect();
    let rounds = env_or("BENCH_ROUNDS", 1usize).max(1);
    let scenarios =
        std::env::var("BENCH_SCENARIOS").unwrap_or_else(|_| "programs,log,storm".into());
    let wanted = |name: &str| scenarios.split(',').any(|s| s.trim() == name);
    // Every (implementation, scenario) sample of every round; the table shows medians.
    let mut samples: Vec<(String, String, f64)> = Vec::new();
    for round in 0..rounds {
        // Alternate which daemon goes first, so neither always runs on a warmer machine.
        let mut order = impls.clone();
        if round % 2 == 1 {
            order.reverse();
        }
        for name in &order {
            let which = match name.as_str() {
                "python" => Implementation::Python,
                _ => Implementation::Rust,
            };
            let mut rows = Vec::new();
            for &n in counts.iter().filter(|_| wanted("programs")) {
                if programs(which, n, secs, &mut rows).is_none() {
                    eprintln!("{name}: programs scenario ({n}) not measured");
                }
            }
            if wanted("log") && log_throughput(which, mb, &mut rows).is_none() {
                eprintln!("{name}: log scenario not measured");
            }
            if wanted("storm") && restart_storm(which, secs, &mut rows).is_none() {
                eprintln!("{name}: restart storm not measured");
            }
            samples.extend(rows.into_iter().map(|(k, v)| (name.clone(), k, v)));
        }
        // The ceilings are sampled in every round too, so that they see the same machine.
        if let Some((mbs, cpu)) = wanted("log").then(|| pipe_copy(mb)).flatten() {
            samples.push((CEILING.into(), COPY_MBS.into(), mbs));
            samples.push((CEILING.into(), COPY_CPU.into(), cpu));
        }
        if let Some(rate) = wanted("storm").then(|| fork_loop(secs)).flatten() {
            samples.push((CEILING.into(), FORK_RATE.into(), rate));
        }
    }
    let median = |who: &str, what: &str| -> Option<f64> {
        let mut v: Vec<f64> = samples
            .iter()
            .filter(|(w, k, _)| w == who && k == what)
            .map(|s| s.2)
            .collect();
        v.sort_by(f64::total_cmp);
        (!v.is_empty()).then(|| v[v.len() / 2])
    };
    let mut names: Vec<String> = Vec::new();
    for (who, k, _) in &samples {
        if who != CEILING && !names.contains(k) {
            names.push(k.clone());
        }
    }
    let results: Vec<(String, Vec<(String, f64)>)> = impls
        .iter()
        .map(|who| {
            let rows = names
                .iter()
                .filter_map(|k| median(who, k).map(|v| (k.clone(), v)))
                .collect();
            (who.clone(), rows)
        })
        .collect();
    println!("{rounds} round(s), alternating the order; medians:");
    let get = |who: &str, what: &str| {
        results
            .iter()
            .find(|(w, _)| w == who)
            .and_then(|(_, rows)| rows.iter().find(|(k, _)| k == what).map(|r| r.1))
    };
    let mut table = Vec::new();
    for what in names {
        let lower_is_better = what.contains("(s,") || what.contains("RSS") || what.contains("CPU");
        table.push(Row {
            python: get("python", &what),
            ours: get("rust", &what),
            better: if lower_is_better { "lower" } else { "higher" },
            name: what,
        });
    }
    if let (Some(ceiling), Some(cpu)) = (median(CEILING, COPY_MBS), median(CEILING, COPY_CPU)) {
        println!("pipe-to-file copy ceiling (same rotation): {ceiling:.0} MB/s, the copy uses {cpu:.2} ms CPU per MB");
        table.push(Row {
            name: "pipe-to-file copy MB/s, same rotation (ceiling)".into(),
            python: Some(ceiling),
            ours: Some(ceiling),
            better: "higher",
        });
        table.push(Row {
            name: "pipe-to-file copy: its CPU ms per MB (floor)".into(),
            python: Some(cpu),
            ours: Some(cpu),
            better: "lower",
        });
    }
    if let Some(ceiling) = median(CEILING, FORK_RATE) {
        println!("fork/exec/wait ceiling: {ceiling:.0} restarts/s");
        table.push(Row {
            name: "fork/exec/wait loop restarts/s, 50 in flight (ceiling)".into(),
            python: Some(ceiling),
            ours: Some(ceiling),
            better: "higher",
        });
    }
    println!(
        "{:<60} {:>12} {:>12} {:>9}  better",
        "scenario", "Python 4.3", "ours", "ratio"
    );
    let mut json = Vec::new();
    for r in &table {
        let fmt = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.2}"));
        let ratio = match (r.python, r.ours) {
            (Some(p), Some(o)) if p != 0.0 => format!("{:.2}", o / p),
            _ => "-".into(),
        };
        println!(
            "{:<60} {:>12} {:>12} {:>9}  {}",
            r.name,
            fmt(r.python),
            fmt(r.ours),
            ratio,
            r.better
        );
        json.push(format!(
            "{{\"scenario\":{:?},\"python\":{},\"ours\":{},\"better\":{:?}}}",
            r.name,
            r.python.map_or("null".into(), |v| format!("{v}")),
            r.ours.map_or("null".into(), |v| format!("{v}")),
            r.better
        ));
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/e2e_daemon.json");
    let _ = std::fs::write(&path, format!("[{}]\n", json.join(",\n")));
    println!("JSON: {}", path.display());
}
