//! Handing freed memory back to the OS after a burst: of large RPC responses, or of spawns.
//!
//! A `getAllProcessInfo` with 500 programs builds and frees about a megabyte, and 500 spawns
//! queued at start hold their requests until the spawner has run them; glibc keeps such
//! memory in its free lists, so it would stay resident for good. Once a burst has been quiet
//! for [`QUIET`], [`HeapTrim`] asks the allocator to give the free pages back (`malloc_trim`),
//! one call per burst: no timer runs while nothing happens.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How long after the last of a burst the heap is trimmed.
pub const QUIET: Duration = Duration::from_millis(250);

/// What a burst keeps only while it lasts, let go just before the heap is trimmed.
pub type Release = Box<dyn Fn() + Send + Sync>;

/// Trims the heap [`QUIET`] after the last of a burst.
#[derive(Default)]
pub struct HeapTrim {
    /// Bumped by every large response or ended spawn burst.
    generation: AtomicU64,
    /// Whether a trim task is waiting for the burst to end.
    armed: AtomicBool,
    /// Called once the burst is quiet, before the trim.
    release: Option<Release>,
}

impl std::fmt::Debug for HeapTrim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HeapTrim")
            .field("generation", &self.generation)
            .field("armed", &self.armed)
            .finish_non_exhaustive()
    }
}

impl HeapTrim {
    /// A trimmer with nothing pending.
    pub fn new() -> Arc<HeapTrim> {
        Arc::new(HeapTrim::default())
    }

    /// A trimmer that calls `release` once each burst is quiet, just before trimming: for
    /// memory the burst kept only to be reused while it lasted.
    pub fn with_release(release: Release) -> Arc<HeapTrim> {
        Arc::new(HeapTrim {
            release: Some(release),
            ..HeapTrim::default()
        })
    }

    /// Notes a large response or the end of a spawn burst; the heap is trimmed once nothing
    /// more has come for [`QUIET`]. Must be
    /// called within a tokio runtime.
    pub fn after_burst(self: &Arc<Self>) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        if self.armed.swap(true, Ordering::AcqRel) {
            return;
        }
        let me = Arc::clone(self);
        tokio::spawn(async move {
            loop {
                let seen = me.generation.load(Ordering::Acquire);
                tokio::time::sleep(QUIET).await;
                if me.generation.load(Ordering::Acquire) == seen {
                    break;
                }
            }
            // A burst noted from another thread between the check above and this store
            // finds the trimmer armed and returns: the trim below then comes early for it,
            // and the next burst arms a new wait. Nothing is lost but some quiet time.
            me.armed.store(false, Ordering::Release);
            if let Some(release) = &me.release {
                release();
            }
            trim();
        });
    }
}

/// Sets the allocator up for [`HeapTrim`]: one arena for every thread (the encoder threads
/// would otherwise each keep an arena of their own, which `malloc_trim` cannot shrink);
/// responses up to 1 MiB come from the heap rather than fresh `mmap`s (each of which
/// page-faults its way in); and the heap is not shrunk on its own until 4 MiB are free at its
/// top, so a burst reuses its memory and [`HeapTrim`] gives it back once the burst is over.
/// Call once, before the runtime starts.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
pub fn configure_allocator() {
    // SAFETY: mallopt only sets allocator tunables; called before other threads exist.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 4 << 20);
    }
}

/// Other allocators keep their defaults.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn configure_allocator() {}

/// Returns free heap pages to the OS.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn trim() {
    // SAFETY: malloc_trim only walks and releases the allocator's own free memory; it has no
    // preconditions and is thread-safe.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Other allocators return memory on their own terms.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_burst_arms_one_trim_that_fires_after_it_ends() {
        let trim = HeapTrim::new();
        trim.after_burst();
        assert!(trim.armed.load(Ordering::Acquire));
        // More responses while armed extend the burst instead of arming another trim.
        tokio::time::sleep(QUIET / 2).await;
        trim.after_burst();
        assert_eq!(trim.generation.load(Ordering::Acquire), 2);
        let started = tokio::time::Instant::now();
        let deadline = started + Duration::from_secs(10);
        while trim.armed.load(Ordering::Acquire) {
            assert!(tokio::time::Instant::now() < deadline, "never trimmed");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(
            started.elapsed() >= QUIET,
            "trimmed before the burst was quiet for {QUIET:?}"
        );
        // The next burst arms again.
        trim.after_burst();
        assert!(trim.armed.load(Ordering::Acquire));
    }

    #[tokio::test]
    async fn what_a_burst_kept_is_released_once_it_is_quiet() {
        let released = Arc::new(AtomicU64::new(0));
        let count = Arc::clone(&released);
        let trim = HeapTrim::with_release(Box::new(move || {
            count.fetch_add(1, Ordering::AcqRel);
        }));
        trim.after_burst();
        assert_eq!(
            released.load(Ordering::Acquire),
            0,
            "not while the burst lasts"
        );
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while released.load(Ordering::Acquire) == 0 {
            assert!(tokio::time::Instant::now() < deadline, "never released");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(released.load(Ordering::Acquire), 1, "once per burst");
    }
}
