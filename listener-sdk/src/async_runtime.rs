//! The tokio runtime (feature `tokio`): the same protocol ([`crate::session::Session`],
//! shared with the blocking runtime: limits, `RESULT` and `READY` in one write, SIGTERM
//! between events, lent views) with an async handler, for listeners that await.
//!
//! **stdin caveat:** tokio reads stdin with an ordinary blocking `read` on one of its
//! blocking threads, which cannot be cancelled. After [`AsyncListener::run`] returns on
//! SIGTERM that read is still pending, and dropping the runtime waits for it (until
//! supervisord closes the pipe or sends SIGKILL). End the process promptly instead: call
//! `std::process::exit` once the run returns (as the `event-rates` example does), or shut
//! the runtime down with `Runtime::shutdown_background`.

use std::future::Future;

use event_proto::{DecodeError, EventView, Limits};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::signal::unix::Signal;

use crate::session::Session;
use crate::{Event, Filter, HandlerError, Logger, RunError, RunSummary, Verdict};

/// A listener over async input and output (tokio's stdin and stdout for a real one).
///
/// ```no_run
/// use listener_sdk::{AsyncListener, Event};
///
/// # async fn run() -> Result<(), listener_sdk::RunError> {
/// AsyncListener::new()
///     .run(|event: Event| async move {
///         eprintln!("{}", event.name());
///         Ok(())
///     })
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct AsyncListener<R, W> {
    input: R,
    output: W,
    filter: Filter,
    logger: Logger,
    limits: Limits,
    handle_sigterm: bool,
}

impl AsyncListener<tokio::io::Stdin, tokio::io::Stdout> {
    /// The listener supervisord starts: stdin/stdout, stopping cleanly on SIGTERM.
    pub fn new() -> Self {
        let mut l = AsyncListener::with_io(tokio::io::stdin(), tokio::io::stdout());
        l.handle_sigterm = true;
        l
    }
}

impl Default for AsyncListener<tokio::io::Stdin, tokio::io::Stdout> {
    fn default() -> Self {
        AsyncListener::new()
    }
}

impl<R: AsyncRead + Unpin, W: AsyncWrite + Unpin> AsyncListener<R, W> {
    /// A listener over any async streams.
    pub fn with_io(input: R, output: W) -> Self {
        AsyncListener {
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

    /// Stop cleanly between events on SIGTERM (the default for [`AsyncListener::new`]).
    pub fn handle_sigterm(mut self, on: bool) -> Self {
        self.handle_sigterm = on;
        self
    }

    /// Runs until input ends (or SIGTERM between events): `Ok` answers `OK`, an error
    /// answers `FAIL` and is logged.
    pub async fn run<H, F>(self, mut handler: H) -> Result<RunSummary, RunError>
    where
        H: FnMut(Event) -> F,
        F: Future<Output = Result<(), HandlerError>>,
    {
        let logger = self.logger.clone();
        self.run_verdicts(move |event| {
            let (name, serial) = (event.name().to_owned(), event.serial());
            let done = handler(event);
            let logger = logger.clone();
            async move {
                match done.await {
                    Ok(()) => Verdict::Ok,
                    Err(e) => {
                        logger.log(format_args!("{name} (serial {serial}) failed: {e}"));
                        Verdict::Fail
                    }
                }
            }
        })
        .await
    }

    /// Like [`AsyncListener::run`], with the handler choosing the answer directly.
    pub async fn run_verdicts<H, F>(mut self, mut handler: H) -> Result<RunSummary, RunError>
    where
        H: FnMut(Event) -> F,
        F: Future<Output = Verdict>,
    {
        let filter = std::mem::take(&mut self.filter);
        let mut session = Session::new(self.limits);
        let mut term = self.sigterm();
        loop {
            let Some(event) = self
                .next(&mut session, &mut term, |s| s.next_event())
                .await?
            else {
                return Ok(session.summary());
            };
            let event = Event::from_envelope(event);
            let verdict = if filter.accepts(&event) {
                Some(handler(event).await)
            } else {
                None
            };
            self.finish(&mut session, &mut term, verdict);
        }
    }

    /// Like [`crate::Listener::run_views`]: each event lent to a (synchronous) handler as
    /// it lies in the input buffer, with no allocation or copy per event.
    pub async fn run_views<H>(mut self, mut handler: H) -> Result<RunSummary, RunError>
    where
        H: FnMut(&EventView<'_>) -> Verdict,
    {
        let filter = std::mem::take(&mut self.filter);
        let mut session = Session::new(self.limits);
        let mut term = self.sigterm();
        loop {
            let handled = self
                .next(&mut session, &mut term, |s| {
                    Ok(s.next_view()?
                        .map(|event| filter.accepts_view(&event).then(|| handler(&event))))
                })
                .await?;
            let Some(verdict) = handled else {
                return Ok(session.summary());
            };
            self.finish(&mut session, &mut term, verdict);
        }
    }

    fn sigterm(&self) -> Option<Signal> {
        if !self.handle_sigterm {
            return None;
        }
        let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate());
        if term.is_err() {
            self.logger.log("could not install a SIGTERM handler");
        }
        term.ok()
    }

    /// Whether SIGTERM has arrived, without waiting.
    fn terminated(term: &mut Option<Signal>) -> bool {
        let Some(t) = term.as_mut() else {
            return false;
        };
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        matches!(t.poll_recv(&mut cx), std::task::Poll::Ready(Some(())))
    }

    fn finish(
        &mut self,
        session: &mut Session,
        term: &mut Option<Signal>,
        verdict: Option<Verdict>,
    ) {
        if Self::terminated(term) {
            session.stop();
        }
        session.finish(verdict);
    }

    /// Writes the session's output, then reads until `take` yields; `None` when the run
    /// ends (input ended between events, or SIGTERM).
    async fn next<T, O>(
        &mut self,
        session: &mut Session,
        term: &mut Option<Signal>,
        mut take: T,
    ) -> Result<Option<O>, RunError>
    where
        T: FnMut(&mut Session) -> Result<Option<O>, DecodeError>,
    {
        self.output.write_all(session.output()).await?;
        self.output.flush().await?;
        session.output_written();
        if session.stopping() || Self::terminated(term) {
            session.terminated();
            return Ok(None);
        }
        let mut chunk = vec![0u8; 64 * 1024];
        let mut stop_after = false;
        loop {
            if let Some(out) = take(session)? {
                if stop_after {
                    session.stop();
                }
                return Ok(Some(out));
            }
            let read = match term.as_mut() {
                Some(t) if !stop_after => tokio::select! {
                    r = self.input.read(&mut chunk) => Some(r),
                    _ = t.recv() => None,
                },
                _ => Some(self.input.read(&mut chunk).await),
            };
            match read {
                None if session.buffered() == 0 => {
                    session.terminated();
                    return Ok(None);
                }
                None => stop_after = true, // SIGTERM mid-event: finish reading it first
                Some(Ok(0)) => {
                    session.end_of_input()?;
                    return Ok(None);
                }
                Some(Ok(n)) => session.push_input(&chunk[..n]),
                Some(Err(e)) => return Err(e.into()),
            }
        }
    }
}
