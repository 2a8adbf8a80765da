//! Event listeners to copy. Each is a real program with a config snippet:
//!
//! | binary | what it does |
//! |---|---|
//! | `event-logger` | writes every event it receives as one JSON line to stderr (so it lands in the listener's `stderr_logfile`) |
//! | `crashmail` | mails on unexpected exits; superlance's `crashmail`, same options ([`crashmail`]) |
//! | `fatal-webhook` | posts a JSON alert to a webhook on FATAL (and unexpected exits), with retry and backoff, from a bounded queue ([`fatal_webhook`]) |
//! | `event-forwarder` | every event into a NATS JetStream stream, at least once, and the process state into a key-value bucket ([`fleet::forwarder`]) |
//! | `fleet` | `fleet status` and `fleet tail`: every process and event of every host, from NATS ([`fleet::client`]) |
//! | `httpok` | restarts processes when a URL answers badly; superlance's `httpok`, same options ([`httpok`]) |
//! | `memmon` | restarts processes over a memory limit; superlance's `memmon`, same options ([`memmon`]) |
//!
//! The JSON shape of `event-logger` is [`EventRecord`]:
//!
//! ```
//! use event_proto::EventDecoder;
//! use examples::EventRecord;
//!
//! let mut dec = EventDecoder::new();
//! dec.push(b"ver:3.0 server:supervisor serial:7 pool:log poolserial:3 eventname:TICK_60 len:15\nwhen:1795468680");
//! let env = dec.next().unwrap().unwrap();
//! let json = serde_json::to_string(&EventRecord::from_envelope(&env)).unwrap();
//! assert_eq!(json, r#"{"serial":7,"pool":"log","poolserial":3,"eventname":"TICK_60","headers":{"when":"1795468680"},"data":null}"#);
//! ```

use std::collections::BTreeMap;

pub mod alert;
pub mod crashmail;
pub mod fatal_webhook;
pub mod fleet;
pub mod httpok;
pub mod mailbatch;
pub mod memmon;
pub mod support;

/// What a command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cli<T> {
    /// Run with these settings.
    Run(T),
    /// Print the usage text and exit with this status (0 for `-h`, 255 for a bad option,
    /// as superlance does).
    Usage(u8),
}

use event_proto::{Envelope, Header};
use listener_sdk::Event;
use serde::Serialize;

/// One event as a JSON line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventRecord {
    /// The daemon-wide serial.
    pub serial: u64,
    /// The pool.
    pub pool: String,
    /// The pool serial.
    pub poolserial: u64,
    /// The event name.
    pub eventname: String,
    /// The payload's `key:value` tokens.
    pub headers: BTreeMap<String, String>,
    /// The payload body after the token line (log data, remote data), if any.
    pub data: Option<String>,
}

impl EventRecord {
    /// The record for one received envelope.
    pub fn from_envelope(env: &Envelope) -> EventRecord {
        EventRecord::from_parts(&env.header, &env.payload)
    }

    /// The record for one event as the listener SDK hands it over.
    pub fn from_event(event: &Event) -> EventRecord {
        EventRecord::from_parts(event.header(), event.raw_payload())
    }

    fn from_parts(header: &Header, payload: &[u8]) -> EventRecord {
        let payload = String::from_utf8_lossy(payload);
        let (tokens, data) = match payload.split_once('\n') {
            Some((t, d)) => (t.to_owned(), Some(d.to_owned())),
            None => (payload.into_owned(), None),
        };
        let headers = tokens
            .split_whitespace()
            .filter_map(|t| t.split_once(':'))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        EventRecord {
            serial: header.serial,
            pool: header.pool.to_string(),
            poolserial: header.poolserial,
            eventname: header.event_name.to_string(),
            headers,
            data: data.filter(|d| !d.is_empty()),
        }
    }
}
