//! Daemon-side listener protocol machine: never panics; same READY/RESULT/violation sequence
//! for any chunking.
#![no_main]

#[path = "../../tests/invariants.rs"]
mod invariants;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    invariants::check_listener_stream(data);
});
