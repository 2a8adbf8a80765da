//! `crashmail`: see [`examples::crashmail`].

use std::process::ExitCode;

use examples::crashmail::{CrashMail, USAGE};
use examples::support::spooling;
use examples::Cli;
use listener_sdk::spool::SpoolOptions;
use listener_sdk::{Event, Logger, SpooledOptions};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let c = match CrashMail::from_args(&args) {
        Cli::Run(c) => c,
        Cli::Usage(code) => {
            println!("{USAGE}");
            return ExitCode::from(code);
        }
    };
    if std::env::var_os("SUPERVISOR_SERVER_URL").is_none() {
        eprintln!("crashmail must be run as a supervisor event listener");
        return ExitCode::SUCCESS;
    }
    let log = Logger::new("crashmail");
    let dir = spooling::dir("crashmail", c.spool.clone());
    let worker_log = log.clone();
    spooling::run(
        &log,
        dir,
        SpoolOptions::default(),
        SpooledOptions::default(),
        move |event: &Event| c.deliver(event, &worker_log),
    )
}
