//! Listener-side decoder: never panics; same result for any chunking; every envelope and
//! payload is decode→encode→decode stable.
#![no_main]

#[path = "../../tests/invariants.rs"]
mod invariants;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    invariants::check_event_stream(data);
});
