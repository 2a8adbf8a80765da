//! Starting a supervisord in a temp dir and stopping it (and its children) by pid.

use std::io;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use crate::temp_dir::TempDir;
use crate::wait::try_wait_until;

/// Which supervisord to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Implementation {
    /// The Python supervisor 4.3 reference (`supervisord` on PATH, from pip).
    Python,
    /// Ours, from this workspace's target directory.
    Rust,
}

/// A running supervisord with its own temp dir, socket and log. Dropping it stops the daemon
/// and kills every child process it reported, by pid.
#[derive(Debug)]
pub struct Daemon {
    dir: TempDir,
    child: Child,
    /// Pids of supervised processes seen through RPC, killed on drop in case the daemon could
    /// not stop them.
    seen_pids: std::cell::RefCell<Vec<i32>>,
}

impl Daemon {
    /// Writes a supervisord.conf (socket, log, pidfile in a fresh temp dir, `nodaemon`) with
    /// `sections` appended, starts the daemon and waits up to 20 s for its RPC to answer.
    /// `%(here)s` in `sections` is the temp dir.
    pub fn start(which: Implementation, sections: &str) -> io::Result<Daemon> {
        Daemon::start_at_level(which, sections, "debug")
    }

    /// [`Daemon::start`] with the main log at `loglevel` (benches use `info`: copying every
    /// child output chunk into the main log at debug would dominate what they measure).
    pub fn start_at_level(
        which: Implementation,
        sections: &str,
        loglevel: &str,
    ) -> io::Result<Daemon> {
        Daemon::start_with_env(which, sections, loglevel, &[])
    }

    /// [`Daemon::start_at_level`] with extra environment variables for the daemon.
    pub fn start_with_env(
        which: Implementation,
        sections: &str,
        loglevel: &str,
        env: &[(&str, &str)],
    ) -> io::Result<Daemon> {
        let dir = TempDir::new(match which {
            Implementation::Python => "py",
            Implementation::Rust => "rs",
        })?;
        let conf = dir.join("supervisord.conf");
        std::fs::write(&conf, config_text(dir.path(), sections, loglevel))?;
        let program = match which {
            Implementation::Python => PathBuf::from("supervisord"),
            Implementation::Rust => rust_binary("supervisord"),
        };
        let child = Command::new(program)
            .envs(env.iter().copied())
            .arg("-c")
            .arg(&conf)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(std::fs::File::create(dir.join("stderr.txt"))?))
            .spawn()?;
        let daemon = Daemon {
            dir,
            child,
            seen_pids: Default::default(),
        };
        let up = try_wait_until(Duration::from_secs(20), || {
            daemon
                .rpc("s.supervisor.getState()['statename']")
                .is_ok_and(|s| s == "RUNNING")
        });
        if !up {
            let log = std::fs::read_to_string(daemon.dir.join("stderr.txt")).unwrap_or_default();
            return Err(io::Error::other(format!(
                "supervisord did not come up: {log}"
            )));
        }
        Ok(daemon)
    }

    /// The temp dir.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The daemon's pid.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The unix socket URL, as `SUPERVISOR_SERVER_URL` would carry it.
    pub fn server_url(&self) -> String {
        format!("unix://{}", self.dir.join("supervisor.sock").display())
    }

    /// The main log so far.
    pub fn main_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("supervisord.log")).unwrap_or_default()
    }

    /// Evaluates a Python expression with `s` bound to the daemon's XML-RPC proxy (through
    /// `supervisor.childutils`, exactly as listeners reach the daemon), returning its `str()`.
    pub fn rpc(&self, expr: &str) -> io::Result<String> {
        self.rpc_script(&format!("print({expr})"))
    }

    /// Runs a Python script with `s` bound as for [`Daemon::rpc`], returning its trimmed
    /// stdout (for calls whose faults the test looks at, with `try`/`except`).
    pub fn rpc_script(&self, body: &str) -> io::Result<String> {
        let script = format!(
            "from supervisor import childutils\n\
             s = childutils.getRPCInterface({{'SUPERVISOR_SERVER_URL': {url:?}}})\n\
             {body}\n",
            url = self.server_url()
        );
        let out = Command::new("python3").args(["-c", &script]).output()?;
        if !out.status.success() {
            return Err(io::Error::other(
                String::from_utf8_lossy(&out.stderr).into_owned(),
            ));
        }
        let text = String::from_utf8_lossy(&out.stdout).trim_end().to_owned();
        self.remember_pids();
        Ok(text)
    }

    /// Runs Python's `supervisorctl -c <this daemon's config> args...` (4.3, from pip) and
    /// returns its stdout and exit code.
    pub fn ctl(&self, args: &[&str]) -> io::Result<(String, i32)> {
        let out = Command::new("supervisorctl")
            .arg("-c")
            .arg(self.dir.join("supervisord.conf"))
            .args(args)
            .current_dir(self.dir.path())
            .output()?;
        self.remember_pids();
        Ok((
            String::from_utf8_lossy(&out.stdout).into_owned(),
            out.status.code().unwrap_or(-1),
        ))
    }

    /// Waits up to `timeout` for the daemon to exit on its own; its exit status, if it did.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let mut status = None;
        try_wait_until(timeout, || {
            status = self.child.try_wait().ok().flatten();
            status.is_some()
        });
        status
    }

    /// Stops the daemon with SIGTERM, waits up to 30 s for it to exit and returns its main
    /// log (which dropping the daemon would delete with its temp dir).
    pub fn stop_and_read_log(mut self) -> String {
        let pid = Pid::from_raw(self.child.id() as i32);
        let _ = kill(pid, Signal::SIGTERM);
        let _ = try_wait_until(Duration::from_secs(30), || {
            matches!(self.child.try_wait(), Ok(Some(_)))
        });
        self.main_log()
    }

    /// Runs our `supervisorctl -c <this daemon's config> args...` and returns its stdout and
    /// exit code.
    pub fn rust_ctl(&self, args: &[&str]) -> io::Result<(String, i32)> {
        let out = Command::new(rust_binary("supervisorctl"))
            .arg("-c")
            .arg(self.dir.join("supervisord.conf"))
            .args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .output()?;
        self.remember_pids();
        Ok((
            String::from_utf8_lossy(&out.stdout).into_owned(),
            out.status.code().unwrap_or(-1),
        ))
    }

    /// Kills the daemon with SIGKILL (its children are left running, as after a crash or
    /// the OOM killer), then starts a new one on the same config and waits for its RPC.
    pub fn crash_and_restart(&mut self, which: Implementation) -> io::Result<()> {
        let pid = Pid::from_raw(self.child.id() as i32);
        self.remember_pids();
        let _ = kill(pid, Signal::SIGKILL);
        let _ = self.child.wait();
        let program = match which {
            Implementation::Python => PathBuf::from("supervisord"),
            Implementation::Rust => rust_binary("supervisord"),
        };
        self.child = Command::new(program)
            .arg("-c")
            .arg(self.dir.join("supervisord.conf"))
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(std::fs::File::create(
                self.dir.join("stderr-restarted.txt"),
            )?))
            .spawn()?;
        let up = try_wait_until(Duration::from_secs(30), || {
            self.rpc("s.supervisor.getState()['statename']")
                .is_ok_and(|s| s == "RUNNING")
        });
        if up {
            Ok(())
        } else {
            Err(io::Error::other("supervisord did not come up again"))
        }
    }

    /// Replaces the `sections` part of the config file (for `reread`/`update` scenarios).
    pub fn rewrite_sections(&self, sections: &str, loglevel: &str) -> io::Result<()> {
        std::fs::write(
            self.dir.join("supervisord.conf"),
            config_text(self.dir.path(), sections, loglevel),
        )
    }

    fn remember_pids(&self) {
        let script = format!(
            "from supervisor import childutils\n\
             s = childutils.getRPCInterface({{'SUPERVISOR_SERVER_URL': {url:?}}})\n\
             print(' '.join(str(p['pid']) for p in s.supervisor.getAllProcessInfo() if p['pid']))\n",
            url = self.server_url()
        );
        if let Ok(out) = Command::new("python3").args(["-c", &script]).output() {
            let mut seen = self.seen_pids.borrow_mut();
            for pid in String::from_utf8_lossy(&out.stdout).split_whitespace() {
                if let Ok(pid) = pid.parse::<i32>() {
                    if !seen.contains(&pid) {
                        seen.push(pid);
                    }
                }
            }
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let pid = Pid::from_raw(self.child.id() as i32);
        let _ = kill(pid, Signal::SIGTERM);
        let stopped = try_wait_until(Duration::from_secs(15), || {
            matches!(self.child.try_wait(), Ok(Some(_)))
        });
        if !stopped {
            let _ = kill(pid, Signal::SIGKILL);
            let _ = self.child.wait();
        }
        for &child in self.seen_pids.borrow().iter() {
            // Only processes that are still our daemon's children or orphans of it can be
            // left; a pid is only signalled if it still exists.
            let _ = kill(Pid::from_raw(child), Signal::SIGKILL);
        }
    }
}

fn config_text(dir: &Path, sections: &str, loglevel: &str) -> String {
    let d = dir.display();
    format!(
        "[unix_http_server]\nfile={d}/supervisor.sock\n\n\
         [supervisord]\nnodaemon=true\nlogfile={d}/supervisord.log\npidfile={d}/supervisord.pid\n\
         childlogdir={d}\nloglevel={loglevel}\n\n\
         [rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n\
         [supervisorctl]\nserverurl=unix://{d}/supervisor.sock\n\n{}\n",
        sections.replace("%(here)s", &d.to_string())
    )
}

/// A binary of this workspace, from the target directory the tests were built into.
pub fn rust_binary(name: &str) -> PathBuf {
    let mut dir = std::env::current_exe().unwrap_or_default();
    dir.pop();
    if dir.ends_with("deps") {
        dir.pop();
    }
    dir.join(name)
}
