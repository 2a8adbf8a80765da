//! `key:value` token lines, shared by headers and payloads: tokens separated by whitespace,
//! each split at its first `:` (a token without a colon has an empty key).
//!
//! A plain byte loop: this is the hottest code in the crate (a header and a state payload
//! hold a dozen tokens), and it measured about twice as fast as the equivalent nom
//! combinators.

/// Byte classes: 1 = whitespace (as Python's `split()` sees it), 2 = `:`, 0 = other.
const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    t[b' ' as usize] = 1;
    t[b'\t' as usize] = 1;
    t[b'\r' as usize] = 1;
    t[0x0b] = 1;
    t[0x0c] = 1;
    t[b':' as usize] = 2;
    t
};

fn is_space(b: u8) -> bool {
    CLASS[b as usize] == 1
}

/// Reads the canonical `key:value` at the start of `rest` (4.3 writes tokens in a fixed order,
/// separated by single spaces): `prefix` is `key:` (with the separating space before it when
/// not first). Returns the value and what follows it. `None` means "not canonical": use the
/// any-order parser.
pub(crate) fn canonical<'a>(rest: &'a [u8], prefix: &[u8]) -> Option<(&'a [u8], &'a [u8])> {
    let rest = rest.strip_prefix(prefix)?;
    // One pass: the value ends at the first space or control byte, which must be a plain
    // space (a control byte inside a value sends the line to the any-order parser, which
    // knows which of them Python's split() treats as whitespace).
    let end = rest.iter().position(|&b| b <= b' ').unwrap_or(rest.len());
    if end < rest.len() && rest[end] != b' ' {
        return None;
    }
    Some((&rest[..end], &rest[end..]))
}

/// Iterator over the `(key, value, offset)` tokens of a line; `offset` is where the token starts.
#[derive(Debug, Clone)]
pub(crate) struct Tokens<'a> {
    line: &'a [u8],
    pos: usize,
}

/// The tokens of `line`.
pub(crate) fn tokens(line: &[u8]) -> Tokens<'_> {
    Tokens { line, pos: 0 }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = (&'a [u8], &'a [u8], usize);

    fn next(&mut self) -> Option<Self::Item> {
        let line = self.line;
        let mut start = self.pos;
        while start < line.len() && is_space(line[start]) {
            start += 1;
        }
        if start == line.len() {
            self.pos = start;
            return None;
        }
        let mut end = start;
        let mut colon = None;
        while end < line.len() {
            match CLASS[line[end] as usize] {
                1 => break,
                2 if colon.is_none() => colon = Some(end),
                _ => {}
            }
            end += 1;
        }
        self.pos = end;
        Some(match colon {
            Some(c) => (&line[start..c], &line[c + 1..end], start),
            None => (&line[..0], &line[start..end], start),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_tokens_at_the_first_colon() {
        let got: Vec<_> = tokens(b" a:1  b:2:3 junk c:").collect();
        assert_eq!(
            got,
            vec![
                (&b"a"[..], &b"1"[..], 1),
                (b"b", b"2:3", 6),
                (b"", b"junk", 12),
                (b"c", b"", 17)
            ]
        );
        assert_eq!(tokens(b"   ").count(), 0);
        assert_eq!(tokens(b"").count(), 0);
    }
}
