//! Polling with a deadline: the only way tests wait for something to happen.

use std::time::{Duration, Instant};

/// Polls `cond` every 10 ms until it holds or `timeout` passes; returns whether it held.
pub fn try_wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Like [`try_wait_until`], but panics naming `what` on timeout.
pub fn wait_until(timeout: Duration, what: &str, cond: impl FnMut() -> bool) {
    assert!(
        try_wait_until(timeout, cond),
        "timed out after {timeout:?} waiting for {what}"
    );
}
