//! tests package (publish = false).
