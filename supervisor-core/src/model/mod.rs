//! The plain, fully resolved settings the daemon runs: the config loader
//! ([`crate::config`]) produces them and the daemon ([`crate::daemon`]) consumes them, so
//! neither depends on the other and the engine never deals with ini details.

mod daemon;
mod daemon_options;
mod orchestration;
mod overrides;
mod program;
mod run_as;

pub use daemon::{ConfigSource, DaemonModel, ServerModel};
pub use daemon_options::DaemonOptions;
pub use orchestration::{resolve_dependencies, start_layers, Orchestration, ReadyCheck};
pub use overrides::Overrides;
pub use program::{ChannelModel, FcgiSocket, ProgramBuilder, ProgramModel};
pub use run_as::RunAs;
