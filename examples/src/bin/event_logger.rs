//! `event-logger`: an event listener that writes every event as a JSON line to stderr and
//! acknowledges it. Config snippet:
//!
//! ```ini
//! [eventlistener:events]
//! command=/path/to/event-logger
//! events=EVENT
//! stderr_logfile=/var/log/supervisor/events.jsonl
//! ```

use std::io::Write;
use std::process::ExitCode;

use examples::EventRecord;
use listener_sdk::{Event, Listener};

fn main() -> ExitCode {
    let result = Listener::new().run(|event: &Event| {
        let line = serde_json::to_string(&EventRecord::from_event(event))?;
        let mut err = std::io::stderr().lock();
        writeln!(err, "{line}")?;
        Ok(())
    });
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("event-logger: {e}");
            ExitCode::FAILURE
        }
    }
}
