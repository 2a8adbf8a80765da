//! The XML-RPC API's vocabulary: the methods, faults and process names. The method handlers run inside the
//! supervisor task (`daemon::supervisor`), the single owner of the state they read and change.

mod fault;
mod json;
mod method;
mod namespec;
mod params;

pub use fault::Fault;
pub use json::json_value;
pub use method::Method;
pub use namespec::{display_name, NameSpec};
pub use params::{arity, check_params};
