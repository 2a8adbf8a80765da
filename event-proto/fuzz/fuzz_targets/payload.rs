//! Every payload decoder and the Python literal helpers: never panic; decode→encode→decode
//! stable; bytes literals round-trip.
#![no_main]

#[path = "../../tests/invariants.rs"]
mod invariants;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    invariants::check_payload_all_types(data);
    invariants::check_pyfmt(data);
});
