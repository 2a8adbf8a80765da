//! Write supervisord event listeners in Rust: typed events, a runtime that owns the
//! protocol, an RPC client back to the daemon, and a harness to test it all without one.
//!
//! A complete listener that reports unexpected exits (`[eventlistener:x]` with
//! `events=PROCESS_STATE_EXITED`):
//!
//! ```no_run
//! use listener_sdk::{Event, Listener};
//!
//! fn main() -> Result<(), listener_sdk::RunError> {
//!     Listener::new().run(|event: &Event| {
//!         if event.expected() == Some(false) {
//!             eprintln!("{} exited unexpectedly", event.process_name().unwrap_or("?"));
//!         }
//!         Ok(())
//!     })?;
//!     Ok(())
//! }
//! ```
//!
//! Returning `Ok` answers `RESULT 2\nOK`; an error (any error, with `?`) answers `FAIL` (supervisord sends the
//! event again) and is logged to stderr. stdout belongs to the protocol: log with
//! [`Logger`] or `eprintln!`. The runtime frames events in either `len` unit event-proto
//! supports, stops cleanly at end of input and, for [`Listener::new`], on SIGTERM between
//! events.
//!
//! The same listener, tested without a daemon:
//!
//! ```
//! use event_proto::ProcessState;
//! use listener_sdk::testing::{Harness, TestEvent};
//! use listener_sdk::Verdict;
//!
//! let events = [
//!     TestEvent::process_state(ProcessState::Exited, "web", "web").expected(false),
//!     TestEvent::process_state(ProcessState::Running, "db", "db"),
//! ];
//! let mut crashed = Vec::new();
//! let (transcript, summary) = Harness::new().run_handler(&events, |event| {
//!     if event.expected() == Some(false) {
//!         crashed.push(event.process_name().unwrap_or("").to_owned());
//!     }
//!     Verdict::Ok
//! });
//! assert_eq!(crashed, ["web"]);
//! assert!(transcript.all_ok());
//! assert_eq!(summary.received, 2);
//! ```
//!
//! | piece | what it is for |
//! |---|---|
//! | [`Listener`] | the blocking runtime (stdin/stdout, or any `Read`/`Write`) |
//! | [`Listener::run_views`] | the same, each event lent as it lies in the input buffer: no allocation or copy per event |
//! | `AsyncListener` | the tokio runtime (feature `tokio`): the same loop with an async handler |
//! | [`Listener::run_buffered`], [`BoundedQueue`] | acknowledge at once, handle on a worker thread, drop the oldest when full |
//! | [`Listener::run_spooled`], [`spool::Spool`] | acknowledge only once durably on disk, deliver at least once with capped exponential backoff; nothing lost on a crash |
//! | [`Batcher`] | collect and flush on a size or on `TICK_60` |
//! | [`Event`], [`Filter`] | typed accessors; selecting by type and program |
//! | [`http`] | a blocking HTTP/HTTPS client (ureq, rustls; verified by default) for listeners that probe or notify |
//! | [`notify`] | incidents to Slack/Mattermost, PagerDuty Events v2, Alertmanager v2, a JSON webhook, email; folding and rate limiting |
//! | [`smtp`] | mail over SMTP (lettre): STARTTLS, implicit TLS, AUTH, a timeout; verified like `http` |
//! | [`rpc::RpcClient`] | calls back into supervisord (`childutils.getRPCInterface`'s discovery) |
//! | [`testing`] | scripted events, an in-process and a subprocess harness, a fake RPC endpoint |
#![forbid(unsafe_op_in_unsafe_fn)]
#![deny(missing_docs)]

#[cfg(feature = "tokio")]
mod async_runtime;
mod batch;
mod buffered;
mod event;
mod filter;
pub mod http;
mod logger;
pub mod notify;
pub mod rpc;
mod runtime;
pub mod session;
mod sigterm;
pub mod smtp;
pub mod spool;
mod spooled;
pub mod testing;
mod unix_http;

#[cfg(feature = "tokio")]
pub use async_runtime::AsyncListener;
pub use batch::Batcher;
pub use buffered::{BoundedQueue, BufferedSummary};
pub use event::Event;
pub use filter::Filter;
pub use logger::Logger;
pub use runtime::{HandlerError, Listener, RunError, RunSummary, Verdict};
pub use spooled::{Delivery, SpooledOptions, SpooledSummary};

/// The protocol crate, re-exported so listeners need one dependency.
pub use event_proto;
