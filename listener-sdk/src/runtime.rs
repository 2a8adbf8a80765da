//! The blocking runtime: `READY`, read one event, call the handler, answer `RESULT`, again;
//! the protocol itself is [`crate::session::Session`], which the tokio runtime shares.

use std::io::{self, Read, Stdin, Stdout, Write};

use event_proto::{DecodeError, EventView, Limits};

use crate::session::Session;
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

/// A handler's error: anything that is an error (`?` converts), or a message (`"why".into()`).
/// Fixed, so that a handler's plain `Ok(())` needs no type annotation.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

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
///     Ok(())
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
    /// (any error type, through `?` or `.into()`) answers `FAIL` and is logged.
    pub fn run<H>(self, mut handler: H) -> Result<RunSummary, RunError>
    where
        H: FnMut(&Event) -> Result<(), HandlerError>,
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
        self.run_loop(|session| {
            Ok(session.next_event()?.map(|envelope| {
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
        self.run_loop(|session| {
            Ok(session
                .next_view()?
                .map(|event| filter.accepts_view(&event).then(|| handler(&event))))
        })
    }

    /// The protocol loop: write what the session has to say (`READY`, or `RESULT` with the
    /// next `READY`), read until `take` has an event and dealt with it (`None`: the filter
    /// skipped it), answer it, again.
    fn run_loop<T>(mut self, mut take: T) -> Result<RunSummary, RunError>
    where
        T: FnMut(&mut Session) -> Result<Option<Option<Verdict>>, DecodeError>,
    {
        if self.handle_sigterm && !sigterm::install() {
            self.logger.log("could not install a SIGTERM handler");
        }
        let term = |on: bool| on && sigterm::requested();
        let mut session = Session::new(self.limits);
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            self.output.write_all(session.output())?;
            self.output.flush()?;
            session.output_written();
            if session.stopping() || term(self.handle_sigterm) {
                session.terminated();
                return Ok(session.summary());
            }
            let handled = loop {
                if let Some(handled) = take(&mut session)? {
                    break handled;
                }
                match self.input.read(&mut chunk) {
                    Ok(0) => {
                        session.end_of_input()?;
                        return Ok(session.summary());
                    }
                    Ok(n) => session.push_input(&chunk[..n]),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                        if term(self.handle_sigterm) && session.buffered() == 0 {
                            session.terminated();
                            return Ok(session.summary());
                        }
                    }
                    Err(e) => return Err(e.into()),
                }
            };
            if term(self.handle_sigterm) {
                session.stop();
            }
            session.finish(handled);
        }
    }
}
