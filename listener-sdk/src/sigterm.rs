//! SIGTERM as a flag: supervisord stops a listener with SIGTERM (its `stopsignal`); the
//! runtime finishes the event in hand and exits instead of dying mid-handler.

use std::sync::atomic::{AtomicBool, Ordering};

static TERMINATED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigterm(_: libc::c_int) {
    TERMINATED.store(true, Ordering::SeqCst);
}

/// Installs the handler, without `SA_RESTART` so a blocking read of stdin returns
/// `Interrupted` and the runtime can stop between events. Returns false if it could not.
pub(crate) fn install() -> bool {
    // SAFETY: `sigaction` is given a zeroed, then filled, struct that outlives the call;
    // the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_sigterm as *const () as usize;
        action.sa_flags = 0;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(libc::SIGTERM, &action, std::ptr::null_mut()) == 0
    }
}

/// Whether SIGTERM has arrived.
pub(crate) fn requested() -> bool {
    TERMINATED.load(Ordering::SeqCst)
}
