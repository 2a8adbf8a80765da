//! `fatal-webhook`: see [`examples::fatal_webhook`].

use std::process::ExitCode;

use examples::fatal_webhook::{FatalWebhook, TLS_USAGE, USAGE};
use examples::support::spooling;
use examples::Cli;
use listener_sdk::spool::SpoolOptions;
use listener_sdk::{Delivery, Event, Logger, SpooledOptions};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let w = match FatalWebhook::from_args(&args) {
        Cli::Run(w) => w,
        Cli::Usage(code) => {
            println!("{USAGE}{TLS_USAGE}");
            return ExitCode::from(code);
        }
    };
    let log = Logger::new("fatal-webhook");
    let dir = spooling::dir("fatal-webhook", w.spool.clone());
    let spool = SpoolOptions {
        capacity: w.queue,
        ..SpoolOptions::default()
    };
    let worker_log = log.clone();
    // Acknowledge once spooled; post from the spool on a worker thread. `post` retries on
    // its own (-r, -b); an alert it gives up on is discarded, logged.
    spooling::run(
        &log,
        dir,
        spool,
        SpooledOptions::default(),
        move |event: &Event| match w.alert_for(event) {
            Some(alert) => match w.post(&alert, &worker_log) {
                Ok(()) => Delivery::Done,
                Err(e) => Delivery::Discard(e),
            },
            None => Delivery::Done,
        },
    )
}
