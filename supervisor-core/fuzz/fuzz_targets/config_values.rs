//! The value parsers behind every option never panic (issue 9): `command` splitting,
//! `environment` parsing, `%(name)s` expansion and the scalar types. The first byte picks the
//! parser; the rest is the value.
#![no_main]

#[path = "../../tests/common/config_values.rs"]
mod invariants;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    invariants::check(data);
});
