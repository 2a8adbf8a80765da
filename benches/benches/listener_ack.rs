//! Listener acknowledgement rate over a pipe pair (issue 7): a driver plays supervisord —
//! writes one PROCESS_STATE event, waits for `RESULT 2\nOK` and the next `READY` — against
//! a listener built with listener-sdk (the `crashmail` example, which acknowledges
//! non-EXITED events at once) and against a Python listener using `supervisor.childutils`,
//! in the same run. Prints events/s for each and the ratio (target ≥ 20×).
//!
//! The ceiling, in the same run: the C listener of the end-to-end benches
//! (`benches/e2e/fast_listener.c`, no per-event work at all) through the same driver, so the
//! pipe round trip's share of every figure is visible.
//!
//! A second, pipelined run writes the events back to back, so the listener's own work, not
//! the pipe round trip, sets the pace.
//!
//! `cargo bench -p benches --bench listener_ack`; env `BENCH_EVENTS` (default 20000; the
//! Python listener gets a quarter of that).

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::Instant;

use event_proto::ProcessState;
use listener_sdk::testing::TestEvent;

const CHILDUTILS_LISTENER: &str = "
import sys
from supervisor import childutils
while True:
    headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
    childutils.listener.ok(sys.stdout)
";

/// CPU seconds (user + system) `pid` has used, from `/proc/<pid>/stat`.
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    Some((utime + stime) / ticks)
}

/// Starts the listener `cmd` on pipes; returns it, its stdin and stdout, and the event the
/// benches send it.
fn start(
    mut cmd: Command,
) -> Option<(
    std::process::Child,
    std::process::ChildStdin,
    std::process::ChildStdout,
    Vec<u8>,
)> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .env("SUPERVISOR_SERVER_URL", "unix:///nonexistent")
        .spawn()
        .ok()?;
    let stdin = child.stdin.take()?;
    let stdout = child.stdout.take()?;
    let event = TestEvent::process_state(ProcessState::Running, "web", "web")
        .encode(1, event_proto::LenUnit::Chars);
    Some((child, stdin, stdout, event))
}

/// Drives `cmd` through `n` events; returns (events/s, listener CPU µs per event).
fn drive(cmd: Command, n: usize) -> Option<(f64, f64)> {
    let (mut child, mut stdin, mut stdout, event) = start(cmd)?;
    let mut buf = [0u8; 256];
    let mut have = Vec::new();
    let mut expect = |stdout: &mut std::process::ChildStdout, want: &[u8]| -> Option<()> {
        while have.len() < want.len() {
            let k = stdout.read(&mut buf).ok()?;
            if k == 0 {
                return None;
            }
            have.extend_from_slice(&buf[..k]);
        }
        if &have[..want.len()] != want {
            return None;
        }
        have.drain(..want.len());
        Some(())
    };
    expect(&mut stdout, b"READY\n")?;
    let start = Instant::now();
    for _ in 0..n {
        stdin.write_all(&event).ok()?;
        expect(&mut stdout, b"RESULT 2\nOKREADY\n")?;
    }
    let secs = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds(child.id()).unwrap_or(f64::NAN);
    drop(stdin);
    let _ = child.kill();
    let _ = child.wait();
    Some((n as f64 / secs, cpu * 1e6 / n as f64))
}

/// Drives `cmd` with `n` events written back to back (a writer thread keeps the pipe full
/// while the answers are read): the listener's own processing rate, with the kernel's
/// wake-ups amortised. Returns events/s.
fn drive_pipelined(cmd: Command, n: usize) -> Option<f64> {
    let (mut child, mut stdin, mut stdout, event) = start(cmd)?;
    let start = Instant::now();
    let writer = std::thread::spawn(move || {
        let mut all = Vec::with_capacity(event.len() * 1024);
        for _ in 0..1024 {
            all.extend_from_slice(&event);
        }
        let mut left = n;
        while left > 0 {
            let k = left.min(1024);
            if stdin.write_all(&all[..event.len() * k]).is_err() {
                return;
            }
            left -= k;
        }
    });
    let want = b"READY\n".len() + n * b"RESULT 2\nOKREADY\n".len();
    let mut got = 0;
    let mut buf = vec![0u8; 1 << 16];
    while got < want {
        let k = stdout.read(&mut buf).ok()?;
        if k == 0 {
            return None;
        }
        got += k;
    }
    let secs = start.elapsed().as_secs_f64();
    let _ = writer.join();
    let _ = child.kill();
    let _ = child.wait();
    Some(n as f64 / secs)
}

fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return;
    }
    let n: usize = std::env::var("BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let ours = drive(Command::new(tests::rust_binary("crashmail")), n);
    let mut py = Command::new("python3");
    py.args(["-c", CHILDUTILS_LISTENER]);
    let python = drive(py, (n / 4).max(1));
    match ours {
        Some((r, cpu)) => println!(
            "listener-sdk (crashmail): {r:.0} events/s acknowledged, {cpu:.1} us listener CPU per event"
        ),
        None => println!("listener-sdk: not measured"),
    }
    match python {
        Some((r, cpu)) => println!(
            "Python childutils listener: {r:.0} events/s acknowledged, {cpu:.1} us listener CPU per event"
        ),
        None => println!("Python childutils listener: not measured (is supervisor installed?)"),
    }
    let tools = tests::TempDir::new("ack").expect("temp dir");
    let floor = drive(
        Command::new(benches::build_c(tools.path(), "fast_listener")),
        n,
    );
    if let (Some((c, _)), Some((r, _)), Some((p, _))) = (floor, ours, python) {
        println!(
            "C listener (ceiling): {c:.0} events/s acknowledged; listener-sdk reaches {:.0} % of it, Python childutils {:.0} %",
            100.0 * r / c,
            100.0 * p / c
        );
    }
    let ours_p = drive_pipelined(Command::new(tests::rust_binary("crashmail")), n * 5);
    let mut py = Command::new("python3");
    py.args(["-c", CHILDUTILS_LISTENER]);
    let python_p = drive_pipelined(py, n);
    if let (Some(a), Some(b)) = (ours_p, python_p) {
        println!(
            "pipelined (events written back to back): listener-sdk {a:.0} events/s, Python childutils {b:.0} events/s, ratio {:.1}x",
            a / b
        );
    }
    if let (Some((a, ca)), Some((b, cb))) = (ours, python) {
        println!(
            "ratio: {:.1}x the rate (target >= 20x), {:.1}x less listener CPU per event",
            a / b,
            cb / ca
        );
    }
}
