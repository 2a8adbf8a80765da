//! A process a test spawned by hand (a daemon with its own config or environment), stopped
//! by pid when the guard goes out of scope, even when the test panics.

use std::process::Child;
use std::time::Duration;

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use crate::wait::try_wait_until;

/// Owns a spawned process; on drop sends SIGTERM, waits up to 15 s, then SIGKILLs it.
#[derive(Debug)]
pub struct StopOnDrop(pub Child);

impl StopOnDrop {
    /// The process id.
    pub fn pid(&self) -> u32 {
        self.0.id()
    }

    /// Whether it is still running.
    pub fn running(&mut self) -> bool {
        matches!(self.0.try_wait(), Ok(None))
    }
}

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        let _ = kill(Pid::from_raw(self.0.id() as i32), Signal::SIGTERM);
        if !try_wait_until(Duration::from_secs(15), || !self.running()) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}
