//! Beyond 4.3, with real processes: `depends_on` with ready checks, stop and shutdown in
//! dependency order, a FATAL dependency, `essential`, restart pacing, and `exit_details`
//! payloads read by the real `childutils`. Every config here also loads in Python 4.3, which
//! ignores the new keys.

use std::time::Duration;

use tests::{free_port, python_reference, wait_until, Daemon, Implementation};

/// `(seconds since midnight, message)` of each main-log line (`YYYY-MM-DD HH:MM:SS,mmm LEVEL msg`).
fn timed_lines(log: &str) -> Vec<(f64, String)> {
    log.lines()
        .filter_map(|l| {
            let time = l.get(11..23)?;
            let (hms, ms) = time.split_once(',')?;
            let mut parts = hms.split(':').map(|p| p.parse::<f64>().ok());
            let (h, m, s) = (parts.next()??, parts.next()??, parts.next()??);
            let ms: f64 = ms.parse().ok()?;
            Some((
                h * 3600.0 + m * 60.0 + s + ms / 1000.0,
                l.get(24..)?.to_owned(),
            ))
        })
        .collect()
}

/// When the first line containing `what` was logged, and its position.
fn when(lines: &[(f64, String)], what: &str) -> (usize, f64) {
    lines
        .iter()
        .enumerate()
        .find(|(_, (_, l))| l.contains(what))
        .map(|(i, (t, _))| (i, *t))
        .unwrap_or_else(|| panic!("no log line with {what:?}"))
}

/// Python 4.3 loads the same sections (the new keys ignored) and runs.
fn loads_in_python(sections: &str) {
    let d = Daemon::start(Implementation::Python, sections)
        .expect("Python 4.3 loads the config with the new keys");
    assert_eq!(
        d.rpc("s.supervisor.getState()['statename']").expect("rpc"),
        "RUNNING"
    );
}

fn state(d: &Daemon, name: &str) -> String {
    d.rpc(&format!(
        "s.supervisor.getProcessInfo('{name}')['statename']"
    ))
    .unwrap_or_default()
}

#[test]
fn a_three_level_chain_starts_each_level_once_the_one_below_is_ready() {
    if !python_reference() {
        return;
    }
    let port = free_port();
    // db listens only 2 s after it starts; its check is what web waits for.
    let sections = format!(
        "[program:base]\ncommand=sleep 600\nstartsecs=1\n\n\
         [program:db]\ncommand=python3 -c \"import socket,time; time.sleep(2); s=socket.socket(); \
         s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', {port})); \
         s.listen(); time.sleep(600)\"\n\
         startsecs=0\ndepends_on=base\nready_check=tcp:127.0.0.1:{port}\nready_interval=1\nready_timeout=30\n\n\
         [program:web]\ncommand=sleep 600\nstartsecs=0\ndepends_on=db\n"
    );
    let d = Daemon::start(Implementation::Rust, &sections).expect("daemon");
    wait_until(Duration::from_secs(30), "web RUNNING", || {
        state(&d, "web") == "RUNNING"
    });
    assert_eq!(
        d.rpc("s.supervisor.getProcessInfo('db')['ready']")
            .expect("rpc"),
        "True"
    );
    let lines = timed_lines(&d.main_log());
    let (base_up_at, base_up) = when(&lines, "success: base entered RUNNING");
    let (db_spawn_at, db_spawn) = when(&lines, "spawned: 'db'");
    let (db_ready_at, db_ready) = when(&lines, "db is ready");
    let (web_spawn_at, web_spawn) = when(&lines, "spawned: 'web'");
    assert!(
        base_up_at < db_spawn_at && db_ready_at < web_spawn_at,
        "order: {lines:?}"
    );
    assert!(db_spawn >= base_up, "db before base was RUNNING");
    assert!(
        db_ready - db_spawn >= 1.9,
        "db ready {:.2}s after its spawn, before it listened",
        db_ready - db_spawn
    );
    assert!(web_spawn >= db_ready, "web before db was ready");
    drop(d);
    loads_in_python(&sections);
}

#[test]
fn a_dependency_cycle_is_refused_with_its_file_and_line() {
    let dir = tests::TempDir::new("cycle").expect("temp dir");
    let conf = dir.join("supervisord.conf");
    std::fs::write(
        &conf,
        "[supervisord]\n[program:a]\ncommand=sleep 1\ndepends_on=b\n[program:b]\ncommand=sleep 1\ndepends_on=a\n",
    )
    .expect("write");
    let out = std::process::Command::new(tests::rust_binary("supervisord"))
        .arg("-c")
        .arg(&conf)
        .arg("--check")
        .output()
        .expect("run");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("supervisord.conf:4: [program:a] depends_on: dependency cycle: a -> b -> a"),
        "{text}"
    );
}

#[test]
fn a_dependant_of_a_fatal_program_is_never_started() {
    if !python_reference() {
        return;
    }
    let sections = "[program:broken]\ncommand=/bin/false\nstartsecs=1\nstartretries=1\n\n\
                    [program:user]\ncommand=sleep 600\ndepends_on=broken\n";
    let d = Daemon::start(Implementation::Rust, sections).expect("daemon");
    wait_until(Duration::from_secs(20), "broken FATAL", || {
        state(&d, "broken") == "FATAL"
    });
    wait_until(Duration::from_secs(10), "user blocked", || {
        d.rpc("s.supervisor.getProcessInfo('user')['description']")
            .is_ok_and(|t| t.contains("its dependency broken is FATAL"))
    });
    assert_eq!(state(&d, "user"), "STOPPED");
    assert!(!d.main_log().contains("spawned: 'user'"));
    drop(d);
    loads_in_python(sections);
}

const PAIR: &str = "[program:base]\ncommand=sleep 600\nstartsecs=0\npriority=900\n\n\
                    [program:top]\ncommand=sleep 600\nstartsecs=0\npriority=100\ndepends_on=base\n";

/// Our daemon running [`PAIR`], both processes RUNNING.
fn start_pair() -> Daemon {
    let d = Daemon::start(Implementation::Rust, PAIR).expect("daemon");
    wait_until(Duration::from_secs(20), "both RUNNING", || {
        state(&d, "top") == "RUNNING" && state(&d, "base") == "RUNNING"
    });
    d
}

#[test]
fn stop_takes_the_running_dependants_first_and_says_so() {
    if !python_reference() {
        return;
    }
    let d = start_pair();
    let (out, code) = d.rust_ctl(&["stop", "base"]).expect("ctl");
    assert_eq!(code, 0, "{out}");
    assert_eq!(state(&d, "top"), "STOPPED");
    let lines = timed_lines(&d.main_log());
    let (said, _) = when(&lines, "stopping top first: it depends on base");
    let (top_stopped, _) = when(&lines, "stopped: top");
    let (base_stopped, _) = when(&lines, "stopped: base");
    assert!(
        said < top_stopped && top_stopped < base_stopped,
        "{lines:?}"
    );
    drop(d);
    loads_in_python(PAIR);
}

#[test]
fn shutdown_stops_in_reverse_dependency_order_before_priority() {
    if !python_reference() {
        return;
    }
    // By priority alone base (900) would stop first; top depends on it, so it stops first.
    let d = start_pair();
    let log = d.stop_and_read_log();
    let lines = timed_lines(&log);
    let (top_stopped, _) = when(&lines, "stopped: top");
    let (base_stopped, _) = when(&lines, "stopped: base");
    assert!(top_stopped < base_stopped, "{log}");
}

#[test]
fn an_essential_program_going_fatal_stops_everything_and_exits_1() {
    if !python_reference() {
        return;
    }
    let sections = "[program:core]\ncommand=sh -c \"sleep 6; exit 1\"\nstartsecs=10\nstartretries=0\nessential=true\n\n\
                    [program:other]\ncommand=sleep 600\nstartsecs=0\n";
    let mut d = Daemon::start(Implementation::Rust, sections).expect("daemon");
    wait_until(Duration::from_secs(10), "other RUNNING", || {
        state(&d, "other") == "RUNNING"
    });
    let other: i32 = d
        .rpc("s.supervisor.getProcessInfo('other')['pid']")
        .expect("rpc")
        .parse()
        .expect("pid");
    let status = d
        .wait_exit(Duration::from_secs(30))
        .expect("supervisord exits on its own");
    assert_eq!(status.code(), Some(1));
    assert!(
        !std::path::Path::new(&format!("/proc/{other}")).exists()
            || std::fs::read_to_string(format!("/proc/{other}/stat"))
                .is_ok_and(|s| s.contains(") Z ")),
        "other (pid {other}) still runs"
    );
    let log = d.main_log();
    assert!(
        log.contains("CRIT essential program core entered FATAL"),
        "{log}"
    );
    drop(d);
    loads_in_python(sections);
}

#[test]
fn exponential_backoff_then_a_retry_after_fatal() {
    if !python_reference() {
        return;
    }
    let sections = "[program:flap]\ncommand=/bin/false\nstartsecs=1\nstartretries=3\n\
                    backoff=exponential\nbackoff_max=60\nfatal_retry_after=3\n";
    let d = Daemon::start(Implementation::Rust, sections).expect("daemon");
    wait_until(Duration::from_secs(30), "the retry after FATAL", || {
        d.main_log().matches("spawned: 'flap'").count() >= 5
    });
    let lines = timed_lines(&d.main_log());
    let spawns: Vec<f64> = lines
        .iter()
        .filter(|(_, l)| l.contains("spawned: 'flap'"))
        .map(|(t, _)| *t)
        .collect();
    let gaps: Vec<f64> = spawns.windows(2).map(|w| w[1] - w[0]).collect();
    for (gap, want) in gaps.iter().zip([1.0, 2.0, 4.0]) {
        assert!((gap - want).abs() < 0.5, "backoff gaps {gaps:?}");
    }
    let (fatal_at, fatal) = when(&lines, "gave up: flap entered FATAL");
    let (retry_at, retry) = when(&lines, "retrying flap after FATAL");
    assert!(fatal_at < retry_at);
    assert!(
        (retry - fatal - 3.0).abs() < 0.5,
        "retried {:.2}s after FATAL",
        retry - fatal
    );
    drop(d);
    loads_in_python(sections);
}

#[test]
fn exit_details_payloads_parse_with_the_real_childutils() {
    if !python_reference() {
        return;
    }
    let listener = r#"import sys
from supervisor import childutils
out = sys.argv[1]
while True:
    headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
    parsed, _ = childutils.eventdata(payload + '\n')
    with open(out, 'a') as f:
        f.write(repr(sorted(parsed.items())) + '\n')
    childutils.listener.ok(sys.stdout)
"#;
    let sections = "[eventlistener:details]\ncommand=python3 %(here)s/listener.py %(here)s/seen.txt\n\
                    events=PROCESS_STATE_EXITED\nexit_details=true\n\n\
                    [program:quitter]\ncommand=sh -c \"sleep 1; exit 3\"\nstartsecs=0\nautorestart=false\n\n\
                    [program:killed]\ncommand=sh -c \"sleep 1; kill -9 $$\"\nstartsecs=0\nautorestart=false\n";
    let d = Daemon::start(Implementation::Rust, sections).expect("daemon");
    std::fs::write(d.dir().join("listener.py"), listener).expect("listener");
    // The listener was started before its script existed: start it again now.
    let _ = d.rust_ctl(&["restart", "details"]);
    let _ = d.rust_ctl(&["start", "quitter", "killed"]);
    let seen = d.dir().join("seen.txt");
    wait_until(Duration::from_secs(20), "two EXITED events", || {
        std::fs::read_to_string(&seen).is_ok_and(|t| t.lines().count() >= 2)
    });
    let text = std::fs::read_to_string(&seen).expect("seen");
    assert!(
        text.lines().any(|l| l.contains("('exitcode', '3')")
            && l.contains("('processname', 'quitter')")
            && l.contains("('expected', '0')")),
        "{text}"
    );
    assert!(
        text.lines().any(|l| l.contains("('signal', 'SIGKILL')")
            && l.contains("('processname', 'killed')")),
        "{text}"
    );
    drop(d);
    loads_in_python(sections);
}

#[test]
fn check_prints_the_start_order_as_layers() {
    let dir = tests::TempDir::new("layers").expect("temp dir");
    let conf = dir.join("supervisord.conf");
    std::fs::write(
        &conf,
        "[supervisord]\n[program:web]\ncommand=sleep 1\ndepends_on=db\n\
         [program:db]\ncommand=sleep 1\ndepends_on=base\nready_check=tcp:127.0.0.1:5432\n\
         [program:base]\ncommand=sleep 1\n[program:cron]\ncommand=sleep 1\n",
    )
    .expect("write");
    let out = std::process::Command::new(tests::rust_binary("supervisord"))
        .arg("-c")
        .arg(&conf)
        .arg("--check")
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("start order (depends_on):\n  1: base cron\n  2: db\n  3: web\n"),
        "{text}"
    );
    assert!(
        text.contains("db:db depends_on=base ready_check=tcp:127.0.0.1:5432 ready_timeout=60 ready_interval=1"),
        "{text}"
    );
}

/// A loopback HTTP server that answers 503 to its first `failures` requests and 200 after;
/// returns its port and the number of requests it has answered so far.
fn flaky_health_server(failures: usize) -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{Read, Write};
    use std::sync::atomic::Ordering;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let served = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = std::sync::Arc::clone(&served);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let count = std::sync::Arc::clone(&count);
            // A thread per connection, and anything but a GET (a TLS hello) is hung up on.
            std::thread::spawn(move || {
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                    if !b"GET ".starts_with(&request[..request.len().min(4)]) {
                        return;
                    }
                }
                if !request.starts_with(b"GET /health ") {
                    return;
                }
                let n = count.fetch_add(1, Ordering::SeqCst);
                let status = if n < failures {
                    "503 Service Unavailable"
                } else {
                    "200 OK"
                };
                let _ = stream.write_all(
                    format!(
                        "HTTP/1.1 {status}\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                    )
                    .as_bytes(),
                );
            });
        }
    });
    (port, served)
}

#[test]
fn an_http_ready_check_passes_on_the_first_2xx_and_an_https_one_refuses_plain_http() {
    let (port, served) = flaky_health_server(2);
    let sections = format!(
        "[program:api]\ncommand=sleep 600\nstartsecs=0\n\
         ready_check=http://127.0.0.1:{port}/health\nready_interval=1\nready_timeout=30\n\n\
         [program:tls]\ncommand=sleep 600\nstartsecs=0\n\
         ready_check=https://127.0.0.1:{port}/health\nready_interval=1\nready_timeout=30\n"
    );
    let d = Daemon::start_at_level(Implementation::Rust, &sections, "debug").expect("daemon");
    wait_until(Duration::from_secs(30), "api RUNNING", || {
        state(&d, "api") == "RUNNING"
    });
    // Two 503s, then the 200 that made it ready; the https check never reaches /health.
    assert_eq!(served.load(std::sync::atomic::Ordering::SeqCst), 3);
    let log = d.main_log();
    assert!(
        log.contains("api: ready_check not passed yet: the server did not answer 2xx"),
        "{log}"
    );
    assert!(log.contains("api is ready (ready_check passed)"), "{log}");
    wait_until(Duration::from_secs(30), "the https check's refusal", || {
        d.main_log()
            .contains("tls: ready_check not passed yet: no connection, or no valid HTTP(S) answer")
    });
    assert_eq!(state(&d, "tls"), "STARTING");
}
