//! `fleet`: see [`examples::fleet::client`].

use std::process::ExitCode;

use examples::fleet::client::{usage, Fleet, Usage};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let fleet = match Fleet::from_args(&args) {
        Ok(f) => f,
        Err(Usage(m)) if m.is_empty() => {
            println!("{}", usage());
            return ExitCode::SUCCESS;
        }
        Err(Usage(m)) => {
            eprintln!("fleet: {m}\n{}", usage());
            return ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("fleet: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut out = std::io::stdout().lock();
    match rt.block_on(fleet.run(&mut out)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fleet: {e}");
            ExitCode::FAILURE
        }
    }
}
