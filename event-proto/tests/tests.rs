//! event-proto's integration tests: one binary, one module per area.

mod corpus;
mod invariants;
mod known_answers;
mod properties;
mod views;
