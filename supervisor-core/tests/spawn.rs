//! The spawn edge with real children ([PROC-SPAWN-*], [PROC-ENV-*], [CFG-CMD-*]). Each child is
//! reaped by its own pid here (the daemon's waitpid(-1) reaper is not in this binary).

mod common;

use common::temp_dir;

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::Pid;
use supervisor_core::daemon::spawn::{
    child_environment, resolve_command, spawn, SpawnRequest, Spawned,
};
use supervisor_core::model::RunAs;

fn request(script: &str) -> SpawnRequest {
    SpawnRequest {
        cgroup_procs: None,
        argv: vec!["sh".into(), "-c".into(), script.into()],
        env: vec![("PATH".into(), "/usr/bin:/bin".into())],
        directory: None,
        umask: None,
        user: None,
        redirect_stderr: false,
        discard_stdout: false,
        discard_stderr: false,
        stdin_socket: None,
    }
}

/// Reads stdout and stderr to EOF and reaps the child: (stdout, stderr, exit code).
fn finish(mut s: Spawned) -> (String, String, i32) {
    drop(s.stdin);
    let mut out = String::new();
    if let Some(mut o) = s.stdout.take() {
        o.read_to_string(&mut out).expect("stdout");
    }
    let mut err = String::new();
    if let Some(mut e) = s.stderr.take() {
        e.read_to_string(&mut err).expect("stderr");
    }
    let code = match waitpid(Pid::from_raw(s.pid as i32), None).expect("waitpid") {
        WaitStatus::Exited(_, code) => code,
        other => panic!("unexpected {other:?}"),
    };
    (out, err, code)
}

#[test]
fn command_lookup_errors_cfg_cmd_errors() {
    let dir = temp_dir("lookup");
    let plain = dir.join("plain");
    std::fs::write(&plain, "#!/bin/sh\n").expect("write");
    std::fs::set_permissions(&plain, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    assert_eq!(
        resolve_command("nosuchcommand_xyz", Some("/bin:/usr/bin"))
            .expect_err("must fail")
            .0,
        "can't find command 'nosuchcommand_xyz'"
    );
    assert_eq!(
        resolve_command(dir.to_str().expect("utf-8"), None)
            .expect_err("must fail")
            .0,
        format!("command at '{}' is a directory", dir.display())
    );
    assert_eq!(
        resolve_command(plain.to_str().expect("utf-8"), None)
            .expect_err("must fail")
            .0,
        format!("command at '{}' is not executable", plain.display())
    );
    let sh = resolve_command("sh", Some("/nonexistent:/bin")).expect("sh in /bin");
    assert_eq!(sh, PathBuf::from("/bin/sh"));
    std::fs::remove_dir_all(dir).expect("cleanup");
}

#[test]
fn environment_precedence_proc_env_order() {
    let env = child_environment(
        vec![
            ("HOME".into(), "/root".into()),
            ("SUPERVISOR_GROUP_NAME".into(), "stale".into()),
        ],
        "web_0",
        "web",
        Some("unix:///tmp/s.sock"),
        &[
            ("SUPERVISOR_GROUP_NAME".into(), "overridden".into()),
            ("A".into(), "global".into()),
        ],
        &[("A".into(), "program".into())],
    );
    let get = |k: &str| {
        env.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(get("SUPERVISOR_ENABLED"), Some("1"));
    assert_eq!(get("SUPERVISOR_PROCESS_NAME"), Some("web_0"));
    assert_eq!(get("SUPERVISOR_GROUP_NAME"), Some("overridden"));
    assert_eq!(get("SUPERVISOR_SERVER_URL"), Some("unix:///tmp/s.sock"));
    assert_eq!(get("A"), Some("program"));
    assert_eq!(get("HOME"), Some("/root"));
}

#[test]
fn child_gets_its_group_directory_umask_env_and_pipes() {
    let dir = temp_dir("child");
    let mut req = request(
        "echo pid=$$ pgid=$(cut -d' ' -f5 /proc/$$/stat); pwd; umask; echo X=$X; echo oops >&2",
    );
    req.env.push(("X".into(), "fromprog".into()));
    req.directory = Some(dir.clone());
    req.umask = Some(0o027);
    let (out, err, code) = finish(spawn(&req, "child").expect("spawn"));
    let lines: Vec<&str> = out.lines().collect();
    let pid = lines[0]
        .split(' ')
        .next()
        .expect("pid")
        .trim_start_matches("pid=");
    assert_eq!(
        lines[0],
        format!("pid={pid} pgid={pid}"),
        "own process group"
    );
    assert_eq!(lines[1], dir.display().to_string());
    assert_eq!(lines[2], "0027");
    assert_eq!(lines[3], "X=fromprog");
    assert_eq!(err, "oops\n");
    assert_eq!(code, 0);
    std::fs::remove_dir_all(dir).expect("cleanup");
}

#[test]
fn redirect_stderr_shares_the_stdout_pipe() {
    let mut req = request("echo to-out; echo to-err >&2");
    req.redirect_stderr = true;
    let s = spawn(&req, "redir").expect("spawn");
    assert!(s.stderr.is_none());
    let (out, _, _) = finish(s);
    assert_eq!(out, "to-out\nto-err\n");
}

#[test]
fn discarded_output_goes_to_dev_null_and_no_pipe_is_made() {
    // stdout discarded, stderr a pipe: the child sees /dev/null on fd 1 and says so on fd 2.
    let mut req = request("echo lost; p=$(readlink /proc/$$/fd/1); echo $p >&2");
    req.discard_stdout = true;
    let s = spawn(&req, "discard").expect("spawn");
    assert!(s.stdout.is_none());
    let (out, err, code) = finish(s);
    assert_eq!((out.as_str(), err.as_str(), code), ("", "/dev/null\n", 0));

    // Both discarded, and stderr redirected onto a discarded stdout: no pipe at all.
    for redirect in [false, true] {
        let mut req = request(
            "[ \"$(readlink /proc/$$/fd/1)\" = /dev/null ] && [ \"$(readlink /proc/$$/fd/2)\" = /dev/null ]",
        );
        req.discard_stdout = true;
        req.discard_stderr = !redirect;
        req.redirect_stderr = redirect;
        let s = spawn(&req, "discard").expect("spawn");
        assert!(s.stdout.is_none() && s.stderr.is_none());
        assert_eq!(finish(s).2, 0, "redirect_stderr={redirect}");
    }
}

#[test]
fn bad_directory_fails_in_the_child_with_127_proc_spawn_child_fail() {
    let mut req = request("echo never");
    req.directory = Some(PathBuf::from("/nonexistent/dir"));
    let (out, err, code) = finish(spawn(&req, "badcwd").expect("the fork itself succeeds"));
    assert_eq!(out, "");
    assert_eq!(
        err,
        "supervisor: couldn't chdir to /nonexistent/dir: ENOENT\nsupervisor: child process was not spawned\n"
    );
    assert_eq!(code, 127);
}

#[test]
fn user_switch_cfg_prog_user() {
    let mut req = request("id -u; id -g");
    req.user = Some(RunAs {
        uid: 65534,
        gid: 65534,
        groups: vec![65534],
    });
    let (out, err, code) = finish(spawn(&req, "nobody").expect("spawn"));
    if nix::unistd::geteuid().is_root() {
        assert_eq!((out.as_str(), code), ("65534\n65534\n", 0), "{err}");
    } else {
        assert_eq!(code, 127);
        assert_eq!(
            err,
            "supervisor: couldn't setuid to 65534: Can't drop privilege as nonroot user\nsupervisor: child process was not spawned\n"
        );
    }
}

#[test]
fn empty_and_missing_commands_are_parent_side_errors() {
    let mut req = request("");
    req.argv.clear();
    assert_eq!(
        spawn(&req, "e").expect_err("must fail").0,
        "command is empty"
    );
    req.argv = vec!["nosuchcommand_xyz".into()];
    assert_eq!(
        spawn(&req, "e").expect_err("must fail").0,
        "can't find command 'nosuchcommand_xyz'"
    );
}

mod pipes {
    use std::time::Duration;

    use bytes::Bytes;
    use supervisor_core::daemon::pipes::{spawn_reader, spawn_writer, PipeEvent};
    use tokio::sync::mpsc;

    use super::*;

    #[tokio::test]
    async fn writer_and_reader_tasks_round_trip_through_cat() {
        let s = spawn(&request("exec cat"), "cat").expect("spawn");
        let pid = s.pid;
        let (tx, mut rx) = mpsc::channel(4);
        let _r = spawn_reader(s.stdout.expect("stdout pipe"), "out", tx).expect("reader");
        let (ftx, mut failed) = mpsc::unbounded_channel();
        let stdin = spawn_writer(s.stdin.expect("a stdin pipe"), "in", ftx).expect("writer");
        stdin.send(Bytes::from_static(b"hello ")).expect("send");
        stdin.send(Bytes::from_static(b"world")).expect("send");
        let mut got = Vec::new();
        while got.len() < 11 {
            let ev = tokio::time::timeout(Duration::from_secs(10), rx.recv())
                .await
                .expect("data within 10 s")
                .expect("reader alive");
            match ev {
                PipeEvent::Data("out", b) => got.extend_from_slice(&b),
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(got, b"hello world");
        drop(stdin); // closes cat's stdin: it exits, and the reader sees EOF
        let closed = tokio::time::timeout(Duration::from_secs(10), rx.recv()).await;
        assert_eq!(
            closed.expect("EOF within 10 s"),
            Some(PipeEvent::Closed("out"))
        );
        waitpid(Pid::from_raw(pid as i32), None).expect("reap cat");
        assert!(failed.try_recv().is_err(), "no write failed");
    }

    /// Whether `pid` is blocked writing to a pipe (its wait channel, as the kernel reports it).
    fn blocked_in_pipe_write(pid: u32) -> bool {
        std::fs::read_to_string(format!("/proc/{pid}/wchan"))
            .is_ok_and(|w| w.contains("pipe_write"))
    }

    #[tokio::test]
    async fn a_full_channel_stops_the_reader_so_the_child_blocks_and_nothing_is_lost() {
        const TOTAL: usize = 4_000_000;
        let s = spawn(&request(&format!("exec head -c {TOTAL} /dev/zero")), "fast").expect("spawn");
        let pid = s.pid;
        // Room for two chunks: 256 KiB at most, far less than the child wants to write.
        let (tx, mut rx) = mpsc::channel(2);
        let _r = spawn_reader(s.stdout.expect("stdout pipe"), "out", tx).expect("reader");
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while !blocked_in_pipe_write(pid) {
            assert!(
                std::time::Instant::now() < deadline,
                "the child never blocked in write while nobody read the channel"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        // Blocked: the reader holds at most its two queued chunks and one in hand.
        let mut got = 0;
        let mut chunks = 0;
        while let Ok(ev) = rx.try_recv() {
            if let PipeEvent::Data(_, b) = ev {
                got += b.len();
                chunks += 1;
            }
        }
        assert!(chunks <= 2, "{chunks} chunks queued past a bound of 2");
        // Reading again lets the child finish, and every byte arrives.
        loop {
            let ev = tokio::time::timeout(Duration::from_secs(10), rx.recv())
                .await
                .expect("data within 10 s")
                .expect("reader alive");
            match ev {
                PipeEvent::Data(_, b) => got += b.len(),
                PipeEvent::Closed(_) => break,
            }
        }
        assert_eq!(got, TOTAL);
        waitpid(Pid::from_raw(pid as i32), None).expect("reap head");
    }

    /// Runs `script` (Python) as a child, reads all its stdout through a reader task, and
    /// returns it.
    async fn stdout_of_python(script: &str) -> Vec<u8> {
        let s = spawn(&request(&format!("exec python3 -c \"{script}\"")), "py").expect("spawn");
        let pid = s.pid;
        let (tx, mut rx) = mpsc::channel(8);
        let _r = spawn_reader(s.stdout.expect("stdout pipe"), "out", tx).expect("reader");
        let mut got = Vec::new();
        loop {
            let ev = tokio::time::timeout(Duration::from_secs(30), rx.recv())
                .await
                .expect("data within 30 s")
                .expect("reader alive");
            match ev {
                PipeEvent::Data(_, b) => got.extend_from_slice(&b),
                PipeEvent::Closed(_) => break,
            }
        }
        waitpid(Pid::from_raw(pid as i32), None).expect("reap python");
        got
    }

    /// The child's own view of its stdout pipe's capacity, printed after what it wrote.
    const PRINT_CAPACITY: &str = "import fcntl, sys; \
        out = sys.stdout.buffer; out.flush(); \
        out.write(b'capacity=%d' % fcntl.fcntl(1, 1032)); out.flush()";

    #[tokio::test]
    async fn a_pipe_found_full_is_grown_and_a_quiet_one_keeps_the_default() {
        // Writes 64 KiB blocks until its pipe has grown (at most 16 MiB), then reports.
        let busy = format!(
            "import fcntl, sys; out = sys.stdout.buffer; n = 0
while n < 256 and fcntl.fcntl(1, 1032) < 1048576: out.write(b'x' * 65536); out.flush(); n += 1
{PRINT_CAPACITY}"
        );
        let got = stdout_of_python(&busy).await;
        let tail = String::from_utf8_lossy(&got[got.len().saturating_sub(20)..]).into_owned();
        assert!(tail.ends_with("capacity=1048576"), "busy child: {tail:?}");
        let got = stdout_of_python(&format!("print('hello', flush=True); {PRINT_CAPACITY}")).await;
        assert_eq!(String::from_utf8_lossy(&got), "hello\ncapacity=65536");
    }

    #[tokio::test]
    async fn writing_to_a_dead_child_reports_the_unsent_bytes() {
        let s = spawn(&request("exit 0"), "gone").expect("spawn");
        waitpid(Pid::from_raw(s.pid as i32), None).expect("reap");
        let (ftx, mut failed) = mpsc::unbounded_channel();
        let stdin = spawn_writer(s.stdin.expect("a stdin pipe"), 7u32, ftx).expect("writer");
        // A concurrent fork in another test thread can hold the read end for a moment (until
        // its exec closes it), so keep writing until the failure is reported.
        let f = tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                let _ = stdin.send(Bytes::from_static(b"event"));
                tokio::select! {
                    f = failed.recv() => return f,
                    () = tokio::time::sleep(Duration::from_millis(20)) => {}
                }
            }
        })
        .await
        .expect("failure within 10 s")
        .expect("report");
        assert_eq!((f.id, &f.unsent[..]), (7, &b"event"[..]));
    }
}
