//! Nothing lost: the `alert` listener (spooled mode) SIGKILLed in the middle of a burst of
//! crashes, under both daemons. Every incident is delivered at least once: the events it had
//! acknowledged sit in its on-disk spool and the restarted listener delivers them; the ones
//! it had not acknowledged supervisord sends again.

use std::collections::BTreeSet;
use std::time::Duration;

use listener_sdk::testing::FakeHttp;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use tests::{python_reference, rust_binary, try_wait_until, wait_until, Daemon, Implementation};

const PROGRAMS: usize = 20;
/// The webhook refuses this many requests first, so the burst piles up in the spool.
const REFUSED: usize = 6;

fn spooled(dir: &std::path::Path) -> usize {
    listener_sdk::spool::pending(dir).unwrap_or(0)
}

fn scenario(which: Implementation) {
    let mut statuses = vec!["503 Service Unavailable"; REFUSED];
    statuses.push("200 OK");
    let webhook = FakeHttp::start(&statuses, "").expect("webhook");
    let mut sections = String::new();
    for i in 0..PROGRAMS {
        sections.push_str(&format!(
            "[program:c{i}]\ncommand=sh -c 'sleep 1; exit 1'\nautorestart=false\nstartsecs=0\n\n"
        ));
    }
    sections.push_str(&format!(
        "[eventlistener:alert]\ncommand={} --webhook {} --spool %(here)s/spool --backoff 0.3 --max-backoff 0.3 --tail 0 --host h\n\
         events=PROCESS_STATE\nbuffer_size=200\nstartsecs=0\nautorestart=true\n",
        rust_binary("alert").display(),
        webhook.url()
    ));
    let d = Daemon::start(which, &sections).expect("daemon starts");
    let spool = d.dir().join("spool");
    let pid = || {
        d.rpc("s.supervisor.getProcessInfo('alert')['pid']")
            .ok()
            .and_then(|p| p.parse::<i32>().ok())
            .unwrap_or(0)
    };
    // Mid-burst: crashes acknowledged and spooled, not yet delivered.
    wait_until(
        Duration::from_secs(30),
        "spooled, undelivered alerts",
        || spooled(&spool) >= 5,
    );
    let (first, in_spool) = (pid(), spooled(&spool));
    assert!(first > 0);
    kill(Pid::from_raw(first), Signal::SIGKILL).expect("SIGKILL the listener");
    let delivered = || -> Vec<String> {
        webhook
            .requests()
            .iter()
            .skip(REFUSED)
            .filter_map(|r| serde_json::from_str::<serde_json::Value>(&r.text()).ok())
            .filter(|v| v["phase"] == "trigger")
            .filter_map(|v| v["process"].as_str().map(str::to_owned))
            // The listener's own unexpected exit (the SIGKILL) is an incident too.
            .filter(|p| p != "alert")
            .collect()
    };
    let all = try_wait_until(Duration::from_secs(60), || {
        delivered().iter().collect::<BTreeSet<_>>().len() == PROGRAMS
    });
    let got = delivered();
    let distinct: BTreeSet<&String> = got.iter().collect();
    assert!(
        all,
        "after SIGKILL with {in_spool} alerts spooled, {} of {PROGRAMS} delivered: {distinct:?}",
        distinct.len()
    );
    let second = pid();
    assert!(second > 0 && second != first, "the listener was restarted");
    // At least once: a delivery just before the kill may be repeated, but nothing else is.
    assert!(
        got.len() >= PROGRAMS && got.len() <= PROGRAMS + 1,
        "{got:?}"
    );
    wait_until(Duration::from_secs(10), "the spool emptied", || {
        spooled(&spool) == 0
    });
}

#[test]
fn sigkilled_listener_loses_nothing_under_ours() {
    if python_reference() {
        scenario(Implementation::Rust);
    }
}

#[test]
fn sigkilled_listener_loses_nothing_under_python_reference() {
    if python_reference() {
        scenario(Implementation::Python);
    }
}
