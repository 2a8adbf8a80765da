//! The listener protocol as a pure state machine, shared by the blocking and the tokio
//! runtime: bytes from supervisord go in ([`Session::push_input`]), events come out
//! ([`Session::next_event`], [`Session::next_view`]), each is answered with
//! [`Session::finish`], and the bytes to write to supervisord wait in
//! [`Session::output`]. No I/O: a runtime reads, writes and calls the handler.
//!
//! `READY` is written alone once; after that each `RESULT` goes out with the next `READY`
//! in the same buffer (one write per event), except after [`Session::stop`].
//!
//! ```
//! use listener_sdk::session::Session;
//! use listener_sdk::testing::{Harness, TestEvent};
//! use listener_sdk::Verdict;
//!
//! let mut s = Session::new(Default::default());
//! assert_eq!(s.output(), b"READY\n");
//! s.output_written();
//! s.push_input(&Harness::new().script(&[TestEvent::supervisor_running()]));
//! let event = s.next_event()?.expect("a whole event");
//! assert_eq!(event.header.event_name.as_str(), "SUPERVISOR_STATE_CHANGE_RUNNING");
//! s.finish(Some(Verdict::Ok));
//! assert_eq!(s.output(), b"RESULT 2\nOKREADY\n");
//! assert_eq!(s.summary().ok, 1);
//! # Ok::<(), listener_sdk::event_proto::DecodeError>(())
//! ```

use bytes::BytesMut;
use event_proto::{
    encode_ready, encode_result, DecodeError, Envelope, EventDecoder, EventView, Limits,
};

use crate::{RunError, RunSummary, Verdict};

/// One listener's protocol state: the decoder, the pending output and the counts.
#[derive(Debug)]
pub struct Session {
    decoder: EventDecoder,
    out: BytesMut,
    summary: RunSummary,
    stopping: bool,
}

impl Session {
    /// A session within `limits`; its first output is `READY`.
    pub fn new(limits: Limits) -> Session {
        let mut out = BytesMut::with_capacity(64);
        encode_ready(&mut out);
        Session {
            decoder: EventDecoder::with_limits(limits),
            out,
            summary: RunSummary::default(),
            stopping: false,
        }
    }

    /// The bytes to write to supervisord now (possibly none).
    pub fn output(&self) -> &[u8] {
        &self.out
    }

    /// The output was written.
    pub fn output_written(&mut self) {
        self.out.clear();
    }

    /// Bytes read from supervisord.
    pub fn push_input(&mut self, bytes: &[u8]) {
        self.decoder.push(bytes);
    }

    /// Bytes received that are not a whole event yet.
    pub fn buffered(&self) -> usize {
        self.decoder.buffered()
    }

    /// The next whole event, owned; `None` until more input arrives.
    pub fn next_event(&mut self) -> Result<Option<Envelope>, DecodeError> {
        self.decoder.next()
    }

    /// The next whole event, lent from the input buffer (no copy).
    pub fn next_view(&mut self) -> Result<Option<EventView<'_>>, DecodeError> {
        self.decoder.next_view()
    }

    /// Answers the event in hand: `Some(verdict)` from the handler, `None` when the filter
    /// skipped it (answered `OK`). Queues `RESULT`, and `READY` unless stopping.
    pub fn finish(&mut self, verdict: Option<Verdict>) {
        self.summary.received += 1;
        let ok = match verdict {
            Some(Verdict::Ok) => {
                self.summary.ok += 1;
                true
            }
            Some(Verdict::Fail) => {
                self.summary.failed += 1;
                false
            }
            None => {
                self.summary.skipped += 1;
                true
            }
        };
        encode_result(if ok { b"OK" } else { b"FAIL" }, &mut self.out);
        if !self.stopping {
            encode_ready(&mut self.out);
        }
    }

    /// No `READY` after the next `RESULT`: the runtime stops once the event in hand is
    /// answered (SIGTERM).
    pub fn stop(&mut self) {
        self.stopping = true;
    }

    /// Whether [`Session::stop`] was called.
    pub fn stopping(&self) -> bool {
        self.stopping
    }

    /// Input ended: a clean end between events, or [`RunError::Truncated`].
    pub fn end_of_input(&self) -> Result<(), RunError> {
        match self.decoder.buffered() {
            0 => Ok(()),
            n => Err(RunError::Truncated(n)),
        }
    }

    /// Marks the run as ended by SIGTERM.
    pub fn terminated(&mut self) {
        self.summary.terminated = true;
    }

    /// What the session did so far.
    pub fn summary(&self) -> RunSummary {
        self.summary
    }
}
