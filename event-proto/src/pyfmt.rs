//! The Python text formats supervisor 4.3 puts on the wire and in its log: `bytes` literals
//! (`b'caf\xc3\xa9'`, used for undecodable child output [EV-PAY-text] and listener output in
//! the log [EV-LOG-stdout]), `str` reprs, and `int()` parsing (RESULT lengths
//! [EV-PROTO-result-parse]).

use std::fmt::Write as _;

/// Python's `repr(bytes)`: `b'...'`, with `"` quotes when the data holds `'` but no `"`.
pub fn bytes_repr(data: &[u8]) -> String {
    let quote = if data.contains(&b'\'') && !data.contains(&b'"') {
        b'"'
    } else {
        b'\''
    };
    let mut out = String::with_capacity(data.len() + 3);
    out.push('b');
    out.push(quote as char);
    for &b in data {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            _ if b == quote => {
                out.push('\\');
                out.push(b as char);
            }
            0x20..=0x7e => out.push(b as char),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out.push(quote as char);
    out
}

/// Python's `repr(str)` for the strings 4.3 logs: `'...'`, quotes chosen as Python does,
/// control characters escaped, other characters kept.
pub fn str_repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            _ if c == quote => {
                out.push('\\');
                out.push(c);
            }
            '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{a0}' | '\u{ad}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            _ => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Parses a Python bytes literal as written by [`bytes_repr`] (`b'..'` or `b".."`) back into
/// the bytes. Returns `None` for anything else.
pub fn parse_bytes_literal(lit: &[u8]) -> Option<Vec<u8>> {
    let (&b'b', rest) = lit.split_first()? else {
        return None;
    };
    let (&quote, rest) = rest.split_first()?;
    if quote != b'\'' && quote != b'"' {
        return None;
    }
    let (&last, body) = rest.split_last()?;
    if last != quote {
        return None;
    }
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let b = body[i];
        if b != b'\\' {
            if b == quote {
                return None;
            }
            out.push(b);
            i += 1;
            continue;
        }
        let esc = *body.get(i + 1)?;
        i += 2;
        match esc {
            b'\\' | b'\'' | b'"' => out.push(esc),
            b't' => out.push(b'\t'),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b'x' => {
                let hex = body.get(i..i + 2)?;
                let hi = (hex[0] as char).to_digit(16)?;
                let lo = (hex[1] as char).to_digit(16)?;
                out.push((hi * 16 + lo) as u8);
                i += 2;
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Parses an integer as Python's `int()` does on a `str`: surrounding whitespace, an optional
/// sign, decimal digits with single `_` separators between them.
pub fn parse_int(text: &[u8]) -> Option<i64> {
    let s = text.trim_ascii();
    let (neg, digits) = match s.first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.first()? == &b'_' || digits.last()? == &b'_' {
        return None;
    }
    let mut value: i64 = 0;
    let mut prev_underscore = false;
    for &b in digits {
        if b == b'_' {
            if prev_underscore {
                return None;
            }
            prev_underscore = true;
            continue;
        }
        prev_underscore = false;
        let d = (b as char).to_digit(10)?;
        value = value.checked_mul(10)?.checked_add(i64::from(d))?;
    }
    Some(if neg { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_repr_matches_python() {
        // [EV-PAY-text] captured example.
        let data = b"after\ncaf\xc3\xa9 \xc3\xbcber\nbad \xff\xfe bytes\n";
        assert_eq!(
            bytes_repr(data),
            r"b'after\ncaf\xc3\xa9 \xc3\xbcber\nbad \xff\xfe bytes\n'"
        );
        assert_eq!(
            bytes_repr(b"RESULT 2\nOKREADY\n"),
            r"b'RESULT 2\nOKREADY\n'"
        );
        assert_eq!(bytes_repr(b"it's"), r#"b"it's""#);
        assert_eq!(bytes_repr(b"'\""), r#"b'\'"'"#);
        assert_eq!(bytes_repr(b"\x00\x7f\\"), r"b'\x00\x7f\\'");
    }

    #[test]
    fn bytes_literal_round_trips() {
        for data in [&b""[..], b"plain", b"it's", b"'\"", b"\x00\xff\\\t\r\n"] {
            assert_eq!(
                parse_bytes_literal(bytes_repr(data).as_bytes()).as_deref(),
                Some(data)
            );
        }
        assert_eq!(parse_bytes_literal(b"'x'"), None);
        assert_eq!(parse_bytes_literal(b"b'\\x4'"), None);
        assert_eq!(parse_bytes_literal(b"b'a'b'"), None);
    }

    #[test]
    fn str_repr_matches_python() {
        assert_eq!(str_repr("RESULT x"), "'RESULT x'");
        assert_eq!(str_repr("a'b"), "\"a'b\"");
        assert_eq!(str_repr("caf\u{e9}\u{1}"), "'caf\u{e9}\\x01'");
    }

    #[test]
    fn int_parsing_follows_python_int() {
        assert_eq!(parse_int(b"2"), Some(2));
        assert_eq!(parse_int(b" +2 "), Some(2));
        assert_eq!(parse_int(b"-3"), Some(-3));
        assert_eq!(parse_int(b"1_000"), Some(1000));
        assert_eq!(parse_int(b"1__0"), None);
        assert_eq!(parse_int(b"_1"), None);
        assert_eq!(parse_int(b"x"), None);
        assert_eq!(parse_int(b""), None);
        assert_eq!(parse_int(b"99999999999999999999"), None);
    }
}
