//! `key:value` token lines, shared by headers and payloads: tokens separated by whitespace,
//! each split at its first `:` (a token without a colon has an empty key).

use nom::bytes::complete::{take_till, take_till1};
use nom::character::complete::{char, space0};
use nom::{IResult, Parser};

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\x0b' | b'\x0c')
}

fn token(input: &[u8]) -> IResult<&[u8], &[u8]> {
    let (rest, _) = space0(input)?;
    take_till1(is_space).parse(rest)
}

fn split_key(tok: &[u8]) -> (&[u8], &[u8]) {
    let split: IResult<&[u8], (&[u8], char)> = (take_till(|b| b == b':'), char(':')).parse(tok);
    match split {
        Ok((value, (key, _))) => (key, value),
        Err(_) => (&[], tok),
    }
}

/// Iterator over the `(key, value, offset)` tokens of a line; `offset` is where the token starts.
#[derive(Debug, Clone)]
pub(crate) struct Tokens<'a> {
    line: &'a [u8],
    rest: &'a [u8],
}

/// The tokens of `line`.
pub(crate) fn tokens(line: &[u8]) -> Tokens<'_> {
    Tokens { line, rest: line }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = (&'a [u8], &'a [u8], usize);

    fn next(&mut self) -> Option<Self::Item> {
        let (rest, tok) = token(self.rest).ok()?;
        self.rest = rest;
        let offset = self.line.len() - rest.len() - tok.len();
        let (key, value) = split_key(tok);
        Some((key, value, offset))
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
    }
}
