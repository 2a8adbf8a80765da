//! crashmail through the SDK's harness: in process, and as a subprocess with a sendmail
//! stub writing the mail to a file.

use std::process::Command;
use std::time::Duration;

use event_proto::ProcessState;
use examples::crashmail::CrashMail;
use examples::Cli;
use listener_sdk::testing::{Harness, TestEvent};
use listener_sdk::Verdict;

fn parse(args: &[&str]) -> CrashMail {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    match CrashMail::from_args(&args) {
        Cli::Run(c) => c,
        Cli::Usage(code) => panic!("usage {code}"),
    }
}

fn exited(name: &str, group: &str, expected: bool) -> TestEvent {
    TestEvent::process_state(ProcessState::Exited, name, group)
        .expected(expected)
        .pid(4242)
}

#[test]
fn the_mail_superlance_writes() {
    let c = parse(&["-a", "-m", "ops@example.com", "-o", "[prod]"]);
    let mut mails = Vec::new();
    Harness::new().run_handler(
        &[
            exited("web", "site", false),
            exited("web", "site", true),
            TestEvent::process_state(ProcessState::Running, "web", "site"),
        ],
        |e| {
            mails.extend(c.mail_for(e, "2026-11-24 10:00:00,123"));
            Verdict::Ok
        },
    );
    assert_eq!(
        mails,
        [
            "To: ops@example.com\nSubject: [prod]: web crashed at 2026-11-24 10:00:00,123\n\n\
          Process web in group site exited unexpectedly (pid 4242) from state RUNNING"
        ]
    );
}

#[test]
fn programs_select_what_is_mailed() {
    let c = parse(&["--program=site:web", "-p", "db", "-m", "x@y"]);
    let mut mailed = Vec::new();
    Harness::new().run_handler(
        &[
            exited("web", "site", false),
            exited("db", "db", false),
            exited("cache", "cache", false),
        ],
        |e| {
            if c.mail_for(e, "t").is_some() {
                mailed.push(e.process_name().unwrap_or("").to_owned());
            }
            Verdict::Ok
        },
    );
    assert_eq!(mailed, ["web", "db"]);
    assert_eq!(CrashMail::from_args(&["-x".to_string()]), Cli::Usage(255));
    assert_eq!(CrashMail::from_args(&["-h".to_string()]), Cli::Usage(0));
}

#[test]
fn as_a_subprocess_it_mails_through_the_sendmail_command() {
    let dir = std::env::temp_dir().join(format!("crashmail-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let mail = dir.join("mail.txt");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_crashmail"));
    cmd.arg("--spool")
        .arg(dir.join("spool"))
        .args(["-a", "-m", "ops@example.com", "-s"])
        .arg(format!("cat > {}", mail.display()))
        .env("SUPERVISOR_SERVER_URL", "unix:///nonexistent");
    let run = Harness::new()
        .run_binary(
            cmd,
            &[exited("web", "web", true), exited("web", "web", false)],
            Duration::from_secs(10),
        )
        .expect("runs");
    assert!(
        run.transcript.all_ok() && run.transcript.results.len() == 2,
        "{run:?}"
    );
    assert!(
        run.exit.is_some_and(|s| s.success()),
        "clean exit at EOF: {run:?}"
    );
    let text = std::fs::read_to_string(&mail).expect("mail written");
    assert!(
        text.starts_with("To: ops@example.com\nSubject:  web crashed at "),
        "{text}"
    );
    assert!(text
        .ends_with("Process web in group web exited unexpectedly (pid 4242) from state RUNNING"));
    assert!(
        run.stderr.contains("unexpected exit, mailing"),
        "{}",
        run.stderr
    );
    let _ = std::fs::remove_dir_all(&dir);
}
