//! `event-rates`: the tokio example. Counts events by name with the async runtime and,
//! from a timer task running beside the protocol, writes the counts seen in each interval
//! as one JSON line to stderr (which supervisord keeps in the listener's
//! `stderr_logfile`): `{"interval_secs":60,"counts":{"PROCESS_STATE_RUNNING":3}}`.
//!
//! ```ini
//! [eventlistener:rates]
//! command=/usr/local/bin/event-rates --every 60
//! events=EVENT
//! ```
//!
//! The stdin caveat of `listener_sdk::AsyncListener` applies: tokio reads stdin on a
//! blocking thread whose read cannot be cancelled, so on SIGTERM this program ends the
//! process with `std::process::exit` rather than waiting for the runtime to shut down.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use listener_sdk::{AsyncListener, Event, Logger};
use tokio::sync::Mutex;

const USAGE: &str = "usage: event-rates [--every SECONDS]\n\nCounts events by name and writes the counts of each interval (default 60 s)\nas a JSON line to stderr.\n";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let every = match args.as_slice() {
        [] => 60.0,
        [flag, secs] if flag == "--every" => match secs.parse::<f64>() {
            Ok(s) if s.is_finite() && s > 0.0 => s,
            _ => {
                print!("{USAGE}");
                std::process::exit(2)
            }
        },
        [flag] if flag == "-h" || flag == "--help" => {
            print!("{USAGE}");
            std::process::exit(0)
        }
        _ => {
            print!("{USAGE}");
            std::process::exit(2)
        }
    };
    let log = Logger::new("event-rates");
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            log.log(format_args!("cannot start tokio: {e}"));
            std::process::exit(1)
        }
    };
    let code = runtime.block_on(async move {
        let counts: Arc<Mutex<BTreeMap<String, u64>>> = Arc::default();
        let reporter = {
            let counts = Arc::clone(&counts);
            tokio::spawn(async move {
                let period = Duration::from_secs_f64(every);
                let mut timer =
                    tokio::time::interval_at(tokio::time::Instant::now() + period, period);
                loop {
                    timer.tick().await;
                    let seen = std::mem::take(&mut *counts.lock().await);
                    let line = serde_json::json!({ "interval_secs": every, "counts": seen });
                    eprintln!("{line}");
                }
            })
        };
        let result = AsyncListener::new()
            .run(|event: Event| {
                let counts = Arc::clone(&counts);
                async move {
                    *counts
                        .lock()
                        .await
                        .entry(event.name().to_owned())
                        .or_default() += 1;
                    Ok(())
                }
            })
            .await;
        reporter.abort();
        match result {
            Ok(_) => 0,
            Err(e) => {
                log.log(e);
                1
            }
        }
    });
    // Not `drop(runtime)`: its stdin thread may still be blocked in a read (see above).
    std::process::exit(code)
}
