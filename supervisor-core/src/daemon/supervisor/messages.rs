//! The messages the supervisor task receives from outside, and why it ends.

use event_proto::payload::Channel;
use event_proto::ProcessState;
use tokio::sync::oneshot;

use crate::pool::PoolCounters;

/// The last sequence number handed out, and the kept events after the one asked for:
/// (sequence number, event type, payload text).
pub type RecentEventsReply = (u64, Vec<(u64, String, String)>);

/// Identifies one pipe of one spawn of one process.
pub(super) type PipeId = (usize, Channel, u64);

/// Identifies one spawn in flight: the process index and the spawn's token.
pub(super) type SpawnId = (usize, u64);

/// Requests from outside the task (the RPC layer, tests).
#[derive(Debug)]
#[non_exhaustive]
pub enum Control {
    /// Shut down, as on SIGTERM.
    Shutdown,
    /// Every process's (name, state, pid).
    States(oneshot::Sender<Vec<(String, ProcessState, u32)>>),
    /// Every pool's (name, counters).
    PoolCounters(oneshot::Sender<Vec<(String, PoolCounters)>>),
    /// The main log file and the identifier (for the web pages).
    WebInfo(oneshot::Sender<(Option<std::path::PathBuf>, String)>),
    /// The events kept for the web console after sequence number `after`, and the last
    /// number handed out.
    RecentEvents {
        /// The last sequence number the console has.
        after: u64,
        /// Where the answer goes.
        reply: oneshot::Sender<RecentEventsReply>,
    },
    /// What a `/metrics` scrape shows, from the task's side.
    Metrics(oneshot::Sender<crate::metrics::MetricsSnapshot>),
    /// `supervisor.getAllProcessInfo` without parameters, over HTTP: the snapshots, or the
    /// fault (shutting down), to be built into the response and encoded by the server.
    AllProcessInfo(
        oneshot::Sender<
            Result<Vec<super::process_info::ProcessInfo>, event_proto::xmlrpc::MethodResponse>,
        >,
    ),
    /// An XML-RPC call, answered on `reply` (possibly much later, for calls that wait).
    Rpc {
        /// The decoded call.
        call: event_proto::xmlrpc::MethodCall,
        /// Where the response goes.
        reply: oneshot::Sender<event_proto::xmlrpc::MethodResponse>,
    },
}

/// Why the supervisor task ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// SIGTERM/SIGINT/SIGQUIT or `supervisor.shutdown`: exit.
    Shutdown,
    /// SIGHUP or `supervisor.restart`: re-read the config and start again in the same
    /// process ([PROC-SUPD-restart]).
    Restart,
    /// Beyond 4.3: an essential process failed; everything was stopped and the daemon
    /// exits with this status.
    Failed(i32),
}
