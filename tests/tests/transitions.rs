//! Process state transitions and their log lines on both daemons with the same config
//! (issue 4): retries with the growing backoff then FATAL, a missing command, an expected
//! exit that is not restarted, an unexpected one that is, and output bytes logged as they
//! were written (not UTF-8, with rotation). Each program's lines must be 4.3's, in 4.3's
//! order ([PROC-TR-*], [LOG-LINE-*], [LOG-CHILD-raw]).

use std::collections::BTreeMap;
use std::time::Duration;

use tests::{python_reference, wait_until, Daemon, Implementation};

const SECTIONS: &str = "\
[program:flaky]\ncommand=sh -c 'exit 1'\nstartsecs=1\nstartretries=2\n\n\
[program:missing]\ncommand=/nonexistent/program\nstartretries=1\n\n\
[program:done]\ncommand=sh -c 'sleep 1.2; exit 0'\nstartsecs=1\nautorestart=unexpected\n\n\
[program:crashy]\ncommand=sh -c 'sleep 1.2; exit 7'\nstartsecs=1\nautorestart=unexpected\nstartretries=0\n\n\
[program:bytes]\ncommand=sh -c 'printf \"caf\\\\351 \\\\377\\\\376\\\\n\"; i=0; while [ $i -lt 40 ]; do echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; i=$((i+1)); done; exec sleep 1000'\nstartsecs=0\nstdout_logfile=%(here)s/bytes.log\nstdout_logfile_maxbytes=1KB\nstdout_logfile_backups=5\n";

/// Each program's transition lines, pids replaced.
fn per_program(log: &str) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in log.lines().filter_map(|l| l.get(24..)) {
        for name in ["flaky", "missing", "done", "crashy"] {
            let about = line.contains(&format!("'{name}'"))
                || line.contains(&format!(": {name} "))
                || line.contains(&format!(": {name} ("));
            if about && !line.starts_with("DEBG") {
                let normalised: Vec<String> = line
                    .split(' ')
                    .map(|w| {
                        if w.parse::<u32>().is_ok() {
                            "N".to_owned()
                        } else {
                            w.to_owned()
                        }
                    })
                    .collect();
                map.entry(name.to_owned())
                    .or_default()
                    .push(normalised.join(" "));
            }
        }
    }
    map
}

fn scenario(which: Implementation) -> (BTreeMap<String, Vec<String>>, Vec<u8>) {
    let d = Daemon::start(which, SECTIONS).expect("daemon starts");
    let state = |n: &str| {
        d.rpc(&format!("s.supervisor.getProcessInfo('{n}')['statename']"))
            .unwrap_or_default()
    };
    wait_until(Duration::from_secs(30), "every program settled", || {
        state("flaky") == "FATAL"
            && state("missing") == "FATAL"
            && state("done") == "EXITED"
            && d.main_log().matches("exited: crashy").count() >= 2
    });
    let dir = d.dir().to_path_buf();
    wait_until(Duration::from_secs(10), "the 40 lines logged", || {
        logged(&dir).windows(7).any(|w| w == b"line-39")
    });
    let bytes = logged(&dir);
    let mut lines = per_program(&d.stop_and_read_log());
    // crashy restarts forever: compare its first two lives only.
    if let Some(c) = lines.get_mut("crashy") {
        let second_exit = c
            .iter()
            .enumerate()
            .filter(|(_, l)| l.contains("exited: crashy"))
            .nth(1)
            .map_or(c.len(), |(i, _)| i + 1);
        c.truncate(second_exit);
    }
    (lines, bytes)
}

/// Everything in bytes.log and its backups, oldest first.
fn logged(dir: &std::path::Path) -> Vec<u8> {
    let mut all = Vec::new();
    for n in (1..=5).rev() {
        all.extend(std::fs::read(dir.join(format!("bytes.log.{n}"))).unwrap_or_default());
    }
    all.extend(std::fs::read(dir.join("bytes.log")).unwrap_or_default());
    all
}

#[test]
fn transitions_and_log_lines_like_4_3() {
    if !python_reference() {
        return;
    }
    let (ours, our_bytes) = scenario(Implementation::Rust);
    let (reference, reference_bytes) = scenario(Implementation::Python);
    for (name, lines) in &reference {
        assert_eq!(ours.get(name), Some(lines), "{name}: ours vs Python 4.3");
    }
    assert_eq!(ours.len(), 4, "{ours:?}");
    assert!(
        ["crashy", "done", "flaky"]
            .iter()
            .all(|n| ours[*n].len() >= 3),
        "{ours:?}"
    );
    assert!(
        our_bytes.starts_with(b"caf\xe9 \xff\xfe\n"),
        "raw bytes kept"
    );
    assert_eq!(
        our_bytes, reference_bytes,
        "the same bytes across the rotated files"
    );
    let flaky = &ours["flaky"];
    assert!(
        flaky.last().is_some_and(|l| l
            .contains("gave up: flaky entered FATAL state, too many start retries too quickly")),
        "{flaky:?}"
    );
}
