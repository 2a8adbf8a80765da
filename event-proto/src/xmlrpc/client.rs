//! The client side's pure pieces, shared by `supervisorctl` and listener-sdk's RPC client:
//! where a server URL points ([`ServerUrl`]), the `Authorization` header for basic
//! credentials ([`basic_auth`]), and what an HTTP answer to a call means ([`call_outcome`]).
//!
//! ```
//! use event_proto::xmlrpc::client::{basic_auth, call_outcome, CallFailure, ServerUrl};
//!
//! assert_eq!(
//!     ServerUrl::parse("http://127.0.0.1:9001/RPC2"),
//!     Ok(ServerUrl::Http { host_port: "127.0.0.1:9001".into() })
//! );
//! assert_eq!(basic_auth("user", "123"), "Basic dXNlcjoxMjM=");
//! assert_eq!(call_outcome(401, b""), Err(CallFailure::Unauthorized));
//! ```

use std::path::PathBuf;

use base64::Engine as _;

use super::{MethodResponse, Value};

/// Where a supervisord's XML-RPC interface is (`serverurl`, `SUPERVISOR_SERVER_URL`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerUrl {
    /// `unix:///path/to/supervisor.sock`.
    Unix(PathBuf),
    /// `http://host[:port]` (port 80 by default).
    Http {
        /// `host:port`.
        host_port: String,
    },
    /// `https://host[:port]` (port 443 by default), for a daemon behind a TLS proxy.
    Https {
        /// `host:port`.
        host_port: String,
    },
}

impl ServerUrl {
    /// Parses `unix://`, `http://` or `https://` URLs; the path after the host is ignored
    /// (the interface is always at `/RPC2`). The error says what was wrong.
    pub fn parse(url: &str) -> Result<ServerUrl, String> {
        if let Some(path) = url.strip_prefix("unix://") {
            if path.is_empty() {
                return Err(format!("{url:?}: no socket path"));
            }
            return Ok(ServerUrl::Unix(PathBuf::from(path)));
        }
        let (rest, https) = if let Some(rest) = url.strip_prefix("http://") {
            (rest, false)
        } else if let Some(rest) = url.strip_prefix("https://") {
            (rest, true)
        } else {
            return Err(format!("{url:?}: not a unix://, http:// or https:// URL"));
        };
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        if host.is_empty() {
            return Err(format!("{url:?}: no host"));
        }
        let has_port = match host.rsplit_once(':') {
            Some((_, port)) => !port.ends_with(']'),
            None => false,
        };
        let host_port = if has_port {
            host.to_owned()
        } else {
            format!("{host}:{}", if https { 443 } else { 80 })
        };
        Ok(if https {
            ServerUrl::Https { host_port }
        } else {
            ServerUrl::Http { host_port }
        })
    }

    /// The URL of the `/RPC2` interface for HTTP clients (`None` for a unix socket).
    pub fn rpc_url(&self) -> Option<String> {
        match self {
            ServerUrl::Unix(_) => None,
            ServerUrl::Http { host_port } => Some(format!("http://{host_port}/RPC2")),
            ServerUrl::Https { host_port } => Some(format!("https://{host_port}/RPC2")),
        }
    }
}

/// The `Authorization` header value for HTTP basic credentials.
pub fn basic_auth(username: &str, password: &str) -> String {
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
    format!("Basic {token}")
}

/// Why a call got no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallFailure {
    /// HTTP 401: missing or wrong credentials.
    Unauthorized,
    /// Another non-200 status.
    Http(u16),
    /// The call failed in supervisord: a fault such as `BAD_NAME` (10).
    Fault {
        /// The fault code.
        code: i64,
        /// The fault string (`BAD_NAME: web`).
        string: String,
    },
    /// The body is not a valid `methodResponse`.
    BadResponse(String),
}

/// What the HTTP answer (`status`, `body`) to an XML-RPC call means.
pub fn call_outcome(status: u16, body: &[u8]) -> Result<Value, CallFailure> {
    match status {
        200 => {}
        401 => return Err(CallFailure::Unauthorized),
        other => return Err(CallFailure::Http(other)),
    }
    match MethodResponse::decode(body) {
        Ok(MethodResponse::Value(v)) => Ok(v),
        Ok(MethodResponse::Fault { code, string }) => Err(CallFailure::Fault { code, string }),
        Err(e) => Err(CallFailure::BadResponse(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            ServerUrl::parse("unix:///tmp/s.sock"),
            Ok(ServerUrl::Unix("/tmp/s.sock".into()))
        );
        assert_eq!(
            ServerUrl::parse("http://localhost/RPC2"),
            Ok(ServerUrl::Http {
                host_port: "localhost:80".into()
            })
        );
        assert_eq!(
            ServerUrl::parse("https://[::1]"),
            Ok(ServerUrl::Https {
                host_port: "[::1]:443".into()
            })
        );
        assert_eq!(
            ServerUrl::parse("https://[::1]:8443/x")
                .ok()
                .and_then(|u| u.rpc_url()),
            Some("https://[::1]:8443/RPC2".into())
        );
        assert!(ServerUrl::parse("ftp://x").is_err());
        assert!(ServerUrl::parse("http:///RPC2").is_err());
        assert!(ServerUrl::parse("unix://").is_err());
    }

    #[test]
    fn outcomes() {
        let ok = MethodResponse::Value(Value::Bool(true)).encode();
        assert_eq!(call_outcome(200, ok.as_bytes()), Ok(Value::Bool(true)));
        let fault = MethodResponse::Fault {
            code: 10,
            string: "BAD_NAME: x".into(),
        }
        .encode();
        assert_eq!(
            call_outcome(200, fault.as_bytes()),
            Err(CallFailure::Fault {
                code: 10,
                string: "BAD_NAME: x".into()
            })
        );
        assert_eq!(call_outcome(500, b""), Err(CallFailure::Http(500)));
        assert!(matches!(
            call_outcome(200, b"<html>"),
            Err(CallFailure::BadResponse(_))
        ));
    }
}
