//! `[fcgi-program:x]` end to end, against our daemon and the Python reference: the daemon
//! binds the group's socket and every process gets it as stdin ([CFG-FCGI-runtime]).

use std::io::Read;
use std::os::unix::net::UnixStream;
use std::time::Duration;

use tests::{python_reference, try_wait_until, wait_until, Daemon, Implementation};

const SERVER: &str = "import socket, os; s = socket.socket(fileno=0); \
    c, _ = s.accept(); c.sendall(('hello from %%d' %% os.getpid()).encode()); c.close()";

fn serves_on_the_group_socket(which: Implementation) {
    let sections = format!(
        "[fcgi-program:web]\ncommand=python3 -c \"{SERVER}\"\nsocket=unix://%(here)s/web.sock\n\
         socket_mode=0700\nstartsecs=0\nautorestart=false\n"
    );
    let d = Daemon::start(which, &sections).expect("daemon starts");
    let sock = d.dir().join("web.sock");
    wait_until(Duration::from_secs(10), "web RUNNING", || {
        d.rpc("s.supervisor.getProcessInfo('web')['statename']")
            .is_ok_and(|s| s == "RUNNING")
    });
    let mut reply = String::new();
    let got = try_wait_until(Duration::from_secs(10), || {
        match UnixStream::connect(&sock) {
            Ok(mut c) => c.read_to_string(&mut reply).is_ok() && !reply.is_empty(),
            Err(_) => false,
        }
    });
    assert!(got, "no reply on {}: {}", sock.display(), d.main_log());
    let pid = d
        .rpc("s.supervisor.getProcessInfo('web')['pid']")
        .expect("rpc");
    assert!(reply.starts_with("hello from "), "{reply}");
    assert!(pid == "0" || reply.ends_with(&pid), "{reply} vs pid {pid}");
}

#[test]
fn fcgi_socket_is_stdin_python_reference() {
    if python_reference() {
        serves_on_the_group_socket(Implementation::Python);
    }
}

#[test]
fn fcgi_socket_is_stdin_ours() {
    if python_reference() {
        serves_on_the_group_socket(Implementation::Rust);
    }
}
