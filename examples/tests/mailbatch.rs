//! crashmailbatch, fatalmailbatch and crashsms: superlance's options, lines and batching,
//! in process (their SMTP delivery is tested against a real server in tests/).

use event_proto::{EventType, ProcessState};
use examples::mailbatch::{BatchState, Kind, MailBatch};
use examples::Cli;
use listener_sdk::testing::{Harness, TestEvent};
use listener_sdk::Verdict;

fn parse(kind: Kind, args: &[&str]) -> Cli<MailBatch> {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    MailBatch::from_args(kind, &args)
}

#[test]
fn superlance_options() {
    let Cli::Run(m) = parse(
        Kind::CrashMailBatch,
        &[
            "--toEmail=a@x, b@x",
            "-f",
            "me@x",
            "-i0.5",
            "-H",
            "mail:2525",
            "-e",
            "TICK_5",
            "-u",
            "u",
            "--password",
            "p",
            "--tls",
        ],
    ) else {
        panic!("parses")
    };
    assert_eq!(m.to, ["a@x", "b@x"]);
    assert_eq!((m.interval, m.smtp_host.as_str()), (0.5, "mail:2525"));
    assert_eq!(m.subject.as_deref(), Some("Crash alert from supervisord"));
    assert!(m.starttls && !m.smtps);
    assert_eq!(m.tick_minutes(), Some(5.0 / 60.0));
    // -t and -f are required (usage, exit 1); -h is exit 0; a bad TICK name is refused.
    assert_eq!(parse(Kind::CrashSms, &["-f", "me@x"]), Cli::Usage(1));
    assert_eq!(parse(Kind::CrashSms, &["-t", "a@x"]), Cli::Usage(1));
    assert_eq!(parse(Kind::CrashSms, &["-h"]), Cli::Usage(0));
    assert_eq!(
        parse(Kind::CrashSms, &["-t", "a", "-f", "b", "-e", "TOCK_5"]),
        Cli::Usage(2)
    );
    // Our extensions only in full: `--sm` still means superlance's --smtpHost.
    let Cli::Run(m) = parse(Kind::FatalMailBatch, &["-t", "a", "-f", "b", "--sm", "h"]) else {
        panic!("parses")
    };
    assert_eq!((m.smtp_host.as_str(), m.smtps), ("h", false));
    assert_eq!(
        m.subject.as_deref(),
        Some("Fatal start alert from supervisord")
    );
    let Cli::Run(sms) = parse(Kind::CrashSms, &["-t", "a", "-f", "b", "--smtps"]) else {
        panic!("parses")
    };
    assert!(sms.smtps && sms.subject.is_none());
}

#[test]
fn lines_fold_into_one_mail_per_interval() {
    let Cli::Run(m) = parse(
        Kind::CrashMailBatch,
        &["-t", "a@x", "-f", "me@x", "-i", "2"],
    ) else {
        panic!("parses")
    };
    let crash = TestEvent::process_state(ProcessState::Exited, "web", "site")
        .expected(false)
        .pid(42);
    let events = [
        crash.clone(),
        TestEvent::process_state(ProcessState::Exited, "db", "db").expected(true),
        TestEvent::tick(EventType::Tick60, 60),
        crash,
        TestEvent::tick(EventType::Tick60, 120),
        TestEvent::tick(EventType::Tick60, 180),
        TestEvent::tick(EventType::Tick60, 240),
    ];
    let mut state = BatchState::default();
    let mut mails = Vec::new();
    Harness::new().run_handler(&events, |e| {
        mails.extend(m.step(&mut state, e, "T"));
        Verdict::Ok
    });
    assert_eq!(
        mails.len(),
        1,
        "two ticks of a minute make one 2-minute batch"
    );
    assert_eq!(
        mails[0].body,
        "T -- Process site:web (pid 42) died unexpectedly\nT -- Process site:web (pid 42) died unexpectedly"
    );
    assert!(state.messages.is_empty());

    let Cli::Run(sms) = parse(Kind::CrashSms, &["-t", "a@x", "-f", "me@x"]) else {
        panic!("parses")
    };
    let e = TestEvent::process_state(ProcessState::Exited, "web", "site")
        .expected(false)
        .pid(7);
    let mut line = None;
    Harness::new().run_handler(&[e], |e| {
        line = sms.line_for(e, "T");
        Verdict::Ok
    });
    assert_eq!(line.as_deref(), Some("[site:web](7) exited unexpectedly T"));
}
