//! The spawner thread: it runs each spawn (`posix_spawn`, or fork with setup) so that the
//! supervisor task never waits for a child to exec.
//!
//! A spawn blocks its caller until the child has exec'd, about half a millisecond, which in
//! a restart storm was most of the supervisor task's time. Jobs run one at a time, in the
//! order they were submitted, so children start in the order the task asked for them
//! (priority order at startup, as 4.3 does). Each result goes back to the task as a
//! [`SpawnDone`] message.
//!
//! Neither channel needs a bound of its own: the task submits at most one spawn per process
//! and waits for its result before the next, so each holds at most one entry per configured
//! process.

use std::sync::mpsc as std_mpsc;

use tokio::sync::mpsc;

use super::spawn::{spawn, SpawnError, SpawnRequest, Spawned};

/// One spawn to run, tagged with the caller's id for it.
#[derive(Debug)]
pub struct SpawnJob<Id> {
    /// The caller's id, returned with the result.
    pub id: Id,
    /// What to run.
    pub request: SpawnRequest,
    /// The process name, for error messages.
    pub name: String,
}

/// The outcome of one [`SpawnJob`].
#[derive(Debug)]
pub struct SpawnDone<Id> {
    /// The job's id.
    pub id: Id,
    /// The child and its pipes, or why there is none.
    pub result: Result<Spawned, SpawnError>,
}

/// The handle the supervisor task submits spawns with. Dropping it ends the thread once the
/// jobs already submitted are done.
#[derive(Debug)]
pub struct Spawner<Id> {
    jobs: std_mpsc::Sender<SpawnJob<Id>>,
}

impl<Id: Send + 'static> Spawner<Id> {
    /// Starts the thread; results go to `done`.
    pub fn start(done: mpsc::UnboundedSender<SpawnDone<Id>>) -> std::io::Result<Spawner<Id>> {
        let (jobs, queue) = std_mpsc::channel::<SpawnJob<Id>>();
        std::thread::Builder::new()
            .name("spawner".into())
            .spawn(move || {
                for job in queue {
                    let result = spawn(&job.request, &job.name);
                    let done_msg = SpawnDone { id: job.id, result };
                    if let Err(unsent) = done.send(done_msg) {
                        // The task has gone: nobody will supervise this child, so it must
                        // not outlive the daemon unreaped.
                        if let Ok(child) = unsent.0.result {
                            kill_orphan(child.pid);
                        }
                        return;
                    }
                }
            })?;
        Ok(Spawner { jobs })
    }

    /// Queues a spawn. If the thread is gone the job is handed back, for the caller to run
    /// in place.
    pub fn submit(&self, job: SpawnJob<Id>) -> Result<(), Box<SpawnJob<Id>>> {
        self.jobs.send(job).map_err(|e| Box::new(e.0))
    }
}

/// Kills and reaps a child that nobody is left to supervise.
fn kill_orphan(pid: u32) {
    use nix::sys::signal::{kill, Signal};
    use nix::sys::wait::waitpid;
    use nix::unistd::Pid;
    let Ok(raw) = i32::try_from(pid) else {
        return;
    };
    let pid = Pid::from_raw(raw);
    let _ = kill(pid, Signal::SIGKILL);
    let _ = waitpid(pid, None);
}
