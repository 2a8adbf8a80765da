//! The supervisor task: the one owner of every process, pool and log. OS events arrive as
//! messages (reaped children, pipe data, signals, control requests) and deadlines; the pure
//! machines ([`Process`](crate::process::Process), [`Pool`](crate::pool::Pool),
//! [`EventBus`](crate::events::EventBus)) decide; the task carries out what they ask.
//!
//! - [`messages`]: what the task receives from outside, and why it ends;
//! - `task_loop`: the loop, its deadlines and the message handlers;
//! - `state`: the task's data (a slot per process and per pool, the groups, the phase);
//! - `child_logs`: opening a process's logs before a spawn, creating a missing directory;
//! - `effects`: signalling, child-log writes and state events;
//! - `spawning`: a spawn's two halves around the spawner thread, and exits reaped early;
//! - `leftovers`: the children file, and stopping what a crashed supervisord left;
//! - `tree_stop`: `stoptree`, signalling and killing a process's whole tree;
//! - `pool_wiring`: events into the pools and pool actions out, through one entry point;
//! - `shutdown`: startup and shutdown sequencing;
//! - `dependencies`: `depends_on` gating of starts and stops, ready-check probes, `essential`;
//! - `rpc`, `waiting`, `multicall`, `config_rpc`: the XML-RPC handlers (those that answer at
//!   once, those that wait, `system.multicall`, configuration), naming methods by [`crate::rpc::Method`];
//! - `metrics_snapshot`: what a `/metrics` scrape needs from the task;
//! - `recent_events`: the last events, kept for the web console while one watches;
//! - `routes`, `web_controller`, `console_routes`: the HTTP side (XML-RPC, 4.3's pages, the
//!   live console's script and JSON), which talks to the task only by message.

mod child_logs;
mod config_rpc;
mod console_routes;
mod dependencies;
mod effects;
mod leftovers;
pub mod messages;
mod metrics_snapshot;
mod multicall;
mod pool_wiring;
mod process_info;
mod recent_events;
mod routes;
mod rpc;
mod shutdown;
mod spawning;
mod state;
mod task_loop;
mod tree_stop;
mod waiting;
mod web_controller;

pub use messages::{Control, Ended};
pub use routes::RpcRoutes;
pub use task_loop::{run, run_with};
pub use tree_stop::STOPTREE_ENV;

#[cfg(test)]
mod tests;
