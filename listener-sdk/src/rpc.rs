//! [`RpcClient`]: XML-RPC calls back into supervisord, found the way `supervisor.childutils`
//! finds it (`SUPERVISOR_SERVER_URL`, `SUPERVISOR_USERNAME`, `SUPERVISOR_PASSWORD`), over a
//! unix socket (`unix:///path`), TCP (`http://host:port`) or TLS (`https://host:port`, for a
//! daemon behind a TLS proxy; verified like [`crate::http`]). URL parsing, basic auth and
//! what an answer means are event-proto's [`event_proto::xmlrpc::client`], which
//! `supervisorctl` uses too.

use std::io;
use std::os::unix::net::UnixStream;
use std::time::Duration;

use event_proto::xmlrpc::client::{self as wire, CallFailure, ServerUrl};
use event_proto::xmlrpc::{MethodCall, Value};
use event_proto::ProcessState;

use crate::http::{HttpClient, HttpError, HttpOptions};
use crate::unix_http;

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RpcError {
    /// `SUPERVISOR_SERVER_URL` is not set (the program is not running under supervisord).
    #[error("SUPERVISOR_SERVER_URL is not set")]
    NoServerUrl,
    /// The URL is not `unix://...`, `http://host[:port]` or `https://host[:port]`.
    #[error("unsupported server URL {0}")]
    BadUrl(String),
    /// Connecting, writing or reading failed.
    #[error("RPC I/O failed: {0}")]
    Io(#[from] io::Error),
    /// The HTTP(S) exchange failed (refused, timed out, untrusted certificate...).
    #[error("RPC failed: {0}")]
    Transport(#[from] HttpError),
    /// The server answered with an HTTP error (401 without valid credentials).
    #[error("HTTP {status}: {reason}")]
    Http {
        /// The status code.
        status: u16,
        /// The reason phrase.
        reason: String,
    },
    /// The call failed in supervisord: a fault such as `BAD_NAME` (10).
    #[error("fault {code}: {string}")]
    Fault {
        /// The fault code (supervisor's `Faults`).
        code: i64,
        /// The fault string (`BAD_NAME: web`).
        string: String,
    },
    /// The answer was not a valid XML-RPC response, or not of the expected shape.
    #[error("bad response: {0}")]
    BadResponse(String),
}

/// Where the daemon listens: event-proto's [`ServerUrl`], shared with `supervisorctl`.
pub type Endpoint = ServerUrl;

/// One process as `getProcessInfo` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessInfo {
    /// `name`.
    pub name: String,
    /// `group`.
    pub group: String,
    /// `state`, decoded.
    pub state: Option<ProcessState>,
    /// `statename`.
    pub statename: String,
    /// `pid` (0 when not running).
    pub pid: u32,
    /// `start` (epoch seconds).
    pub start: i64,
    /// `stop` (epoch seconds).
    pub stop: i64,
    /// `now` (the daemon's clock).
    pub now: i64,
    /// `exitstatus`.
    pub exitstatus: i64,
    /// `spawnerr`.
    pub spawnerr: String,
    /// `description` (`pid 42, uptime 0:01:02`).
    pub description: String,
    /// `stdout_logfile`.
    pub stdout_logfile: String,
    /// `stderr_logfile`.
    pub stderr_logfile: String,
}

impl ProcessInfo {
    /// `group:name` (just `name` when they are equal), as the API takes it.
    pub fn namespec(&self) -> String {
        if self.group == self.name {
            self.name.clone()
        } else {
            format!("{}:{}", self.group, self.name)
        }
    }

    fn from_value(v: &Value) -> Result<ProcessInfo, RpcError> {
        let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
        let i = |k: &str| v.get(k).and_then(Value::as_int).unwrap_or(0);
        if !matches!(v, Value::Struct(_)) {
            return Err(RpcError::BadResponse(format!(
                "expected a process info struct, got {v:?}"
            )));
        }
        let statename = s("statename");
        Ok(ProcessInfo {
            name: s("name"),
            group: s("group"),
            state: statename.parse().ok(),
            statename,
            pid: u32::try_from(i("pid")).unwrap_or(0),
            start: i("start"),
            stop: i("stop"),
            now: i("now"),
            exitstatus: i("exitstatus"),
            spawnerr: s("spawnerr"),
            description: s("description"),
            stdout_logfile: s("stdout_logfile"),
            stderr_logfile: s("stderr_logfile"),
        })
    }
}

/// A blocking XML-RPC client for supervisord's `/RPC2`. One connection per call over a unix
/// socket, as `childutils` does; pooled connections over HTTP(S).
#[derive(Debug, Clone)]
pub struct RpcClient {
    endpoint: Endpoint,
    authorization: Option<String>,
    timeout: Duration,
    http: Option<HttpClient>,
}

impl RpcClient {
    /// A client for `url` (`unix:///run/supervisor.sock`, `http://127.0.0.1:9001`,
    /// `https://supervisor.example.com`), with the default HTTP options.
    pub fn new(url: &str) -> Result<RpcClient, RpcError> {
        RpcClient::with_http_options(url, &HttpOptions::with_timeout(Duration::from_secs(30)))
    }

    /// A client for `url` whose HTTP(S) calls use `options` (a CA file, a client
    /// certificate, the timeout).
    pub fn with_http_options(url: &str, options: &HttpOptions) -> Result<RpcClient, RpcError> {
        let endpoint = Endpoint::parse(url).map_err(RpcError::BadUrl)?;
        let http = match endpoint {
            ServerUrl::Unix(_) => None,
            _ => Some(HttpClient::new(options)?),
        };
        Ok(RpcClient {
            endpoint,
            authorization: None,
            timeout: options.timeout,
            http,
        })
    }

    /// The daemon that started this process, from `SUPERVISOR_SERVER_URL` and the optional
    /// `SUPERVISOR_USERNAME` / `SUPERVISOR_PASSWORD`, as `childutils.getRPCInterface` does.
    pub fn from_env() -> Result<RpcClient, RpcError> {
        let url = std::env::var("SUPERVISOR_SERVER_URL").map_err(|_| RpcError::NoServerUrl)?;
        let client = RpcClient::new(&url)?;
        Ok(match std::env::var("SUPERVISOR_USERNAME") {
            Ok(user) if !user.is_empty() => {
                let password = std::env::var("SUPERVISOR_PASSWORD").unwrap_or_default();
                client.with_credentials(&user, &password)
            }
            _ => client,
        })
    }

    /// Sends HTTP basic credentials with every call.
    pub fn with_credentials(mut self, username: &str, password: &str) -> RpcClient {
        self.authorization = Some(wire::basic_auth(username, password));
        self
    }

    /// How long a unix-socket call may take (connect, write and each read); 30 s by
    /// default. HTTP(S) calls use the timeout of their [`HttpOptions`].
    pub fn with_timeout(mut self, timeout: Duration) -> RpcClient {
        self.timeout = timeout;
        self
    }

    /// Calls `method` with `params`; a fault becomes [`RpcError::Fault`].
    pub fn call(&self, method: &str, params: Vec<Value>) -> Result<Value, RpcError> {
        let body = MethodCall {
            method: method.to_owned(),
            params,
        }
        .encode();
        let mut headers = vec![("User-Agent", "listener-sdk"), ("Content-Type", "text/xml")];
        if let Some(auth) = &self.authorization {
            headers.push(("Authorization", auth.as_str()));
        }
        let (status, reason, body) = match (&self.endpoint, &self.http) {
            (ServerUrl::Unix(path), _) => {
                let owned: Vec<(String, String)> = headers
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect();
                let head =
                    unix_http::request_head("POST", "localhost", "/RPC2", &owned, body.len());
                let mut s = UnixStream::connect(path)?;
                s.set_read_timeout(Some(self.timeout))?;
                s.set_write_timeout(Some(self.timeout))?;
                let r = unix_http::exchange(&mut s, head.as_bytes(), body.as_bytes())?;
                (r.status, r.reason, r.body)
            }
            (url, Some(http)) => {
                let url = url.rpc_url().unwrap_or_default();
                let r = http.post(&url, &headers, body.as_bytes())?;
                (r.status, r.reason, r.body)
            }
            (_, None) => return Err(RpcError::BadUrl("no HTTP client".to_owned())),
        };
        wire::call_outcome(status, &body).map_err(|f| match f {
            CallFailure::Unauthorized => RpcError::Http { status, reason },
            CallFailure::Http(status) => RpcError::Http { status, reason },
            CallFailure::Fault { code, string } => RpcError::Fault { code, string },
            CallFailure::BadResponse(m) => RpcError::BadResponse(m),
        })
    }

    fn call_bool(&self, method: &str, params: Vec<Value>) -> Result<bool, RpcError> {
        match self.call(method, params)? {
            Value::Bool(b) => Ok(b),
            other => Err(RpcError::BadResponse(format!(
                "{method}: expected a boolean, got {other:?}"
            ))),
        }
    }

    /// `supervisor.getState()`: the daemon's state name (`RUNNING`, `SHUTDOWN`).
    pub fn get_state(&self) -> Result<String, RpcError> {
        let v = self.call("supervisor.getState", Vec::new())?;
        v.get("statename")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| RpcError::BadResponse(format!("getState: {v:?}")))
    }

    /// `supervisor.getProcessInfo(name)`.
    pub fn get_process_info(&self, name: &str) -> Result<ProcessInfo, RpcError> {
        ProcessInfo::from_value(&self.call("supervisor.getProcessInfo", vec![name.into()])?)
    }

    /// `supervisor.getAllProcessInfo()`.
    pub fn get_all_process_info(&self) -> Result<Vec<ProcessInfo>, RpcError> {
        match self.call("supervisor.getAllProcessInfo", Vec::new())? {
            Value::Array(items) => items.iter().map(ProcessInfo::from_value).collect(),
            other => Err(RpcError::BadResponse(format!(
                "getAllProcessInfo: {other:?}"
            ))),
        }
    }

    /// `supervisor.startProcess(name, wait)`.
    pub fn start_process(&self, name: &str, wait: bool) -> Result<bool, RpcError> {
        self.call_bool("supervisor.startProcess", vec![name.into(), wait.into()])
    }

    /// `supervisor.stopProcess(name, wait)`.
    pub fn stop_process(&self, name: &str, wait: bool) -> Result<bool, RpcError> {
        self.call_bool("supervisor.stopProcess", vec![name.into(), wait.into()])
    }

    /// Stop (if running) then start, waiting for each, as memmon and httpok restart a
    /// program. A process that was not running is just started.
    pub fn restart_process(&self, name: &str) -> Result<bool, RpcError> {
        match self.stop_process(name, true) {
            Ok(_) => {}
            Err(RpcError::Fault { code: 70, .. }) => {} // NOT_RUNNING
            Err(e) => return Err(e),
        }
        self.start_process(name, true)
    }

    /// `supervisor.signalProcess(name, signal)` (`HUP`, `USR1` or a number).
    pub fn signal_process(&self, name: &str, signal: &str) -> Result<bool, RpcError> {
        self.call_bool("supervisor.signalProcess", vec![name.into(), signal.into()])
    }

    /// `supervisor.sendProcessStdin(name, chars)`.
    pub fn send_process_stdin(&self, name: &str, chars: &str) -> Result<bool, RpcError> {
        self.call_bool(
            "supervisor.sendProcessStdin",
            vec![name.into(), chars.into()],
        )
    }

    /// `supervisor.tailProcessStderrLog(name, offset, length)`: the last `length` bytes of
    /// the process's stderr log (with offset 0, as supervisorctl's `tail` asks), as text.
    pub fn tail_process_stderr_log(&self, name: &str, length: i64) -> Result<String, RpcError> {
        let v = self.call(
            "supervisor.tailProcessStderrLog",
            vec![name.into(), Value::Int(0), Value::Int(length)],
        )?;
        match &v {
            Value::Array(items) => items
                .first()
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| RpcError::BadResponse(format!("tailProcessStderrLog: {v:?}"))),
            _ => Err(RpcError::BadResponse(format!(
                "tailProcessStderrLog: {v:?}"
            ))),
        }
    }

    /// `supervisor.sendRemoteCommEvent(type, data)`.
    pub fn send_remote_comm_event(&self, kind: &str, data: &str) -> Result<bool, RpcError> {
        self.call_bool(
            "supervisor.sendRemoteCommEvent",
            vec![kind.into(), data.into()],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_parse_like_childutils() {
        assert_eq!(
            Endpoint::parse("unix:///tmp/s.sock").ok(),
            Some(Endpoint::Unix("/tmp/s.sock".into()))
        );
        assert_eq!(
            Endpoint::parse("http://localhost/RPC2").ok(),
            Some(Endpoint::Http {
                host_port: "localhost:80".into()
            })
        );
        assert!(RpcClient::new("ftp://x").is_err());
        assert!(RpcClient::new("https://127.0.0.1:9/").is_ok());
    }
}
