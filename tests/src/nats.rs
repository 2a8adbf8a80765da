//! A real NATS server with JetStream (Debian's `nats-server`, listed in
//! scripts/apt-packages) on a free loopback port with its own store directory; stopped by
//! pid when dropped. It can be stopped and started again on the same port and store, as a
//! broker outage. The stream and the key-value bucket are read back with async-nats.

use std::collections::BTreeMap;
use std::io;
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::Duration;

use async_nats::jetstream::consumer::pull::OrderedConfig;
use futures_util::StreamExt;

use crate::stop_on_drop::StopOnDrop;
use crate::temp_dir::TempDir;
use crate::wait::try_wait_until;

const BINARY: &str = "nats-server";

/// Whether nats-server is installed: under CI (env `CI` set) its absence panics, so its
/// tests fail rather than skip; otherwise a note is printed and false returned.
pub fn nats_installed() -> bool {
    crate::required(
        crate::runs(BINARY, &["--version"]),
        BINARY,
        &format!("apt-get install {BINARY}"),
    )
}

/// One message read back from a stream.
#[derive(Debug, Clone)]
pub struct StoredMessage {
    /// The stream sequence.
    pub seq: u64,
    /// The subject.
    pub subject: String,
    /// `Nats-Msg-Id`.
    pub msg_id: String,
    /// The body, parsed.
    pub body: serde_json::Value,
    /// When the server stored it (nanoseconds since the epoch).
    pub stored_ns: i128,
}

/// A running (or stopped, between [`NatsServer::stop`] and [`NatsServer::start_again`])
/// nats-server.
#[derive(Debug)]
pub struct NatsServer {
    process: Option<StopOnDrop>,
    dir: TempDir,
    /// Its port on 127.0.0.1.
    pub port: u16,
}

fn runtime() -> io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

impl NatsServer {
    /// Starts one with JetStream on a free port and waits up to 20 s for it.
    pub fn start() -> io::Result<NatsServer> {
        let dir = TempDir::new("nats")?;
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let mut s = NatsServer {
            process: None,
            dir,
            port,
        };
        s.start_again()?;
        Ok(s)
    }

    /// Starts it (again) on the same port and store.
    pub fn start_again(&mut self) -> io::Result<()> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("server.log"))?;
        let child = Command::new(BINARY)
            .args([
                "-js",
                "-a",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-sd",
            ])
            .arg(self.dir.join("store"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .spawn()?;
        self.process = Some(StopOnDrop(child));
        let port = self.port;
        if !try_wait_until(Duration::from_secs(20), || {
            TcpStream::connect(("127.0.0.1", port)).is_ok()
        }) {
            return Err(io::Error::other(format!(
                "nats-server did not start: {}",
                std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
            )));
        }
        Ok(())
    }

    /// Stops it (SIGTERM by pid, then SIGKILL) and waits for it to exit.
    pub fn stop(&mut self) {
        self.process = None;
    }

    /// Its process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.process.as_ref().map(StopOnDrop::pid)
    }

    /// `nats://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    async fn context(&self) -> io::Result<async_nats::jetstream::Context> {
        let client = async_nats::ConnectOptions::new()
            .connection_timeout(Duration::from_secs(5))
            .connect(self.url())
            .await
            .map_err(io::Error::other)?;
        Ok(async_nats::jetstream::new(client))
    }

    /// How many messages `stream` holds (0 if it does not exist yet).
    pub fn count(&self, stream: &str) -> io::Result<u64> {
        runtime()?.block_on(async {
            let js = self.context().await?;
            match js.get_stream(stream).await {
                Ok(mut s) => Ok(s.info().await.map_err(io::Error::other)?.state.messages),
                Err(_) => Ok(0),
            }
        })
    }

    /// Every message of `stream`, in order.
    pub fn messages(&self, stream: &str) -> io::Result<Vec<StoredMessage>> {
        runtime()?.block_on(async {
            let js = self.context().await?;
            let mut s = js.get_stream(stream).await.map_err(io::Error::other)?;
            let state = s.info().await.map_err(io::Error::other)?.state.clone();
            let mut out = Vec::new();
            if state.messages == 0 {
                return Ok(out);
            }
            let consumer = s
                .create_consumer(OrderedConfig::default())
                .await
                .map_err(io::Error::other)?;
            let mut messages = consumer.messages().await.map_err(io::Error::other)?;
            while let Ok(Some(m)) =
                tokio::time::timeout(Duration::from_secs(10), messages.next()).await
            {
                let m = m.map_err(io::Error::other)?;
                let info = m.info().map_err(io::Error::other)?;
                let (seq, stored_ns) =
                    (info.stream_sequence, info.published.unix_timestamp_nanos());
                let msg_id = m
                    .headers
                    .as_ref()
                    .and_then(|h| h.get(async_nats::header::NATS_MESSAGE_ID))
                    .map(|v| v.as_str().to_owned())
                    .unwrap_or_default();
                out.push(StoredMessage {
                    seq,
                    subject: m.subject.to_string(),
                    msg_id,
                    body: serde_json::from_slice(&m.payload).unwrap_or_default(),
                    stored_ns,
                });
                if seq >= state.last_sequence {
                    break;
                }
            }
            Ok(out)
        })
    }

    /// Every entry of the key-value `bucket` (parsed), by key; empty if it does not exist.
    pub fn bucket(&self, bucket: &str) -> io::Result<BTreeMap<String, serde_json::Value>> {
        runtime()?.block_on(async {
            let js = self.context().await?;
            let Ok(kv) = js.get_key_value(bucket).await else {
                return Ok(BTreeMap::new());
            };
            let mut out = BTreeMap::new();
            // Listing the keys of an empty bucket waits for ever: look at the count first.
            if kv.status().await.map_or(0, |s| s.values()) == 0 {
                return Ok(out);
            }
            let Ok(mut keys) = kv.keys().await else {
                return Ok(out);
            };
            let list = async {
                let mut all = Vec::new();
                while let Some(Ok(key)) = keys.next().await {
                    all.push(key);
                }
                all
            };
            let all = tokio::time::timeout(Duration::from_secs(10), list)
                .await
                .map_err(io::Error::other)?;
            for key in all {
                if let Ok(Some(v)) = kv.get(&key).await {
                    out.insert(key, serde_json::from_slice(&v).unwrap_or_default());
                }
            }
            Ok(out)
        })
    }

    /// The `max_age` of the stream behind `bucket`.
    pub fn bucket_max_age(&self, bucket: &str) -> io::Result<Duration> {
        runtime()?.block_on(async {
            let js = self.context().await?;
            let mut s = js
                .get_stream(format!("KV_{bucket}"))
                .await
                .map_err(io::Error::other)?;
            Ok(s.info().await.map_err(io::Error::other)?.config.max_age)
        })
    }
}
