//! Size limits that keep a decoder's buffering bounded whatever its peer sends, and the unit
//! in which a header's `len` counts the payload.

/// How the `len` header token counts the payload ([EV-HDR-len]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum LenUnit {
    /// Unicode code points of the UTF-8 payload: what supervisor 4.3 on Python 3 sends and what
    /// `childutils`-based Python listeners read (they read stdin in text mode). The default.
    #[default]
    Chars,
    /// Bytes, as supervisor's docs promise. Announced by the extra header token
    /// `lenunit:bytes`, which `childutils` ignores.
    Bytes,
}

impl LenUnit {
    /// The header token announcing this unit, if it needs one.
    pub const fn header_token(self) -> Option<&'static str> {
        match self {
            LenUnit::Chars => None,
            LenUnit::Bytes => Some("lenunit:bytes"),
        }
    }

    /// The payload's length in this unit.
    pub fn measure(self, payload: &[u8]) -> usize {
        match self {
            LenUnit::Bytes => payload.len(),
            LenUnit::Chars => count_chars(payload),
        }
    }
}

/// Counts UTF-8 code points (every byte that is not a continuation byte `0b10xx_xxxx`).
pub(crate) fn count_chars(payload: &[u8]) -> usize {
    if all_ascii(payload) {
        return payload.len();
    }
    payload.iter().filter(|&&b| (b as i8) >= -0x40).count()
}

/// Whether every byte is ASCII: `<[u8]>::is_ascii`, but OR-ing 64-byte blocks, which the
/// compiler turns into vector code that runs several times faster over a log chunk.
#[inline]
pub(crate) fn all_ascii(bytes: &[u8]) -> bool {
    let mut blocks = bytes.chunks_exact(64);
    // Lane-wise across blocks (kept in vector registers), reduced once at the end.
    let mut lanes = [0u8; 64];
    for block in &mut blocks {
        for (lane, &b) in lanes.iter_mut().zip(block) {
            *lane |= b;
        }
    }
    lanes.iter().fold(0, |acc, &b| acc | b) < 0x80 && blocks.remainder().is_ascii()
}

/// Upper bounds on what a decoder buffers before it gives up with an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest header line (or RESULT line), newline excluded.
    pub max_line_len: usize,
    /// Largest event payload, in the header's `len` units.
    pub max_payload_len: usize,
    /// Largest RESULT body, in bytes.
    pub max_result_len: usize,
}

impl Limits {
    /// Defaults: 4 KiB lines, 16 MiB payloads (a 128 KiB output chunk written as an
    /// `Undecodable: b'...'` literal is at most 4 times larger), 1 MiB result bodies.
    pub const DEFAULT: Limits = Limits {
        max_line_len: 4096,
        max_payload_len: 16 << 20,
        max_result_len: 1 << 20,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_ascii_is_is_ascii_at_every_length_and_position() {
        let text = vec![b'a'; 300];
        for len in 0..text.len() {
            assert!(all_ascii(&text[..len]));
            for at in [0, len / 2, len.saturating_sub(1)] {
                if at < len {
                    let mut bytes = text[..len].to_vec();
                    bytes[at] = 0x80 | (at as u8);
                    assert!(!all_ascii(&bytes), "len {len}, high byte at {at}");
                    assert_eq!(
                        count_chars(&bytes),
                        bytes.iter().filter(|&&b| b & 0xc0 != 0x80).count()
                    );
                }
            }
        }
    }
}
