//! What the example listeners share: superlance-compatible option parsing, value syntaxes
//! and sendmail, and `/proc` memory figures.

pub mod getopt;
pub mod mail;
pub mod procfs;
pub mod units;
