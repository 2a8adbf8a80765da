//! memmon: option parsing, limit selection, and a subprocess run against the harness's fake
//! RPC endpoint with a real process to measure.

use std::process::Command;
use std::time::Duration;

use event_proto::xmlrpc::{MethodResponse, Value};
use event_proto::EventType;
use examples::memmon::Memmon;
use examples::Cli;
use listener_sdk::rpc::ProcessInfo;
use listener_sdk::testing::{FakeRpc, Harness, TestEvent};

fn parse(args: &[&str]) -> Cli<Memmon> {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    Memmon::from_args(&args)
}

fn info(name: &str, group: &str) -> ProcessInfo {
    ProcessInfo {
        name: name.into(),
        group: group.into(),
        state: None,
        statename: "RUNNING".into(),
        pid: 1,
        start: 0,
        stop: 0,
        now: 0,
        exitstatus: 0,
        spawnerr: String::new(),
        description: String::new(),
        stdout_logfile: String::new(),
        stderr_logfile: String::new(),
    }
}

#[test]
fn options_and_limits() {
    let Cli::Run(m) = parse(&[
        "-p",
        "web=2MB",
        "-p",
        "site:api=1KB",
        "-g",
        "workers=1GB",
        "-a",
        "5GB",
        "-u",
        "1h",
        "-c",
    ]) else {
        panic!("parses");
    };
    assert!(m.cumulative);
    assert_eq!(m.uptime_limit, 3600);
    assert_eq!(m.limit_for(&info("web", "web")), Some(2 << 20));
    assert_eq!(m.limit_for(&info("api", "site")), Some(1024));
    assert_eq!(m.limit_for(&info("w1", "workers")), Some(1 << 30));
    assert_eq!(m.limit_for(&info("other", "other")), Some(5 << 30));
    assert_eq!(
        m.status_lines(),
        [
            "Checking programs site:api=1024, web=2097152",
            "Checking groups workers=1073741824",
            "Checking any=5368709120"
        ]
    );
    assert_eq!(parse(&[]), Cli::Usage(255));
    assert_eq!(parse(&["-p", "nosize"]), Cli::Usage(255));
    assert_eq!(parse(&["-a", "lots"]), Cli::Usage(255));
    assert_eq!(parse(&["--help"]), Cli::Usage(0));
}

#[test]
fn restarts_a_process_over_its_limit_over_rpc_and_mails() {
    let mut victim = Command::new("sleep").arg("30").spawn().expect("spawn");
    let fake = FakeRpc::start().expect("fake rpc");
    let process = |pid: u32| {
        Value::structure([
            ("name", Value::from("hog")),
            ("group", Value::from("hog")),
            ("statename", Value::from("RUNNING")),
            ("pid", Value::Int(i64::from(pid))),
            ("start", Value::Int(100)),
            ("now", Value::Int(160)),
        ])
    };
    fake.respond(
        "supervisor.getAllProcessInfo",
        MethodResponse::Value(Value::Array(vec![process(victim.id()), process(0)])),
    );
    fake.respond(
        "supervisor.getProcessInfo",
        MethodResponse::Value(process(victim.id())),
    );
    let dir = std::env::temp_dir().join(format!("memmon-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let mail = dir.join("mail.txt");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_memmon"));
    cmd.args(["-a", "1KB", "-m", "ops@example.com", "-n", "box1", "-s"])
        .arg(format!("cat > {}", mail.display()))
        .env("SUPERVISOR_SERVER_URL", fake.url());
    let run = Harness::new()
        .run_binary(
            cmd,
            &[
                TestEvent::remote("ignored", b""),
                TestEvent::tick(EventType::Tick60, 60),
            ],
            Duration::from_secs(10),
        )
        .expect("runs");
    let _ = victim.kill();
    let _ = victim.wait();
    assert!(
        run.transcript.all_ok() && run.transcript.results.len() == 2,
        "{run:?}"
    );
    let methods: Vec<String> = fake.calls().iter().map(|c| c.method.clone()).collect();
    assert_eq!(
        methods,
        [
            "supervisor.getAllProcessInfo",
            "supervisor.getProcessInfo",
            "supervisor.stopProcess",
            "supervisor.startProcess"
        ],
        "{}",
        run.stderr
    );
    assert_eq!(fake.calls()[2].params[0], Value::from("hog:hog"));
    assert!(run.stderr.contains("Checking any=1024"), "{}", run.stderr);
    assert!(run.stderr.contains("Restarting hog:hog"), "{}", run.stderr);
    let text = std::fs::read_to_string(&mail).expect("mail");
    assert!(
        text.starts_with(
            "To: ops@example.com\nSubject: memmon [box1]: process hog:hog restarted\n\n"
        ),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
