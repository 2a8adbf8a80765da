//! Process control: the per-process state machine and what drives it. Pure; the spawn and
//! signal edges live in [`crate::daemon`].

mod exit_status;
mod machine;
mod params;

pub use exit_status::ExitStatus;
pub use machine::{uptime, Action, NotRunning, Now, Process, StartRefused, StateChange};
pub use params::{AutoRestart, ProcessParams};

#[cfg(test)]
mod tests;
