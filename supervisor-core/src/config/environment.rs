//! `environment=` values, parsed as 4.3.0 does with shlex in non-POSIX mode ([CFG-ENV-*]).

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_/.+-():".contains(c)
}

fn tokens(v: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = v.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '#' {
            // A comment runs to the end of the line.
            while let Some(&c) = chars.peek() {
                if c == '\n' {
                    break;
                }
                chars.next();
            }
        } else if c == '"' || c == '\'' {
            let mut tok = String::from(c);
            chars.next();
            for n in chars.by_ref() {
                tok.push(n);
                if n == c {
                    break;
                }
            }
            out.push(tok);
        } else if is_word_char(c) {
            let mut tok = String::new();
            while let Some(&n) = chars.peek() {
                if !is_word_char(n) {
                    break;
                }
                tok.push(n);
                chars.next();
            }
            out.push(tok);
        } else {
            out.push(c.to_string());
            chars.next();
        }
    }
    out
}

fn unquote(s: &str) -> String {
    let s = s.strip_prefix(['"', '\'']).unwrap_or(s);
    s.strip_suffix(['"', '\'']).unwrap_or(s).to_owned()
}

/// Parses `KEY=VALUE` pairs separated by any single punctuation token.
pub fn parse(v: &str) -> Result<Vec<(String, String)>, String> {
    let toks = tokens(v);
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        match (toks.get(i), toks.get(i + 1), toks.get(i + 2)) {
            (Some(k), Some(eq), Some(val)) if eq == "=" => {
                let key = unquote(k);
                if out
                    .iter()
                    .any(|(existing, _): &(String, String)| *existing == key)
                {
                    out.retain(|(existing, _)| *existing != key);
                }
                out.push((key, unquote(val)));
                i += 4;
            }
            _ => return Err(format!("Unexpected end of key/value pairs in value '{v}'")),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(v: &str) -> Vec<(String, String)> {
        parse(v).expect(v)
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn confirmed_cases_cfg_env_cases() {
        assert_eq!(
            ok(r#"A="x y",B=plain,C='sq',D="has,comma",E=a:b/c.d-e+f(g)"#),
            pairs(&[
                ("A", "x y"),
                ("B", "plain"),
                ("C", "sq"),
                ("D", "has,comma"),
                ("E", "a:b/c.d-e+f(g)")
            ])
        );
        assert!(parse("A=1 B=2").is_err());
        assert_eq!(ok("A=1;B=2"), pairs(&[("A", "1"), ("B", "2")]));
        assert_eq!(ok("A=1,"), pairs(&[("A", "1")]));
        assert!(parse("A=1,,B=2").is_err());
        assert!(parse("A=,B=2").is_err());
        assert_eq!(ok(r#"A="",B=2"#), pairs(&[("A", ""), ("B", "2")]));
        assert!(parse("A=x@y").is_err());
        assert_eq!(ok(r#"A="k=v""#), pairs(&[("A", "k=v")]));
        assert_eq!(ok("A=\"1\",\nB=\"2\""), pairs(&[("A", "1"), ("B", "2")]));
        assert_eq!(
            parse("A=1 B=2").expect_err("space"),
            "Unexpected end of key/value pairs in value 'A=1 B=2'"
        );
    }
}
