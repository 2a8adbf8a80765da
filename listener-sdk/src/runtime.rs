//! The blocking runtime: `READY`, read one event, call the handler, answer `RESULT`, again.

use std::fmt::Display;
use std::io::{self, Read, Stdin, Stdout, Write};

use bytes::BytesMut;
use event_proto::{encode_ready, encode_result, DecodeError, EventDecoder, EventView, Limits};

use crate::{sigterm, Event, Filter, Logger};

/// Why a listener stopped other than at a clean end of input.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// Reading stdin or writing stdout failed.
    #[error("listener I/O failed: {0}")]
    Io(#[from] io::Error),
    /// supervisord sent something that is not the protocol (or exceeded the limits).
    #[error("protocol error from supervisord: {0}")]
    Protocol(#[from] DecodeError),
    /// Input ended in the middle of an event.
    #[error("input ended inside an event ({0} bytes of it received)")]
    Truncated(usize),
}

/// What a run did, returned when input ends or SIGTERM arrives between events.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunSummary {
    /// Events received.
    pub received: u64,
    /// Events the handler accepted (answered `OK`).
    pub ok: u64,
    /// Events the handler failed (answered `FAIL`; supervisord will send them again).
    pub failed: u64,
    /// Events the filter skipped (answered `OK` without calling the handler).
    pub skipped: u64,
    /// The run ended because of SIGTERM.
    pub terminated: bool,
}

/// What the handler decided for one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Answer `OK`.
    Ok,
    /// Answer `FAIL`.
    Fail,
}

/// A listener over some input and output (stdin and stdout for a real one).
///
/// ```no_run
/// use listener_sdk::{Event, Listener};
///
/// Listener::new().run(|event: &Event| {
///     eprintln!("{} {:?}", event.name(), event.process_name());
///     Ok::<(), std::convert::Infallible>(())
/// })?;
/// # Ok::<(), listener_sdk::RunError>(())
/// ```
#[derive(Debug)]
pub struct Listener<R, W> {
    input: R,
    output: W,
    filter: Filter,
    pub(crate) logger: Logger,
    limits: Limits,
    handle_sigterm: bool,
}

impl Listener<Stdin, Stdout> {
    /// The listener supervisord starts: the protocol on stdin/stdout, SIGTERM handled.
    pub fn new() -> Listener<Stdin, Stdout> {
        Listener::with_io(io::stdin(), io::stdout()).handle_sigterm(true)
    }
}

impl Default for Listener<Stdin, Stdout> {
    fn default() -> Self {
        Listener::new()
    }
}

impl<R: Read, W: Write> Listener<R, W> {
    /// A listener reading events from `input` and writing `READY`/`RESULT` to `output`.
    pub fn with_io(input: R, output: W) -> Listener<R, W> {
        Listener {
            input,
            output,
            filter: Filter::new(),
            logger: Logger::default(),
            limits: Limits::default(),
            handle_sigterm: false,
        }
    }

    /// Only events `filter` accepts reach the handler; the others are acknowledged.
    pub fn filter(mut self, filter: Filter) -> Self {
        self.filter = filter;
        self
    }

    /// Where handler errors are reported (stderr by default).
    pub fn logger(mut self, logger: Logger) -> Self {
        self.logger = logger;
        self
    }

    /// Bounds on header and payload sizes.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Stop cleanly between events on SIGTERM (the default for [`Listener::new`]).
    pub fn handle_sigterm(mut self, on: bool) -> Self {
        self.handle_sigterm = on;
        self
    }

    /// Runs until input ends: each event goes to `handler`; `Ok` answers `OK`, an error
    /// answers `FAIL` and is logged.
    pub fn run<H, E>(self, mut handler: H) -> Result<RunSummary, RunError>
    where
        H: FnMut(&Event) -> Result<(), E>,
        E: Display,
    {
        let logger = self.logger.clone();
        self.run_verdicts(|event| match handler(event) {
            Ok(()) => Verdict::Ok,
            Err(e) => {
                logger.log(format_args!(
                    "{} (serial {}) failed: {e}",
                    event.name(),
                    event.serial()
                ));
                Verdict::Fail
            }
        })
    }

    /// Like [`Listener::run`], with the handler choosing the answer directly.
    pub fn run_verdicts<H>(mut self, mut handler: H) -> Result<RunSummary, RunError>
    where
        H: FnMut(&Event) -> Verdict,
    {
        let filter = std::mem::take(&mut self.filter);
        self.run_loop(|decoder| {
            Ok(decoder.next()?.map(|envelope| {
                let event = Event::from_envelope(envelope);
                filter.accepts(&event).then(|| handler(&event))
            }))
        })
    }

    /// Like [`Listener::run_verdicts`], with each event lent to the handler as it lies in the
    /// input buffer ([`EventView`]: header, payload and typed fields as slices), with no
    /// allocation or copy per event: for listeners that handle a high rate of events, such
    /// as log scanners. The filter applies as for the other runs (a process or group filter
    /// decodes the payload to read the names; the handler's `payload()` decodes it again,
    /// which costs tens of nanoseconds).
    ///
    /// ```
    /// use listener_sdk::event_proto::payload::PayloadView;
    /// use listener_sdk::testing::{Harness, TestEvent};
    /// use listener_sdk::event_proto::payload::Channel;
    /// use listener_sdk::Verdict;
    ///
    /// let events = [TestEvent::log(Channel::Stderr, "web", "web", b"ERROR disk full\n")];
    /// let mut errors = 0;
    /// let (transcript, _) = Harness::new().run_view_handler(&events, |event| {
    ///     if let Ok(PayloadView::ProcessLog(log)) = event.payload() {
    ///         errors += log.data.windows(5).filter(|w| w == b"ERROR").count();
    ///     }
    ///     Verdict::Ok
    /// });
    /// assert_eq!(errors, 1);
    /// assert!(transcript.all_ok());
    /// ```
    pub fn run_views<H>(mut self, mut handler: H) -> Result<RunSummary, RunError>
    where
        H: FnMut(&EventView<'_>) -> Verdict,
    {
        let filter = std::mem::take(&mut self.filter);
        self.run_loop(|decoder| {
            Ok(decoder
                .next_view()?
                .map(|event| filter.accepts_view(&event).then(|| handler(&event))))
        })
    }

    /// The protocol loop: `READY`, read until `take` has an event and dealt with it (`None`:
    /// the filter skipped it), answer `RESULT`, again.
    fn run_loop<T>(mut self, mut take: T) -> Result<RunSummary, RunError>
    where
        T: FnMut(&mut EventDecoder) -> Result<Option<Option<Verdict>>, DecodeError>,
    {
        if self.handle_sigterm && !sigterm::install() {
            self.logger.log("could not install a SIGTERM handler");
        }
        let mut decoder = EventDecoder::with_limits(self.limits);
        let mut summary = RunSummary::default();
        let mut out = BytesMut::with_capacity(64);
        let mut chunk = vec![0u8; 64 * 1024];
        // The first READY alone; afterwards each RESULT goes out with the next READY in one
        // write, so an event costs the listener a single write.
        out.clear();
        encode_ready(&mut out);
        loop {
            self.output.write_all(&out)?;
            self.output.flush()?;
            if self.handle_sigterm && sigterm::requested() {
                summary.terminated = true;
                return Ok(summary);
            }
            let handled = loop {
                if let Some(handled) = take(&mut decoder)? {
                    break handled;
                }
                match self.input.read(&mut chunk) {
                    Ok(0) if decoder.buffered() == 0 => return Ok(summary),
                    Ok(0) => return Err(RunError::Truncated(decoder.buffered())),
                    Ok(n) => decoder.push(&chunk[..n]),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                        if self.handle_sigterm && sigterm::requested() && decoder.buffered() == 0 {
                            summary.terminated = true;
                            return Ok(summary);
                        }
                    }
                    Err(e) => return Err(e.into()),
                }
            };
            summary.received += 1;
            let verdict = match handled {
                Some(Verdict::Ok) => {
                    summary.ok += 1;
                    Verdict::Ok
                }
                Some(Verdict::Fail) => {
                    summary.failed += 1;
                    Verdict::Fail
                }
                None => {
                    summary.skipped += 1;
                    Verdict::Ok
                }
            };
            out.clear();
            encode_result(
                match verdict {
                    Verdict::Ok => b"OK",
                    Verdict::Fail => b"FAIL",
                },
                &mut out,
            );
            if !(self.handle_sigterm && sigterm::requested()) {
                encode_ready(&mut out);
            }
        }
    }
}
