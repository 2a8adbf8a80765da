//! The HTTP routes of the control plane: XML-RPC requests become [`Control::Rpc`] messages
//! for the supervisor task.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};

use super::messages::Control;

/// The HTTP routes (XML-RPC, the web pages, `/metrics`), answered through messages to the
/// supervisor task.
#[derive(Debug, Clone)]
pub struct RpcRoutes {
    pub(super) control: mpsc::UnboundedSender<Control>,
    heap_trim: Arc<crate::daemon::heap_trim::HeapTrim>,
    /// When the routes were made: the daemon's start, for its uptime.
    started: std::time::Instant,
    /// The token the web page's forms must carry.
    pub(super) csrf: crate::daemon::web_guard::CsrfToken,
    /// The last `getAllProcessInfo` document, sent again while nothing it shows has changed;
    /// `heap_trim` drops it once the calls are quiet.
    all_info: Arc<super::process_info::EncodedAllInfo>,
}

impl RpcRoutes {
    /// Routes that forward to the task behind `control`.
    pub fn new(control: mpsc::UnboundedSender<Control>) -> RpcRoutes {
        let all_info = Arc::new(super::process_info::EncodedAllInfo::default());
        let kept = Arc::clone(&all_info);
        RpcRoutes {
            control,
            heap_trim: crate::daemon::heap_trim::HeapTrim::with_release(Box::new(move || {
                kept.clear()
            })),
            started: std::time::Instant::now(),
            csrf: crate::daemon::web_guard::CsrfToken::new(),
            all_info,
        }
    }
}

impl crate::http::Routes for RpcRoutes {
    async fn rpc(&self, body: Bytes) -> crate::http::Reply {
        use crate::http::Reply;
        use event_proto::xmlrpc::MethodCall;
        let Ok(call) = MethodCall::decode(&body) else {
            return Reply::error(hyper::StatusCode::BAD_REQUEST);
        };
        if call.method == crate::rpc::Method::GetAllProcessInfo.wire() && call.params.is_empty() {
            return self.all_process_info().await;
        }
        let (reply, rx) = oneshot::channel();
        if self.control.send(Control::Rpc { call, reply }).is_err() {
            return Reply::error(hyper::StatusCode::SERVICE_UNAVAILABLE);
        }
        match rx.await {
            Ok(response) if is_large(&response) => {
                // Encoding (and freeing) a response of hundreds of structs takes longer than
                // building it: do it on the blocking pool so the event loop, and every other
                // client, is not held up by it.
                self.heap_trim.after_burst();
                match tokio::task::spawn_blocking(move || response.encode()).await {
                    Ok(doc) => Reply::xml(doc),
                    Err(_) => Reply::error(hyper::StatusCode::INTERNAL_SERVER_ERROR),
                }
            }
            Ok(response) => Reply::xml(response.encode()),
            Err(_) => Reply::error(hyper::StatusCode::SERVICE_UNAVAILABLE),
        }
    }
    async fn metrics(&self, format: crate::metrics::Format) -> crate::http::Reply {
        use crate::http::Reply;
        use crate::metrics::{procfs, render, DaemonStats};
        let (reply, rx) = oneshot::channel();
        if self.control.send(Control::Metrics(reply)).is_err() {
            return Reply::error(hyper::StatusCode::SERVICE_UNAVAILABLE);
        }
        let Ok(mut snapshot) = rx.await else {
            return Reply::error(hyper::StatusCode::SERVICE_UNAVAILABLE);
        };
        let uptime_secs = self.started.elapsed().as_secs_f64();
        // Reading /proc for every process and rendering happen off the event loop.
        let rendered = tokio::task::spawn_blocking(move || {
            for p in &mut snapshot.processes {
                if p.pid != 0 {
                    p.usage = procfs::process_usage(p.pid);
                }
            }
            let own = procfs::process_usage(std::process::id()).unwrap_or_default();
            let daemon = DaemonStats {
                resident_bytes: own.1,
                open_fds: procfs::own_open_fds().unwrap_or_default(),
                uptime_secs,
            };
            render(&snapshot, daemon, format)
        })
        .await;
        match rendered {
            Ok(text) => Reply {
                status: hyper::StatusCode::OK,
                content_type: format.content_type(),
                body: text.into(),
            },
            Err(_) => Reply::error(hyper::StatusCode::INTERNAL_SERVER_ERROR),
        }
    }

    async fn get(&self, path: &str, query: &str) -> crate::http::Answer {
        self.web(path, query).await
    }
    async fn post(&self, form: crate::http::FormPost) -> crate::http::Answer {
        self.web_post(form).await
    }
}

/// Whether `response` is big enough that encoding it off the event loop pays for the hand-off:
/// `getAllProcessInfo` or `getAllConfigInfo` with many programs, a long `readLog` (about
/// 64 KiB of XML and up).
fn is_large(response: &event_proto::xmlrpc::MethodResponse) -> bool {
    use event_proto::xmlrpc::{MethodResponse, Value};
    match response {
        MethodResponse::Value(Value::Array(items)) => items.len() >= 64,
        MethodResponse::Value(Value::String(s)) => s.len() >= 64 << 10,
        _ => false,
    }
}

impl RpcRoutes {
    /// `getAllProcessInfo`: the supervisor task only takes the snapshots; the structs are
    /// built and encoded here, off its thread (the polling clients of a dashboard call it
    /// often, and with 500 programs the answer is about 580 KB).
    async fn all_process_info(&self) -> crate::http::Reply {
        use crate::http::Reply;
        use event_proto::xmlrpc::{MethodResponse, Value};
        let (reply, rx) = oneshot::channel();
        if self.control.send(Control::AllProcessInfo(reply)).is_err() {
            return Reply::error(hyper::StatusCode::SERVICE_UNAVAILABLE);
        }
        let infos = match rx.await {
            Ok(Ok(infos)) => infos,
            Ok(Err(fault)) => return Reply::xml(fault.encode()),
            Err(_) => return Reply::error(hyper::StatusCode::SERVICE_UNAVAILABLE),
        };
        // Every call, reused or not, keeps the burst going: the kept document is dropped
        // and the heap trimmed once the calls are quiet.
        self.heap_trim.after_burst();
        if let Some(doc) = self.all_info.lookup(&infos) {
            return Reply::xml(doc);
        }
        let memo = Arc::clone(&self.all_info);
        let large = infos.len() >= 64;
        let build = move || {
            let items = infos
                .iter()
                .cloned()
                .map(super::process_info::ProcessInfo::into_value)
                .collect();
            let doc = Bytes::from(MethodResponse::Value(Value::Array(items)).encode());
            memo.store(infos, doc.clone());
            doc
        };
        if !large {
            return Reply::xml(build());
        }
        match tokio::task::spawn_blocking(build).await {
            Ok(doc) => Reply::xml(doc),
            Err(_) => Reply::error(hyper::StatusCode::INTERNAL_SERVER_ERROR),
        }
    }

    /// One XML-RPC call, in process.
    pub(super) async fn call(
        &self,
        method: crate::rpc::Method,
        params: Vec<event_proto::xmlrpc::Value>,
    ) -> Result<event_proto::xmlrpc::Value, String> {
        use event_proto::xmlrpc::{MethodCall, MethodResponse};
        let (reply, rx) = oneshot::channel();
        let call = MethodCall {
            method: method.wire().to_owned(),
            params,
        };
        self.control
            .send(Control::Rpc { call, reply })
            .map_err(|_| "supervisord is shutting down".to_owned())?;
        match tokio::time::timeout(Duration::from_secs(60), rx).await {
            Ok(Ok(MethodResponse::Value(v))) => Ok(v),
            Ok(Ok(MethodResponse::Fault { string, .. })) => Err(string),
            Ok(Err(_)) => Err("supervisord is shutting down".to_owned()),
            Err(_) => Err("timed out".to_owned()),
        }
    }
}
