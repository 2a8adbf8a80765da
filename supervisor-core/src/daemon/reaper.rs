//! Reaping every child with `waitpid(-1, WNOHANG)` on each SIGCHLD, so no zombie is left,
//! including orphans re-parented to us when we run as PID 1 or as a subreaper
//! ([PROC-SIG-CHLD]).
//!
//! # Caveats
//! This reaps *every* child of the daemon process. Children must therefore be spawned with
//! `std::process::Command` and never waited for through `tokio::process`, whose own reaping
//! would race with this loop.

use nix::errno::Errno;
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;

/// A reaped child.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reaped {
    /// Its pid.
    pub pid: u32,
    /// The raw wait status, as `waitpid` returns it (decode with the process module).
    pub status: i32,
}

/// What the reaper task sends: each SIGCHLD it receives, then the children that pass reaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReaperEvent {
    /// A SIGCHLD arrived (4.3 logs `received SIGCHLD indicating a child quit` at debug).
    Signal,
    /// A child was reaped.
    Reaped(Reaped),
}

/// Reaps every exited child now, without blocking.
pub fn reap_all(out: &mut Vec<Reaped>) {
    loop {
        match waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::Exited(pid, code)) => out.push(Reaped {
                pid: pid.as_raw() as u32,
                status: (code & 0xff) << 8,
            }),
            Ok(WaitStatus::Signaled(pid, sig, core)) => out.push(Reaped {
                pid: pid.as_raw() as u32,
                status: (sig as i32) | if core { 0x80 } else { 0 },
            }),
            Ok(WaitStatus::StillAlive) | Err(Errno::ECHILD) => return,
            Err(Errno::EINTR) => continue,
            // Stopped/continued children are not exits; anything else ends this pass.
            Ok(_) => continue,
            Err(_) => return,
        }
    }
}

/// Starts the reaper task: every SIGCHLD is announced on `tx`, then all exited children are
/// reaped and sent.
/// Must be called inside a tokio runtime; the SIGCHLD handler is installed before it returns,
/// so no exit can be missed.
pub fn spawn_reaper(
    tx: mpsc::UnboundedSender<ReaperEvent>,
) -> std::io::Result<tokio::task::JoinHandle<()>> {
    let mut sigchld = signal(SignalKind::child())?;
    Ok(tokio::spawn(async move {
        let mut batch = Vec::new();
        loop {
            // Children that exited before the handler was installed are reaped on the first
            // pass too.
            reap_all(&mut batch);
            for r in batch.drain(..) {
                if tx.send(ReaperEvent::Reaped(r)).is_err() {
                    return;
                }
            }
            if sigchld.recv().await.is_none() || tx.send(ReaperEvent::Signal).is_err() {
                return;
            }
        }
    }))
}
