//! The forwarder's publisher: spooled records to JetStream, in order, up to `window` in
//! flight, each removed from the spool once its publish ack arrives (the acks that are in
//! together recorded in one write). A failed publish or
//! ack stops new sends until everything in flight has settled, then, after a capped
//! exponential backoff, everything not acknowledged is sent again (the server's
//! de-duplication drops what it already has).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::message::PublishMessage;
use async_nats::jetstream::stream::{Config, StorageType};
use async_nats::jetstream::Context;
use listener_sdk::spool::{Backoff, Entry, Spool};
use listener_sdk::Logger;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::{sleep, Instant};

use super::record::Key;

/// One record just spooled, handed over in memory.
#[derive(Debug)]
pub struct Spooled {
    /// Its spool sequence number.
    pub seq: u64,
    /// The record's JSON.
    pub data: Vec<u8>,
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

type Ack = JoinHandle<Result<(), String>>;

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

    async fn send(&self, js: &Context, entry: &Entry) -> Result<Option<Ack>, String> {
        let key: Key = match serde_json::from_slice(&entry.data) {
            Ok(k) => k,
            Err(e) => {
                self.log.log(format_args!(
                    "spool entry {} is not a record ({e}); discarded",
                    entry.seq
                ));
                let _ = self.spool.ack(entry);
                return Ok(None);
            }
        };
        let publish = PublishMessage::build()
            .payload(entry.data.clone().into())
            .message_id(key.msg_id());
        let ack = js
            .send_publish(key.subject(&self.prefix), publish)
            .await
            .map_err(|e| e.to_string())?;
        Ok(Some(tokio::spawn(async move {
            ack.await.map(|_| ()).map_err(|e| e.to_string())
        })))
    }

    /// Publishes `backlog` (what an earlier run left), then what arrives on `rx` (or, after
    /// an overflow, from the spool), until `stop` and drained or out of drain time.
    pub async fn run(
        self,
        js: Context,
        backlog: Vec<Entry>,
        mut rx: mpsc::Receiver<super::publisher::Spooled>,
        mut stop: watch::Receiver<bool>,
    ) {
        let mut backoff = Backoff::new(self.backoff.0, self.backoff.1);
        let mut stop_at: Option<Instant> = None;
        let mut max_seen = backlog.last().map_or(0, |e| e.seq);
        let mut queue: VecDeque<Entry> = backlog.into();
        let mut inflight: VecDeque<(Entry, Ack)> = VecDeque::new();
        let mut stream_ready = false;
        let mut failed: Option<String> = None;
        let mut retry: Vec<Entry> = Vec::new();
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
            loop {
                match rx.try_recv() {
                    Ok(s) if s.seq > max_seen => {
                        max_seen = s.seq;
                        queue.push_back(Entry {
                            seq: s.seq,
                            data: s.data,
                        });
                    }
                    Ok(_) => {}
                    Err(_) => {
                        if self.overflow.swap(false, Ordering::SeqCst) {
                            for e in self.spool.entries() {
                                if e.seq > max_seen {
                                    max_seen = e.seq;
                                    queue.push_back(e);
                                }
                            }
                        }
                        break;
                    }
                }
                if queue.len() >= self.window * 4 {
                    break;
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
                    let Some(entry) = queue.pop_front() else {
                        break;
                    };
                    match self.send(&js, &entry).await {
                        Ok(Some(ack)) => inflight.push_back((entry, ack)),
                        Ok(None) => {}
                        Err(e) => {
                            queue.push_front(entry);
                            failed = Some(e);
                            break;
                        }
                    }
                }
            }
            if let Some((entry, ack)) = inflight.pop_front() {
                // The oldest ack, and every one after it that is in already: recorded in
                // the spool in one write.
                let mut settled = vec![(entry, ack.await)];
                while inflight.front().is_some_and(|(_, a)| a.is_finished()) {
                    if let Some((entry, ack)) = inflight.pop_front() {
                        settled.push((entry, ack.await));
                    }
                }
                let mut done = Vec::with_capacity(settled.len());
                for (entry, result) in settled {
                    match result.unwrap_or_else(|e| Err(e.to_string())) {
                        Ok(()) => done.push(entry),
                        Err(e) => {
                            retry.push(entry);
                            failed.get_or_insert(e);
                        }
                    }
                }
                if let Err(e) = self.spool.ack_all(&done) {
                    self.log.log(format_args!(
                        "could not record {} delivered spool entries: {e}",
                        done.len()
                    ));
                }
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
                        queue.push_back(Entry { seq: s.seq, data: s.data });
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
