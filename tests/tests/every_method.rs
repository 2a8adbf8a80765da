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

fn arity_transcript(which: Implementation) -> String {
    let d = Daemon::start(which, SECTIONS).expect("daemon starts");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/arity.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(d.dir().join("supervisor.sock"))
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{which:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every method called with one argument too many (and one too few where it has required
/// ones) answers INCORRECT_PARAMETERS (code 2) as 4.3 does; a stray argument to
/// `supervisor.shutdown` or `supervisor.restart` leaves the daemon running.
#[test]
fn wrong_arity_faults_like_4_3() {
    if !python_reference() {
        return;
    }
    let ours = arity_transcript(Implementation::Rust);
    let reference = arity_transcript(Implementation::Python);
    assert_eq!(ours, reference);
    assert!(
        ours.lines()
            .filter(|l| l.ends_with("-> FAULT 2 INCORRECT_PARAMETERS"))
            .count()
            > 60,
        "{ours}"
    );
    assert!(ours.ends_with("state: RUNNING\n"), "{ours}");
}

/// Parameters of the wrong type: where 4.3 fails with an HTTP 500 (a traceback), we answer
/// INCORRECT_PARAMETERS naming the parameter.
#[test]
fn wrong_types_fault_with_incorrect_parameters() {
    let d = Daemon::start(Implementation::Rust, SECTIONS).expect("daemon starts");
    for (call, text) in [
        (
            "s.supervisor.getProcessInfo(5)",
            "INCORRECT_PARAMETERS: parameter 1 must be a string",
        ),
        (
            "s.supervisor.readLog('a', 0)",
            "INCORRECT_PARAMETERS: parameter 1 must be an int",
        ),
        (
            "s.supervisor.signalProcess('cat', [1])",
            "INCORRECT_PARAMETERS: parameter 2 must be a string",
        ),
    ] {
        let script = format!(
            "import xmlrpc.client\ntry:\n    {call}\n    print('no fault')\n\
             except xmlrpc.client.Fault as f:\n    print(f.faultCode, f.faultString)"
        );
        let out = d.rpc_script(&script).expect("python runs");
        assert_eq!(out, format!("2 {text}"), "{call}");
    }
    // A string that reads as an int is taken, as 4.3's int() takes it.
    assert_eq!(
        d.rpc("type(s.supervisor.readLog('0', '0')).__name__")
            .expect("readLog answers"),
        "str"
    );
}
