//! Disk full while logging (issue 9): supervisord runs under a 100-block file-size limit and a
//! child writes 1 MB to its log file; the writes fail (EFBIG instead of a SIGXFSZ that would
//! kill the daemon), the failure is logged, and the daemon keeps supervising and answering.

use std::process::{Command, Stdio};
use std::time::Duration;

use listener_sdk::rpc::RpcClient;
use tests::{python_reference, rust_binary, wait_until, StopOnDrop, TempDir};

#[test]
fn a_file_size_limit_is_reported_and_survived() {
    if !python_reference() {
        return;
    }
    let dir = TempDir::new("fsize").expect("temp dir");
    let d = dir.path().display().to_string();
    let conf = dir.join("supervisord.conf");
    std::fs::write(
        &conf,
        format!(
            "[unix_http_server]\nfile={d}/s.sock\n\n[supervisord]\nnodaemon=true\nlogfile={d}/supervisord.log\n\
             pidfile={d}/supervisord.pid\nloglevel=info\n\n\
             [rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n\
             [program:spew]\ncommand=sh -c 'head -c 1048576 /dev/zero | tr \"\\\\0\" x; exec sleep 1000'\nstartsecs=0\n\
             stdout_logfile={d}/spew.log\nstdout_logfile_maxbytes=0\n\n\
             [program:sleeper]\ncommand=sleep 1000\nstartsecs=0\n"
        ),
    )
    .expect("config");
    let mut daemon = StopOnDrop(
        Command::new("sh")
            .arg("-c")
            .arg(format!(
                "ulimit -f 100 && exec {} -c {}",
                rust_binary("supervisord").display(),
                conf.display()
            ))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(
                std::fs::File::create(dir.join("stderr.txt")).expect("stderr"),
            ))
            .spawn()
            .expect("spawn"),
    );
    let client = RpcClient::new(&format!("unix://{d}/s.sock")).expect("url");
    wait_until(
        Duration::from_secs(20),
        "the write failure reported",
        || {
            std::fs::read_to_string(dir.join("supervisord.log"))
                .unwrap_or_default()
                .contains("File too large")
        },
    );
    assert!(daemon.running(), "supervisord still running");
    assert_eq!(client.get_state().expect("RPC answers"), "RUNNING");
    client
        .stop_process("sleeper", true)
        .expect("still supervising");
    client
        .start_process("sleeper", true)
        .expect("still supervising");
    let size = std::fs::metadata(dir.join("spew.log")).map_or(0, |m| m.len());
    assert!(size <= 100 * 1024, "the limit held: {size}");
}
