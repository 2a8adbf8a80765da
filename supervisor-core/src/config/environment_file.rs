//! `environment_file = PATH[, PATH]` (an extension; 4.3 ignores the key): files of
//! `KEY=VALUE` lines, like systemd's `EnvironmentFile`. Blank lines and lines starting with
//! `#` or `;` are skipped; `export KEY=VALUE` is accepted; a value may be in double quotes
//! (with `\"`, `\\`, `\n`, `\t` and `\$` escapes) or single quotes (taken literally), and a `#`
//! after white space ends an unquoted value. Later files and lines win over earlier ones.
//!
//! ```
//! use supervisor_core::config::environment_file::parse;
//!
//! let vars = parse("# db\nexport HOST=db.local\nPORT = 5432  # default\nMSG=\"a \\\"b\\\"\"\n").unwrap();
//! assert_eq!(vars, vec![
//!     ("HOST".to_owned(), "db.local".to_owned()),
//!     ("PORT".to_owned(), "5432".to_owned()),
//!     ("MSG".to_owned(), "a \"b\"".to_owned()),
//! ]);
//! assert_eq!(parse("A=1\nnot a pair\n").unwrap_err(), (2, "expected KEY=VALUE (got \"not a pair\")".to_owned()));
//! ```

use std::path::{Path, PathBuf};

/// A problem in an environment file: the file, its 1-based line (0 when the file cannot be
/// read) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvFileError {
    /// The file.
    pub file: PathBuf,
    /// The line, or 0 for the file as a whole.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Reads every file of a comma-separated list, in order; a relative path is taken from
/// `here` (the directory of the config file that names it).
pub fn read(list: &str, here: &Path) -> Result<Vec<(String, String)>, EnvFileError> {
    let mut vars: Vec<(String, String)> = Vec::new();
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let file = here.join(name);
        let text = std::fs::read_to_string(&file).map_err(|e| EnvFileError {
            file: file.clone(),
            line: 0,
            message: format!("cannot read environment file {}: {e}", file.display()),
        })?;
        let parsed = parse(&text).map_err(|(line, message)| EnvFileError {
            file: file.clone(),
            line,
            message,
        })?;
        for (k, v) in parsed {
            vars.retain(|(old, _)| *old != k);
            vars.push((k, v));
        }
    }
    Ok(vars)
}

/// Parses one file's text into `(KEY, VALUE)` pairs in order (a key set twice keeps its
/// last value, in the position of the last); a bad line is `(line, why)`.
pub fn parse(text: &str) -> Result<Vec<(String, String)>, (usize, String)> {
    let mut vars: Vec<(String, String)> = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let bad = || (n + 1, format!("expected KEY=VALUE (got {line:?})"));
        let body = line
            .strip_prefix("export")
            .filter(|r| r.starts_with([' ', '\t']))
            .map_or(line, str::trim_start);
        let (key, value) = body.split_once('=').ok_or_else(bad)?;
        let key = key.trim();
        let valid_key = key
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid_key {
            return Err((n + 1, format!("bad variable name {key:?}")));
        }
        let value = value_of(value.trim()).map_err(|m| (n + 1, m))?;
        vars.retain(|(old, _)| old != key);
        vars.push((key.to_owned(), value));
    }
    Ok(vars)
}

/// A value: quoted, or bare up to a ` #` comment.
fn value_of(v: &str) -> Result<String, String> {
    let mut chars = v.chars();
    match chars.next() {
        Some('\'') => {
            let rest = chars.as_str();
            let end = rest
                .find('\'')
                .ok_or_else(|| format!("unterminated quote in {v:?}"))?;
            trailing(&rest[end + 1..], v)?;
            Ok(rest[..end].to_owned())
        }
        Some('"') => {
            let mut out = String::new();
            while let Some(c) = chars.next() {
                match c {
                    '"' => {
                        trailing(chars.as_str(), v)?;
                        return Ok(out);
                    }
                    '\\' => match chars.next() {
                        Some('n') => out.push('\n'),
                        Some('t') => out.push('\t'),
                        Some(c @ ('"' | '\\' | '$' | '`')) => out.push(c),
                        Some(c) => {
                            out.push('\\');
                            out.push(c);
                        }
                        None => break,
                    },
                    c => out.push(c),
                }
            }
            Err(format!("unterminated quote in {v:?}"))
        }
        _ => {
            let end = v
                .char_indices()
                .find(|&(i, c)| c == '#' && v[..i].ends_with([' ', '\t']))
                .map_or(v.len(), |(i, _)| i);
            Ok(v[..end].trim_end().to_owned())
        }
    }
}

/// After a closing quote only white space or a comment may follow.
fn trailing(rest: &str, v: &str) -> Result<(), String> {
    let rest = rest.trim_start();
    if rest.is_empty() || rest.starts_with('#') {
        Ok(())
    } else {
        Err(format!("unexpected text after the closing quote in {v:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_comments_and_errors() {
        let vars =
            parse("A='x # y'\nB=\"tab\\there\"  # c\n; ini comment\nC=\nexport D=1\nA=2\nE=a#b\n")
                .expect("parses");
        assert_eq!(
            vars,
            vec![
                ("B".into(), "tab\there".into()),
                ("C".into(), String::new()),
                ("D".into(), "1".into()),
                ("A".into(), "2".into()),
                ("E".into(), "a#b".into()),
            ]
        );
        assert_eq!(parse("1A=x").expect_err("a bad line").0, 1);
        assert_eq!(parse("\n\nA=\"open").expect_err("a bad line").0, 3);
        assert_eq!(parse("A='x' y").expect_err("a bad line").0, 1);
        assert_eq!(parse("=x").expect_err("a bad line").0, 1);
        assert_eq!(parse("exporter").expect_err("a bad line").0, 1);
    }

    #[test]
    fn files_in_order_later_wins() {
        let dir = std::env::temp_dir().join(format!("envfile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join("a.env"), "X=1\nY=1\n").expect("write");
        std::fs::write(dir.join("b.env"), "Y=2\n").expect("write");
        let vars = read("a.env, b.env", &dir).expect("reads");
        assert_eq!(
            vars,
            vec![("X".into(), "1".into()), ("Y".into(), "2".into())]
        );
        let missing = read("a.env,nope.env", &dir).expect_err("missing");
        assert_eq!(missing.line, 0);
        assert!(missing.message.contains("nope.env"), "{}", missing.message);
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
