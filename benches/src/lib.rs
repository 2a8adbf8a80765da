//! benches package (publish = false): criterion benches live in benches/benches.
