//! supervisord's main ("activity") log ([LOG-MAIN-*]): `<asctime> <LEVL> <message>\n`, to a
//! rotating file and, with `nodaemon`, also to stdout.

mod main_log;

pub use main_log::{MainLog, MainLogTarget};
