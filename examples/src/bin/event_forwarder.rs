//! `event-forwarder`: see [`examples::fleet::forwarder`].

use std::process::ExitCode;

use examples::fleet::forwarder::{usage, Forwarder};
use examples::Cli;
use listener_sdk::Logger;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match Forwarder::from_args(&args) {
        Cli::Run(f) => f.run(&Logger::new("event-forwarder")),
        Cli::Usage(code) => {
            println!("{}", usage());
            ExitCode::from(code)
        }
    }
}
