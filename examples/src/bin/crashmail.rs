//! `crashmail`: see [`examples::crashmail`].

use std::process::ExitCode;

use examples::crashmail::{CrashMail, USAGE};
use examples::Cli;
use listener_sdk::{Event, Listener, Logger};

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
    let result = Listener::new().run(|event: &Event| {
        c.handle(event, &log);
        Ok::<(), std::convert::Infallible>(())
    });
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            log.log(e);
            ExitCode::FAILURE
        }
    }
}
