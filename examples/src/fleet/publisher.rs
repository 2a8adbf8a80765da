//! The forwarder's publisher: spooled records to JetStream, in order, up to `window` in
//! flight, each removed from the spool once its publish ack arrives (the acks that are in
//! together recorded in one write). A failed publish or
//! ack stops new sends until everything in flight has settled, then, after a capped
//! exponential backoff, everything not acknowledged is sent again (the server's
//! de-duplication drops what it already has).

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::message::PublishMessage;
use async_nats::jetstream::stream::{Config, StorageType};
use async_nats::jetstream::Context;
use bytes::Bytes;
use futures_util::stream::FuturesOrdered;
use futures_util::{FutureExt, StreamExt};
use listener_sdk::spool::{Backoff, Entry, Spool};
use listener_sdk::Logger;
use tokio::sync::{mpsc, watch};
use tokio::time::{sleep, Instant};

use super::record::Key;

/// One spooled record, ready to publish: handed over in memory by the protocol side, or
/// read back from the spool.
#[derive(Debug, Clone)]
pub struct Spooled {
    /// Its spool sequence number.
    pub seq: u64,
    /// The record's JSON.
    pub data: Bytes,
    /// Its subject ([`Key::subject`]).
    pub subject: String,
    /// Its `Nats-Msg-Id` ([`Key::msg_id`]).
    pub msg_id: String,
}

impl Spooled {
    /// A record read back from the spool, its names read from its JSON; `Err` when the
    /// entry is not a record.
    pub fn from_entry(entry: Entry, prefix: &str) -> Result<Spooled, serde_json::Error> {
        let key: Key = serde_json::from_slice(&entry.data)?;
        let (subject, msg_id) = (key.subject(prefix), key.msg_id());
        Ok(Spooled {
            seq: entry.seq,
            data: entry.data.into(),
            subject,
            msg_id,
        })
    }
}

/// What the publisher needs.
#[derive(Debug)]
pub struct Publisher {
    /// The spool the records are in.
    pub spool: Arc<Spool>,
    /// Where failures are reported.
    pub log: Logger,
    /// The stream.
    pub stream: String,
    /// The subject prefix.
    pub prefix: String,
    /// The duplicate window of a stream this creates.
    pub duplicate_window: Duration,
    /// Publishes in flight.
    pub window: usize,
    /// First and longest wait after a failure.
    pub backoff: (Duration, Duration),
    /// Set by the protocol side when the channel was full: read the spool.
    pub overflow: Arc<AtomicBool>,
    /// After stop, how long to keep going.
    pub drain: Duration,
}

/// A publish awaiting its ack: the record (to send again on failure) and the outcome.
type Ack = Pin<Box<dyn Future<Output = (Spooled, Result<(), String>)> + Send>>;

impl Publisher {
    async fn ensure_stream(&self, js: &Context) -> Result<(), String> {
        let subjects = vec![format!("{}.>", self.prefix)];
        let stream = js
            .get_or_create_stream(Config {
                name: self.stream.clone(),
                subjects: subjects.clone(),
                storage: StorageType::File,
                duplicate_window: self.duplicate_window,
                ..Default::default()
            })
            .await
            .map_err(|e| format!("stream {}: {e}", self.stream))?;
        let have = &stream.cached_info().config.subjects;
        if !have.iter().any(|s| subjects.contains(s) || s == ">") {
            self.log.log(format_args!(
                "stream {} exists with subjects {have:?}, which may not take {}",
                self.stream, subjects[0]
            ));
        }
        Ok(())
    }

    async fn send(&self, js: &Context, job: Spooled) -> Result<Ack, (Spooled, String)> {
        let publish = PublishMessage::build()
            .payload(job.data.clone())
            .message_id(job.msg_id.as_str());
        match js.send_publish(job.subject.clone(), publish).await {
            Ok(ack) => Ok(Box::pin(async move {
                let result = ack.await.map(|_| ()).map_err(|e| e.to_string());
                (job, result)
            })),
            Err(e) => Err((job, e.to_string())),
        }
    }

    /// What an earlier run left, as records to publish (an entry that is not one is
    /// reported and acknowledged).
    fn records(&self, entries: Vec<Entry>) -> Vec<Spooled> {
        let mut out = Vec::with_capacity(entries.len());
        let mut bad = Vec::new();
        for entry in entries {
            let seq = entry.seq;
            match Spooled::from_entry(entry, &self.prefix) {
                Ok(s) => out.push(s),
                Err(e) => {
                    self.log.log(format_args!(
                        "spool entry {seq} is not a record ({e}); discarded"
                    ));
                    bad.push(seq);
                }
            }
        }
        let _ = self.spool.ack_seqs(bad);
        out
    }

    /// Publishes `backlog` (what an earlier run left), then what arrives on `rx` (or, after
    /// an overflow, from the spool), until `stop` and drained or out of drain time.
    ///
    /// While it waits for acks it does not look at `rx`: what arrives meanwhile is taken
    /// all at once afterwards, so a burst goes out in batches (one socket write, one spool
    /// write for their acks) and the protocol side wakes this thread only when it is idle.
    pub async fn run(
        self,
        js: Context,
        backlog: Vec<Entry>,
        mut rx: mpsc::Receiver<Spooled>,
        mut stop: watch::Receiver<bool>,
    ) {
        let mut backoff = Backoff::new(self.backoff.0, self.backoff.1);
        let mut stop_at: Option<Instant> = None;
        let mut max_seen = backlog.last().map_or(0, |e| e.seq);
        let mut queue: VecDeque<Spooled> = self.records(backlog).into();
        let mut inflight: FuturesOrdered<Ack> = FuturesOrdered::new();
        // The stream is made ready at start, not on the first event (creating it takes a
        // round trip or more to the server, which the first events would wait behind);
        // when the broker is not there yet, it is tried again once records wait.
        let mut stream_ready = self.ensure_stream(&js).await.is_ok();
        let mut failed: Option<String> = None;
        let mut retry: Vec<Spooled> = Vec::new();
        let mut done: Vec<u64> = Vec::new();
        loop {
            if stop_at.is_none() && *stop.borrow() {
                stop_at = Some(Instant::now() + self.drain);
            }
            if stop_at.is_some_and(|t| Instant::now() >= t) {
                let left = queue.len() + inflight.len() + retry.len();
                if left > 0 {
                    self.log.log(format_args!(
                        "{left} events left in the spool for the next run"
                    ));
                }
                return;
            }
            // Take what was spooled meanwhile, without waiting.
            while queue.len() < self.window * 4 {
                match rx.try_recv() {
                    Ok(s) if s.seq > max_seen => {
                        max_seen = s.seq;
                        queue.push_back(s);
                    }
                    Ok(_) => {}
                    Err(_) => {
                        if self.overflow.swap(false, Ordering::SeqCst) {
                            let fresh: Vec<Entry> = self
                                .spool
                                .entries()
                                .into_iter()
                                .filter(|e| e.seq > max_seen)
                                .collect();
                            for s in self.records(fresh) {
                                max_seen = max_seen.max(s.seq);
                                queue.push_back(s);
                            }
                        }
                        break;
                    }
                }
            }
            if !stream_ready && (!queue.is_empty() || !retry.is_empty()) {
                match self.ensure_stream(&js).await {
                    Ok(()) => stream_ready = true,
                    Err(e) => failed = Some(e),
                }
            }
            if stream_ready && failed.is_none() {
                while inflight.len() < self.window {
                    let Some(job) = queue.pop_front() else {
                        break;
                    };
                    match self.send(&js, job).await {
                        Ok(ack) => inflight.push_back(ack),
                        Err((job, e)) => {
                            queue.push_front(job);
                            failed = Some(e);
                            break;
                        }
                    }
                }
            }
            if let Some(first) = inflight.next().await {
                // The oldest ack, and every one after it that is in already: recorded in
                // the spool in one write.
                let mut settled = Some(first);
                while let Some((job, result)) = settled.take() {
                    match result {
                        Ok(()) => done.push(job.seq),
                        Err(e) => {
                            retry.push(job);
                            failed.get_or_insert(e);
                        }
                    }
                    settled = inflight.next().now_or_never().flatten();
                }
                if let Err(e) = self.spool.ack_seqs(done.iter().copied()) {
                    self.log.log(format_args!(
                        "could not record {} delivered spool entries: {e}",
                        done.len()
                    ));
                }
                done.clear();
                continue;
            }
            if let Some(why) = failed.take() {
                // Everything in flight has settled: send the failures again, in order.
                retry.sort_by_key(|e| e.seq);
                for e in retry.drain(..).rev() {
                    queue.push_front(e);
                }
                if why.contains("no responders") || why.contains("stream not found") {
                    stream_ready = false;
                }
                let wait = backoff.next_delay();
                self.log.log(format_args!(
                    "publishing failed ({why}); {} events waiting, retrying in {:.1}s",
                    queue.len(),
                    wait.as_secs_f64()
                ));
                let until = Instant::now() + wait;
                let deadline = stop_at.map_or(until, |t| t.min(until));
                tokio::select! {
                    _ = tokio::time::sleep_until(deadline) => {}
                    _ = stop.changed(), if stop_at.is_none() => {}
                }
                continue;
            }
            if !queue.is_empty() {
                backoff.reset();
                continue;
            }
            backoff.reset();
            if stop_at.is_some() {
                return; // drained
            }
            // Idle: wait for the next record (or a look at the spool after an overflow).
            tokio::select! {
                m = rx.recv() => match m {
                    Some(s) if s.seq > max_seen => {
                        max_seen = s.seq;
                        queue.push_back(s);
                    }
                    Some(_) => {}
                    None => { let _ = stop.changed().await; }
                },
                _ = sleep(Duration::from_millis(100)) => {}
                _ = stop.changed() => {}
            }
        }
    }
}
