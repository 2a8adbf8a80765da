//! The fleet against a real nats-server with JetStream: `event-forwarder` under our
//! supervisord puts every event in the stream exactly once through a broker outage, a
//! SIGKILL of the forwarder and a restart of supervisord; the state bucket follows
//! `getAllProcessInfo` and ages out when the host goes away; `fleet status` and `fleet
//! tail` show what two daemons, standing for two hosts, did.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use tests::{
    nats_installed, rust_binary, try_wait_until, wait_until, Daemon, Implementation, NatsServer,
    StopOnDrop, StoredMessage, TempDir,
};

const STREAM: &str = "SUPERVISOR_EVENTS";
const BUCKET: &str = "SUPERVISOR_STATE";

/// A program printing `n` capture-mode blocks (`<!--XSUPERVISOR:BEGIN-->i<!--...END-->`,
/// each one PROCESS_COMMUNICATION_STDOUT event), `batch` at a time with `pause` seconds
/// between batches, then sleeping.
fn talker(dir: &Path, n: usize, batch: usize, pause: f64) -> String {
    let script = dir.join("talk.py");
    std::fs::write(
        &script,
        "import sys, time\n\
         n, batch, pause = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])\n\
         for i in range(n):\n\
         \x20   sys.stdout.write('<!--XSUPERVISOR:BEGIN-->%d<!--XSUPERVISOR:END-->\\n' % i)\n\
         \x20   sys.stdout.flush()\n\
         \x20   if pause and i % batch == batch - 1:\n\
         \x20       time.sleep(pause)\n\
         time.sleep(1000)\n",
    )
    .expect("talker script");
    format!(
        "[program:talk]\ncommand=python3 {} {n} {batch} {pause}\nstdout_capture_maxbytes=1MB\n\
         startsecs=0\nautostart=false\nautorestart=false\n\n",
        script.display()
    )
}

fn forwarder(nats: &NatsServer, spool: &Path, host: &str, events: &str, extra: &str) -> String {
    format!(
        "[eventlistener:fleet]\ncommand={} --nats {} --spool {} --host {host} --backoff 200ms \
         --max-backoff 1s --ack-timeout 2s {extra}\nevents={events}\nbuffer_size=20000\n\
         startsecs=0\nautorestart=true\n\n",
        rust_binary("event-forwarder").display(),
        nats.url(),
        spool.display()
    )
}

fn spooled(dir: &Path) -> usize {
    listener_sdk::spool::pending(dir).unwrap_or(0)
}

fn pid_of(d: &Daemon, name: &str) -> i32 {
    d.rpc(&format!("s.supervisor.getProcessInfo('{name}')['pid']"))
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(0)
}

fn wait_running(d: &Daemon, name: &str) {
    wait_until(Duration::from_secs(20), &format!("{name} RUNNING"), || {
        d.rpc(&format!(
            "s.supervisor.getProcessInfo('{name}')['statename']"
        ))
        .is_ok_and(|s| s == "RUNNING")
    });
}

fn count(nats: &NatsServer) -> u64 {
    nats.count(STREAM).unwrap_or(0)
}

/// The communication data (`i`) of each message, checking each message's name.
fn talk_numbers(messages: &[StoredMessage], host: &str, subject_host: &str) -> Vec<u64> {
    messages
        .iter()
        .map(|m| {
            assert_eq!(
                m.subject,
                format!("supervisor.{subject_host}.PROCESS_COMMUNICATION_STDOUT")
            );
            let b = &m.body;
            assert_eq!(b["schema"], 1);
            assert_eq!(b["host"], host);
            assert_eq!(b["headers"]["processname"], "talk");
            assert!(b["time"].as_str().is_some_and(|t| t.ends_with('Z')), "{b}");
            assert_eq!(
                m.msg_id,
                format!(
                    "{host}/{}/{}",
                    b["boot"].as_str().unwrap_or(""),
                    b["serial"]
                )
            );
            b["data"]
                .as_str()
                .and_then(|d| d.parse().ok())
                .unwrap_or(u64::MAX)
        })
        .collect()
}

fn assert_each_once(numbers: &[u64], n: u64) {
    let distinct: BTreeSet<u64> = numbers.iter().copied().collect();
    assert_eq!(numbers.len() as u64, n, "messages in the stream");
    assert_eq!(distinct, (0..n).collect(), "each event once");
}

#[test]
fn broker_down_ten_seconds_loses_and_repeats_nothing() {
    if !nats_installed() {
        return;
    }
    const N: u64 = 10_000;
    let mut nats = NatsServer::start().expect("nats-server");
    let work = TempDir::new("fl1").expect("dir");
    let spool = work.join("spool");
    let host = "web1.example.com";
    let sections = talker(work.path(), N as usize, 100, 0.15)
        + &forwarder(&nats, &spool, host, "PROCESS_COMMUNICATION", "--no-state");
    let d = Daemon::start(Implementation::Rust, &sections).expect("daemon");
    wait_running(&d, "fleet");
    d.rpc("s.supervisor.startProcess('talk')")
        .expect("start talk");
    wait_until(
        Duration::from_secs(60),
        "1,500 events in the stream",
        || count(&nats) >= 1500,
    );
    nats.stop();
    let down = Instant::now();
    let mut most_spooled = 0;
    while down.elapsed() < Duration::from_secs(10) {
        most_spooled = most_spooled.max(spooled(&spool));
        std::thread::sleep(Duration::from_millis(200));
    }
    nats.start_again().expect("nats-server again");
    assert!(
        most_spooled > 1000,
        "events kept flowing into the spool while the broker was down ({most_spooled})"
    );
    wait_until(
        Duration::from_secs(120),
        "every event in the stream",
        || count(&nats) >= N && spooled(&spool) == 0,
    );
    let messages = nats.messages(STREAM).expect("read the stream");
    assert_each_once(&talk_numbers(&messages, host, "web1=2Eexample=2Ecom"), N);
    assert!(
        !d.main_log().contains("overflow"),
        "supervisord's pool never overflowed"
    );
}

#[test]
fn sigkilled_forwarder_is_restarted_and_loses_nothing() {
    if !nats_installed() {
        return;
    }
    const N: u64 = 5_000;
    let nats = NatsServer::start().expect("nats-server");
    let work = TempDir::new("fl2").expect("dir");
    let spool = work.join("spool");
    let sections = talker(work.path(), N as usize, 100, 0.05)
        + &forwarder(&nats, &spool, "h2", "PROCESS_COMMUNICATION", "--no-state");
    let d = Daemon::start(Implementation::Rust, &sections).expect("daemon");
    wait_running(&d, "fleet");
    let first = pid_of(&d, "fleet");
    d.rpc("s.supervisor.startProcess('talk')")
        .expect("start talk");
    wait_until(
        Duration::from_secs(60),
        "1,000 events in the stream",
        || count(&nats) >= 1000,
    );
    let before = count(&nats);
    kill(Pid::from_raw(first), Signal::SIGKILL).expect("SIGKILL the forwarder");
    wait_until(
        Duration::from_secs(120),
        "every event in the stream",
        || count(&nats) >= N && spooled(&spool) == 0,
    );
    let second = pid_of(&d, "fleet");
    assert!(second > 0 && second != first, "supervisord restarted it");
    assert!(
        before < N,
        "killed mid-burst ({before} of {N} in the stream)"
    );
    let messages = nats.messages(STREAM).expect("read the stream");
    assert_each_once(&talk_numbers(&messages, "h2", "h2"), N);
}

#[test]
fn supervisord_restarted_serials_start_again_and_nothing_is_a_duplicate() {
    if !nats_installed() {
        return;
    }
    const N: u64 = 300;
    let nats = NatsServer::start().expect("nats-server");
    let work = TempDir::new("fl3").expect("dir");
    let spool = work.join("spool");
    let sections = talker(work.path(), N as usize, 100, 0.0)
        + &forwarder(&nats, &spool, "h3", "PROCESS_COMMUNICATION", "--no-state");
    for run in 1..=2u64 {
        let d = Daemon::start(Implementation::Rust, &sections).expect("daemon");
        wait_running(&d, "fleet");
        d.rpc("s.supervisor.startProcess('talk')")
            .expect("start talk");
        wait_until(Duration::from_secs(60), "the run's events", || {
            count(&nats) >= run * N && spooled(&spool) == 0
        });
        drop(d);
    }
    let messages = nats.messages(STREAM).expect("read the stream");
    let numbers = talk_numbers(&messages, "h3", "h3");
    assert_eq!(
        numbers.len() as u64,
        2 * N,
        "nothing discarded as a duplicate"
    );
    let mut by_boot: BTreeMap<String, BTreeSet<u64>> = BTreeMap::new();
    for m in &messages {
        by_boot
            .entry(m.body["boot"].as_str().unwrap_or("").to_owned())
            .or_default()
            .insert(m.body["serial"].as_u64().unwrap_or(u64::MAX));
    }
    assert_eq!(
        by_boot.len(),
        2,
        "one boot id per supervisord run: {:?}",
        by_boot.keys()
    );
    for serials in by_boot.values() {
        assert_eq!(*serials, (0..N).collect(), "serials start at 0 in each run");
    }
}

/// `{namespec: (state, pid, exitstatus)}` from getAllProcessInfo.
fn daemon_view(d: &Daemon) -> BTreeMap<String, (String, u64, i64)> {
    let json = d
        .rpc("__import__('json').dumps([[p['group'], p['name'], p['statename'], p['pid'], p['exitstatus']] for p in s.supervisor.getAllProcessInfo()])")
        .expect("getAllProcessInfo");
    let rows: Vec<(String, String, String, u64, i64)> = serde_json::from_str(&json).expect("json");
    rows.into_iter()
        .map(|(g, n, s, p, e)| {
            let spec = if g == n { n } else { format!("{g}:{n}") };
            (spec, (s, p, e))
        })
        .collect()
}

/// The same, from the bucket's entries for `host`.
fn bucket_view(nats: &NatsServer, host: &str) -> BTreeMap<String, (String, u64, i64)> {
    nats.bucket(BUCKET)
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, v)| v["host"] == host && k.starts_with(&format!("{host}.")))
        .map(|(k, v)| {
            let (g, n) = (
                v["group"].as_str().unwrap_or("").to_owned(),
                v["name"].as_str().unwrap_or("").to_owned(),
            );
            assert_eq!(k, format!("{host}.{g}.{n}"), "the key names the process");
            let spec = if g == n { n } else { format!("{g}:{n}") };
            let state = v["state"].as_str().unwrap_or("").to_owned();
            (
                spec,
                (
                    state,
                    v["pid"].as_u64().unwrap_or(0),
                    v["exitstatus"].as_i64().unwrap_or(0),
                ),
            )
        })
        .collect()
}

fn wait_bucket_matches(d: &Daemon, nats: &NatsServer, host: &str, what: &str) {
    let mut last = (BTreeMap::new(), BTreeMap::new());
    let ok = try_wait_until(Duration::from_secs(30), || {
        last = (bucket_view(nats, host), daemon_view(d));
        last.0 == last.1
    });
    assert!(
        ok,
        "{what}: bucket {:?} != getAllProcessInfo {:?}",
        last.0, last.1
    );
}

#[test]
fn state_bucket_follows_get_all_process_info_and_ages_out() {
    if !nats_installed() {
        return;
    }
    let nats = NatsServer::start().expect("nats-server");
    let work = TempDir::new("fl4").expect("dir");
    let sections = "[program:run]\ncommand=sleep 1000\nstartsecs=0\n\n\
         [program:idle]\ncommand=sleep 1000\nautostart=false\nstartsecs=0\n\n\
         [program:crash]\ncommand=sh -c 'sleep 0.3; exit 3'\nautostart=false\nautorestart=false\nstartsecs=0\n\n\
         [program:flap]\ncommand=sh -c 'exit 1'\nautostart=false\nstartsecs=1\nstartretries=1\n\n"
        .to_owned()
        + &forwarder(
            &nats,
            &work.join("spool"),
            "h4",
            "PROCESS_STATE",
            "--state-max-age 3s",
        );
    let d = Daemon::start(Implementation::Rust, &sections).expect("daemon");
    wait_running(&d, "fleet");
    wait_running(&d, "run");
    wait_bucket_matches(&d, &nats, "h4", "seeded");
    assert_eq!(
        nats.bucket_max_age(BUCKET).expect("bucket"),
        Duration::from_secs(3)
    );
    d.rpc("s.supervisor.stopProcess('run')").expect("stop");
    d.rpc("s.supervisor.startProcess('idle')").expect("start");
    d.rpc("s.supervisor.startProcess('crash')").expect("start");
    let _ = d.rpc("s.supervisor.startProcess('flap', False)");
    wait_until(Duration::from_secs(30), "crash EXITED, flap FATAL", || {
        let v = daemon_view(&d);
        v.get("crash").is_some_and(|s| s.0 == "EXITED" && s.2 == 3)
            && v.get("flap").is_some_and(|s| s.0 == "FATAL")
    });
    wait_bucket_matches(&d, &nats, "h4", "after stops, starts and crashes");
    // A running process killed: supervisord restarts it under a new pid.
    let idle = pid_of(&d, "idle");
    kill(Pid::from_raw(idle), Signal::SIGKILL).expect("kill idle");
    wait_until(Duration::from_secs(30), "idle restarted", || {
        let p = pid_of(&d, "idle");
        p > 0 && p != idle
    });
    wait_bucket_matches(&d, &nats, "h4", "after a SIGKILL");
    // Refreshed well within the 3 s age: for 5 s every entry stays.
    let since = Instant::now();
    while since.elapsed() < Duration::from_secs(5) {
        assert_eq!(
            bucket_view(&nats, "h4").len(),
            5,
            "live entries never expire"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    // The host goes away: its entries age out.
    drop(d);
    wait_until(
        Duration::from_secs(30),
        "the dead host's entries gone",
        || bucket_view(&nats, "h4").is_empty(),
    );
}

fn fleet(nats: &NatsServer, args: &[&str]) -> String {
    let out = Command::new(rust_binary("fleet"))
        .args(args)
        .env("NATS_URL", nats.url())
        .stdin(Stdio::null())
        .output()
        .expect("fleet runs");
    assert!(
        out.status.success(),
        "fleet {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn fleet_status_and_tail_show_two_hosts() {
    if !nats_installed() {
        return;
    }
    let nats = NatsServer::start().expect("nats-server");
    let work = TempDir::new("fl5").expect("dir");
    let events = "PROCESS_STATE,REMOTE_COMMUNICATION";
    let alpha = Daemon::start(
        Implementation::Rust,
        &("[program:web]\ncommand=sleep 1000\nstartsecs=0\n\n".to_owned()
            + &forwarder(&nats, &work.join("a"), "alpha", events, "")),
    )
    .expect("alpha");
    let beta = Daemon::start(
        Implementation::Rust,
        &("[program:db]\ncommand=sh -c 'exit 4'\nstartsecs=0\nautorestart=false\n\n".to_owned()
            + &forwarder(&nats, &work.join("b"), "beta", events, "")),
    )
    .expect("beta");
    wait_running(&alpha, "web");
    wait_running(&beta, "fleet");
    wait_bucket_matches(&alpha, &nats, "alpha", "alpha");
    wait_bucket_matches(&beta, &nats, "beta", "beta");
    let web = pid_of(&alpha, "web");
    let db_desc = beta
        .rpc("s.supervisor.getProcessInfo('db')['description']")
        .expect("db");
    let status = fleet(&nats, &["status"]);
    let lines: Vec<&str> = status.lines().collect();
    assert_eq!(lines.len(), 4, "{status}");
    assert!(
        lines[0].starts_with(&format!("alpha  {:<33}{:<10}pid ", "fleet", "RUNNING")),
        "{status}"
    );
    assert!(
        lines[1].starts_with(&format!(
            "alpha  {:<33}{:<10}pid {web}, uptime 0:00:",
            "web", "RUNNING"
        )),
        "{status}"
    );
    assert_eq!(
        lines[2],
        format!("beta   {:<33}{:<10}{db_desc}", "db", "EXITED")
    );
    assert!(lines[3].starts_with(&format!("beta   {:<33}{:<10}pid ", "fleet", "RUNNING")));
    let json = fleet(&nats, &["status", "--host", "b*", "--json"]);
    let names: BTreeSet<String> = json
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
            assert_eq!(v["host"], "beta");
            v["name"].as_str().unwrap_or("").to_owned()
        })
        .collect();
    assert_eq!(names, ["db", "fleet"].map(String::from).into());

    let history = fleet(
        &nats,
        &[
            "tail",
            "--host",
            "alpha",
            "--process",
            "web",
            "--since",
            "1h",
            "--no-follow",
        ],
    );
    let kinds: Vec<&str> = history
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            assert_eq!((f[1], f[3]), ("alpha", "web"), "{l}");
            f[2]
        })
        .collect();
    assert_eq!(
        kinds,
        ["PROCESS_STATE_STARTING", "PROCESS_STATE_RUNNING"],
        "{history}"
    );
    // Live: a line as soon as beta's event is in the stream.
    let mut tail = StopOnDrop(
        Command::new(rust_binary("fleet"))
            .args(["tail", "--host", "beta", "--json"])
            .env("NATS_URL", nats.url())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("fleet tail"),
    );
    let stdout = tail.0.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let first = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("history first");
    assert!(first.contains("\"host\":\"beta\""), "{first}");
    beta.rpc("s.supervisor.sendRemoteCommEvent('ping', 'hello beta')")
        .expect("remote event");
    let deadline = Instant::now() + Duration::from_secs(20);
    let live = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = rx.recv_timeout(left).expect("the live event, line by line");
        let v: serde_json::Value = serde_json::from_str(&line).expect("JSON");
        assert_eq!(v["host"], "beta", "{line}");
        if v["eventname"] == "REMOTE_COMMUNICATION" {
            break v;
        }
    };
    assert_eq!(live["headers"]["type"], "ping");
    assert_eq!(live["data"], "hello beta");
}
