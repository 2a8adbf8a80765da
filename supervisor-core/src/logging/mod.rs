//! supervisord's main ("activity") log ([LOG-MAIN-*]): `<asctime> <LEVL> <message>\n`, to a
//! rotating file or syslog and, with `nodaemon`, also to stdout.

mod main_log;
pub mod syslog;

pub use main_log::{MainLog, MainLogTarget};
