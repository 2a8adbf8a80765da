//! [`Text`]: immutable UTF-8 text that is cheap to make from a decoded frame. Short strings
//! (process, group and pool names) are stored inline, with no allocation and no reference
//! count; longer ones share the frame's [`Bytes`] without copying.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

use bytes::Bytes;

const INLINE: usize = 22;

#[derive(Clone)]
enum Repr {
    Inline { len: u8, buf: [u8; INLINE] },
    Shared(Bytes),
}

/// Immutable UTF-8 text (cheap to clone; zero-copy or inline when decoded from a frame).
#[derive(Clone)]
pub struct Text(Repr);

impl Text {
    /// Wraps bytes that must be UTF-8; `None` otherwise.
    pub fn from_utf8(bytes: Bytes) -> Option<Text> {
        std::str::from_utf8(&bytes).ok()?;
        Some(Text(Repr::Shared(bytes)))
    }

    /// Text for `sub`, a sub-slice of `parent`: copied inline when short, otherwise shared with
    /// `parent`. `None` unless UTF-8.
    pub(crate) fn from_sub(parent: &Bytes, sub: &[u8]) -> Option<Text> {
        if !sub.is_ascii() {
            std::str::from_utf8(sub).ok()?;
        }
        Some(Text::inline(sub).unwrap_or_else(|| Text(Repr::Shared(parent.slice_ref(sub)))))
    }

    /// Text copied from `bytes` (inline when short); `None` unless UTF-8.
    pub(crate) fn copy_from_utf8(bytes: &[u8]) -> Option<Text> {
        // For short names an ASCII check is much cheaper than full validation.
        if !bytes.is_ascii() {
            std::str::from_utf8(bytes).ok()?;
        }
        Some(
            Text::inline(bytes)
                .unwrap_or_else(|| Text(Repr::Shared(Bytes::copy_from_slice(bytes)))),
        )
    }

    fn inline(s: &[u8]) -> Option<Text> {
        let len = u8::try_from(s.len())
            .ok()
            .filter(|&l| usize::from(l) <= INLINE)?;
        let mut buf = [0u8; INLINE];
        buf[..s.len()].copy_from_slice(s);
        Some(Text(Repr::Inline { len, buf }))
    }

    /// Text from a static string (no allocation).
    pub const fn from_static(s: &'static str) -> Text {
        Text(Repr::Shared(Bytes::from_static(s.as_bytes())))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        // Every constructor checks UTF-8; fall back to "" rather than panic.
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }

    /// The UTF-8 bytes.
    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, buf } => &buf[..usize::from(*len)],
            Repr::Shared(b) => b,
        }
    }

    /// The text as [`Bytes`].
    pub fn to_bytes(&self) -> Bytes {
        match &self.0 {
            Repr::Inline { .. } => Bytes::copy_from_slice(self.as_bytes()),
            Repr::Shared(b) => b.clone(),
        }
    }
}

impl Default for Text {
    fn default() -> Self {
        Text::from_static("")
    }
}

impl Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Text::inline(s.as_bytes()).unwrap_or_else(|| Text(Repr::Shared(Bytes::from(s))))
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Text::inline(s.as_bytes())
            .unwrap_or_else(|| Text(Repr::Shared(Bytes::copy_from_slice(s.as_bytes()))))
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for Text {}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Text) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Text {
    fn cmp(&self, other: &Text) -> Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl Hash for Text {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_and_shared_compare_by_content() {
        let long = "x".repeat(100);
        let parent = Bytes::from(format!("ab {long}"));
        let short = Text::from_sub(&parent, &parent[..2]).expect("utf-8");
        let shared = Text::from_sub(&parent, &parent[3..]).expect("utf-8");
        assert_eq!(short, "ab");
        assert_eq!(shared, long.as_str());
        assert_eq!(Text::from(long.clone()), shared);
        assert_eq!(Text::from_static("ab"), short);
        assert!(Text::from_sub(&parent, b"\xff").is_none());
        assert_eq!(&shared.to_bytes()[..], long.as_bytes());
    }
}
