//! A small blocking HTTP/1.1 client: what the RPC client speaks to supervisord over, and what
//! listeners that probe or notify (health checks, webhooks) can use. One request per
//! connection (`Connection: close`), a timeout on every step, `Content-Length`, chunked or
//! read-to-close bodies, capped in size. `http://` only.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// The most response bytes read.
pub const MAX_RESPONSE: usize = 64 << 20;

/// A parsed `http://host[:port]/path?query` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    /// `host:port` (port 80 by default).
    pub host_port: String,
    /// The host alone (for the `Host:` header).
    pub host: String,
    /// Path and query (`/` by default).
    pub path: String,
}

impl Url {
    /// Parses an `http://` URL; anything else is an error naming the scheme.
    pub fn parse(url: &str) -> Result<Url, String> {
        let rest = match url.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
            Some((scheme, _)) => {
                return Err(format!("Bad scheme {scheme} (only http is supported)"))
            }
            None => return Err(format!("not a URL: {url:?}")),
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], rest[i..].to_owned()),
            None => (rest, "/".to_owned()),
        };
        let path = path.split('#').next().unwrap_or("/").to_owned();
        if authority.is_empty() {
            return Err(format!("no host in {url:?}"));
        }
        let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
        let host_port = if authority.contains(':') {
            authority.to_owned()
        } else {
            format!("{authority}:80")
        };
        Ok(Url {
            host_port,
            host: host.to_owned(),
            path,
        })
    }
}

/// A response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The reason phrase.
    pub reason: String,
    /// The body, de-chunked.
    pub body: Vec<u8>,
}

/// The request line and headers of a request with a body of `body_len` bytes.
pub fn request_head(
    method: &str,
    host: &str,
    path: &str,
    headers: &[(String, String)],
    body_len: usize,
) -> String {
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {body_len}\r\n"
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    head
}

/// Sends one request over TCP and reads the response.
pub fn request(
    method: &str,
    url: &Url,
    headers: &[(String, String)],
    body: &[u8],
    timeout: Duration,
) -> io::Result<Response> {
    let addr = url
        .host_port
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::other(format!("cannot resolve {}", url.host_port)))?;
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let head = request_head(method, &url.host, &url.path, headers, body.len());
    exchange(&mut stream, head.as_bytes(), body)
}

/// Writes a request on any connected stream (TCP, a unix socket) and reads the response.
pub fn exchange(
    stream: &mut (impl Read + Write),
    head: &[u8],
    body: &[u8],
) -> io::Result<Response> {
    stream.write_all(head)?;
    stream.write_all(body)?;
    stream.flush()?;
    let mut raw = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&chunk[..n]);
        if raw.len() > MAX_RESPONSE {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("response larger than {MAX_RESPONSE} bytes"),
            ));
        }
        if let Some(len) = whole(&raw) {
            raw.truncate(len);
            break;
        }
    }
    parse_response(&raw)
}

/// The header block's end, the body length if declared, whether chunked.
fn head(raw: &[u8]) -> Option<(usize, Option<usize>, bool)> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let text = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
    let length = text
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok());
    let chunked = text
        .lines()
        .any(|l| l.starts_with("transfer-encoding:") && l.contains("chunked"));
    Some((end, length, chunked))
}

/// The length of a complete response, once it has all arrived (so a server that keeps the
/// connection open does not stall the caller).
fn whole(raw: &[u8]) -> Option<usize> {
    match head(raw)? {
        (end, Some(len), false) if raw.len() >= end + len => Some(end + len),
        (_, _, true) if raw.ends_with(b"0\r\n\r\n") => Some(raw.len()),
        _ => None,
    }
}

/// Parses a whole raw response.
pub fn parse_response(raw: &[u8]) -> io::Result<Response> {
    let bad = |m: &str| io::Error::new(io::ErrorKind::InvalidData, m.to_owned());
    let (end, length, chunked) = head(raw).ok_or_else(|| bad("no HTTP response header"))?;
    let text = String::from_utf8_lossy(&raw[..end]);
    let status_line = text.lines().next().unwrap_or("");
    let mut parts = status_line.splitn(3, ' ');
    let _ = parts.next();
    let status = parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("bad status line"))?;
    let reason = parts.next().unwrap_or("").trim().to_owned();
    let rest = &raw[end..];
    let body = if chunked {
        dechunk(rest).ok_or_else(|| bad("bad chunked encoding"))?
    } else {
        match length {
            Some(len) if len <= rest.len() => rest[..len].to_vec(),
            Some(_) => return Err(bad("response body cut short")),
            None => rest.to_vec(),
        }
    };
    Ok(Response {
        status,
        reason,
        body,
    })
}

fn dechunk(mut body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let nl = body.windows(2).position(|w| w == b"\r\n")?;
        let size_text = String::from_utf8_lossy(&body[..nl]);
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        body = &body[nl + 2..];
        if size == 0 {
            return Some(out);
        }
        if body.len() < size + 2 {
            return None;
        }
        out.extend_from_slice(&body[..size]);
        body = &body[size + 2..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = Url::parse("http://127.0.0.1:8080/health?x=1").expect("url");
        assert_eq!(u.host_port, "127.0.0.1:8080");
        assert_eq!(u.host, "127.0.0.1");
        assert_eq!(u.path, "/health?x=1");
        let u = Url::parse("HTTP://example.com").expect("url");
        assert_eq!(
            (u.host_port.as_str(), u.path.as_str()),
            ("example.com:80", "/")
        );
        assert!(Url::parse("https://example.com/").is_err());
        assert!(Url::parse("example.com").is_err());
    }

    #[test]
    fn responses_by_length_chunked_and_errors() {
        let r =
            parse_response(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy")
                .expect("ok");
        assert_eq!(
            (r.status, r.reason.as_str(), &r.body[..]),
            (503, "Service Unavailable", &b"busy"[..])
        );
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        assert_eq!(whole(raw), Some(raw.len()));
        assert_eq!(parse_response(raw).expect("ok").body, b"abcde");
        assert!(parse_response(b"nonsense").is_err());
        assert!(parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc").is_err());
    }
}
