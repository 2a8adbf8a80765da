//! The fleet bench's baseline: an SDK listener that does nothing with each event but
//! count it, and creates the file `argv[2]` once it has answered `argv[1]` events, holding
//! the count and when that was (nanoseconds since the epoch), for the bench's clock.

use std::process::ExitCode;

use listener_sdk::Listener;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let want: u64 = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(u64::MAX);
    let marker = args.get(2).cloned().unwrap_or_default();
    let mut seen = 0u64;
    let result = Listener::new().run(|_| {
        seen += 1;
        if seen == want && !marker.is_empty() {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos();
            std::fs::write(&marker, format!("{seen} {now}"))?;
        }
        Ok(())
    });
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("noop-listener: {e}");
            ExitCode::FAILURE
        }
    }
}
