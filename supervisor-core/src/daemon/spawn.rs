//! Starting a child the way 4.3 does ([PROC-SPAWN-*], [PROC-ENV-*], [CFG-CMD-path],
//! [CFG-CMD-errors]): command lookup with 4.3's error texts, its own process group, pipes for
//! stdin/stdout/stderr (stderr on the stdout pipe with `redirect_stderr`), environment
//! precedence, then in the child: supplementary groups, gid, uid, chdir, umask, exec.
//!
//! Children are started with `std::process::Command` and never waited for here: the SIGCHLD
//! reaper ([`super::reaper`]) reaps every child.
//!
//! This is the one module of the daemon with `unsafe` code: the `pre_exec` hook, which runs
//! between fork and exec and so may only make async-signal-safe calls.
#![allow(unsafe_code)]

use std::ffi::CString;
use std::fmt;
use std::io::{PipeReader, PipeWriter};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Stdio};

use crate::model::RunAs;

/// Where `PATH` lookups go when no `PATH` is set ([CFG-CMD-path]).
const DEFAULT_PATH: &str = "/bin:/usr/bin:/usr/local/bin";

/// A spawn failure in the parent; its text is 4.3's (logged as `spawnerr: <text>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpawnError(pub String);

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SpawnError {}

/// Everything needed to start one process.
#[derive(Debug, Clone)]
pub struct SpawnRequest {
    /// argv, already split ([CFG-CMD-split]); `argv[0]` is the word as written.
    pub argv: Vec<String>,
    /// What is set on top of the daemon's own environment, which the child inherits (see
    /// [`child_environment`] with nothing inherited). The daemon's environment is not copied
    /// into each request: a burst of queued spawns (500 programs at start) would otherwise
    /// hold one copy per program.
    pub env: Vec<(String, String)>,
    /// `directory=`.
    pub directory: Option<PathBuf>,
    /// `umask=`.
    pub umask: Option<u32>,
    /// `user=`.
    pub user: Option<RunAs>,
    /// `redirect_stderr=`: stderr goes to the stdout pipe.
    pub redirect_stderr: bool,
    /// Nothing reads the child's stdout (see [`output_goes_nowhere`]): it goes to `/dev/null`, and so
    /// does stderr with `redirect_stderr`.
    pub discard_stdout: bool,
    /// Nothing reads the child's stderr: it goes to `/dev/null`.
    pub discard_stderr: bool,
    /// `[fcgi-program:x]`: the group's listening socket becomes the child's stdin.
    pub stdin_socket: Option<std::sync::Arc<std::os::fd::OwnedFd>>,
    /// `stoptree` with cgroups: the `cgroup.procs` file the child moves itself into before
    /// it execs, so nothing it forks starts outside its cgroup.
    pub cgroup_procs: Option<PathBuf>,
}

/// A started child and the daemon's ends of its pipes.
#[derive(Debug)]
pub struct Spawned {
    /// The pid (also its process group id).
    pub pid: u32,
    /// Its stdin (none for an fcgi program, whose stdin is the listening socket).
    pub stdin: Option<ChildStdin>,
    /// Its stdout (and stderr with `redirect_stderr`), unless discarded.
    pub stdout: Option<PipeReader>,
    /// Its stderr, unless redirected or discarded.
    pub stderr: Option<PipeReader>,
}

/// Whether a child's output channel would be read only to be thrown away: no log file, no
/// events, no capture mode, no syslog, and the main log not at `debug` (where 4.3 logs each
/// read of a child's output). Never for a listener's stdout, its protocol channel (the caller
/// passes `protocol` for that).
///
/// Such a channel is given `/dev/null` instead of a pipe. 4.3 reads the pipe and drops the
/// bytes, so the child sees the same (its writes succeed and never block), and the daemon
/// keeps no descriptor and no reader for it: with 500 idle programs logging nowhere, 1,000
/// descriptors and about 0.75 MB fewer.
pub fn output_goes_nowhere(
    model: &crate::model::ChannelModel,
    protocol: bool,
    main_log_debug: bool,
) -> bool {
    !protocol
        && !main_log_debug
        && model.logfile.is_none()
        && !model.events_enabled
        && model.capture_maxbytes == 0
        && !model.syslog
}

/// Resolves the command word as 4.3 does: used as is when it contains `/`, else searched in
/// `path` (the program's `PATH`, else the daemon's, else a default), then checked.
pub fn resolve_command(word: &str, path: Option<&str>) -> Result<PathBuf, SpawnError> {
    let found = if word.contains('/') {
        PathBuf::from(word)
    } else {
        path.unwrap_or(DEFAULT_PATH)
            .split(':')
            .map(|dir| Path::new(dir).join(word))
            .find(|p| p.metadata().is_ok())
            .ok_or_else(|| SpawnError(format!("can't find command '{word}'")))?
    };
    let meta = found
        .metadata()
        .map_err(|_| SpawnError(format!("can't find command '{word}'")))?;
    let shown = found.display();
    if meta.is_dir() {
        return Err(SpawnError(format!("command at '{shown}' is a directory")));
    }
    if meta.permissions().mode() & 0o111 == 0 {
        return Err(SpawnError(format!(
            "command at '{shown}' is not executable"
        )));
    }
    if nix::unistd::access(&found, nix::unistd::AccessFlags::X_OK).is_err() {
        return Err(SpawnError(format!(
            "no permission to run command '{shown}'"
        )));
    }
    Ok(found)
}

/// The child's environment, low to high precedence ([PROC-ENV-order]): the daemon's own,
/// then `SUPERVISOR_ENABLED` / `_PROCESS_NAME` / `_GROUP_NAME` / `_SERVER_URL`, then
/// `[supervisord] environment`, then the program's `environment`.
pub fn child_environment(
    inherited: impl IntoIterator<Item = (String, String)>,
    process_name: &str,
    group_name: &str,
    server_url: Option<&str>,
    global: &[(String, String)],
    program: &[(String, String)],
) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = inherited.into_iter().collect();
    let mut set = |k: &str, v: &str| match env.iter_mut().find(|(key, _)| key == k) {
        Some(slot) => slot.1 = v.to_owned(),
        None => env.push((k.to_owned(), v.to_owned())),
    };
    set("SUPERVISOR_ENABLED", "1");
    set("SUPERVISOR_PROCESS_NAME", process_name);
    set("SUPERVISOR_GROUP_NAME", group_name);
    if let Some(url) = server_url {
        set("SUPERVISOR_SERVER_URL", url);
    }
    for (k, v) in global.iter().chain(program) {
        set(k, v);
    }
    env
}

/// Keeps SIGXFSZ from killing the daemon, as Python (and so 4.3) does by ignoring it: a log
/// write beyond a file-size limit then fails with EFBIG, which is reported. The signal is
/// caught by a handler that does nothing rather than ignored: exec resets a caught signal to
/// its default (an ignored one would stay ignored, and a blocked one stay blocked), so
/// children get the default SIGXFSZ without a `pre_exec` hook, and a child with nothing else
/// to set up is started with `posix_spawn` (no page-table copy of the daemon).
pub fn catch_file_size_signal() {
    extern "C" fn ignore(_: libc::c_int) {}
    // SAFETY: the handler does nothing, so it is async-signal-safe; the sigaction struct is
    // fully initialised here.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = ignore as extern "C" fn(libc::c_int) as libc::sighandler_t;
        action.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(libc::SIGXFSZ, &action, std::ptr::null_mut());
    }
}

/// Starts the child. Parent-side failures (lookup, pipes, fork) are [`SpawnError`]s with 4.3's
/// texts; child-side failures (setuid, chdir) are written to the child's stderr and it exits
/// 127, as in 4.3 ([PROC-SPAWN-child-fail]).
pub fn spawn(req: &SpawnRequest, name: &str) -> Result<Spawned, SpawnError> {
    let Some(word) = req.argv.first() else {
        return Err(SpawnError("command is empty".into()));
    };
    let path_var = req
        .env
        .iter()
        .rev()
        .find(|(k, _)| k == "PATH")
        .map(|(_, v)| v.clone())
        .or_else(|| std::env::var("PATH").ok());
    let program = resolve_command(word, path_var.as_deref())?;
    let pipe_err = |e: std::io::Error| match e.raw_os_error() {
        Some(libc::EMFILE) | Some(libc::ENFILE) => {
            SpawnError(format!("too many open files to spawn '{name}'"))
        }
        _ => SpawnError(format!(
            "unknown error making dispatchers for '{name}': {}",
            errno_name(e.raw_os_error().unwrap_or(0))
        )),
    };
    let null = || -> Result<Stdio, SpawnError> {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/null")
            .map_err(pipe_err)?;
        Ok(Stdio::from(file))
    };
    let (out_r, out_w): (Option<PipeReader>, Option<PipeWriter>) = if req.discard_stdout {
        (None, None)
    } else {
        let (r, w) = std::io::pipe().map_err(pipe_err)?;
        (Some(r), Some(w))
    };
    let (err_r, err_w): (Option<PipeReader>, Stdio) = match &out_w {
        Some(w) if req.redirect_stderr => (None, Stdio::from(w.try_clone().map_err(pipe_err)?)),
        None if req.redirect_stderr => (None, null()?),
        _ if req.discard_stderr => (None, null()?),
        _ => {
            let (r, w) = std::io::pipe().map_err(pipe_err)?;
            (Some(r), Stdio::from(w))
        }
    };
    let out_w = match out_w {
        Some(w) => Stdio::from(w),
        None => null()?,
    };
    let mut cmd = Command::new(&program);
    cmd.arg0(word)
        .args(&req.argv[1..])
        .envs(req.env.iter().map(|(k, v)| (k, v)))
        .stdin(match &req.stdin_socket {
            Some(sock) => Stdio::from(sock.try_clone().map_err(pipe_err)?),
            None => Stdio::piped(),
        })
        .stdout(out_w)
        .stderr(err_w)
        .process_group(0);
    // Without a hook std uses posix_spawn, which is much cheaper than fork for a daemon with
    // many mappings (the restart storm bench).
    if let Some(hook) = ChildSetup::new(req) {
        // SAFETY: `ChildSetup::run` makes only async-signal-safe calls (open, close, setgroups,
        // setgid, setuid, getuid, geteuid, chdir, umask, write, _exit) on data prepared before the
        // fork, and allocates nothing.
        unsafe {
            cmd.pre_exec(move || {
                hook.run();
                Ok(())
            });
        }
    }
    let mut child = cmd.spawn().map_err(|e| match e.raw_os_error() {
        Some(libc::EAGAIN) => SpawnError(format!(
            "Too many processes in process table to spawn '{name}'"
        )),
        Some(code) => SpawnError(format!(
            "unknown error during fork for '{name}': {}",
            errno_name(code)
        )),
        None => SpawnError(format!("unknown error during fork for '{name}': {e}")),
    })?;
    // `cmd` holds the write ends; drop it so EOF arrives when the child exits.
    drop(cmd);
    let stdin = child.stdin.take();
    Ok(Spawned {
        pid: child.id(),
        stdin,
        stdout: out_r,
        stderr: err_r,
    })
}

/// Data for the child-side steps, prepared in the parent so the hook allocates nothing.
struct ChildSetup {
    user: Option<(libc::uid_t, libc::gid_t, Vec<libc::gid_t>)>,
    /// `supervisor: couldn't setuid to <uid>: ` (the reason is appended in the child).
    setuid_msg: Vec<u8>,
    directory: Option<CString>,
    /// `supervisor: couldn't chdir to <dir>: `.
    chdir_msg: Vec<u8>,
    umask: Option<libc::mode_t>,
    /// `cgroup.procs` of the child's cgroup, to write `0` (itself) into.
    cgroup_procs: Option<CString>,
}

impl ChildSetup {
    /// The steps `req` needs in the child, or none.
    fn new(req: &SpawnRequest) -> Option<ChildSetup> {
        if req.user.is_none()
            && req.directory.is_none()
            && req.umask.is_none()
            && req.cgroup_procs.is_none()
        {
            return None;
        }
        let user = req.user.as_ref().map(|u| (u.uid, u.gid, u.groups.clone()));
        let uid = req.user.as_ref().map_or(0, |u| u.uid);
        let directory = req
            .directory
            .as_ref()
            .and_then(|d| CString::new(d.as_os_str().as_bytes()).ok());
        let shown = req
            .directory
            .as_ref()
            .map(|d| d.display().to_string())
            .unwrap_or_default();
        Some(ChildSetup {
            user,
            setuid_msg: format!("supervisor: couldn't setuid to {uid}: ").into_bytes(),
            directory,
            chdir_msg: format!("supervisor: couldn't chdir to {shown}: ").into_bytes(),
            umask: req.umask.map(|m| m as libc::mode_t),
            cgroup_procs: req
                .cgroup_procs
                .as_ref()
                .and_then(|p| CString::new(p.as_os_str().as_bytes()).ok()),
        })
    }

    /// Runs in the child between fork and exec: async-signal-safe calls only.
    fn run(&self) {
        if let Some(procs) = &self.cgroup_procs {
            // First, before anything can fork. A failure leaves the parent's move (after the
            // spawn) and the /proc search to find the tree.
            // SAFETY: open/write/close on a valid NUL-terminated path and a static buffer.
            unsafe {
                let fd = libc::open(procs.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
                if fd >= 0 {
                    libc::write(fd, b"0".as_ptr().cast(), 1);
                    libc::close(fd);
                }
            }
        }
        if let Some((uid, gid, groups)) = &self.user {
            // SAFETY: plain syscalls on values owned by `self`.
            let (cur_uid, euid) = unsafe { (libc::getuid(), libc::geteuid()) };
            if *uid != cur_uid {
                if euid != 0 {
                    fail(&self.setuid_msg, b"Can't drop privilege as nonroot user");
                }
                // SAFETY: `groups` outlives the call; the length matches the pointer.
                let ok = unsafe {
                    libc::setgroups(groups.len(), groups.as_ptr()) == 0
                        && libc::setgid(*gid) == 0
                        && libc::setuid(*uid) == 0
                };
                if !ok {
                    fail(&self.setuid_msg, errno_name(last_errno()).as_bytes());
                }
            }
        }
        if let Some(dir) = &self.directory {
            // SAFETY: `dir` is a valid NUL-terminated string owned by `self`.
            if unsafe { libc::chdir(dir.as_ptr()) } != 0 {
                fail(&self.chdir_msg, errno_name(last_errno()).as_bytes());
            }
        }
        if let Some(mask) = self.umask {
            // SAFETY: umask cannot fail.
            unsafe {
                libc::umask(mask);
            }
        }
    }
}

fn last_errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// Writes `<msg><reason>\nsupervisor: child process was not spawned\n` to stderr and exits
/// 127, in the child.
fn fail(msg: &[u8], reason: &[u8]) -> ! {
    for part in [
        msg,
        reason,
        b"\nsupervisor: child process was not spawned\n",
    ] {
        // SAFETY: write(2) on fd 2 with a valid buffer; errors are ignored on purpose.
        unsafe {
            libc::write(2, part.as_ptr().cast(), part.len());
        }
    }
    // SAFETY: _exit is async-signal-safe and never returns.
    unsafe { libc::_exit(127) }
}

/// The symbolic name of an errno (`ENOENT`), as 4.3 prints them.
pub fn errno_name(code: i32) -> &'static str {
    match code {
        libc::EPERM => "EPERM",
        libc::ENOENT => "ENOENT",
        libc::EIO => "EIO",
        libc::E2BIG => "E2BIG",
        libc::ENOEXEC => "ENOEXEC",
        libc::EAGAIN => "EAGAIN",
        libc::ENOMEM => "ENOMEM",
        libc::EACCES => "EACCES",
        libc::ENOTDIR => "ENOTDIR",
        libc::EISDIR => "EISDIR",
        libc::EINVAL => "EINVAL",
        libc::ENFILE => "ENFILE",
        libc::EMFILE => "EMFILE",
        libc::ETXTBSY => "ETXTBSY",
        libc::ENAMETOOLONG => "ENAMETOOLONG",
        libc::ELOOP => "ELOOP",
        _ => "EUNKNOWN",
    }
}
