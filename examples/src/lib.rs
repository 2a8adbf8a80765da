//! examples package (publish = false).
