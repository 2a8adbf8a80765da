//! Whom a process runs as.

/// The user a child runs as (resolved at config load).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunAs {
    /// The uid.
    pub uid: u32,
    /// The primary gid.
    pub gid: u32,
    /// Supplementary groups.
    pub groups: Vec<u32>,
}
