//! Process control: the per-process state machine and what drives it. Pure; the spawn and
//! signal edges live in [`crate::daemon`].

mod description;
mod exit_status;
mod machine;
mod pacing;
mod params;

pub use description::uptime;
pub use exit_status::ExitStatus;
pub use machine::{Action, NotRunning, Now, Process, StartRefused, StateChange};
pub use pacing::{BackoffCurve, RestartPacing};
pub use params::{AutoRestart, ProcessParams};

#[cfg(test)]
mod tests;
