//! `alert`: see [`examples::alert`].

use std::process::ExitCode;
use std::sync::Arc;

use examples::alert::{Alert, USAGE};
use examples::Cli;
use listener_sdk::spool::Spool;
use listener_sdk::{Listener, Logger};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let a = match Alert::from_args(&args) {
        Cli::Run(a) => a,
        Cli::Usage(code) => {
            println!("{USAGE}");
            return ExitCode::from(code);
        }
    };
    let log = Logger::new("alert");
    let spool = match Spool::open(&a.spool_dir, a.spool_options()) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            log.log(format_args!(
                "cannot open the spool {}: {e}",
                a.spool_dir.display()
            ));
            return ExitCode::from(2);
        }
    };
    if !spool.is_empty() {
        log.log(format_args!(
            "{} spooled alerts from an earlier run",
            spool.len()
        ));
    }
    let deliver = match a.deliverer(log.clone()) {
        Ok(d) => d,
        Err(e) => {
            log.log(e);
            return ExitCode::from(2);
        }
    };
    match Listener::new().run_spooled(spool, a.spooled_options(), deliver) {
        Ok(summary) => {
            if summary.dropped > 0 {
                log.log(format_args!(
                    "{} alerts dropped (spool full)",
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
