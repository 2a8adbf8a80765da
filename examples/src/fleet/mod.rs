//! The fleet: every host's supervisord events in one durable NATS JetStream stream, and a
//! view of every process on every host.
//!
//! - [`forwarder`] is `event-forwarder`, a listener that spools each event to disk, answers
//!   `OK`, and publishes it to the stream `SUPERVISOR_EVENTS` on subject
//!   `P.<host>.<EVENTNAME>` with JetStream publish acks and `Nats-Msg-Id`
//!   `<host>/<boot>/<serial>`, so the server discards a redelivery. It keeps the key-value
//!   bucket `SUPERVISOR_STATE` (`<host>.<group>.<process>`) up to date.
//! - [`client`] is `fleet`: `fleet status` reads the bucket, `fleet tail` the stream.
//! - [`record`] holds the JSON schemas (versioned, see the README) and the naming rules.
//!
//! ```
//! use examples::fleet::record::{token, Key};
//!
//! let k: Key = serde_json::from_str(
//!     r#"{"host":"web1.example.com","boot":"1796304424120-812","eventname":"PROCESS_STATE_EXITED","serial":0}"#,
//! ).unwrap();
//! assert_eq!(k.subject("supervisor"), "supervisor.web1=2Eexample=2Ecom.PROCESS_STATE_EXITED");
//! assert_eq!(k.msg_id(), "web1.example.com/1796304424120-812/0");
//! assert_eq!(token("web1.example.com"), "web1=2Eexample=2Ecom");
//! ```

pub mod boot;
pub mod client;
pub mod connect;
pub mod forwarder;
mod publisher;
pub mod record;
mod state;

/// The default broker.
pub const DEFAULT_URL: &str = "nats://127.0.0.1:4222";
/// The default stream.
pub const DEFAULT_STREAM: &str = "SUPERVISOR_EVENTS";
/// The default subject prefix.
pub const DEFAULT_PREFIX: &str = "supervisor";
/// The state bucket.
pub const DEFAULT_BUCKET: &str = "SUPERVISOR_STATE";

/// This machine's host name.
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}
