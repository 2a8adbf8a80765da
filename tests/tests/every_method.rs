//! A plain `xmlrpc.client` script calls every method of 4.3's API, with good and bad
//! arguments (tests/scripts/every_method.py), against both daemons; the normalised
//! transcripts must be identical ([RPC-*], issue 6).

use std::process::Command;

use tests::{python_reference, Daemon, Implementation};

const SECTIONS: &str = "\
[program:cat]\ncommand=cat\nstartsecs=0\n\n\
[program:sleeper]\ncommand=sleep 1000\nstartsecs=0\nautostart=false\n\n\
[program:one]\ncommand=sleep 1001\nstartsecs=0\nautostart=false\n\n\
[program:two]\ncommand=sleep 1002\nstartsecs=0\nautostart=false\n\n\
[group:grp]\nprograms=one,two\n";

fn transcript(which: Implementation) -> String {
    let d = Daemon::start(which, SECTIONS).expect("daemon starts");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/every_method.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(d.dir().join("supervisor.sock"))
        .arg(d.dir())
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{which:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn every_method_and_fault_like_4_3() {
    if !python_reference() {
        return;
    }
    let ours = transcript(Implementation::Rust);
    let reference = transcript(Implementation::Python);
    let mismatches: Vec<String> = ours
        .lines()
        .zip(reference.lines())
        .filter(|(a, b)| a != b)
        .map(|(a, b)| format!("ours:   {a}\nPython: {b}"))
        .collect();
    assert!(
        mismatches.is_empty() && ours.lines().count() == reference.lines().count(),
        "{} differences:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    assert!(ours.lines().count() > 100, "{ours}");
}
