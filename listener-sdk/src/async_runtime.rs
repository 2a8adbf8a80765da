//! The tokio runtime (feature `tokio`): the same protocol loop with an async handler, for
//! listeners that await (webhooks, RPC calls) without blocking a thread per event.

use std::fmt::Display;
use std::future::Future;

use bytes::BytesMut;
use event_proto::{encode_ready, encode_result, EventDecoder, Limits};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::{Event, Filter, Logger, RunError, RunSummary};

/// A listener over async input and output (tokio's stdin and stdout for a real one).
///
/// ```no_run
/// use listener_sdk::{AsyncListener, Event};
///
/// # async fn run() -> Result<(), listener_sdk::RunError> {
/// AsyncListener::new()
///     .run(|event: Event| async move {
///         eprintln!("{}", event.name());
///         Ok::<(), std::io::Error>(())
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

    /// Runs until input ends (or SIGTERM between events): `Ok` answers `OK`, an error
    /// answers `FAIL` and is logged.
    pub async fn run<H, F, E>(mut self, mut handler: H) -> Result<RunSummary, RunError>
    where
        H: FnMut(Event) -> F,
        F: Future<Output = Result<(), E>>,
        E: Display,
    {
        let mut term = if self.handle_sigterm {
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok()
        } else {
            None
        };
        let mut decoder = EventDecoder::with_limits(self.limits);
        let mut summary = RunSummary::default();
        let mut out = BytesMut::with_capacity(64);
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            out.clear();
            encode_ready(&mut out);
            self.output.write_all(&out).await?;
            self.output.flush().await?;
            let envelope = loop {
                if let Some(envelope) = decoder.next()? {
                    break envelope;
                }
                let read = match term.as_mut() {
                    Some(t) => tokio::select! {
                        r = self.input.read(&mut chunk) => Some(r),
                        _ = t.recv() => None,
                    },
                    None => Some(self.input.read(&mut chunk).await),
                };
                match read {
                    None if decoder.buffered() == 0 => {
                        summary.terminated = true;
                        return Ok(summary);
                    }
                    None => {} // SIGTERM mid-event: finish reading it first
                    Some(Ok(0)) if decoder.buffered() == 0 => return Ok(summary),
                    Some(Ok(0)) => return Err(RunError::Truncated(decoder.buffered())),
                    Some(Ok(n)) => decoder.push(&chunk[..n]),
                    Some(Err(e)) => return Err(e.into()),
                }
            };
            let event = Event::from_envelope(envelope);
            summary.received += 1;
            let ok = if self.filter.accepts(&event) {
                let (name, serial) = (event.name().to_owned(), event.serial());
                match handler(event).await {
                    Ok(()) => {
                        summary.ok += 1;
                        true
                    }
                    Err(e) => {
                        summary.failed += 1;
                        self.logger
                            .log(format_args!("{name} (serial {serial}) failed: {e}"));
                        false
                    }
                }
            } else {
                summary.skipped += 1;
                true
            };
            out.clear();
            encode_result(if ok { b"OK" } else { b"FAIL" }, &mut out);
            self.output.write_all(&out).await?;
        }
    }
}
