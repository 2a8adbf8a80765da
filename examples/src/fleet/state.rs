//! The state bucket: one entry per process on this host, `<host>.<group>.<process>`,
//! seeded from `getAllProcessInfo`, updated on each state event (from `getProcessInfo`,
//! which also knows the exit status; from the event alone if RPC fails), and all rewritten
//! every third of the bucket's `max_age` so that live entries never expire while the
//! entries of a host that died do.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_nats::jetstream::kv::Store;
use async_nats::jetstream::stream::{self, DiscardPolicy, StorageType};
use async_nats::jetstream::Context;
use futures_util::StreamExt;
use listener_sdk::event_proto::ProcessState;
use listener_sdk::rpc::{ProcessInfo, RpcClient};
use listener_sdk::spool::Backoff;
use listener_sdk::{Event, Logger};
use tokio::sync::{mpsc, watch};

use super::record::{rfc3339, token, StateRecord, SCHEMA};

/// One state event, as the protocol side saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateUpdate {
    group: String,
    name: String,
    state: String,
    pid: u32,
    time: String,
}

impl StateUpdate {
    /// The update a `PROCESS_STATE_*` event stands for (`None` for other events).
    pub fn from_event(event: &Event, time: &str) -> Option<StateUpdate> {
        let state = event.name().strip_prefix("PROCESS_STATE_")?;
        let name = event.process_name()?.to_owned();
        let running = matches!(state, "RUNNING" | "STOPPING" | "BACKOFF" | "STARTING");
        Some(StateUpdate {
            group: event.group_name().unwrap_or(&name).to_owned(),
            name,
            state: state.to_owned(),
            pid: if running && state != "BACKOFF" {
                event.pid().unwrap_or(0)
            } else {
                0
            },
            time: time.to_owned(),
        })
    }

    fn namespec(&self) -> String {
        if self.group == self.name {
            self.name.clone()
        } else {
            format!("{}:{}", self.group, self.name)
        }
    }
}

/// The state task's settings.
#[derive(Debug)]
pub struct StateTask {
    /// The bucket.
    pub bucket: String,
    /// This host.
    pub host: String,
    /// The bucket's `max_age`.
    pub max_age: Duration,
    /// supervisord's RPC, if reachable.
    pub rpc: Option<RpcClient>,
    /// Where failures are reported.
    pub log: Logger,
    /// Set when the update channel was full: reseed.
    pub overflow: Arc<AtomicBool>,
}

fn epoch_text(secs: i64) -> String {
    rfc3339(UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).unwrap_or(0)))
}

fn now_text() -> String {
    rfc3339(SystemTime::now())
}

/// The state record for `info`, on `host`.
pub fn from_info(host: &str, info: &ProcessInfo) -> StateRecord {
    let started = matches!(
        info.state,
        Some(
            ProcessState::Running
                | ProcessState::Starting
                | ProcessState::Stopping
                | ProcessState::Backoff
        )
    );
    let since = if started || info.stop == 0 {
        info.start
    } else {
        info.stop
    };
    StateRecord {
        schema: SCHEMA,
        host: host.to_owned(),
        group: info.group.clone(),
        name: info.name.clone(),
        state: info.statename.clone(),
        pid: info.pid,
        since: if since > 0 {
            epoch_text(since)
        } else {
            now_text()
        },
        exitstatus: info.exitstatus,
        description: info.description.clone(),
        updated: now_text(),
    }
}

impl StateTask {
    async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&RpcClient) -> Result<T, listener_sdk::rpc::RpcError> + Send + 'static,
    ) -> Result<T, String> {
        let rpc = self.rpc.clone().ok_or("SUPERVISOR_SERVER_URL is not set")?;
        tokio::task::spawn_blocking(move || f(&rpc).map_err(|e| e.to_string()))
            .await
            .map_err(|e| e.to_string())?
    }

    /// The bucket, created if missing. Created as its stream (`KV_<bucket>`, what
    /// `create_key_value` would make) because async-nats's account query, which
    /// `create_key_value` makes first, fails against Debian's server 2.9.
    async fn open(&self, js: &Context) -> Result<Store, String> {
        if let Ok(s) = js.get_key_value(&self.bucket).await {
            return Ok(s);
        }
        js.get_or_create_stream(stream::Config {
            name: format!("KV_{}", self.bucket),
            description: Some("supervisord processes: <host>.<group>.<process>".into()),
            subjects: vec![format!("$KV.{}.>", self.bucket)],
            max_messages_per_subject: 1,
            max_age: self.max_age,
            storage: StorageType::File,
            allow_rollup: true,
            deny_delete: true,
            allow_direct: true,
            discard: DiscardPolicy::New,
            num_replicas: 1,
            ..Default::default()
        })
        .await
        .map_err(|e| format!("bucket {}: {e}", self.bucket))?;
        js.get_key_value(&self.bucket)
            .await
            .map_err(|e| format!("bucket {}: {e}", self.bucket))
    }

    async fn put(&self, kv: &Store, record: &StateRecord) -> Result<(), String> {
        let json = serde_json::to_vec(record).map_err(|e| e.to_string())?;
        kv.put(record.key(), json.into())
            .await
            .map(|_| ())
            .map_err(|e| format!("bucket put {}: {e}", record.key()))
    }

    /// Every process from `getAllProcessInfo`; entries of this host for processes that no
    /// longer exist are deleted.
    async fn seed(&self, kv: &Store) -> Result<(), String> {
        let all = self.call(RpcClient::get_all_process_info).await?;
        let mut live = BTreeSet::new();
        for info in &all {
            let record = from_info(&self.host, info);
            live.insert(record.key());
            self.put(kv, &record).await?;
        }
        let mine = format!("{}.", token(&self.host));
        // Just written to, so not empty (listing an empty bucket's keys waits for ever).
        let stale = async {
            let mut stale = Vec::new();
            if let Ok(mut keys) = kv.keys().await {
                while let Some(Ok(key)) = keys.next().await {
                    if key.starts_with(&mine) && !live.contains(&key) {
                        stale.push(key);
                    }
                }
            }
            stale
        };
        if let Ok(stale) = tokio::time::timeout(Duration::from_secs(10), stale).await {
            for key in stale {
                let _ = kv.delete(&key).await;
            }
        }
        Ok(())
    }

    async fn update(&self, kv: &Store, u: StateUpdate) -> Result<(), String> {
        let namespec = u.namespec();
        let record = match self.call(move |r| r.get_process_info(&namespec)).await {
            Ok(info) => from_info(&self.host, &info),
            Err(_) => StateRecord {
                schema: SCHEMA,
                host: self.host.clone(),
                group: u.group,
                name: u.name,
                state: u.state,
                pid: u.pid,
                since: u.time,
                exitstatus: 0,
                description: String::new(),
                updated: now_text(),
            },
        };
        self.put(kv, &record).await
    }

    /// Seeds, then follows `updates` and refreshes, until `stop`.
    pub async fn run(
        self,
        js: Context,
        mut updates: mpsc::Receiver<StateUpdate>,
        mut stop: watch::Receiver<bool>,
    ) {
        let mut backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(10));
        let refresh = (self.max_age / 3).max(Duration::from_millis(500));
        let mut kv: Option<Store> = None;
        let mut due = tokio::time::Instant::now();
        loop {
            if *stop.borrow() {
                return;
            }
            if self.overflow.swap(false, Ordering::SeqCst) {
                due = tokio::time::Instant::now();
            }
            let result = async {
                if kv.is_none() {
                    kv = Some(self.open(&js).await?);
                }
                let store = kv.as_ref().ok_or("no bucket")?;
                if tokio::time::Instant::now() >= due {
                    self.seed(store).await?;
                    due = tokio::time::Instant::now() + refresh;
                }
                Ok::<(), String>(())
            }
            .await;
            if let Err(e) = result {
                let wait = backoff.next_delay();
                self.log.log(format_args!(
                    "state bucket: {e}; again in {:.1}s",
                    wait.as_secs_f64()
                ));
                due = tokio::time::Instant::now() + wait;
            } else {
                backoff.reset();
            }
            tokio::select! {
                u = updates.recv() => {
                    if let (Some(u), Some(store)) = (u, kv.as_ref()) {
                        if let Err(e) = self.update(store, u).await {
                            self.log.log(format_args!("state bucket: {e}"));
                            due = tokio::time::Instant::now();
                        }
                    }
                }
                _ = tokio::time::sleep_until(due) => {}
                _ = stop.changed() => {}
            }
        }
    }
}
