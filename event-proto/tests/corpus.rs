//! Replays the fuzz seed corpus (`event-proto/fuzz/seeds/<target>/`) through the invariants, so
//! every input the fuzzer kept is re-checked by a plain `cargo test`.

use crate::invariants;
use std::path::Path;

fn each_seed(target: &str, check: fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/seeds")
        .join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("dir entry").path();
        let data = std::fs::read(&path).expect("seed readable");
        check(&data);
        n += 1;
    }
    n
}

#[test]
fn event_stream_seeds() {
    assert!(each_seed("event_stream", invariants::check_event_stream) > 0);
}

#[test]
fn listener_stream_seeds() {
    assert!(each_seed("listener_stream", invariants::check_listener_stream) > 0);
}

#[test]
fn payload_seeds() {
    assert!(each_seed("payload", invariants::check_payload_all_types) > 0);
}
