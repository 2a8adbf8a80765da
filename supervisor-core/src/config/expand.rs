//! `%(name)s` expansion with Python's `%` formatting ([CFG-EXP-*]).

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// A value an expansion name stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpValue {
    /// A string.
    Str(String),
    /// An integer (`process_num`, `numprocs`).
    Int(i64),
}

/// The names available to one expansion.
pub type Expansions = BTreeMap<String, ExpValue>;

/// Expands `raw`; errors carry 4.3's text minus the option prefix, which the caller adds.
pub fn expand(raw: &str, names: &Expansions, option: &str) -> Result<String, String> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(pos) = rest.find('%') {
        out.push_str(&rest[..pos]);
        let spec = &rest[pos..];
        let index = raw.len() - spec.len();
        let bad =
            |msg: String| format!("Format string '{raw}' for '{option}' is badly formatted: {msg}");
        if let Some(after) = spec.strip_prefix("%%") {
            out.push('%');
            rest = after;
            continue;
        }
        let Some(after_paren) = spec.strip_prefix("%(") else {
            return Err(match spec.chars().nth(1) {
                None => bad("incomplete format".into()),
                Some(
                    c @ ('d' | 'i' | 'u' | 'x' | 'X' | 'o' | 'e' | 'E' | 'f' | 'F' | 'g' | 'G'
                    | 'c'),
                ) => bad(format!("%{c} format: a real number is required, not dict")),
                Some(_) => bad("format requires a mapping".into()),
            });
        };
        let Some(close) = after_paren.find(')') else {
            return Err(bad("incomplete format key".into()));
        };
        let name = &after_paren[..close];
        let mut conv = after_paren[close + 1..].char_indices();
        let mut flags = String::new();
        let mut width = String::new();
        let mut conversion = None;
        let mut consumed = 0;
        for (i, c) in conv.by_ref() {
            consumed = i + c.len_utf8();
            match c {
                '-' | '+' | ' ' | '#' | '0' if width.is_empty() => flags.push(c),
                '0'..='9' | '.' => width.push(c),
                _ => {
                    conversion = Some(c);
                    break;
                }
            }
        }
        let Some(conversion) = conversion else {
            return Err(bad("incomplete format".into()));
        };
        let value = names.get(name).ok_or_else(|| {
            let available: Vec<&str> = names.keys().map(String::as_str).collect();
            format!(
                "Format string '{raw}' for '{option}' contains names ('{name}') which cannot be expanded. Available names: {}",
                available.join(", ")
            )
        })?;
        let text = match (conversion, value) {
            ('s' | 'r', ExpValue::Str(s)) => s.clone(),
            ('s' | 'r' | 'd' | 'i' | 'u', ExpValue::Int(n)) => n.to_string(),
            ('x', ExpValue::Int(n)) => format!("{n:x}"),
            ('X', ExpValue::Int(n)) => format!("{n:X}"),
            ('o', ExpValue::Int(n)) => format!("{n:o}"),
            ('d' | 'i' | 'u' | 'x' | 'X' | 'o', ExpValue::Str(_)) => {
                return Err(bad(format!(
                    "%{conversion} format: a real number is required, not str"
                )))
            }
            (c, _) => {
                let at = index + 2 + close + 1 + consumed - c.len_utf8();
                return Err(bad(format!(
                    "unsupported format character '{c}' (0x{:x}) at index {at}",
                    c as u32
                )));
            }
        };
        pad(&mut out, &text, &flags, &width).map_err(bad)?;
        rest = &after_paren[close + 1 + consumed..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The widest field a format may ask for; wider ones are refused rather than
/// allocated (a `%(x)999999999d` in a hostile config must not exhaust memory).
const MAX_WIDTH: usize = 4096;

fn pad(out: &mut String, text: &str, flags: &str, width: &str) -> Result<(), String> {
    let digits = width.split('.').next().unwrap_or("");
    let width: usize = if digits.is_empty() {
        0
    } else {
        match digits.parse() {
            Ok(w) if w <= MAX_WIDTH => w,
            _ => {
                return Err(format!(
                    "format width {digits} is too large (at most {MAX_WIDTH})"
                ))
            }
        }
    };
    let len = text.chars().count();
    if len >= width {
        out.push_str(text);
    } else if flags.contains('-') {
        let _ = write!(out, "{text}{}", " ".repeat(width - len));
    } else if flags.contains('0') {
        let (sign, digits) = text.strip_prefix('-').map_or(("", text), |d| ("-", d));
        let _ = write!(out, "{sign}{}{digits}", "0".repeat(width - len));
    } else {
        let _ = write!(out, "{}{text}", " ".repeat(width - len));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Expansions {
        let mut n = Expansions::new();
        n.insert("program_name".into(), ExpValue::Str("foo".into()));
        n.insert("process_num".into(), ExpValue::Int(5));
        n.insert("here".into(), ExpValue::Str("/etc".into()));
        n
    }

    #[test]
    fn python_formatting_cfg_exp_syntax() {
        let e = |s: &str| expand(s, &names(), "program:foo.process_name");
        assert_eq!(
            e("%(program_name)s-%(process_num)03d").as_deref(),
            Ok("foo-005")
        );
        assert_eq!(
            e("%(process_num)d %(process_num)s %(process_num)x %%").as_deref(),
            Ok("5 5 5 %")
        );
        assert_eq!(e("%(process_num)-3d|").as_deref(), Ok("5  |"));
        assert_eq!(
            e("%(nope)s").expect_err("unknown"),
            "Format string '%(nope)s' for 'program:foo.process_name' contains names ('nope') which cannot be expanded. Available names: here, process_num, program_name"
        );
        assert_eq!(
            e("100%").expect_err("lone %"),
            "Format string '100%' for 'program:foo.process_name' is badly formatted: incomplete format"
        );
        assert_eq!(
            e("%(here)b").expect_err("bad conversion"),
            "Format string '%(here)b' for 'program:foo.process_name' is badly formatted: unsupported format character 'b' (0x62) at index 7"
        );
    }
}
