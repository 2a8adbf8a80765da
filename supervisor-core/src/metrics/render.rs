//! The daemon's metrics as one exposition document.

use event_proto::{ListenerState, ProcessState};

use super::exposition::{Exposition, Format, Kind};
use super::histogram::Histogram;
use crate::pool::PoolCounters;

/// One process, as the supervisor task sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessSample {
    /// Process name.
    pub name: String,
    /// Group name.
    pub group: String,
    /// Its state.
    pub state: ProcessState,
    /// `exitstatus` of process info.
    pub exitstatus: i32,
    /// `start` of process info (Unix seconds).
    pub start: u64,
    /// Its pid (0 when not running).
    pub pid: u32,
    /// Spawns after the first.
    pub restarts: u64,
    /// Filled from `/proc` by the HTTP side: CPU seconds and resident bytes.
    pub usage: Option<(f64, u64)>,
}

/// One listener pool.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolSample {
    /// The pool's name.
    pub name: String,
    /// Its counters.
    pub counters: PoolCounters,
    /// Events waiting in its queue.
    pub queued: usize,
    /// Each listener's protocol state.
    pub listeners: Vec<ListenerState>,
    /// Time from writing an envelope to the listener's `OK`.
    pub latency: Histogram,
}

/// The daemon itself, from `/proc/self`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct DaemonStats {
    /// Resident bytes.
    pub resident_bytes: u64,
    /// Open descriptors.
    pub open_fds: usize,
    /// Seconds since the daemon started.
    pub uptime_secs: f64,
}

/// What the supervisor task hands out for a scrape.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MetricsSnapshot {
    /// Wall-clock time of the snapshot (Unix seconds).
    pub now: u64,
    /// Every process of every active group.
    pub processes: Vec<ProcessSample>,
    /// Every live pool.
    pub pools: Vec<PoolSample>,
}

/// node_exporter's up rule: STARTING, RUNNING and STOPPING are up.
fn is_up(state: ProcessState) -> bool {
    matches!(
        state,
        ProcessState::Starting | ProcessState::Running | ProcessState::Stopping
    )
}

const LISTENER_STATES: [ListenerState; 4] = [
    ListenerState::Acknowledged,
    ListenerState::Ready,
    ListenerState::Busy,
    ListenerState::Unknown,
];

/// Renders a snapshot (with its `/proc` figures filled in) and the daemon's own figures.
pub fn render(snap: &MetricsSnapshot, daemon: DaemonStats, format: Format) -> String {
    let mut doc = Exposition::new(format);
    let labels = |p: &ProcessSample| [("name", p.name.clone()), ("group", p.group.clone())];
    let per_process =
        |doc: &mut Exposition, name: &str, f: &dyn Fn(&ProcessSample) -> Option<f64>| {
            for p in &snap.processes {
                if let Some(v) = f(p) {
                    let l = labels(p);
                    doc.sample(name, &[("name", &l[0].1), ("group", &l[1].1)], v);
                }
            }
        };
    // node_exporter's supervisord collector, name for name (all gauges).
    doc.family("node_supervisord_state", "Process State", Kind::Gauge);
    per_process(&mut doc, "node_supervisord_state", &|p| {
        Some(f64::from(p.state.code()))
    });
    doc.family(
        "node_supervisord_exit_status",
        "Process Exit Status",
        Kind::Gauge,
    );
    per_process(&mut doc, "node_supervisord_exit_status", &|p| {
        Some(f64::from(p.exitstatus))
    });
    doc.family("node_supervisord_up", "Process Up", Kind::Gauge);
    per_process(&mut doc, "node_supervisord_up", &|p| {
        Some(if is_up(p.state) { 1.0 } else { 0.0 })
    });
    doc.family(
        "node_supervisord_start_time_seconds",
        "Process start time",
        Kind::Gauge,
    );
    per_process(&mut doc, "node_supervisord_start_time_seconds", &|p| {
        is_up(p.state).then_some(p.start as f64)
    });

    // Ours: per process.
    doc.family(
        "supervisord_process_restarts",
        "Spawns of the process after its first.",
        Kind::Counter,
    );
    per_process(&mut doc, "supervisord_process_restarts_total", &|p| {
        Some(p.restarts as f64)
    });
    doc.family(
        "supervisord_process_uptime_seconds",
        "Seconds since the process started, while it is up.",
        Kind::Gauge,
    );
    per_process(&mut doc, "supervisord_process_uptime_seconds", &|p| {
        is_up(p.state).then(|| snap.now.saturating_sub(p.start) as f64)
    });
    doc.family(
        "supervisord_process_cpu_seconds",
        "User and system CPU time of the running process (from /proc).",
        Kind::Counter,
    );
    per_process(&mut doc, "supervisord_process_cpu_seconds_total", &|p| {
        p.usage.map(|u| u.0)
    });
    doc.family(
        "supervisord_process_resident_memory_bytes",
        "Resident memory of the running process (from /proc).",
        Kind::Gauge,
    );
    per_process(
        &mut doc,
        "supervisord_process_resident_memory_bytes",
        &|p| p.usage.map(|u| u.1 as f64),
    );

    // Ours: per pool.
    type Counter = fn(&PoolCounters) -> u64;
    let counters: [(&str, &str, Counter); 5] = [
        ("accepted", "Events the pool buffered.", |c| c.accepted),
        (
            "delivered",
            "Events a listener acknowledged with OK.",
            |c| c.delivered,
        ),
        ("rejected", "Results other than OK.", |c| c.rejected),
        (
            "rebuffered",
            "Times an event went back to the head of the queue.",
            |c| c.rebuffered,
        ),
        (
            "dropped",
            "Events discarded: queue overflow (the log reports each), or pool removal.",
            |c| c.dropped,
        ),
    ];
    for (what, help, get) in counters {
        let name = format!("supervisord_pool_events_{what}");
        doc.family(&name, help, Kind::Counter);
        for pool in &snap.pools {
            doc.sample(
                &format!("{name}_total"),
                &[("pool", &pool.name)],
                get(&pool.counters) as f64,
            );
        }
    }
    doc.family(
        "supervisord_pool_queue_depth",
        "Events waiting in the pool's queue.",
        Kind::Gauge,
    );
    for pool in &snap.pools {
        doc.sample(
            "supervisord_pool_queue_depth",
            &[("pool", &pool.name)],
            pool.queued as f64,
        );
    }
    doc.family(
        "supervisord_pool_listeners",
        "The pool's listeners by protocol state.",
        Kind::Gauge,
    );
    for pool in &snap.pools {
        for state in LISTENER_STATES {
            let n = pool.listeners.iter().filter(|&&s| s == state).count();
            doc.sample(
                "supervisord_pool_listeners",
                &[("pool", &pool.name), ("state", state.as_str())],
                n as f64,
            );
        }
    }
    doc.family(
        "supervisord_pool_delivery_latency_seconds",
        "Time from writing an event to a listener to its OK.",
        Kind::Histogram,
    );
    for pool in &snap.pools {
        for (bound, count) in pool.latency.cumulative() {
            let le = if bound.is_infinite() {
                "+Inf".to_owned()
            } else {
                format!("{bound}")
            };
            doc.sample(
                "supervisord_pool_delivery_latency_seconds_bucket",
                &[("pool", &pool.name), ("le", &le)],
                count as f64,
            );
        }
        doc.sample(
            "supervisord_pool_delivery_latency_seconds_sum",
            &[("pool", &pool.name)],
            pool.latency.sum(),
        );
        doc.sample(
            "supervisord_pool_delivery_latency_seconds_count",
            &[("pool", &pool.name)],
            pool.latency.count() as f64,
        );
    }

    // Ours: the daemon.
    doc.family(
        "supervisord_resident_memory_bytes",
        "Resident memory of supervisord itself.",
        Kind::Gauge,
    );
    doc.sample(
        "supervisord_resident_memory_bytes",
        &[],
        daemon.resident_bytes as f64,
    );
    doc.family(
        "supervisord_open_fds",
        "Descriptors supervisord has open.",
        Kind::Gauge,
    );
    doc.sample("supervisord_open_fds", &[], daemon.open_fds as f64);
    doc.family(
        "supervisord_uptime_seconds",
        "Seconds since supervisord started.",
        Kind::Gauge,
    );
    doc.sample("supervisord_uptime_seconds", &[], daemon.uptime_secs);
    doc.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot() -> MetricsSnapshot {
        MetricsSnapshot {
            now: 1_000,
            processes: vec![
                ProcessSample {
                    name: "web".into(),
                    group: "web".into(),
                    state: ProcessState::Running,
                    exitstatus: 0,
                    start: 900,
                    pid: 42,
                    restarts: 2,
                    usage: Some((1.5, 4096)),
                },
                ProcessSample {
                    name: "cron".into(),
                    group: "jobs".into(),
                    state: ProcessState::Exited,
                    exitstatus: 3,
                    start: 100,
                    pid: 0,
                    restarts: 0,
                    usage: None,
                },
            ],
            pools: vec![PoolSample {
                name: "mail".into(),
                counters: PoolCounters {
                    dropped: 4,
                    ..PoolCounters::default()
                },
                queued: 1,
                listeners: vec![ListenerState::Ready, ListenerState::Unknown],
                latency: Histogram::default(),
            }],
        }
    }

    #[test]
    fn node_exporter_series_and_ours_in_the_text_format() {
        let text = render(&snapshot(), DaemonStats::default(), Format::Text);
        for line in [
            "# TYPE node_supervisord_up gauge",
            "node_supervisord_state{name=\"web\",group=\"web\"} 20",
            "node_supervisord_exit_status{name=\"cron\",group=\"jobs\"} 3",
            "node_supervisord_up{name=\"cron\",group=\"jobs\"} 0",
            "node_supervisord_start_time_seconds{name=\"web\",group=\"web\"} 900",
            "# TYPE supervisord_process_restarts_total counter",
            "supervisord_process_restarts_total{name=\"web\",group=\"web\"} 2",
            "supervisord_process_uptime_seconds{name=\"web\",group=\"web\"} 100",
            "supervisord_process_cpu_seconds_total{name=\"web\",group=\"web\"} 1.5",
            "supervisord_pool_events_dropped_total{pool=\"mail\"} 4",
            "supervisord_pool_listeners{pool=\"mail\",state=\"UNKNOWN\"} 1",
            "supervisord_pool_delivery_latency_seconds_bucket{pool=\"mail\",le=\"+Inf\"} 0",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing {line:?} in\n{text}"
            );
        }
        assert!(
            !text.contains("start_time_seconds{name=\"cron\""),
            "only while up"
        );
        assert!(!text.contains("# EOF"));
    }

    #[test]
    fn openmetrics_names_counter_families_without_total_and_ends_with_eof() {
        let text = render(&snapshot(), DaemonStats::default(), Format::OpenMetrics);
        assert!(text.contains("# TYPE supervisord_pool_events_dropped counter\n"));
        assert!(text.contains("supervisord_pool_events_dropped_total{pool=\"mail\"} 4\n"));
        assert!(text.contains("# TYPE node_supervisord_state gauge\n"));
        assert!(text.ends_with("# EOF\n"));
    }
}
