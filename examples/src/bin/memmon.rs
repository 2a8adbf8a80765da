//! `memmon`: see [`examples::memmon`].

use std::process::ExitCode;

use examples::memmon::{Memmon, USAGE};
use examples::Cli;
use listener_sdk::rpc::RpcClient;
use listener_sdk::{Event, Listener, Logger};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let m = match Memmon::from_args(&args) {
        Cli::Run(m) => m,
        Cli::Usage(code) => {
            println!("{USAGE}");
            return ExitCode::from(code);
        }
    };
    let log = Logger::new("memmon");
    let rpc = match RpcClient::from_env() {
        Ok(rpc) => rpc,
        Err(e) => {
            log.log(format_args!(
                "memmon must be run as a supervisor event listener: {e}"
            ));
            return ExitCode::FAILURE;
        }
    };
    let result = Listener::new().run(|event: &Event| Ok(m.handle(event, &rpc, &log)?));
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            log.log(e);
            ExitCode::FAILURE
        }
    }
}
