//! Spooled mode, for listeners that send things (alerts, mail, messages to a broker): an
//! event is acknowledged to supervisord only once it is durably in a [`Spool`], then
//! delivered from a worker thread, at least once, retrying with capped exponential backoff.
//! A listener killed at any point loses nothing: what it acknowledged is on disk and is
//! delivered by its next run.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use event_proto::{Envelope, EventDecoder};

use crate::spool::{Backoff, Spool};
use crate::{Event, Listener, Logger, RunError, RunSummary, Verdict};

/// What one delivery attempt decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Delivered (or nothing to deliver): the entry is removed.
    Done,
    /// Failed for now (a refused connection, a 5xx): tried again after the backoff.
    Retry(String),
    /// Can never succeed (a 4xx, a malformed entry): logged and removed.
    Discard(String),
}

/// How spooled mode delivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpooledOptions {
    /// Waits between attempts at one entry (1 s doubling up to 60 s by default).
    pub backoff: Backoff,
    /// At end of input or SIGTERM, how long to keep delivering what is spooled before
    /// returning (5 s by default; what is left stays on disk for the next run).
    pub drain: Duration,
}

impl Default for SpooledOptions {
    fn default() -> Self {
        SpooledOptions {
            backoff: Backoff::default(),
            drain: Duration::from_secs(5),
        }
    }
}

/// What a spooled run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SpooledSummary {
    /// The protocol side: events answered `OK` were durably spooled first; `failed` counts
    /// events that could not be spooled (answered `FAIL`, so supervisord sends them again).
    pub run: RunSummary,
    /// Entries delivered (including ones an earlier run spooled).
    pub delivered: u64,
    /// Entries discarded as undeliverable (each logged).
    pub discarded: u64,
    /// Delivery attempts that failed and were retried.
    pub retries: u64,
    /// Entries the spool dropped because it was full, over its whole life.
    pub dropped: u64,
    /// Entries still spooled when the run returned.
    pub pending: usize,
}

/// An event as stored: its envelope, exactly as received.
fn encode(event: &Event) -> Vec<u8> {
    let mut out = BytesMut::new();
    Envelope {
        header: event.header().clone(),
        payload: event.raw_payload().clone(),
    }
    .encode(&mut out);
    out.to_vec()
}

fn decode(data: &[u8]) -> Option<Event> {
    let mut decoder = EventDecoder::new();
    decoder.push(data);
    decoder.next().ok().flatten().map(Event::from_envelope)
}

#[derive(Debug, Default)]
struct Counts {
    delivered: u64,
    discarded: u64,
    retries: u64,
}

/// The worker: deliver the oldest entry until it succeeds or is discarded, then the next.
fn deliver_all<D>(
    spool: &Spool,
    options: SpooledOptions,
    give_up_at: &Mutex<Option<Instant>>,
    logger: &Logger,
    mut deliver: D,
) -> Counts
where
    D: FnMut(&Event) -> Delivery,
{
    let mut counts = Counts::default();
    let mut backoff = options.backoff;
    let past_deadline = || {
        give_up_at
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some_and(|t| Instant::now() >= t)
    };
    loop {
        if past_deadline() {
            return counts;
        }
        let Some(entry) = spool.next_timeout(Duration::from_millis(200)) else {
            if spool.is_empty()
                && give_up_at
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .is_some()
            {
                return counts;
            }
            continue;
        };
        let Some(event) = decode(&entry.data) else {
            logger.log(format_args!(
                "spool entry {} is not an event; discarded",
                entry.seq
            ));
            counts.discarded += 1;
            let _ = spool.ack(&entry);
            continue;
        };
        match deliver(&event) {
            Delivery::Done => {
                backoff.reset();
                counts.delivered += 1;
                if let Err(e) = spool.ack(&entry) {
                    logger.log(format_args!(
                        "could not remove spool entry {}: {e}",
                        entry.seq
                    ));
                }
            }
            Delivery::Discard(why) => {
                counts.discarded += 1;
                logger.log(format_args!(
                    "{} (serial {}) discarded: {why}",
                    event.name(),
                    event.serial()
                ));
                let _ = spool.ack(&entry);
            }
            Delivery::Retry(why) => {
                counts.retries += 1;
                let wait = backoff.next_delay();
                logger.log(format_args!(
                    "{} (serial {}) not delivered ({why}); retrying in {:.1}s",
                    event.name(),
                    event.serial(),
                    wait.as_secs_f64()
                ));
                let until = Instant::now() + wait;
                while Instant::now() < until && !past_deadline() {
                    thread::sleep((until - Instant::now()).min(Duration::from_millis(50)));
                }
            }
        }
    }
}

impl<R: Read, W: Write> Listener<R, W> {
    /// Runs in spooled mode: every event the filter accepts is written to `spool` (durably)
    /// and only then answered `OK`; an event that cannot be spooled (disk full) is answered
    /// `FAIL`, so supervisord keeps it and sends it again. A worker thread hands each
    /// spooled event to `deliver`, oldest first, retrying [`Delivery::Retry`] with capped
    /// exponential backoff: delivery is at least once (an event delivered just before a
    /// crash, not yet removed from the spool, is delivered again by the next run). When the
    /// spool is full the oldest entry is dropped, counted and logged.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use listener_sdk::event_proto::ProcessState;
    /// use listener_sdk::spool::{Spool, SpoolOptions};
    /// use listener_sdk::testing::{Harness, TestEvent};
    /// use listener_sdk::{Delivery, Listener, SpooledOptions};
    ///
    /// let dir = std::env::temp_dir().join(format!("spooled-doc-{}", std::process::id()));
    /// let spool = Arc::new(Spool::open(&dir, SpoolOptions::default())?);
    /// let input = Harness::new().script(&[TestEvent::process_state(ProcessState::Fatal, "web", "web")]);
    /// let mut output = Vec::new();
    /// let summary = Listener::with_io(&input[..], &mut output).run_spooled(
    ///     Arc::clone(&spool),
    ///     SpooledOptions::default(),
    ///     |event| {
    ///         eprintln!("alert: {} {:?}", event.name(), event.process_name());
    ///         Delivery::Done
    ///     },
    /// )?;
    /// assert_eq!((summary.run.ok, summary.delivered, summary.pending), (1, 1, 0));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn run_spooled<D>(
        self,
        spool: Arc<Spool>,
        options: SpooledOptions,
        deliver: D,
    ) -> Result<SpooledSummary, RunError>
    where
        D: FnMut(&Event) -> Delivery + Send + 'static,
    {
        let logger = self.logger.clone();
        let give_up_at: Arc<Mutex<Option<Instant>>> = Arc::default();
        let worker = {
            let (spool, give_up_at, logger) =
                (Arc::clone(&spool), Arc::clone(&give_up_at), logger.clone());
            thread::spawn(move || deliver_all(&spool, options, &give_up_at, &logger, deliver))
        };
        let result = {
            let spool = Arc::clone(&spool);
            let logger = logger.clone();
            self.run_verdicts(move |event| match spool.push(&encode(event)) {
                Ok(pushed) => {
                    if let Some(old) = pushed.dropped {
                        logger.log(format_args!(
                            "spool full: dropped entry {old} ({} dropped in all)",
                            spool.dropped()
                        ));
                    }
                    Verdict::Ok
                }
                Err(e) => {
                    logger.log(format_args!(
                        "could not spool {} (serial {}): {e}; answering FAIL",
                        event.name(),
                        event.serial()
                    ));
                    Verdict::Fail
                }
            })
        };
        *give_up_at.lock().unwrap_or_else(PoisonError::into_inner) =
            Some(Instant::now() + options.drain);
        spool.close();
        let counts = worker.join().unwrap_or_default();
        let run = result?;
        if !spool.is_empty() {
            logger.log(format_args!(
                "{} spooled entries left for the next run",
                spool.len()
            ));
        }
        Ok(SpooledSummary {
            run,
            delivered: counts.delivered,
            discarded: counts.discarded,
            retries: counts.retries,
            dropped: spool.dropped(),
            pending: spool.len(),
        })
    }
}
