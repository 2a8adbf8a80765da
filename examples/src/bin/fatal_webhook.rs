//! `fatal-webhook`: see [`examples::fatal_webhook`].

use std::process::ExitCode;

use examples::fatal_webhook::{FatalWebhook, TLS_USAGE, USAGE};
use examples::Cli;
use listener_sdk::{Event, Listener, Logger};

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
    let queue = w.queue;
    let worker_log = log.clone();
    // Acknowledge at once; post from a bounded queue on a worker thread.
    let result =
        Listener::new().run_buffered(queue, move |event: Event| match w.alert_for(&event) {
            Some(alert) => w.post(&alert, &worker_log),
            None => Ok(()),
        });
    match result {
        Ok(summary) => {
            if summary.dropped > 0 {
                log.log(format_args!(
                    "{} alerts dropped (queue full)",
                    summary.dropped
                ));
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            log.log(e);
            ExitCode::FAILURE
        }
    }
}
