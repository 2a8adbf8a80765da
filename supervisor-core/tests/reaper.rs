//! The SIGCHLD reaper reaps every child of its process, so it gets a test binary (a process)
//! of its own, with a single test: anything else waiting on children in the same process
//! would race with it ([PROC-SIG-CHLD]).

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

use supervisor_core::daemon::reaper::{spawn_reaper, Reaped, ReaperEvent};
use tokio::sync::mpsc;

async fn exit_of(
    rx: &mut mpsc::UnboundedReceiver<ReaperEvent>,
    pid: u32,
    seen: &mut Vec<Reaped>,
) -> Reaped {
    let found = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Some(r) = seen.iter().find(|r| r.pid == pid) {
                return *r;
            }
            // Each SIGCHLD is announced before the children it reaps.
            if let ReaperEvent::Reaped(r) = rx.recv().await.expect("reaper alive") {
                seen.push(r);
            }
        }
    });
    found
        .await
        .unwrap_or_else(|_| panic!("pid {pid} not reaped within 10 s"))
}

// The reaper under test does the waiting; `wait()` here would race with it.
#[allow(clippy::zombie_processes)]
#[tokio::test]
async fn reaps_exits_signals_and_orphans_leaving_no_zombie() {
    nix::sys::prctl::set_child_subreaper(true).expect("PR_SET_CHILD_SUBREAPER");
    let (tx, mut rx) = mpsc::unbounded_channel();
    let _task = spawn_reaper(tx).expect("reaper");
    let mut seen = Vec::new();

    let code = Command::new("sh")
        .args(["-c", "exit 3"])
        .spawn()
        .expect("spawn")
        .id();
    let killed = Command::new("sh")
        .args(["-c", "kill -9 $$"])
        .spawn()
        .expect("spawn")
        .id();
    assert_eq!(exit_of(&mut rx, code, &mut seen).await.status, 3 << 8);
    assert_eq!(exit_of(&mut rx, killed, &mut seen).await.status, 9);

    // The shell prints its background child's pid and exits, orphaning it to us.
    let mut sh = Command::new("sh")
        .args(["-c", "sleep 0.2 & echo $!"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut text = String::new();
    sh.stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut text)
        .expect("read");
    let orphan: u32 = text.trim().parse().expect("a pid");
    assert_eq!(exit_of(&mut rx, sh.id(), &mut seen).await.status, 0);
    assert_eq!(exit_of(&mut rx, orphan, &mut seen).await.status, 0);

    for pid in [code, killed, sh.id(), orphan] {
        assert!(
            !std::path::Path::new(&format!("/proc/{pid}")).exists(),
            "pid {pid} left a zombie"
        );
    }
}
