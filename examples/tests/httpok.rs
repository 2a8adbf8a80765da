//! httpok as a subprocess: a loopback web server answering badly, the harness's fake RPC
//! endpoint recording the restart, a sendmail stub keeping the mail.

use std::process::Command;
use std::time::Duration;

use event_proto::xmlrpc::{MethodResponse, Value};
use event_proto::EventType;
use examples::httpok::HttpOk;
use examples::Cli;
use listener_sdk::testing::{FakeHttp, FakeRpc, Harness, TestEvent};

#[test]
fn options() {
    let args: Vec<String> = [
        "-p",
        "web",
        "-c",
        "200",
        "-c",
        "204",
        "-E",
        "-t",
        "3",
        "http://x/",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let Cli::Run(h) = HttpOk::from_args(&args) else {
        panic!("parses")
    };
    assert_eq!(
        (h.statuses.as_slice(), h.eager, h.timeout),
        (&[200, 204][..], false, 3)
    );
    assert_eq!(
        HttpOk::from_args(&[]),
        Cli::Usage(255),
        "the URL is required"
    );
    assert_eq!(HttpOk::from_args(&["-h".into()]), Cli::Usage(0));
}

#[test]
fn a_bad_status_restarts_the_program_and_mails() {
    let site = FakeHttp::start(&["500 Internal Server Error"], "oops").expect("web");
    let url = format!("{}health", site.url());
    let fake = FakeRpc::start().expect("fake rpc");
    fake.respond(
        "supervisor.getAllProcessInfo",
        MethodResponse::Value(Value::Array(vec![Value::structure([
            ("name", Value::from("web")),
            ("group", Value::from("web")),
            ("statename", Value::from("RUNNING")),
            ("state", Value::Int(20)),
            ("pid", Value::Int(999_999)),
        ])])),
    );
    let dir = std::env::temp_dir().join(format!("httpok-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let mail = dir.join("mail.txt");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_httpok"));
    cmd.args(["-p", "web", "-p", "ghost", "-m", "ops@example.com", "-s"])
        .arg(format!("cat > {}", mail.display()))
        .arg(&url)
        .env("SUPERVISOR_SERVER_URL", fake.url());
    let run = Harness::new()
        .run_binary(
            cmd,
            &[TestEvent::tick(EventType::Tick60, 60)],
            Duration::from_secs(20),
        )
        .expect("runs");
    assert!(
        run.transcript.all_ok() && run.transcript.results.len() == 1,
        "{run:?}"
    );
    let methods: Vec<String> = fake.calls().iter().map(|c| c.method.clone()).collect();
    assert_eq!(
        methods,
        [
            "supervisor.getAllProcessInfo",
            "supervisor.stopProcess",
            "supervisor.startProcess"
        ],
        "{}",
        run.stderr
    );
    let text = std::fs::read_to_string(&mail).expect("mail");
    let expected = format!(
        "To: ops@example.com\nSubject: httpok: {url}: bad status returned\n\n\
         status contacting {url}: 500 Internal Server Error\n\
         Restarting selected processes ['web', 'ghost']\n\
         web is in RUNNING state, restarting\n\
         web restarted\n\
         Programs not restarted because they did not exist: ['ghost']"
    );
    assert_eq!(text, expected);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_good_answer_does_nothing() {
    let site = FakeHttp::start(&["200 OK"], "all good").expect("web");
    let url = site.url().to_owned();
    let fake = FakeRpc::start().expect("fake rpc");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_httpok"));
    cmd.args(["-p", "web", "-b", "good"])
        .arg(&url)
        .env("SUPERVISOR_SERVER_URL", fake.url());
    let run = Harness::new()
        .run_binary(
            cmd,
            &[TestEvent::tick(EventType::Tick60, 60)],
            Duration::from_secs(20),
        )
        .expect("runs");
    assert!(run.transcript.all_ok(), "{run:?}");
    assert!(fake.calls().is_empty(), "{:?}", fake.calls());
    assert_eq!(site.requests()[0].header("User-Agent"), Some("httpok"));
}
