//! What stands between another web site and the status page's actions. 4.3 runs an action on
//! a plain GET (`index.html?processname=web&action=stop`), so any page a user's browser opens
//! can stop their services with an `<img src>`. Here actions are forms: a POST carrying the
//! daemon's token (a random value that only a reader of the page knows, and the same-origin
//! policy keeps other sites from reading it), whose `Origin` (or `Referer`) must be this
//! server when the browser sends one. A GET never changes anything.
//!
//! ```
//! use supervisor_core::daemon::web_guard::{same_origin, CsrfToken};
//!
//! let token = CsrfToken::new();
//! assert!(token.matches(token.as_str()));
//! assert!(!token.matches("guess"));
//! assert!(same_origin(Some("127.0.0.1:9001"), Some("http://127.0.0.1:9001"), None));
//! assert!(!same_origin(Some("127.0.0.1:9001"), Some("https://evil.example"), None));
//! assert!(!same_origin(Some("127.0.0.1:9001"), None, Some("http://evil.example/page")));
//! assert!(same_origin(Some("localhost"), None, None));
//! ```

use std::io::Read;

/// The daemon's form token: 128 random bits as hex, made when the daemon starts.
#[derive(Debug, Clone)]
pub struct CsrfToken(String);

impl CsrfToken {
    /// A new random token (from `/dev/urandom`; a hash of the time and pid if that fails).
    pub fn new() -> CsrfToken {
        let mut bytes = [0u8; 16];
        let read = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
        if read.is_err() {
            use std::hash::{BuildHasher, Hasher};
            for chunk in bytes.chunks_mut(8) {
                let mut h = std::collections::hash_map::RandomState::new().build_hasher();
                h.write_u32(std::process::id());
                h.write_u128(
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_nanos()),
                );
                chunk.copy_from_slice(&h.finish().to_le_bytes()[..chunk.len()]);
            }
        }
        CsrfToken(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// The token as the page's forms carry it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `given` is the token, compared in constant time.
    pub fn matches(&self, given: &str) -> bool {
        let (a, b) = (self.0.as_bytes(), given.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

impl Default for CsrfToken {
    fn default() -> Self {
        CsrfToken::new()
    }
}

/// `scheme://host[:port]` of a URL, without path.
fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let end = url[after_scheme..]
        .find('/')
        .map_or(url.len(), |i| after_scheme + i);
    &url[..end]
}

/// Whether a form post comes from this server's own page: its `Origin` (else its
/// `Referer`'s origin) names the `Host` it was sent to. A request with neither header is not
/// from a browser page and passes (the token is still required).
pub fn same_origin(host: Option<&str>, origin: Option<&str>, referer: Option<&str>) -> bool {
    let Some(claimed) = origin
        .filter(|o| *o != "null")
        .map(str::to_owned)
        .or_else(|| referer.map(|r| origin_of(r).to_owned()))
    else {
        // `Origin: null` (a sandboxed or file: page) with no Referer is refused.
        return origin.is_none();
    };
    let Some(host) = host else {
        return false;
    };
    let host = host.to_ascii_lowercase();
    let claimed = claimed.to_ascii_lowercase();
    claimed == format!("http://{host}") || claimed == format!("https://{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        let h = Some("localhost:9001");
        assert!(same_origin(h, Some("http://LOCALHOST:9001"), None));
        assert!(same_origin(
            h,
            None,
            Some("http://localhost:9001/index.html?x=1")
        ));
        assert!(!same_origin(h, Some("http://localhost:9002"), None));
        assert!(!same_origin(h, Some("null"), None));
        assert!(!same_origin(None, Some("http://localhost:9001"), None));
        // Origin wins over Referer.
        assert!(!same_origin(
            h,
            Some("http://evil"),
            Some("http://localhost:9001/")
        ));
        let t = CsrfToken::new();
        assert_eq!(t.as_str().len(), 32);
        assert_ne!(t.as_str(), CsrfToken::new().as_str());
    }
}
