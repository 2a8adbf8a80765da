//! A supervisord 4.3 compatible process control daemon, centred on its event-listener pools.
//!
//! # Theory of operation
//!
//! One **supervisor task** owns all mutable state (processes, groups, pools, serial counters,
//! config). Everything reaches it as a message on one channel; it answers with actions. The
//! state machines inside it are pure, with time passed in, and the I/O lives at the edges:
//!
//! | module | what it holds | I/O? |
//! |---|---|---|
//! | [`pool`] | a listener pool: bounded queue (drop oldest), dispatch, READY/RESULT handling, counters | no |
//! | [`events`] | the event bus (global serials, routing to subscribed pools) and the TICK schedule | no |
//! | [`output`] | per-channel child output: strip_ansi, capture mode, rotating log files, event payloads | log files only |
//! | [`logging`] | supervisord's main log in 4.3's record format | the log file |
//! | [`daemon`] | the edges: spawning children, pipe reader/writer tasks, the SIGCHLD reaper, signals, pidfile, rlimits | yes |
//! | [`http`] | the control plane's transport: hyper on unix sockets and TCP, 4.3's auth rules | yes |
//! | [`signal`], [`log_level`], [`local_time`] | shared vocabulary | no |
//!
//! The data path of an event: a child's stdout pipe → a reader task (≤ 128 KiB chunks) → the
//! supervisor task's [`output::dispatcher::OutputDispatcher`] (log file, main log, a
//! PROCESS_LOG payload) → [`events::EventBus::emit`] (serial, every subscribed pool's queue)
//! → [`pool::Pool::dispatch`] (first RUNNING + READY listener) → that listener's stdin writer
//! task → its stdout reader task → [`pool::Pool::listener_output`] → the next event.
//!
//! Children are spawned with `std::process::Command` in their own process group and reaped by
//! one `waitpid(-1)` loop on SIGCHLD ([`daemon::reaper`]), so no zombie is left.
//!
//! # Example
//!
//! A pool with one listener, driven by hand as the supervisor task drives it:
//!
//! ```
//! use bytes::Bytes;
//! use event_proto::payload::RemoteCommunicationPayload;
//! use event_proto::{EventMask, EventType, LenUnit, Payload, Text};
//! use supervisor_core::events::EventBus;
//! use supervisor_core::pool::{Pool, PoolAction, PoolSettings};
//!
//! let settings = PoolSettings {
//!     name: "mailer".into(),
//!     events: EventMask::parse_list("REMOTE_COMMUNICATION").unwrap(),
//!     buffer_size: 10,
//!     len_unit: LenUnit::Chars,
//!     server: "supervisor".into(),
//!     exit_details: false,
//! };
//! let mut pools = vec![Pool::new(settings, vec!["mailer".into()])];
//! let mut out = Vec::new();
//! pools[0].listener_spawned(0);
//! pools[0].listener_running(0, true, &mut out);
//! pools[0].listener_output(0, b"READY\n", &mut out);
//!
//! let payload = Payload::RemoteCommunication(RemoteCommunicationPayload {
//!     kind: Text::from("gen"),
//!     data: Bytes::from_static(b"0"),
//! });
//! let mut sent = Vec::new();
//! EventBus::new().emit(EventType::RemoteCommunication, &payload, &mut pools, &mut sent);
//! let bytes = sent.iter().find_map(|(_, a)| match a {
//!     PoolAction::Send { bytes, .. } => Some(bytes.clone()),
//!     _ => None,
//! });
//! assert_eq!(
//!     bytes.unwrap(),
//!     "ver:3.0 server:supervisor serial:0 pool:mailer poolserial:0 \
//!      eventname:REMOTE_COMMUNICATION len:10\ntype:gen\n0"
//! );
//! ```
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod config;
pub mod ctl;
pub mod daemon;
pub mod events;
pub mod http;
pub mod local_time;
pub mod log_level;
pub mod logging;
pub mod metrics;
pub mod model;
pub mod output;
pub mod pool;
pub mod process;
pub mod rpc;
pub mod signal;
