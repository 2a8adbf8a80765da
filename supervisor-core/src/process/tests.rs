//! Every process state transition of 4.3 ([PROC-STATE-*]) with a fake clock.

use std::time::Duration;

use event_proto::ProcessState as S;

use super::*;
use crate::process::{AutoRestart, ProcessParams};

fn secs(n: f64) -> Duration {
    Duration::from_secs_f64(n)
}

struct Rig {
    p: Process,
    t0: Now,
    out: Vec<Action>,
}

impl Rig {
    fn new(params: ProcessParams) -> Rig {
        Rig {
            p: Process::new(params),
            t0: Now::current(),
            out: Vec::new(),
        }
    }

    fn at(&self, s: f64) -> Now {
        self.t0.after(secs(s))
    }

    fn take(&mut self) -> Vec<Action> {
        std::mem::take(&mut self.out)
    }

    fn start(&mut self, t: f64) {
        let now = self.at(t);
        self.p.start(now, &mut self.out).expect("start accepted");
    }

    fn spawned(&mut self, pid: u32, t: f64) {
        let now = self.at(t);
        self.p.spawned(pid, now, &mut self.out);
    }

    fn exited(&mut self, status: i32, t: f64) {
        let now = self.at(t);
        self.p.exited(status, now, &mut self.out);
    }

    fn tick(&mut self, t: f64) {
        let now = self.at(t);
        self.p.tick(now, &mut self.out);
    }

    fn stop(&mut self, t: f64) {
        let now = self.at(t);
        self.p.stop(now, &mut self.out).expect("stop accepted");
    }

    /// (from, to, tries, pid, expected) of the events since the last take.
    fn events(&mut self) -> Vec<(S, S, u32, u32, bool)> {
        self.take()
            .into_iter()
            .filter_map(|a| match a {
                Action::Event(c) => Some((c.from, c.to, c.tries, c.pid, c.expected)),
                _ => None,
            })
            .collect()
    }
}

fn logs(actions: &[Action]) -> Vec<String> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Log(l) => Some(format!("{} {}", l.level.code(), l.message)),
            _ => None,
        })
        .collect()
}

fn params(name: &str) -> ProcessParams {
    ProcessParams::new(name, name)
}

#[test]
fn start_spawn_running_proc_tr_stopped_starting_and_starting_running() {
    let mut r = Rig::new(params("talker"));
    r.start(0.0);
    assert!(r.out.contains(&Action::Spawn));
    assert_eq!(r.events(), [(S::Stopped, S::Starting, 0, 0, false)]);
    r.spawned(8745, 0.01);
    assert_eq!(logs(&r.take()), ["INFO spawned: 'talker' with pid 8745"]);
    assert_eq!(r.p.next_deadline(), Some(r.at(1.0).mono));
    r.tick(0.5);
    assert!(r.take().is_empty(), "still STARTING before startsecs");
    r.tick(1.0);
    let actions = r.take();
    assert_eq!(
        logs(&actions),
        ["INFO success: talker entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)"]
    );
    assert!(actions.contains(&Action::Event(StateChange {
        from: S::Starting,
        to: S::Running,
        exit: None,
        tries: 0,
        pid: 8745,
        expected: false
    })));
    assert_eq!(r.p.description(r.at(69.0).wall), "pid 8745, uptime 0:01:09");
}

#[test]
fn startsecs_zero_is_running_at_once_proc_start_startsecs() {
    let mut p = params("quick");
    p.startsecs = 0;
    let mut r = Rig::new(p);
    r.start(0.0);
    r.spawned(1, 0.0);
    let l = logs(&r.take());
    assert!(l.contains(&"INFO success: quick entered RUNNING state, process has stayed up for > than 0 seconds (startsecs)".to_owned()), "{l:?}");
    assert_eq!(r.p.state(), S::Running);
}

#[test]
fn backoff_arithmetic_then_fatal_proc_backoff_arith() {
    let mut p = params("quick");
    p.startretries = 2;
    let mut r = Rig::new(p);
    r.start(0.0);
    r.spawned(10, 0.0);
    r.take();
    r.exited(0, 0.1);
    let actions = r.take();
    assert_eq!(
        logs(&actions),
        ["WARN exited: quick (exit status 0; not expected)"],
        "too quick is never expected"
    );
    assert_eq!(r.p.state(), S::Backoff);
    assert_eq!(
        r.p.description(r.at(0.2).wall),
        "Exited too quickly (process log may have details)"
    );
    // Retry after 1 s, then 2 s: tries 1 and 2 on STARTING, 1..3 on BACKOFF.
    assert_eq!(r.p.next_deadline(), Some(r.at(1.1).mono));
    r.tick(1.0);
    assert!(r.take().is_empty());
    r.tick(1.1);
    assert_eq!(r.events(), [(S::Backoff, S::Starting, 1, 0, false)]);
    r.spawned(11, 1.1);
    r.exited(1 << 8, 1.2);
    assert_eq!(r.events(), [(S::Starting, S::Backoff, 2, 0, false)]);
    assert_eq!(r.p.next_deadline(), Some(r.at(3.2).mono));
    r.tick(3.2);
    assert_eq!(r.events(), [(S::Backoff, S::Starting, 2, 0, false)]);
    r.spawned(12, 3.2);
    r.exited(1 << 8, 3.3);
    let actions = r.take();
    assert_eq!(
        logs(&actions),
        [
            "INFO spawned: 'quick' with pid 12",
            "WARN exited: quick (exit status 1; not expected)",
            "INFO gave up: quick entered FATAL state, too many start retries too quickly"
        ]
    );
    let events: Vec<_> = actions
        .iter()
        .filter_map(|a| match a {
            Action::Event(c) => Some((c.from, c.to, c.tries)),
            _ => None,
        })
        .collect();
    assert_eq!(
        events,
        [(S::Starting, S::Backoff, 3), (S::Backoff, S::Fatal, 3)]
    );
    // A manual start from FATAL begins again at tries 0 ([PROC-TR-FATAL-STARTING]).
    r.start(10.0);
    assert_eq!(r.events(), [(S::Fatal, S::Starting, 0, 0, false)]);
}

#[test]
fn startretries_zero_is_fatal_after_the_first_failure() {
    let mut p = params("once");
    p.startretries = 0;
    let mut r = Rig::new(p);
    r.start(0.0);
    let now = r.at(0.0);
    r.p.spawn_failed("can't find command 'nosuchcommand_xyz'", now, &mut r.out);
    let actions = r.take();
    assert_eq!(
        logs(&actions),
        [
            "INFO spawnerr: can't find command 'nosuchcommand_xyz'",
            "INFO gave up: once entered FATAL state, too many start retries too quickly"
        ]
    );
    assert_eq!(r.p.state(), S::Fatal);
    assert_eq!(
        r.p.description(r.at(1.0).wall),
        "can't find command 'nosuchcommand_xyz'"
    );
}

#[test]
fn exits_from_running_and_autorestart_proc_autorestart() {
    for (policy, status, restarts) in [
        (AutoRestart::Unexpected, 0, false),
        (AutoRestart::Unexpected, 5 << 8, true),
        (AutoRestart::True, 0, true),
        (AutoRestart::False, 5 << 8, false),
        (AutoRestart::Unexpected, 1, true), // SIGHUP: never expected
    ] {
        let mut p = params("badexit");
        p.autorestart = policy;
        let mut r = Rig::new(p);
        r.start(0.0);
        r.spawned(8737, 0.0);
        r.tick(2.0);
        r.take();
        r.exited(status, 5.0);
        let actions = r.take();
        let expected = status == 0;
        let line = match status {
            0 => "INFO exited: badexit (exit status 0; expected)",
            1 => "WARN exited: badexit (terminated by SIGHUP; not expected)",
            _ => "WARN exited: badexit (exit status 5; not expected)",
        };
        assert_eq!(logs(&actions)[0], line);
        assert!(actions.contains(&Action::Event(StateChange {
            from: S::Running,
            to: S::Exited,
            tries: 0,
            pid: 8737,
            expected,
            exit: Some(status),
        })));
        assert_eq!(
            actions.contains(&Action::Spawn),
            restarts,
            "{policy:?} {status}"
        );
        if restarts {
            assert_eq!(r.p.state(), S::Starting);
        } else {
            assert_eq!(r.p.state(), S::Exited);
        }
    }
}

#[test]
fn no_autorestart_while_supervisord_stops() {
    let mut p = params("x");
    p.autorestart = AutoRestart::True;
    let mut r = Rig::new(p);
    r.start(0.0);
    r.spawned(1, 0.0);
    r.tick(2.0);
    r.p.set_supervisor_running(false);
    r.exited(0, 3.0);
    assert_eq!(r.p.state(), S::Exited);
}

#[test]
fn late_reap_goes_through_running_proc_start_late_reap() {
    let mut p = params("late");
    p.autorestart = AutoRestart::False;
    let mut r = Rig::new(p);
    r.start(0.0);
    r.spawned(7, 0.0);
    r.take();
    r.exited(3 << 8, 1.5); // no tick happened in between
    let events = r.events();
    assert_eq!(
        events.iter().map(|e| (e.0, e.1)).collect::<Vec<_>>(),
        [(S::Starting, S::Running), (S::Running, S::Exited)]
    );
}

#[test]
fn stop_then_sigkill_escalation_proc_stop_kill() {
    let mut p = params("stubborn");
    p.stopwaitsecs = 2;
    let mut r = Rig::new(p);
    r.start(0.0);
    r.spawned(12374, 0.0);
    r.tick(1.0);
    r.take();
    r.stop(5.0);
    let actions = r.take();
    assert_eq!(
        logs(&actions),
        ["DEBG killing stubborn (pid 12374) with signal SIGTERM"]
    );
    assert!(actions.contains(&Action::Kill {
        pid: 12374,
        group: false,
        signal: crate::signal::Signal::TERM
    }));
    assert_eq!(r.p.state(), S::Stopping);
    r.tick(6.9);
    assert!(r.take().is_empty());
    r.tick(7.0);
    let actions = r.take();
    assert_eq!(
        logs(&actions),
        [
            "WARN killing 'stubborn' (12374) with SIGKILL",
            "DEBG killing stubborn (pid 12374) with signal SIGKILL"
        ]
    );
    assert_eq!(
        r.p.next_deadline(),
        Some(r.at(9.0).mono),
        "SIGKILL is re-sent every stopwaitsecs"
    );
    r.exited(9, 7.1);
    let actions = r.take();
    assert_eq!(
        logs(&actions),
        ["WARN stopped: stubborn (terminated by SIGKILL)"]
    );
    assert!(actions.contains(&Action::Event(StateChange {
        from: S::Stopping,
        to: S::Stopped,
        exit: None,
        tries: 0,
        pid: 12374,
        expected: false
    })));
    assert_eq!(r.p.pid(), 0);
}

#[test]
fn stop_as_group_signals_the_group() {
    let mut p = params("grouped");
    p.stopasgroup = true;
    p.killasgroup = true;
    p.stopwaitsecs = 1;
    let mut r = Rig::new(p);
    r.start(0.0);
    r.spawned(12364, 0.0);
    r.stop(0.5);
    let actions = r.take();
    assert!(logs(&actions).contains(
        &"DEBG killing grouped (pid 12364) process group with signal SIGTERM".to_owned()
    ));
    assert!(actions.contains(&Action::Kill {
        pid: 12364,
        group: true,
        signal: crate::signal::Signal::TERM
    }));
    r.tick(1.5);
    assert!(r.take().contains(&Action::Kill {
        pid: 12364,
        group: true,
        signal: crate::signal::Signal::KILL
    }));
    r.exited(0, 1.6);
    assert_eq!(
        logs(&r.take()),
        ["INFO stopped: grouped (exit status 0)"],
        "expected status: INFO"
    );
}

#[test]
fn stop_in_backoff_goes_straight_to_stopped_proc_tr_backoff_stopped() {
    let mut r = Rig::new(params("crash"));
    r.start(0.0);
    r.spawned(3, 0.0);
    r.exited(1 << 8, 0.1);
    r.take();
    r.stop(0.2);
    let actions = r.take();
    assert_eq!(
        logs(&actions),
        ["DEBG Attempted to kill crash, which is in BACKOFF state."]
    );
    assert!(actions.contains(&Action::Event(StateChange {
        from: S::Backoff,
        to: S::Stopped,
        exit: None,
        tries: 0,
        pid: 0,
        expected: false
    })));
    r.tick(5.0);
    assert!(r.take().is_empty(), "no retry after a stop");
}

#[test]
fn refusals_proc_tr_start_refused_and_stop_refused() {
    let mut r = Rig::new(params("x"));
    let now = r.at(0.0);
    assert_eq!(r.p.stop(now, &mut r.out), Err(NotRunning));
    assert_eq!(
        r.p.signal(crate::signal::Signal::HUP, &mut r.out),
        Err(NotRunning)
    );
    r.start(0.0);
    assert_eq!(
        r.p.start(now, &mut r.out),
        Err(StartRefused::AlreadyStarted)
    );
    r.spawned(5, 0.0);
    r.stop(0.1);
    assert_eq!(r.p.start(now, &mut r.out), Err(StartRefused::Stopping));
    let now = r.at(0.2);
    assert_eq!(r.p.stop(now, &mut r.out), Err(NotRunning));
    r.p.signal_failed("EPERM", &mut r.out);
    assert_eq!(r.p.state(), S::Unknown);
    assert_eq!(r.p.start(now, &mut r.out), Err(StartRefused::Unknown));
}

#[test]
fn any_exit_while_stopping_is_stopped_proc_tr_exit_stopping() {
    let mut r = Rig::new(params("sleeper_00"));
    r.start(0.0);
    r.spawned(8739, 0.0);
    r.tick(1.0);
    r.stop(2.0);
    r.take();
    r.exited(15, 2.1);
    assert_eq!(
        logs(&r.take()),
        ["WARN stopped: sleeper_00 (terminated by SIGTERM)"]
    );
    assert_eq!(r.p.state(), S::Stopped);
}

#[test]
fn signal_does_not_change_state_proc_signal() {
    let mut r = Rig::new(params("sleeper_01"));
    r.start(0.0);
    r.spawned(8740, 0.0);
    r.take();
    r.p.signal(crate::signal::Signal::HUP, &mut r.out)
        .expect("signallable");
    assert_eq!(
        logs(&r.take()),
        ["DEBG sending sleeper_01 (pid 8740) sig SIGHUP"]
    );
    assert_eq!(r.p.state(), S::Starting);
}

#[test]
fn descriptions_rpc_description() {
    let r = Rig::new(params("never"));
    assert_eq!(r.p.description(r.at(0.0).wall), "Not started");
    assert_eq!(uptime(90_061), "1 day, 1:01:01");
    assert_eq!(uptime(2 * 86_400 + 5), "2 days, 0:00:05");
    assert_eq!(uptime(68), "0:01:08");
}

#[test]
fn a_stop_while_the_spawn_is_in_flight_signals_the_pid_once_it_is_known() {
    let mut r = Rig::new(params("slow"));
    r.start(0.0);
    r.take();
    r.stop(0.1);
    let actions = r.take();
    assert!(
        !actions.iter().any(|a| matches!(a, Action::Kill { .. })),
        "nothing to signal before the pid is known: {actions:?}"
    );
    assert_eq!(r.p.state(), S::Stopping);
    // The SIGKILL deadline passing without a pid signals nothing either (never pid 0).
    r.tick(30.0);
    assert!(!r.take().iter().any(|a| matches!(a, Action::Kill { .. })));
    r.spawned(4242, 30.1);
    let actions = r.take();
    assert_eq!(
        logs(&actions),
        [
            "INFO spawned: 'slow' with pid 4242",
            "DEBG killing slow (pid 4242) with signal SIGTERM"
        ]
    );
    assert!(actions.contains(&Action::Kill {
        pid: 4242,
        group: false,
        signal: crate::signal::Signal::TERM
    }));
    assert_eq!(r.p.state(), S::Stopping, "not RUNNING: a stop is pending");
    r.exited(15, 30.2);
    assert_eq!(r.p.state(), S::Stopped);
}

#[test]
fn a_stop_while_the_spawn_is_in_flight_then_a_failed_spawn_is_stopped_not_backoff() {
    let mut r = Rig::new(params("gone"));
    r.start(0.0);
    r.stop(0.1);
    r.take();
    r.p.spawn_failed("can't find command 'gone'", r.at(0.2), &mut r.out);
    let events = r.events();
    assert_eq!(
        events.last().map(|e| (e.0, e.1)),
        Some((S::Stopping, S::Stopped))
    );
    assert_eq!(r.p.spawnerr(), "can't find command 'gone'");
    assert_eq!(r.p.next_deadline(), None, "no retry is scheduled");
}

#[test]
fn exponential_backoff_waits_double_then_fatal_is_retried_after_fatal_retry_after() {
    let mut p = params("flappy");
    p.startretries = 3;
    p.pacing = crate::process::RestartPacing {
        curve: crate::process::BackoffCurve::Exponential,
        max_secs: 0,
        fatal_retry_after_secs: 30,
    };
    let mut r = Rig::new(p);
    r.start(0.0);
    let mut t = 0.0;
    let mut waits = Vec::new();
    for _ in 0..3 {
        r.spawned(100, t);
        r.exited(256, t + 0.1);
        assert_eq!(r.p.state(), S::Backoff);
        let due = r.p.next_deadline().expect("a retry is scheduled");
        waits.push((due - r.at(t + 0.1).mono).as_secs_f64().round() as u64);
        t = (due - r.t0.mono).as_secs_f64();
        r.tick(t);
        assert_eq!(r.p.state(), S::Starting);
    }
    assert_eq!(waits, [1, 2, 4]);
    r.spawned(100, t);
    r.exited(256, t + 0.1);
    assert_eq!(r.p.state(), S::Fatal);
    let logs_now = logs(&r.take());
    assert!(
        logs_now
            .iter()
            .any(|l| l.contains("will be tried again in 30 seconds")),
        "{logs_now:?}"
    );
    r.tick(t + 29.0);
    assert_eq!(r.p.state(), S::Fatal);
    r.tick(t + 30.2);
    assert_eq!(r.p.state(), S::Starting, "retried after FATAL");
    assert!(logs(&r.take())
        .iter()
        .any(|l| l.contains("retrying flappy after FATAL")));
}

#[test]
fn a_ready_check_holds_starting_until_it_passes_or_times_out_into_backoff() {
    let mut p = params("db");
    p.startsecs = 1;
    p.ready_timeout = Some(10);
    let mut r = Rig::new(p);
    r.start(0.0);
    r.spawned(7, 0.0);
    r.tick(5.0);
    assert_eq!(r.p.state(), S::Starting, "startsecs passed, but not ready");
    assert!(r.p.awaits_ready_check());
    r.p.ready_check_passed(r.at(5.5), &mut r.out);
    assert_eq!(r.p.state(), S::Running);
    assert!(r.p.is_ready());

    // A second spawn that never gets ready: SIGKILL at the timeout, then BACKOFF.
    r.exited(256, 20.0);
    assert_eq!(r.p.state(), S::Starting, "autorestarted");
    r.take();
    r.spawned(8, 20.0);
    r.tick(29.9);
    assert!(!r.take().iter().any(|a| matches!(a, Action::Kill { .. })));
    r.tick(30.0);
    let actions = r.take();
    assert!(actions.contains(&Action::Kill {
        pid: 8,
        group: false,
        signal: crate::signal::Signal::KILL
    }));
    assert!(logs(&actions)[0].contains("was not ready 10 seconds after it started"));
    r.exited(9, 31.1);
    assert_eq!(r.p.state(), S::Backoff);
    assert_eq!(
        r.p.spawnerr(),
        "Not ready before ready_timeout (ready_check)"
    );
}
