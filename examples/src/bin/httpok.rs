//! `httpok`: see [`examples::httpok`].

use std::process::ExitCode;

use examples::httpok::{HttpOk, TLS_USAGE, USAGE};
use examples::Cli;
use listener_sdk::rpc::RpcClient;
use listener_sdk::{Event, Listener, Logger};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let h = match HttpOk::from_args(&args) {
        Cli::Run(h) => h,
        Cli::Usage(code) => {
            println!("{USAGE}{TLS_USAGE}");
            return ExitCode::from(code);
        }
    };
    let log = Logger::new("httpok");
    if let Err(e) = listener_sdk::http::check_url(&h.url) {
        log.log(e);
        return ExitCode::from(2);
    }
    let rpc = match RpcClient::from_env() {
        Ok(rpc) => rpc,
        Err(_) => {
            eprintln!("httpok must be run as a supervisor event listener");
            return ExitCode::SUCCESS;
        }
    };
    let result = Listener::new().run(|event: &Event| {
        h.handle(event, &rpc, &log);
        Ok(())
    });
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            log.log(e);
            ExitCode::FAILURE
        }
    }
}
