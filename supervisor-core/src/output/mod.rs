//! Child output: what happens to the bytes a child writes, between its pipe and the log file,
//! the main log and the event bus. Pure pieces here; the pipe readers live with the daemon.

pub mod capture;
pub mod dispatcher;
pub mod log_reader;
pub mod rotating;
pub mod strip_ansi;
pub mod timestamps;
