//! The task's glue driven by hand, with the time passed in: pool wiring and shutdown order.
//! Processes are real (`sleep`), so the signals are real; only the reaper is replaced by
//! `waitpid` in the test.

use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command};
use std::time::{Duration, Instant, SystemTime};

use event_proto::{EventMask, EventType, LenUnit, ListenerState, Payload, ProcessState};
use tokio::sync::mpsc;

use super::state::{Phase, Supervisor};
use crate::daemon::reaper::Reaped;
use crate::daemon::spawner::{SpawnDone, Spawner};
use crate::log_level::LogLevel;
use crate::logging::{MainLog, MainLogTarget};
use crate::model::{DaemonModel, ProgramModel};
use crate::pool::PoolSettings;
use crate::process::Now;

fn program(name: &str, group_priority: i32, pool: Option<usize>) -> ProgramModel {
    let builder = ProgramModel::builder(name)
        .argv(["/bin/true"])
        .group_priority(group_priority)
        .params(|p| {
            p.autostart = false;
            p.stopwaitsecs = 10;
        });
    match pool {
        Some(k) => builder.pool(k),
        None => builder,
    }
    .build()
}

fn daemon(programs: Vec<ProgramModel>, pools: Vec<PoolSettings>) -> DaemonModel {
    DaemonModel {
        programs,
        pools,
        ..DaemonModel::default()
    }
}

fn supervisor(model: DaemonModel) -> Supervisor {
    supervisor_with_spawns(model).0
}

/// A supervisor, and the channel its spawner thread sends results on.
fn supervisor_with_spawns(model: DaemonModel) -> (Supervisor, mpsc::UnboundedReceiver<Done>) {
    let log = MainLog::open(&model.main_log, model.loglevel, false).expect("main log");
    let (pipe_tx, _) = mpsc::channel(1);
    let pipe_tx = super::state::PipeSenders {
        replies: pipe_tx.clone(),
        output: pipe_tx,
    };
    let (fail_tx, _) = mpsc::unbounded_channel();
    let (done_tx, done_rx) = mpsc::unbounded_channel();
    let spawner = Spawner::start(done_tx).expect("spawner thread");
    let (probe_tx, _) = mpsc::unbounded_channel();
    let sup = Supervisor::new(
        model,
        log,
        pipe_tx,
        fail_tx,
        spawner,
        probe_tx,
        FakeClock::new().now,
    );
    (sup, done_rx)
}

type Done = SpawnDone<(usize, u64)>;

/// A clock that only moves when the test says so.
struct FakeClock {
    now: Now,
}

impl FakeClock {
    fn new() -> FakeClock {
        FakeClock {
            now: Now {
                mono: Instant::now(),
                wall: SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000),
            },
        }
    }
    fn advance(&mut self, by: Duration) -> Now {
        self.now.mono += by;
        self.now.wall += by;
        self.now
    }
}

#[test]
fn a_send_that_fails_is_handed_back_to_the_pool_in_the_same_pass() {
    let settings = PoolSettings {
        name: "listener".into(),
        events: EventMask::parse_list("SUPERVISOR_STATE_CHANGE").expect("mask"),
        buffer_size: 10,
        len_unit: LenUnit::Chars,
        server: "supervisor".into(),
        exit_details: false,
    };
    let mut sup = supervisor(daemon(
        vec![program("listener", 999, Some(0))],
        vec![settings],
    ));
    // The listener is READY, but has no stdin (it was never spawned): the send fails.
    sup.with_pool(0, |pool, out| {
        pool.listener_spawned(0);
        pool.listener_running(0, true, out);
        pool.listener_output(0, b"READY\n", out);
    });
    assert_eq!(
        sup.pools[0].pool.listener_state(0),
        Some(ListenerState::Ready)
    );
    sup.emit(
        EventType::SupervisorStateChangeRunning,
        &Payload::SupervisorStateChange,
    );
    // The failed send was carried out, and so was what the pool asked for in response: the
    // event is back in the queue (4.3 leaves the listener's state as it was), and it is not
    // sent again to a listener that is not running.
    let pool = &sup.pools[0].pool;
    assert_eq!(pool.counters().accepted, 1);
    assert_eq!(pool.counters().rebuffered, 1);
    assert_eq!(pool.queued(), 1, "the event must not be lost");
}

/// Real children that are killed and reaped by pid when the test ends, even when it fails.
struct Children(Vec<Child>);

impl Drop for Children {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn sleepers(n: usize) -> Children {
    Children(
        (0..n)
            .map(|_| {
                Command::new("sleep")
                    .arg("60")
                    .spawn()
                    .expect("spawn sleep")
            })
            .collect(),
    )
}

/// Waits for `child` (real time, with a deadline) and reports it as the reaper would.
fn reap(child: &mut Child) -> Reaped {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return Reaped {
                pid: child.id(),
                status: status.into_raw(),
            };
        }
        assert!(Instant::now() < deadline, "pid {} did not exit", child.id());
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn alive(child: &mut Child) -> bool {
    child.try_wait().expect("try_wait").is_none()
}

#[test]
fn shutdown_stops_the_highest_priority_group_first_and_waits_for_it() {
    let mut clock = FakeClock::new();
    let mut sup = supervisor(daemon(
        vec![program("low", 1, None), program("high", 2, None)],
        Vec::new(),
    ));
    // Groups are in ascending priority: slot 0 is "low", slot 1 is "high".
    assert_eq!(sup.groups[0].0, "low");
    let mut children = sleepers(2);
    for (i, child) in children.0.iter_mut().enumerate() {
        let now = clock.advance(Duration::from_millis(10));
        let mut out = Vec::new();
        sup.procs[i].machine.start(now, &mut out).expect("start");
        // Stand in for the spawn: the machine is told the pid of a real child.
        let mut out = Vec::new();
        sup.procs[i].machine.spawned(child.id(), now, &mut out);
        sup.by_pid.insert(child.id(), i);
    }
    let now = clock.advance(Duration::from_secs(2));
    sup.on_tick(now);

    sup.begin_shutdown(now);
    // Only the higher-priority group was signalled; the task waits for it.
    let reaped = reap(&mut children.0[1]);
    assert!(
        alive(&mut children.0[0]),
        "low was stopped before high had exited"
    );
    assert_eq!(sup.phase, Phase::Stopping(2));

    let now = clock.advance(Duration::from_millis(50));
    sup.on_reaped(reaped, now);
    sup.on_tick(now);
    // Now the next group is stopped, and once it has exited the shutdown is done.
    let reaped = reap(&mut children.0[0]);
    let now = clock.advance(Duration::from_millis(50));
    sup.on_reaped(reaped, now);
    sup.on_tick(now);
    assert_eq!(sup.phase, Phase::Done);
}

#[test]
fn the_next_deadline_follows_the_given_clock_not_the_real_one() {
    let clock = FakeClock::new();
    let log = MainLog::open(&MainLogTarget::None, LogLevel::Info, false).expect("main log");
    let (pipe_tx, _) = mpsc::channel(1);
    let pipe_tx = super::state::PipeSenders {
        replies: pipe_tx.clone(),
        output: pipe_tx,
    };
    let (fail_tx, _) = mpsc::unbounded_channel();
    let (done_tx, _) = mpsc::unbounded_channel();
    let sup = Supervisor::new(
        daemon(Vec::new(), Vec::new()),
        log,
        pipe_tx,
        fail_tx,
        Spawner::start(done_tx).expect("spawner thread"),
        mpsc::unbounded_channel().0,
        clock.now,
    );
    // Nothing to do but TICK_5: the deadline is at most 5 s after the given time.
    let next = sup.next_deadline(clock.now);
    assert!(next > clock.now.mono);
    assert!(next <= clock.now.mono + Duration::from_secs(5));
}

/// Pids the test made through the daemon's spawner, killed and reaped when the test ends.
struct SpawnedPids(Vec<u32>);

impl Drop for SpawnedPids {
    fn drop(&mut self) {
        for &pid in &self.0 {
            let pid = nix::unistd::Pid::from_raw(pid as i32);
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
            let _ = nix::sys::wait::waitpid(pid, None);
        }
    }
}

/// The spawner's next result (real time, with a deadline).
fn next_done(rx: &mut mpsc::UnboundedReceiver<Done>, pids: &mut SpawnedPids) -> Done {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(done) = rx.try_recv() {
            if let Ok(child) = &done.result {
                pids.0.push(child.pid);
            }
            return done;
        }
        assert!(Instant::now() < deadline, "no spawn result within 10 s");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Waits for `pid` to exit (real time, with a deadline) and reports it as the reaper would.
fn reap_pid(pid: u32) -> Reaped {
    use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
    let deadline = Instant::now() + Duration::from_secs(10);
    let id = nix::unistd::Pid::from_raw(pid as i32);
    loop {
        match waitpid(id, Some(WaitPidFlag::WNOHANG)).expect("waitpid") {
            WaitStatus::StillAlive => {}
            WaitStatus::Exited(_, code) => {
                return Reaped {
                    pid,
                    status: code << 8,
                }
            }
            WaitStatus::Signaled(_, sig, _) => {
                return Reaped {
                    pid,
                    status: sig as i32,
                }
            }
            other => panic!("unexpected wait status {other:?}"),
        }
        assert!(Instant::now() < deadline, "pid {pid} did not exit");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A runtime for the reader tasks a spawn starts.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn quick_program(name: &str, argv: &[&str], startsecs: u64) -> ProgramModel {
    ProgramModel::builder(name)
        .argv(argv.iter().copied())
        .params(|p| {
            p.autostart = false;
            p.autorestart = crate::process::AutoRestart::False;
            p.startsecs = startsecs;
            p.stopwaitsecs = 10;
        })
        .build()
}

#[test]
fn an_exit_reaped_before_its_spawn_is_taken_in_reaches_the_process_after_it() {
    let rt = runtime();
    let _in_runtime = rt.enter();
    let mut clock = FakeClock::new();
    let (mut sup, mut done_rx) = supervisor_with_spawns(daemon(
        vec![quick_program("quick", &["/bin/true"], 0)],
        Vec::new(),
    ));
    let mut pids = SpawnedPids(Vec::new());
    let now = clock.advance(Duration::from_millis(10));
    let mut out = Vec::new();
    sup.procs[0].machine.start(now, &mut out).expect("start");
    sup.apply(0, out, now);
    // The spawn is in flight: STARTING without a pid, and the task did not wait for it.
    assert_eq!(sup.procs[0].machine.state(), ProcessState::Starting);
    assert_eq!(sup.procs[0].machine.pid(), 0);
    let done = next_done(&mut done_rx, &mut pids);
    let pid = done.result.as_ref().expect("spawned").pid;
    // The child exits and is reaped before the task takes the result in.
    let reaped = reap_pid(pid);
    pids.0.clear();
    let now = clock.advance(Duration::from_millis(10));
    sup.on_reaped(reaped, now);
    assert_eq!(sup.early_exits.len(), 1, "kept for the spawn in flight");
    sup.on_spawned(done, now);
    assert_eq!(sup.procs[0].machine.state(), ProcessState::Exited);
    assert!(sup.early_exits.is_empty());
    assert!(sup.by_pid.is_empty());
}

#[test]
fn a_stop_during_a_spawn_signals_the_child_once_it_exists() {
    let rt = runtime();
    let _in_runtime = rt.enter();
    let mut clock = FakeClock::new();
    let (mut sup, mut done_rx) = supervisor_with_spawns(daemon(
        vec![quick_program("sleeper", &["sleep", "60"], 1)],
        Vec::new(),
    ));
    let mut pids = SpawnedPids(Vec::new());
    let now = clock.advance(Duration::from_millis(10));
    let mut out = Vec::new();
    sup.procs[0].machine.start(now, &mut out).expect("start");
    sup.apply(0, out, now);
    let mut out = Vec::new();
    sup.procs[0].machine.stop(now, &mut out).expect("stop");
    sup.apply(0, out, now);
    assert_eq!(sup.procs[0].machine.state(), ProcessState::Stopping);
    let done = next_done(&mut done_rx, &mut pids);
    let pid = done.result.as_ref().expect("spawned").pid;
    sup.on_spawned(done, clock.advance(Duration::from_millis(10)));
    // The SIGTERM went out as soon as the pid was known: the real child dies of it.
    let reaped = reap_pid(pid);
    pids.0.clear();
    assert_eq!(reaped.status, libc::SIGTERM);
    sup.on_reaped(reaped, clock.advance(Duration::from_millis(10)));
    assert_eq!(sup.procs[0].machine.state(), ProcessState::Stopped);
}
