//! What the example listeners share: superlance-compatible option parsing, value syntaxes
//! sendmail, a small HTTP client, and `/proc` memory figures.

pub mod getopt;
pub mod http;
pub mod mail;
pub mod procfs;
pub mod units;
