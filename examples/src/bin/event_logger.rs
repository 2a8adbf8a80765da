//! `event-logger`: an event listener that writes every event as a JSON line to stderr and
//! acknowledges it. Config snippet:
//!
//! ```ini
//! [eventlistener:events]
//! command=/path/to/event-logger
//! events=EVENT
//! stderr_logfile=/var/log/supervisor/events.jsonl
//! ```

use std::io::{Read, Write};

use event_proto::{encode_ready, encode_result, EventDecoder};
use examples::EventRecord;

fn main() {
    let mut stdin = std::io::stdin().lock();
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    let mut decoder = EventDecoder::new();
    let mut out = bytes::BytesMut::new();
    let mut buf = [0u8; 64 * 1024];
    encode_ready(&mut out);
    if stdout
        .write_all(&out)
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return;
    }
    loop {
        let n = match stdin.read(&mut buf) {
            Ok(0) | Err(_) => return, // EOF: the daemon closed our stdin
            Ok(n) => n,
        };
        decoder.push(&buf[..n]);
        loop {
            let env = match decoder.next() {
                Ok(Some(env)) => env,
                Ok(None) => break,
                Err(e) => {
                    let _ = writeln!(stderr, "event-logger: protocol error: {e}");
                    return;
                }
            };
            let line = serde_json::to_string(&EventRecord::from_envelope(&env)).unwrap_or_default();
            let _ = writeln!(stderr, "{line}");
            out.clear();
            encode_result(b"OK", &mut out);
            encode_ready(&mut out);
            if stdout
                .write_all(&out)
                .and_then(|()| stdout.flush())
                .is_err()
            {
                return;
            }
        }
    }
}
