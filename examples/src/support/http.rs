//! A small blocking HTTP/1.1 client over TCP for the listeners that probe or notify
//! (`httpok`, `fatal-webhook`): one request per connection, a timeout on every step, and
//! `Content-Length`, chunked or read-to-close bodies, capped. `http://` only.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// The most body bytes kept.
const MAX_BODY: usize = 16 << 20;

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
    /// The body (at most 16 MiB).
    pub body: Vec<u8>,
}

/// Sends one request and reads the response.
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
    let mut head = format!(
        "{method} {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
        url.path,
        url.host,
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()?;
    let mut raw = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let n = stream.read(&mut chunk)?;
        if n == 0 || raw.len() > MAX_BODY {
            break;
        }
        raw.extend_from_slice(&chunk[..n]);
        if let Some(len) = whole(&raw) {
            raw.truncate(len);
            break;
        }
    }
    parse(&raw)
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

/// The length of a complete response, once it has all arrived.
fn whole(raw: &[u8]) -> Option<usize> {
    match head(raw)? {
        (end, Some(len), false) if raw.len() >= end + len => Some(end + len),
        (_, _, true) if raw.ends_with(b"0\r\n\r\n") => Some(raw.len()),
        _ => None,
    }
}

fn parse(raw: &[u8]) -> io::Result<Response> {
    let bad = |m: &str| io::Error::new(io::ErrorKind::InvalidData, m.to_owned());
    let (end, _, chunked) = head(raw).ok_or_else(|| bad("no HTTP response header"))?;
    let text = String::from_utf8_lossy(&raw[..end]);
    let status_line = text.lines().next().unwrap_or("");
    let mut parts = status_line.splitn(3, ' ');
    let _ = parts.next();
    let status = parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("bad status line"))?;
    let reason = parts.next().unwrap_or("").trim().to_owned();
    let mut body = raw[end..].to_vec();
    if chunked {
        let mut out = Vec::new();
        let mut rest = &body[..];
        while let Some(nl) = rest.windows(2).position(|w| w == b"\r\n") {
            let size_text = String::from_utf8_lossy(&rest[..nl]);
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| bad("bad chunk size"))?;
            rest = &rest[nl + 2..];
            if size == 0 || rest.len() < size {
                break;
            }
            out.extend_from_slice(&rest[..size]);
            rest = rest.get(size + 2..).unwrap_or(&[]);
        }
        body = out;
    }
    Ok(Response {
        status,
        reason,
        body,
    })
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
    fn responses() {
        let r = parse(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy")
            .expect("ok");
        assert_eq!(
            (r.status, r.reason.as_str(), &r.body[..]),
            (503, "Service Unavailable", &b"busy"[..])
        );
        let r = parse(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n")
            .expect("ok");
        assert_eq!(r.body, b"ok");
        assert!(parse(b"nonsense").is_err());
    }
}
