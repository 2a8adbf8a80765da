//! alert's delivery in process against a loopback webhook: repeated crashes of one program
//! fold into one incident with a count and are rate limited; a refused request (5xx) is
//! retried without folding the incident twice; a resolve follows.

use std::time::Duration;

use event_proto::{EventType, ProcessState};
use examples::alert::Alert;
use examples::Cli;
use listener_sdk::testing::{FakeHttp, Harness, TestEvent};
use listener_sdk::{Delivery, Logger, Verdict};

fn alert(url: &str) -> Alert {
    let args: Vec<String> = [
        "--webhook",
        url,
        "--fold",
        "1",
        "--tail",
        "0",
        "--host",
        "h",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    match Alert::from_args(&args) {
        Cli::Run(a) => a,
        Cli::Usage(code) => panic!("usage {code}"),
    }
}

#[test]
fn repeated_crashes_fold_with_a_count() {
    let hook = FakeHttp::start(&["503 Service Unavailable", "200 OK"], "").expect("hook");
    let a = alert(hook.url());
    let mut deliver = a.deliverer(Logger::new("test")).expect("deliverer");
    let crash = |pid| {
        TestEvent::process_state(ProcessState::Exited, "web", "web")
            .expected(false)
            .pid(pid)
    };
    let events = [
        crash(1),
        crash(2),
        crash(3),
        TestEvent::tick(EventType::Tick5, 5),
        TestEvent::process_state(ProcessState::Running, "web", "web"),
    ];
    let mut outcomes = Vec::new();
    Harness::new().run_handler(&events, |e| {
        if e.name() == "TICK_5" {
            std::thread::sleep(Duration::from_millis(1100));
        }
        let mut d = deliver(e);
        if matches!(d, Delivery::Retry(_)) {
            outcomes.push("retry");
            d = deliver(e);
        }
        assert_eq!(d, Delivery::Done, "{}", e.name());
        outcomes.push("done");
        Verdict::Ok
    });
    assert_eq!(outcomes, ["retry", "done", "done", "done", "done", "done"]);
    let bodies: Vec<serde_json::Value> = hook
        .requests()
        .iter()
        .filter_map(|r| serde_json::from_slice(&r.body).ok())
        .collect();
    let seen: Vec<(String, u64, u64)> = bodies
        .iter()
        .map(|b| {
            (
                b["phase"].as_str().unwrap_or("").to_owned(),
                b["count"].as_u64().unwrap_or(0),
                b["pid"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    // The first crash (503, then retried: the same incident), the two held ones folded
    // into one on the tick (the latest pid), then the resolve (the harness's RUNNING pid).
    assert_eq!(
        seen,
        [
            ("trigger".to_owned(), 1, 1),
            ("trigger".to_owned(), 1, 1),
            ("trigger".to_owned(), 2, 3),
            ("resolve".to_owned(), 1, 1234),
        ]
    );
}

#[test]
fn a_destination_is_required_and_urls_checked() {
    let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(matches!(Alert::from_args(&args(&[])), Cli::Usage(2)));
    assert!(matches!(
        Alert::from_args(&args(&["--slack", "ftp://x"])),
        Cli::Usage(2)
    ));
    assert!(matches!(Alert::from_args(&args(&["-h"])), Cli::Usage(0)));
}
