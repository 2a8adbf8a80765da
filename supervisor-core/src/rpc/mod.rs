//! The XML-RPC API's vocabulary: faults and process names. The method handlers run inside the
//! supervisor task (`daemon::supervisor`), the single owner of the state they read and change.

mod fault;
mod namespec;

pub use fault::Fault;
pub use namespec::{display_name, NameSpec};
