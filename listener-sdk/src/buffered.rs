//! Buffered mode for slow handlers (mailers, webhooks): events are acknowledged at once and
//! handed to a worker thread through a bounded queue that drops the oldest event when full,
//! so a slow notifier never stalls supervisord's pool.

use std::collections::VecDeque;
use std::fmt::Display;
use std::io::{Read, Write};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread;

use crate::{Event, Listener, Logger, RunError, RunSummary, Verdict};

/// A bounded multi-producer queue that drops its oldest item when full, counting drops.
#[derive(Debug)]
pub struct BoundedQueue<T> {
    inner: Mutex<QueueState<T>>,
    ready: Condvar,
}

#[derive(Debug)]
struct QueueState<T> {
    items: VecDeque<T>,
    capacity: usize,
    dropped: u64,
    closed: bool,
}

impl<T> BoundedQueue<T> {
    /// A queue holding at most `capacity` items (at least 1).
    pub fn new(capacity: usize) -> BoundedQueue<T> {
        BoundedQueue {
            inner: Mutex::new(QueueState {
                items: VecDeque::with_capacity(capacity.max(1)),
                capacity: capacity.max(1),
                dropped: 0,
                closed: false,
            }),
            ready: Condvar::new(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, QueueState<T>> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds an item; when full, the oldest item is removed and returned.
    pub fn push(&self, item: T) -> Option<T> {
        let mut s = self.state();
        let dropped = if s.items.len() == s.capacity {
            s.dropped += 1;
            s.items.pop_front()
        } else {
            None
        };
        s.items.push_back(item);
        drop(s);
        self.ready.notify_one();
        dropped
    }

    /// Waits for the next item; `None` once the queue is closed and empty.
    pub fn pop(&self) -> Option<T> {
        let mut s = self.state();
        loop {
            if let Some(item) = s.items.pop_front() {
                return Some(item);
            }
            if s.closed {
                return None;
            }
            s = self.ready.wait(s).unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// No more items will be pushed; [`BoundedQueue::pop`] drains what is left, then ends.
    pub fn close(&self) {
        self.state().closed = true;
        self.ready.notify_all();
    }

    /// Items dropped so far.
    pub fn dropped(&self) -> u64 {
        self.state().dropped
    }

    /// Items waiting.
    pub fn len(&self) -> usize {
        self.state().items.len()
    }

    /// Whether no item is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a buffered run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BufferedSummary {
    /// The protocol side: every event handed over was acknowledged `OK`.
    pub run: RunSummary,
    /// Events the worker handled without error.
    pub handled: u64,
    /// Events the worker's handler failed (logged; supervisord already has its `OK`).
    pub failed: u64,
    /// Events dropped because the queue was full (each logged).
    pub dropped: u64,
}

impl<R: Read, W: Write> Listener<R, W> {
    /// Runs in buffered mode: every event the filter accepts is acknowledged at once and
    /// queued (at most `capacity`, dropping the oldest, each drop logged to stderr) for
    /// `handler` on a worker thread. When input ends, the queue is drained before returning.
    pub fn run_buffered<H, E>(
        self,
        capacity: usize,
        mut handler: H,
    ) -> Result<BufferedSummary, RunError>
    where
        H: FnMut(Event) -> Result<(), E> + Send + 'static,
        E: Display,
    {
        let queue = Arc::new(BoundedQueue::<Event>::new(capacity));
        let logger = Logger::default();
        let worker = {
            let queue = Arc::clone(&queue);
            let logger = logger.clone();
            thread::spawn(move || {
                let (mut handled, mut failed) = (0, 0);
                while let Some(event) = queue.pop() {
                    let (name, serial) = (event.name().to_owned(), event.serial());
                    match handler(event) {
                        Ok(()) => handled += 1,
                        Err(e) => {
                            failed += 1;
                            logger.log(format_args!("{name} (serial {serial}) failed: {e}"));
                        }
                    }
                }
                (handled, failed)
            })
        };
        let result = {
            let queue = Arc::clone(&queue);
            self.run_verdicts(move |event| {
                if let Some(old) = queue.push(event.clone()) {
                    logger.log(format_args!(
                        "buffer full ({capacity}): dropped {} (serial {})",
                        old.name(),
                        old.serial()
                    ));
                }
                Verdict::Ok
            })
        };
        queue.close();
        let (handled, failed) = worker.join().unwrap_or((0, 0));
        let run = result?;
        Ok(BufferedSummary {
            run,
            handled,
            failed,
            dropped: queue.dropped(),
        })
    }
}
