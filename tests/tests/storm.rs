//! A restart storm (issue 9, short version): 50 programs exiting as soon as they start, with
//! autorestart, for `STORM_SECONDS` (default 5): no zombie is left, the daemon's memory stays
//! flat and it answers RPC throughout.

use std::time::{Duration, Instant};

use listener_sdk::rpc::RpcClient;
use tests::{python_reference, Daemon, Implementation};

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Zombie children of `pid` older than a moment (a just-exited child is allowed until the
/// next reap).
fn zombies_of(pid: u32) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(p) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) else {
            continue;
        };
        let Some(after) = stat.rfind(')').map(|i| stat[i + 1..].to_owned()) else {
            continue;
        };
        let f: Vec<&str> = after.split_whitespace().collect();
        if f.first() == Some(&"Z") && f.get(1).and_then(|x| x.parse::<u32>().ok()) == Some(pid) {
            found.push(p);
        }
    }
    found
}

#[test]
fn restart_storm_leaves_no_zombie_and_keeps_answering() {
    if !python_reference() {
        return;
    }
    let secs: u64 = std::env::var("STORM_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let mut sections = String::new();
    for i in 0..50 {
        sections.push_str(&format!(
            "[program:r{i:02}]\ncommand=/bin/true\nautorestart=true\nstartsecs=0\nstartretries=1000000\nstdout_logfile=NONE\nstderr_logfile=NONE\n\n"
        ));
    }
    let d = Daemon::start_at_level(Implementation::Rust, &sections, "info").expect("daemon starts");
    let client = RpcClient::new(&d.server_url())
        .expect("url")
        .with_timeout(Duration::from_secs(5));
    std::thread::sleep(Duration::from_secs(1)); // let the storm build up before the baseline
    let rss_start = rss_kb(d.pid());
    let end = Instant::now() + Duration::from_secs(secs);
    let mut slowest = Duration::ZERO;
    let mut calls = 0;
    while Instant::now() < end {
        let t = Instant::now();
        assert_eq!(
            client.get_state().expect("RPC answers during the storm"),
            "RUNNING"
        );
        slowest = slowest.max(t.elapsed());
        calls += 1;
        std::thread::sleep(Duration::from_millis(50));
    }
    let spawned = d.main_log().matches("spawned: 'r").count();
    let rss_end = rss_kb(d.pid());
    println!(
        "storm: {spawned} spawns in {secs} s ({:.0}/s), RSS {rss_start} -> {rss_end} kB, \
         slowest of {calls} RPCs {slowest:?}",
        spawned as f64 / (secs as f64 + 1.0)
    );
    assert!(spawned > 50 * 5, "a storm happened: {spawned} spawns");
    assert!(
        slowest < Duration::from_secs(1),
        "slowest RPC {slowest:?} over {calls} calls"
    );
    assert!(
        rss_end < rss_start + 4096,
        "RSS flat: {rss_start} kB -> {rss_end} kB over {spawned} spawns"
    );
    // Reaping keeps up: any zombie seen is gone a moment later.
    let first = zombies_of(d.pid());
    std::thread::sleep(Duration::from_millis(300));
    let lingering: Vec<u32> = zombies_of(d.pid())
        .into_iter()
        .filter(|z| first.contains(z))
        .collect();
    assert!(lingering.is_empty(), "zombies not reaped: {lingering:?}");
}
