//! `system.multicall` waits for calls that wait, as 4.3's does: a `startProcess(name, True)`
//! inside it completes (the process RUNNING) before the next call runs, and the answer comes
//! once every call is done ([RPC-system.multicall], issue 20).

use tests::{python_reference, Daemon, Implementation};

const SECTIONS: &str = "\
[program:slow]\ncommand=sleep 1000\nstartsecs=1\nautostart=false\n\n\
[program:quick]\ncommand=sleep 1001\nstartsecs=0\nautostart=false\n\n\
[program:dies]\ncommand=sh -c 'exit 1'\nstartsecs=1\nstartretries=0\nautostart=false\n";

const SCRIPT: &str = r#"
r = s.system.multicall([
    {'methodName': 'supervisor.startProcess', 'params': ['slow', True]},
    {'methodName': 'supervisor.getProcessInfo', 'params': ['slow']},
    {'methodName': 'supervisor.startProcess', 'params': ['dies', True]},
    {'methodName': 'supervisor.startProcessGroup', 'params': ['quick']},
    {'methodName': 'supervisor.stopProcess', 'params': ['slow']},
    {'methodName': 'supervisor.getProcessInfo', 'params': ['slow']},
    {'methodName': 'supervisor.getAPIVersion', 'params': []},
])
for x in r:
    if isinstance(x, dict) and 'statename' in x:
        print('info', x['name'], x['statename'])
    elif isinstance(x, list):
        print('statuses', sorted((y['name'], y['status'], y['description']) for y in x))
    else:
        print(repr(x))
"#;

fn transcript(which: Implementation) -> String {
    let d = Daemon::start(which, SECTIONS).expect("daemon starts");
    d.rpc_script(SCRIPT).expect("the multicall answers")
}

#[test]
fn multicall_waits_for_calls_that_wait_like_4_3() {
    if !python_reference() {
        return;
    }
    let ours = transcript(Implementation::Rust);
    let lines: Vec<&str> = ours.lines().collect();
    // Answered only once slow was RUNNING: the call after the start sees it.
    assert_eq!(lines.first(), Some(&"True"), "{ours}");
    assert_eq!(lines.get(1), Some(&"info slow RUNNING"), "{ours}");
    // The wait for the stop is over before the next call too.
    assert_eq!(lines.get(5), Some(&"info slow STOPPED"), "{ours}");
    assert_eq!(ours, transcript(Implementation::Python));
}
