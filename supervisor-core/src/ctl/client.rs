//! The XML-RPC client `supervisorctl` talks through: hyper's HTTP/1.1 client over a unix
//! socket or TCP, basic auth, one connection per call (as 4.3's client does). URL parsing,
//! the auth header and what an answer means are event-proto's, shared with listener-sdk.

use bytes::Bytes;
use event_proto::xmlrpc::client::{basic_auth, call_outcome, CallFailure, ServerUrl};
use event_proto::xmlrpc::{MethodCall, Value};
use http_body_util::{BodyExt, Full};
use hyper::header;
use hyper::Request;
use hyper_util::rt::TokioIo;

/// Why a call failed.
#[derive(Debug)]
pub enum CallError {
    /// Nothing listens there (`ECONNREFUSED`).
    Refused,
    /// The unix socket does not exist.
    NoSuchFile,
    /// HTTP 401.
    Unauthorized,
    /// A fault from supervisord.
    Fault(i64, String),
    /// Anything else (I/O, HTTP status, bad XML).
    Other(String),
}

/// One HTTP/1.1 exchange on a connected stream.
async fn send_on<S>(
    stream: S,
    req: Request<Full<Bytes>>,
) -> Result<hyper::Response<hyper::body::Incoming>, CallError>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let other = |e: hyper::Error| CallError::Other(e.to_string());
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(other)?;
    tokio::spawn(conn);
    sender.send_request(req).await.map_err(other)
}

/// A client for one server.
#[derive(Debug, Clone)]
pub struct Client {
    /// The URL as given (for messages).
    pub url: String,
    server: Option<ServerUrl>,
    authorization: Option<String>,
}

impl Client {
    /// A client for `url` with optional credentials.
    pub fn new(url: &str, username: Option<&str>, password: Option<&str>) -> Client {
        let authorization = username
            .filter(|u| !u.is_empty())
            .map(|u| basic_auth(u, password.unwrap_or("")));
        Client {
            url: url.to_owned(),
            server: ServerUrl::parse(url).ok(),
            authorization,
        }
    }

    /// The same server, these credentials.
    pub fn with_credentials(&self, username: &str, password: &str) -> Client {
        let mut c = Client::new(&self.url, Some(username), Some(password));
        c.server = self.server.clone();
        c
    }

    /// The same credentials, another server.
    pub fn with_url(&self, url: &str) -> Client {
        Client {
            url: url.to_owned(),
            server: ServerUrl::parse(url).ok(),
            authorization: self.authorization.clone(),
        }
    }

    async fn send(
        &self,
        req: Request<Full<Bytes>>,
    ) -> Result<hyper::Response<hyper::body::Incoming>, CallError> {
        let io_error = |e: std::io::Error| match e.kind() {
            std::io::ErrorKind::ConnectionRefused => CallError::Refused,
            std::io::ErrorKind::NotFound => CallError::NoSuchFile,
            _ => CallError::Other(e.to_string()),
        };
        match &self.server {
            Some(ServerUrl::Unix(path)) => {
                let stream = tokio::net::UnixStream::connect(path)
                    .await
                    .map_err(io_error)?;
                send_on(stream, req).await
            }
            Some(ServerUrl::Http { host_port }) => {
                let stream = tokio::net::TcpStream::connect(host_port)
                    .await
                    .map_err(io_error)?;
                send_on(stream, req).await
            }
            Some(ServerUrl::Https { .. }) | None => {
                Err(CallError::Other(format!("bad server URL {}", self.url)))
            }
        }
    }

    fn request(
        &self,
        method: &str,
        path: &str,
        body: Bytes,
    ) -> Result<Request<Full<Bytes>>, CallError> {
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, "localhost")
            .header(header::CONTENT_TYPE, "text/xml");
        if let Some(auth) = &self.authorization {
            builder = builder.header(header::AUTHORIZATION, auth.as_str());
        }
        builder
            .body(Full::new(body))
            .map_err(|e| CallError::Other(e.to_string()))
    }

    /// One XML-RPC call.
    pub async fn call(&self, method: &str, params: Vec<Value>) -> Result<Value, CallError> {
        let body = MethodCall {
            method: method.to_owned(),
            params,
        }
        .encode();
        let resp = self
            .send(self.request("POST", "/RPC2", Bytes::from(body))?)
            .await?;
        let status = resp.status();
        let bytes = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| CallError::Other(e.to_string()))?
            .to_bytes();
        call_outcome(status.as_u16(), &bytes).map_err(|f| match f {
            CallFailure::Unauthorized => CallError::Unauthorized,
            CallFailure::Http(_) => CallError::Other(format!("HTTP {status}")),
            CallFailure::Fault { code, string } => CallError::Fault(code, string),
            CallFailure::BadResponse(m) => CallError::Other(m),
        })
    }

    /// Follows `path` (`/logtail/...`, `/mainlogtail`), handing each chunk to `out` until the
    /// server ends the stream.
    pub async fn follow(&self, path: &str, mut out: impl FnMut(&[u8])) -> Result<(), CallError> {
        let resp = self.send(self.request("GET", path, Bytes::new())?).await?;
        if resp.status() == hyper::StatusCode::UNAUTHORIZED {
            return Err(CallError::Unauthorized);
        }
        let mut body = resp.into_body();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| CallError::Other(e.to_string()))?;
            if let Some(data) = frame.data_ref() {
                out(data);
            }
        }
        Ok(())
    }
}
