//! Accepting connections and routing requests.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::header::{self, HeaderValue};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, UnixListener};
use tokio::sync::mpsc;

use super::auth::{AuthCheck, Credentials};

/// What a handler answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// HTTP status.
    pub status: StatusCode,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// The body.
    pub body: Bytes,
}

impl Reply {
    /// `200 OK` with an XML body.
    pub fn xml(body: impl Into<Bytes>) -> Reply {
        Reply {
            status: StatusCode::OK,
            content_type: "text/xml",
            body: body.into(),
        }
    }

    /// A plain-text error page.
    pub fn error(status: StatusCode) -> Reply {
        let reason = status.canonical_reason().unwrap_or("Error");
        Reply {
            status,
            content_type: "text/html",
            body: Bytes::from(format!(
                "<html><head><title>Error response</title></head><body><h1>{} {reason}</h1></body></html>",
                status.as_u16()
            )),
        }
    }
}

impl Reply {
    /// `200 OK` with an HTML page.
    pub fn html(body: impl Into<Bytes>) -> Reply {
        Reply {
            status: StatusCode::OK,
            content_type: "text/html",
            body: body.into(),
        }
    }
}

/// The answer to a GET: a whole reply, or a body streamed as it is produced (log tails).
#[derive(Debug)]
pub enum Answer {
    /// Everything at once.
    Full(Reply),
    /// `200 OK`, chunked: each message is sent as it arrives; the response ends when the
    /// sender is dropped. A client that goes away makes the next send fail.
    Stream {
        /// `Content-Type`.
        content_type: &'static str,
        /// The chunks.
        chunks: mpsc::Receiver<Bytes>,
    },
    /// `303 See Other` to this location (after a form's POST, so a reload does not repeat it).
    Redirect(String),
}

/// A POST of anything but `/RPC2` (already authenticated): a form of the web page, with the
/// headers its origin check needs.
#[derive(Debug, Clone)]
pub struct FormPost {
    /// The path.
    pub path: String,
    /// `Host`.
    pub host: Option<String>,
    /// `Origin`.
    pub origin: Option<String>,
    /// `Referer`.
    pub referer: Option<String>,
    /// The body (`application/x-www-form-urlencoded`), at most 64 KiB.
    pub body: Bytes,
}

/// The request handlers behind the transport.
pub trait Routes: Send + Sync + 'static {
    /// An XML-RPC call: the request body (already authenticated and size-checked).
    fn rpc(&self, body: Bytes) -> impl Future<Output = Reply> + Send;

    /// A GET of anything but `/RPC2` (already authenticated): the web page and log tails.
    /// `query` is the raw query string.
    fn get(&self, path: &str, query: &str) -> impl Future<Output = Answer> + Send {
        let _ = (path, query);
        async { Answer::Full(Reply::error(StatusCode::NOT_FOUND)) }
    }

    /// `GET /metrics` (already authenticated), in the format the scraper asked for.
    fn metrics(&self, format: crate::metrics::Format) -> impl Future<Output = Reply> + Send {
        let _ = format;
        async { Reply::error(StatusCode::NOT_FOUND) }
    }

    /// A POST of anything but `/RPC2` (already authenticated): the web page's forms.
    fn post(&self, form: FormPost) -> impl Future<Output = Answer> + Send {
        let _ = form;
        async { Answer::Full(Reply::error(StatusCode::NOT_FOUND)) }
    }
}

/// A response body: whole, or streamed from a channel.
#[derive(Debug)]
pub enum ResponseBody {
    /// Whole.
    Full(Full<Bytes>),
    /// Streamed.
    Channel(mpsc::Receiver<Bytes>),
}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            ResponseBody::Full(f) => Pin::new(f).poll_frame(cx),
            ResponseBody::Channel(rx) => rx.poll_recv(cx).map(|c| c.map(|b| Ok(Frame::data(b)))),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            ResponseBody::Full(f) => f.is_end_stream(),
            ResponseBody::Channel(_) => false,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            ResponseBody::Full(f) => f.size_hint(),
            ResponseBody::Channel(_) => SizeHint::default(),
        }
    }
}

/// Transport settings of one server section.
#[derive(Debug, Clone, Default)]
pub struct ServerOptions {
    /// `username`/`password`; `None` serves without authentication.
    pub credentials: Option<Credentials>,
    /// Largest accepted request body.
    pub max_body: usize,
    /// How long a client may take to send a request's headers before the connection is
    /// closed (a slowloris client cannot hold a connection open); `None`: 30 s.
    pub header_timeout: Option<std::time::Duration>,
}

/// A bound listening socket.
#[derive(Debug)]
pub enum Listener {
    /// `[unix_http_server]`.
    Unix(UnixListener),
    /// `[inet_http_server]`.
    Tcp(TcpListener),
}

/// Serves connections until the task is dropped; each connection runs in its own task.
pub async fn serve<R: Routes>(listener: Listener, options: ServerOptions, routes: Arc<R>) {
    let options = Arc::new(options);
    loop {
        let accepted = match &listener {
            Listener::Unix(l) => l.accept().await.map(|(s, _)| Conn::Unix(s)),
            Listener::Tcp(l) => l.accept().await.map(|(s, _)| Conn::Tcp(s)),
        };
        let Ok(conn) = accepted else {
            // EMFILE and friends: back off briefly rather than spin.
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            continue;
        };
        let options = options.clone();
        let routes = routes.clone();
        tokio::spawn(async move {
            match conn {
                Conn::Unix(s) => serve_connection(s, options, routes).await,
                Conn::Tcp(s) => serve_connection(s, options, routes).await,
            }
        });
    }
}

enum Conn {
    Unix(tokio::net::UnixStream),
    Tcp(tokio::net::TcpStream),
}

/// Serves one connection until the client or the server closes it: what [`serve`] runs for
/// each accepted socket, public so any stream (a fuzzer's in-memory pipe) can be served.
pub async fn serve_connection<S, R>(stream: S, options: Arc<ServerOptions>, routes: Arc<R>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    R: Routes,
{
    let header_timeout = options
        .header_timeout
        .unwrap_or(std::time::Duration::from_secs(30));
    let service = service_fn(move |req| {
        let options = options.clone();
        let routes = routes.clone();
        async move { Ok::<_, Infallible>(handle(req, &options, &*routes).await) }
    });
    // Malformed requests get hyper's 400; oversized header sections are refused.
    let _ = hyper::server::conn::http1::Builder::new()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(header_timeout)
        .max_buf_size(64 * 1024)
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

async fn handle<R: Routes>(
    req: Request<Incoming>,
    options: &ServerOptions,
    routes: &R,
) -> Response<ResponseBody> {
    if let Some(creds) = &options.credentials {
        let header = req
            .headers()
            .get(header::AUTHORIZATION)
            .map(HeaderValue::as_bytes);
        match creds.check(header) {
            AuthCheck::Allowed => {}
            AuthCheck::Malformed => return respond(Reply::error(StatusCode::BAD_REQUEST)),
            AuthCheck::Unauthorized => {
                let mut resp = respond(Reply::error(StatusCode::UNAUTHORIZED));
                let h = resp.headers_mut();
                h.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Basic realm=\"default\""),
                );
                h.insert(header::CONNECTION, HeaderValue::from_static("close"));
                return resp;
            }
        }
    }
    let path = req.uri().path();
    if path.starts_with("/RPC2") {
        if req.method() != Method::POST {
            return respond(Reply::error(StatusCode::BAD_REQUEST));
        }
        if !req.headers().contains_key(header::CONTENT_LENGTH) {
            return respond(Reply::error(StatusCode::LENGTH_REQUIRED));
        }
        let body = match Limited::new(req.into_body(), options.max_body)
            .collect()
            .await
        {
            Ok(collected) => collected.to_bytes(),
            Err(_) => return respond(Reply::error(StatusCode::PAYLOAD_TOO_LARGE)),
        };
        return respond(routes.rpc(body).await);
    }
    let answer = if req.method() == Method::POST {
        let text = |name| {
            req.headers()
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let (host, origin, referer) = (
            text(header::HOST),
            text(header::ORIGIN),
            text(header::REFERER),
        );
        let path = path.to_owned();
        let body = match Limited::new(req.into_body(), 64 << 10).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(_) => return respond(Reply::error(StatusCode::PAYLOAD_TOO_LARGE)),
        };
        routes
            .post(FormPost {
                path,
                host,
                origin,
                referer,
                body,
            })
            .await
    } else if path == "/metrics" && (req.method() == Method::GET || req.method() == Method::HEAD) {
        let accept = req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        Answer::Full(
            routes
                .metrics(crate::metrics::Format::from_accept(accept))
                .await,
        )
    } else if req.method() == Method::GET || req.method() == Method::HEAD {
        routes.get(path, req.uri().query().unwrap_or("")).await
    } else {
        // 4.3 answers other methods on other paths with 404 ([RPC-HTTP-path]).
        return respond(Reply::error(StatusCode::NOT_FOUND));
    };
    match answer {
        Answer::Redirect(location) => {
            let mut resp = respond(Reply {
                status: StatusCode::SEE_OTHER,
                content_type: "text/plain",
                body: Bytes::new(),
            });
            if let Ok(v) = HeaderValue::from_str(&location) {
                resp.headers_mut().insert(header::LOCATION, v);
            }
            resp
        }
        Answer::Full(reply) => respond(reply),
        Answer::Stream {
            content_type,
            chunks,
        } => {
            let mut resp = Response::new(ResponseBody::Channel(chunks));
            resp.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            resp
        }
    }
}

fn respond(reply: Reply) -> Response<ResponseBody> {
    let html = reply.content_type.starts_with("text/html");
    let mut resp = Response::new(ResponseBody::Full(Full::new(reply.body)));
    *resp.status_mut() = reply.status;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(reply.content_type),
    );
    if html {
        // The pages load only their own script and stylesheet, and run nothing inline, so
        // nothing a process prints can ever be run as code in them.
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
        h.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
    }
    resp
}

/// The policy the web pages are served under.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";
