//! A blocking HTTP/1.1 and HTTPS client for listeners that probe or notify (health checks,
//! webhooks, alert APIs), built on `ureq` and `rustls`.
//!
//! - Certificates are verified by default, against the system trust store (`SSL_CERT_FILE`
//!   and `SSL_CERT_DIR` are honoured), or only against the CA file given with
//!   [`HttpOptions::ca_file`]. [`HttpOptions::insecure`] is the explicit opt-out.
//! - A client certificate and key (PEM) can be presented.
//! - `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY` and `NO_PROXY` are read from the environment.
//! - One timeout bounds every step (resolve, connect, send, each read) and the whole call;
//!   response bodies are capped ([`HttpOptions::max_response`]). Redirects are not followed:
//!   the 3xx is the answer, as Python's `httplib` gives it.
//!
//! ```no_run
//! use listener_sdk::http::{HttpClient, HttpOptions};
//!
//! let client = HttpClient::new(&HttpOptions::default())?;
//! let r = client.post("https://hooks.example.com/x", &[("Content-Type", "application/json")], b"{}")?;
//! assert!(r.is_success(), "{} {}", r.status, r.reason);
//! # Ok::<(), listener_sdk::http::HttpError>(())
//! ```

use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use ureq::tls::{Certificate, ClientCert, PemItem, RootCerts, TlsConfig};

/// The most response body bytes read by default.
pub const MAX_RESPONSE: usize = 16 << 20;

/// How a client is set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpOptions {
    /// Bounds each step and the whole request (10 s by default).
    pub timeout: Duration,
    /// Trust only the CA certificates in this PEM file instead of the system store.
    pub ca_file: Option<PathBuf>,
    /// A PEM file with the client certificate chain (and possibly its key).
    pub client_cert: Option<PathBuf>,
    /// A PEM file with the client key (when not in [`HttpOptions::client_cert`]).
    pub client_key: Option<PathBuf>,
    /// Accept any server certificate (the explicit opt-out of verification).
    pub insecure: bool,
    /// Read the proxy settings from the environment (`HTTPS_PROXY`, `NO_PROXY`...); on by
    /// default.
    pub proxy_from_env: bool,
    /// The most response body bytes read ([`MAX_RESPONSE`] by default).
    pub max_response: usize,
    /// The `User-Agent` header.
    pub user_agent: String,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            timeout: Duration::from_secs(10),
            ca_file: None,
            client_cert: None,
            client_key: None,
            insecure: false,
            proxy_from_env: true,
            max_response: MAX_RESPONSE,
            user_agent: "listener-sdk".to_owned(),
        }
    }
}

impl HttpOptions {
    /// The defaults with `timeout`.
    pub fn with_timeout(timeout: Duration) -> HttpOptions {
        HttpOptions {
            timeout,
            ..HttpOptions::default()
        }
    }
}

/// Why a request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HttpError {
    /// The options could not be used (an unreadable CA or client certificate file).
    #[error("bad HTTP client settings: {0}")]
    Config(String),
    /// The URL is not `http://` or `https://` with a host.
    #[error("bad URL {0}")]
    Url(String),
    /// The TLS handshake failed; for an untrusted certificate the message says why.
    #[error("TLS failed: {0}")]
    Tls(String),
    /// The server refused the connection.
    #[error("connection refused: {0}")]
    Refused(String),
    /// A step took longer than the timeout.
    #[error("timed out: {0}")]
    Timeout(String),
    /// The response body exceeded the cap.
    #[error("response larger than {0} bytes")]
    TooLarge(u64),
    /// Resolving, connecting, reading or writing failed otherwise, or the answer was not HTTP.
    #[error("{0}")]
    Io(String),
}

impl HttpError {
    fn from_ureq(e: ureq::Error) -> HttpError {
        match e {
            ureq::Error::BadUri(u) => HttpError::Url(u),
            ureq::Error::Timeout(t) => HttpError::Timeout(t.to_string()),
            ureq::Error::BodyExceedsLimit(n) => HttpError::TooLarge(n),
            ureq::Error::Rustls(e) => HttpError::Tls(tls_reason(&e)),
            ureq::Error::Tls(e) => HttpError::Tls(e.to_owned()),
            ureq::Error::Io(e) => HttpError::from_io(e),
            ureq::Error::HostNotFound => HttpError::Io("host not found".to_owned()),
            other => HttpError::Io(other.to_string()),
        }
    }

    fn from_io(e: io::Error) -> HttpError {
        if let Some(tls) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
            return HttpError::Tls(tls_reason(tls));
        }
        match e.kind() {
            io::ErrorKind::ConnectionRefused => HttpError::Refused(e.to_string()),
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => {
                HttpError::Timeout(e.to_string())
            }
            _ => HttpError::Io(e.to_string()),
        }
    }
}

/// A sentence for a TLS failure, naming an untrusted certificate as such.
fn tls_reason(e: &rustls::Error) -> String {
    match e {
        rustls::Error::InvalidCertificate(c) => format!(
            "the server's certificate is not trusted ({c:?}); give its CA with a CA file, or opt out of verification"
        ),
        other => other.to_string(),
    }
}

/// A response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The reason phrase (the standard one for the code).
    pub reason: String,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Checks that `url` is an `http://` or `https://` URL with a host.
pub fn check_url(url: &str) -> Result<(), HttpError> {
    let rest = match url.split_once("://") {
        Some((scheme, rest))
            if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") =>
        {
            rest
        }
        Some((scheme, _)) => {
            return Err(HttpError::Url(format!(
                "{url:?}: scheme {scheme} (http and https are supported)"
            )))
        }
        None => return Err(HttpError::Url(format!("{url:?}: not a URL"))),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() {
        return Err(HttpError::Url(format!("{url:?}: no host")));
    }
    url.parse::<ureq::http::Uri>()
        .map(|_| ())
        .map_err(|e| HttpError::Url(format!("{url:?}: {e}")))
}

/// A blocking client; cheap to clone (connections are pooled and shared).
#[derive(Debug, Clone)]
pub struct HttpClient {
    agent: ureq::Agent,
    max_response: usize,
}

fn read_pem(path: &Path) -> Result<Vec<PemItem<'static>>, HttpError> {
    let bytes = std::fs::read(path)
        .map_err(|e| HttpError::Config(format!("cannot read {}: {e}", path.display())))?;
    ureq::tls::parse_pem(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| HttpError::Config(format!("{}: {e}", path.display())))
}

fn certificates(path: &Path) -> Result<Vec<Certificate<'static>>, HttpError> {
    let certs: Vec<_> = read_pem(path)?
        .into_iter()
        .filter_map(|i| match i {
            PemItem::Certificate(c) => Some(c),
            _ => None,
        })
        .collect();
    if certs.is_empty() {
        return Err(HttpError::Config(format!(
            "{}: no PEM certificate in it",
            path.display()
        )));
    }
    Ok(certs)
}

/// The system's trust store (honouring `SSL_CERT_FILE` and `SSL_CERT_DIR`); Mozilla's
/// bundled roots when none can be found.
fn system_roots() -> RootCerts {
    let found = rustls_native_certs::load_native_certs();
    if found.certs.is_empty() {
        return RootCerts::WebPki;
    }
    let certs: Vec<Certificate<'static>> = found
        .certs
        .iter()
        .map(|c| Certificate::from_der(c.as_ref()).to_owned())
        .collect();
    RootCerts::Specific(Arc::new(certs))
}

fn client_cert(options: &HttpOptions) -> Result<Option<ClientCert>, HttpError> {
    let Some(cert_path) = &options.client_cert else {
        return Ok(None);
    };
    let mut items = read_pem(cert_path)?;
    if let Some(key_path) = &options.client_key {
        items.extend(read_pem(key_path)?);
    }
    let mut chain = Vec::new();
    let mut key = None;
    for item in items {
        match item {
            PemItem::Certificate(c) => chain.push(c),
            PemItem::PrivateKey(k) if key.is_none() => key = Some(k),
            _ => {}
        }
    }
    let key = key.ok_or_else(|| {
        HttpError::Config(format!(
            "no private key for the client certificate {}",
            cert_path.display()
        ))
    })?;
    if chain.is_empty() {
        return Err(HttpError::Config(format!(
            "{}: no PEM certificate in it",
            cert_path.display()
        )));
    }
    Ok(Some(ClientCert::new_with_certs(&chain, key)))
}

impl HttpClient {
    /// A client with `options`; an unreadable CA or client certificate file is an error.
    pub fn new(options: &HttpOptions) -> Result<HttpClient, HttpError> {
        let roots = match &options.ca_file {
            Some(path) => RootCerts::Specific(Arc::new(certificates(path)?)),
            None => system_roots(),
        };
        let tls = TlsConfig::builder()
            .root_certs(roots)
            .client_cert(client_cert(options)?)
            .disable_verification(options.insecure)
            .build();
        let proxy = if options.proxy_from_env {
            ureq::Proxy::try_from_env()
        } else {
            None
        };
        let timeout = Some(options.timeout);
        let config = ureq::Agent::config_builder()
            .tls_config(tls)
            .proxy(proxy)
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(options.user_agent.as_str())
            .timeout_global(timeout.map(|t| t * 3))
            .timeout_resolve(timeout)
            .timeout_connect(timeout)
            .timeout_send_request(timeout)
            .timeout_send_body(timeout)
            .timeout_recv_response(timeout)
            .timeout_recv_body(timeout)
            .timeout_per_read(timeout)
            .timeout_per_write(timeout)
            .build();
        Ok(HttpClient {
            agent: config.new_agent(),
            max_response: options.max_response,
        })
    }

    /// Sends one request; any status is a [`Response`], only failures to get one are errors.
    pub fn request(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Response, HttpError> {
        check_url(url)?;
        let mut builder = ureq::http::Request::builder().method(method).uri(url);
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        let request = builder
            .body(body.to_vec())
            .map_err(|e| HttpError::Url(format!("{url:?}: {e}")))?;
        let mut response = self.agent.run(request).map_err(HttpError::from_ureq)?;
        let status = response.status();
        let limit = self.max_response as u64;
        let mut reader = response.body_mut().with_config().limit(limit).reader();
        let mut body = Vec::new();
        reader.read_to_end(&mut body).map_err(|e| {
            let inner = e.get_ref().and_then(|i| i.downcast_ref::<ureq::Error>());
            match inner {
                Some(ureq::Error::BodyExceedsLimit(_)) => HttpError::TooLarge(limit),
                Some(ureq::Error::Timeout(t)) => HttpError::Timeout(t.to_string()),
                _ => HttpError::from_io(e),
            }
        })?;
        Ok(Response {
            status: status.as_u16(),
            reason: status.canonical_reason().unwrap_or("").to_owned(),
            body,
        })
    }

    /// `GET url`.
    pub fn get(&self, url: &str, headers: &[(&str, &str)]) -> Result<Response, HttpError> {
        self.request("GET", url, headers, b"")
    }

    /// `POST url` with `body`.
    pub fn post(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Response, HttpError> {
        self.request("POST", url, headers, body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert!(check_url("http://127.0.0.1:8080/health?x=1").is_ok());
        assert!(check_url("HTTPS://example.com").is_ok());
        assert!(matches!(check_url("ftp://x/"), Err(HttpError::Url(_))));
        assert!(matches!(check_url("example.com"), Err(HttpError::Url(_))));
        assert!(matches!(check_url("http:///path"), Err(HttpError::Url(_))));
    }

    #[test]
    fn unreadable_files_are_settings_errors() {
        let options = HttpOptions {
            ca_file: Some("/nonexistent/ca.pem".into()),
            ..HttpOptions::default()
        };
        assert!(matches!(
            HttpClient::new(&options),
            Err(HttpError::Config(m)) if m.contains("/nonexistent/ca.pem")
        ));
    }

    #[test]
    fn a_closed_port_is_refused() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("port");
        let client = HttpClient::new(&HttpOptions {
            proxy_from_env: false,
            ..HttpOptions::with_timeout(Duration::from_secs(2))
        })
        .expect("client");
        let r = client.get(&format!("http://127.0.0.1:{port}/"), &[]);
        assert!(matches!(r, Err(HttpError::Refused(_))), "{r:?}");
    }
}
