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

    /// Text for `sub`: inline when short, otherwise shared with `parent` when `sub` lies
    /// within it (a view decoded from that frame), copied when not.
    pub(crate) fn from_str_in(parent: Option<&Bytes>, sub: &str) -> Text {
        Text::inline(sub.as_bytes())
            .unwrap_or_else(|| Text(Repr::Shared(sub_bytes(parent, sub.as_bytes()))))
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

/// `sub` as [`Bytes`]: a slice of `parent` (no copy) when `sub` lies within it, a copy
/// otherwise. Never panics, whatever `sub` is.
pub(crate) fn sub_bytes(parent: Option<&Bytes>, sub: &[u8]) -> Bytes {
    if let Some(parent) = parent {
        let start = (sub.as_ptr() as usize).wrapping_sub(parent.as_ptr() as usize);
        if start <= parent.len() && sub.len() <= parent.len() - start {
            return parent.slice(start..start + sub.len());
        }
    }
    Bytes::copy_from_slice(sub)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_and_shared_compare_by_content() {
        let long = "x".repeat(100);
        let parent = Bytes::from(format!("ab {long}"));
        let text = std::str::from_utf8(&parent).expect("utf-8");
        let short = Text::from_str_in(Some(&parent), &text[..2]);
        let shared = Text::from_str_in(Some(&parent), &text[3..]);
        assert_eq!(short, "ab");
        assert_eq!(shared, long.as_str());
        assert_eq!(Text::from(long.clone()), shared);
        assert_eq!(Text::from_static("ab"), short);
        assert_eq!(
            shared.to_bytes().as_ptr(),
            parent[3..].as_ptr(),
            "shared, not copied"
        );
        let elsewhere = Text::from_str_in(Some(&parent), &long);
        assert_ne!(
            elsewhere.to_bytes().as_ptr(),
            long.as_ptr(),
            "copied from outside"
        );
        assert_eq!(elsewhere, shared);
        assert_eq!(&shared.to_bytes()[..], long.as_bytes());
    }
}
