//! The RPC client against a real loopback XML-RPC server (the harness's FakeRpc).

use event_proto::xmlrpc::{MethodResponse, Value};
use listener_sdk::rpc::{RpcClient, RpcError};
use listener_sdk::testing::FakeRpc;

#[test]
fn calls_are_sent_and_answers_decoded() {
    let fake = FakeRpc::start().expect("fake server");
    fake.respond(
        "supervisor.getProcessInfo",
        MethodResponse::Value(Value::structure([
            ("name", Value::from("web")),
            ("group", Value::from("site")),
            ("statename", Value::from("RUNNING")),
            ("state", Value::Int(20)),
            ("pid", Value::Int(4321)),
            ("description", Value::from("pid 4321, uptime 0:00:05")),
        ])),
    );
    fake.respond(
        "supervisor.stopProcess",
        MethodResponse::Fault {
            code: 70,
            string: "NOT_RUNNING: site:web".into(),
        },
    );
    let client = RpcClient::new(fake.url())
        .expect("url")
        .with_credentials("user", "123");
    let info = client.get_process_info("site:web").expect("info");
    assert_eq!(info.pid, 4321);
    assert_eq!(info.namespec(), "site:web");
    assert_eq!(info.state, Some(event_proto::ProcessState::Running));
    // NOT_RUNNING on the stop is not an error for a restart: it just starts.
    assert!(client.restart_process("site:web").expect("restart"));
    let err = client.stop_process("site:web", true).expect_err("fault");
    assert!(matches!(err, RpcError::Fault { code: 70, .. }), "{err}");
    assert!(client
        .send_remote_comm_event("alert", "disk full")
        .expect("remote"));
    let calls = fake.calls();
    let methods: Vec<&str> = calls.iter().map(|c| c.method.as_str()).collect();
    assert_eq!(
        methods,
        [
            "supervisor.getProcessInfo",
            "supervisor.stopProcess",
            "supervisor.startProcess",
            "supervisor.stopProcess",
            "supervisor.sendRemoteCommEvent"
        ]
    );
    assert_eq!(
        calls[4].params,
        vec![Value::from("alert"), Value::from("disk full")]
    );
}

#[test]
fn connection_failures_and_bad_urls_are_errors() {
    assert!(matches!(
        RpcClient::new("ftp://nowhere"),
        Err(RpcError::BadUrl(_))
    ));
    let client = RpcClient::new("unix:///nonexistent/dir/s.sock").expect("url");
    assert!(matches!(client.get_state(), Err(RpcError::Io(_))));
}
