//! What the example listeners share: superlance-compatible option parsing, value syntaxes
//! sendmail, and `/proc` memory figures and the TLS options (HTTP comes from
//! `listener_sdk::http`).

pub mod getopt;
pub mod mail;
pub mod procfs;
pub mod spooling;
pub mod tls;
pub mod units;
