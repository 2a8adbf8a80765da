//! HTTP/1.1 framing for the RPC client's unix-socket path (supervisord's `unix://` URLs,
//! which no general HTTP client crate speaks): one request per connection, a
//! `Content-Length`, chunked or read-to-close body, capped in size.

use std::io::{self, Read, Write};

/// The most response bytes read.
const MAX_RESPONSE: usize = 64 << 20;

/// A response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Response {
    /// The status code.
    pub(crate) status: u16,
    /// The reason phrase.
    pub(crate) reason: String,
    /// The body, de-chunked.
    pub(crate) body: Vec<u8>,
}

/// The request line and headers of a request with a body of `body_len` bytes.
pub(crate) fn request_head(
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

/// Writes a request on any connected stream (TCP, a unix socket) and reads the response.
pub(crate) fn exchange(
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
pub(crate) fn parse_response(raw: &[u8]) -> io::Result<Response> {
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
