//! `strip_ansi=true`: removal of ANSI escape sequences from child output, with 4.3's exact
//! quirks ([LOG-CHILD-strip]).

/// Bytes that end an escape sequence. Others are not recognised, so an escape with another
/// final byte swallows output up to the next of these (or the end of the chunk).
const TERMINATORS: &[u8] = b"HfABCDRsuJKhlpm";

/// Removes every `ESC [` ... sequence up to and including the first following terminator
/// byte. The state does not span chunks: call it once per read chunk, as 4.3 does.
pub fn strip_ansi(chunk: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(chunk.len());
    let mut rest = chunk;
    while let Some(start) = memchr::memmem::find(rest, b"\x1b[") {
        out.extend_from_slice(&rest[..start]);
        // The terminator search starts at the `[`, which is not a terminator.
        match rest[start + 1..]
            .iter()
            .position(|b| TERMINATORS.contains(b))
        {
            Some(end) => rest = &rest[start + 1 + end + 1..],
            None => return out,
        }
    }
    out.extend_from_slice(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::strip_ansi;

    #[test]
    fn strips_like_4_3_log_child_strip() {
        let cases: &[(&[u8], &[u8])] = &[
            (
                b"\x1b[1;31mERR\x1b[0m and \x1b[2Jcleared",
                b"ERR and cleared",
            ),
            (b"\x1b[?25hcursor", b"cursor"),
            (b"\x1b[10Gx", b""),
            (b"\x1b]0;title\x07kept", b"\x1b]0;title\x07kept"),
            (b"\x1bcreset", b"\x1bcreset"),
            (b"plain", b"plain"),
            (b"a\x1b[", b"a"),
            (b"", b""),
        ];
        for (input, expected) in cases {
            assert_eq!(strip_ansi(input), *expected, "{input:?}");
        }
    }
}
