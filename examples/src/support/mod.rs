//! What the example listeners share: superlance-compatible option parsing and sendmail.

pub mod getopt;
pub mod mail;
