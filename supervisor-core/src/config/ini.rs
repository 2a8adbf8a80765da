//! The ini layer as 4.3 reads it (Python's RawConfigParser plus supervisor's tweaks,
//! [CFG-FMT-*]): `=` or `:` delimiters, `;`/`#` comment lines and inline comments after
//! whitespace, indented continuation lines, case-insensitive keys, case-sensitive sections,
//! `[DEFAULT]` inheritance, and repeated sections merging (later wins). Every value keeps the
//! file and line it came from, for error messages.
//!
//! Hand-written rather than rust-ini: rust-ini records no key positions and does not implement
//! continuation lines or these inline-comment rules.

use std::path::{Path, PathBuf};

/// A value with where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The key, lower-cased.
    pub key: String,
    /// The raw value (comments removed, continuation lines joined with `\n`).
    pub value: String,
    /// The file it came from.
    pub file: PathBuf,
    /// Its 1-based line.
    pub line: usize,
}

/// One section, entries in first-seen order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The name between the brackets, as written.
    pub name: String,
    /// Its entries.
    pub entries: Vec<Entry>,
    /// The file the section header was (first) seen in.
    pub file: PathBuf,
    /// The header's line.
    pub line: usize,
}

impl Section {
    /// A key's entry (keys are case-insensitive).
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }
}

/// A parsed document: its sections (with `[DEFAULT]` keys merged into each).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ini {
    /// Sections in first-seen order, `DEFAULT` excluded.
    pub sections: Vec<Section>,
    defaults: Vec<Entry>,
}

/// A syntax error: 4.3 reports `File contains parsing errors` with the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// The file.
    pub file: PathBuf,
    /// The line.
    pub line: usize,
    /// The offending line, as written.
    pub text: String,
}

impl Ini {
    /// Parses `text` (the contents of `file`), merging into what was read before (includes).
    pub fn read(&mut self, file: &Path, text: &str) -> Result<(), SyntaxError> {
        let mut current: Option<usize> = None; // index in sections; usize::MAX = DEFAULT
        let mut last_key: Option<(usize, usize)> = None; // (section, entry)
        let mut last_indent = 0usize;
        for (i, raw) in text.lines().enumerate() {
            let line_no = i + 1;
            let trimmed = raw.trim();
            if trimmed.is_empty() {
                // A blank line inside a continuation is kept as an empty line.
                if let Some((s, e)) = last_key {
                    self.entry_mut(s, e).value.push('\n');
                }
                continue;
            }
            if trimmed.starts_with(';') || trimmed.starts_with('#') {
                continue;
            }
            let indent = raw.len() - raw.trim_start().len();
            if indent > 0 {
                if let Some((s, e)) = last_key {
                    if indent > last_indent {
                        let piece = strip_inline_comment(trimmed);
                        let v = &mut self.entry_mut(s, e).value;
                        v.push('\n');
                        v.push_str(piece);
                        continue;
                    }
                }
            }
            if trimmed.starts_with('[') {
                let Some(end) = trimmed.find(']') else {
                    return Err(syntax(file, line_no, raw));
                };
                let name = &trimmed[1..end];
                finish_values(self, last_key.take());
                current = Some(if name == "DEFAULT" {
                    usize::MAX
                } else {
                    match self.sections.iter().position(|s| s.name == name) {
                        Some(idx) => idx,
                        None => {
                            self.sections.push(Section {
                                name: name.to_owned(),
                                entries: Vec::new(),
                                file: file.to_owned(),
                                line: line_no,
                            });
                            self.sections.len() - 1
                        }
                    }
                });
                continue;
            }
            let Some(cur) = current else {
                return Err(syntax(file, line_no, raw));
            };
            let Some(delim) = trimmed.find(['=', ':']) else {
                return Err(syntax(file, line_no, raw));
            };
            finish_values(self, last_key.take());
            let key = trimmed[..delim].trim().to_lowercase();
            let value = strip_inline_comment(trimmed[delim + 1..].trim()).to_owned();
            let entry = Entry {
                key,
                value,
                file: file.to_owned(),
                line: line_no,
            };
            let entries = if cur == usize::MAX {
                &mut self.defaults
            } else {
                &mut self.sections[cur].entries
            };
            let idx = match entries.iter().position(|e| e.key == entry.key) {
                Some(idx) => {
                    entries[idx] = entry;
                    idx
                }
                None => {
                    entries.push(entry);
                    entries.len() - 1
                }
            };
            last_key = Some((cur, idx));
            last_indent = indent;
        }
        finish_values(self, last_key);
        Ok(())
    }

    fn entry_mut(&mut self, s: usize, e: usize) -> &mut Entry {
        if s == usize::MAX {
            &mut self.defaults[e]
        } else {
            &mut self.sections[s].entries[e]
        }
    }

    /// The sections with `[DEFAULT]` keys filled in where a section lacks them.
    pub fn resolved(&self) -> Vec<Section> {
        self.sections
            .iter()
            .map(|s| {
                let mut s = s.clone();
                for d in &self.defaults {
                    if s.get(&d.key).is_none() {
                        s.entries.push(d.clone());
                    }
                }
                s
            })
            .collect()
    }
}

/// Trailing blank lines of a multi-line value are dropped.
fn finish_values(ini: &mut Ini, last: Option<(usize, usize)>) {
    if let Some((s, e)) = last {
        let v = &mut ini.entry_mut(s, e).value;
        let kept = v.trim_end_matches('\n').len();
        v.truncate(kept);
    }
}

fn syntax(file: &Path, line: usize, raw: &str) -> SyntaxError {
    SyntaxError {
        file: file.to_owned(),
        line,
        text: raw.to_owned(),
    }
}

/// Cuts a value at `;` or `#` preceded by whitespace ([CFG-FMT-comment-inline]).
fn strip_inline_comment(value: &str) -> &str {
    let bytes = value.as_bytes();
    for i in 1..bytes.len() {
        if (bytes[i] == b';' || bytes[i] == b'#') && (bytes[i - 1] == b' ' || bytes[i - 1] == b'\t')
        {
            return value[..i].trim_end();
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Ini {
        let mut ini = Ini::default();
        ini.read(Path::new("t.conf"), text).expect("valid");
        ini
    }

    #[test]
    fn format_rules_cfg_fmt() {
        let ini = parse(
            "; comment\n  # indented comment\n[program:x]\nCommand: /bin/echo colon\n\
             a = echo a;b\nb = echo a ;b\nc = echo a\t;b\nd = echo a #b\ne = bash -c 'foo ; bar'\n\
             cont=/bin/echo a\n  b c\n\n  d\n\n[DEFAULT]\nstartsecs=9\n[program:x]\na=again\n[Program:y]\nk=v\n",
        );
        let s = &ini.resolved()[0];
        let v = |k: &str| s.get(k).map(|e| e.value.clone()).expect(k);
        assert_eq!(v("command"), "/bin/echo colon");
        assert_eq!(v("a"), "again", "repeated sections merge, later wins");
        assert_eq!(v("b"), "echo a");
        assert_eq!(v("c"), "echo a");
        assert_eq!(v("d"), "echo a");
        assert_eq!(v("e"), "bash -c 'foo");
        assert_eq!(v("cont"), "/bin/echo a\nb c\n\nd");
        assert_eq!(v("startsecs"), "9", "DEFAULT inherited");
        assert_eq!(s.get("command").map(|e| e.line), Some(4));
        assert_eq!(
            ini.sections[1].name, "Program:y",
            "section names keep their case"
        );
    }

    #[test]
    fn a_line_without_delimiter_is_a_syntax_error_cfg_fmt_novalue() {
        let mut ini = Ini::default();
        let err = ini
            .read(Path::new("t.conf"), "[program:x]\ncommand=a\n\nautostart\n")
            .expect_err("no delimiter");
        assert_eq!((err.line, err.text.as_str()), (4, "autostart"));
    }
}
