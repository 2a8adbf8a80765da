//! Loading `supervisord.conf` as supervisor 4.3 does ([CFG-*]): the ini layer, `%(name)s`
//! expansion, value types, and the sections, producing the [`crate::model`] the daemon runs,
//! with every problem reported as `file:line: [section] key: message`.

pub mod cli;
pub mod command;
pub mod environment;
pub mod environment_file;
mod error;
pub mod expand;
mod glob;
pub mod ini;
mod load;
pub mod values;

pub use crate::model::Overrides;
pub use error::ConfigError;
pub use load::{load, load_text, CtlSettings, LoadedConfig};
