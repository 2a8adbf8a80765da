//! The task's glue driven by hand, with the time passed in: pool wiring and shutdown order.
//! Processes are real (`sleep`), so the signals are real; only the reaper is replaced by
//! `waitpid` in the test.

use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command};
use std::time::{Duration, Instant, SystemTime};

use event_proto::{EventMask, EventType, LenUnit, ListenerState, Payload};
use tokio::sync::mpsc;

use super::state::{Phase, Supervisor};
use crate::daemon::reaper::Reaped;
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
    let log = MainLog::open(&model.main_log, model.loglevel, false).expect("main log");
    let (pipe_tx, _) = mpsc::channel(1);
    let (fail_tx, _) = mpsc::unbounded_channel();
    Supervisor::new(model, log, pipe_tx, fail_tx, FakeClock::new().now)
}

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
    let (fail_tx, _) = mpsc::unbounded_channel();
    let sup = Supervisor::new(
        daemon(Vec::new(), Vec::new()),
        log,
        pipe_tx,
        fail_tx,
        clock.now,
    );
    // Nothing to do but TICK_5: the deadline is at most 5 s after the given time.
    let next = sup.next_deadline(clock.now);
    assert!(next > clock.now.mono);
    assert!(next <= clock.now.mono + Duration::from_secs(5));
}
