//! `[include] files` patterns: `*`, `?` and `[...]` in the file-name part ([CFG-INC-files]).

use std::path::{Path, PathBuf};

/// Whether `name` matches the glob `pattern`.
pub fn matches(pattern: &[u8], name: &[u8]) -> bool {
    match (pattern.first(), name.first()) {
        (None, None) => true,
        (Some(b'*'), _) => {
            matches(&pattern[1..], name) || (!name.is_empty() && matches(pattern, &name[1..]))
        }
        (Some(b'?'), Some(_)) => matches(&pattern[1..], &name[1..]),
        (Some(b'['), Some(&c)) => match pattern.iter().position(|&b| b == b']') {
            Some(end) if end > 1 => {
                let set = &pattern[1..end];
                let (negate, set) = match set.first() {
                    Some(b'!') => (true, &set[1..]),
                    _ => (false, set),
                };
                let mut hit = false;
                let mut i = 0;
                while i < set.len() {
                    if i + 2 < set.len() && set[i + 1] == b'-' {
                        hit |= (set[i]..=set[i + 2]).contains(&c);
                        i += 3;
                    } else {
                        hit |= set[i] == c;
                        i += 1;
                    }
                }
                hit != negate && matches(&pattern[end + 1..], &name[1..])
            }
            _ => c == b'[' && matches(&pattern[1..], &name[1..]),
        },
        (Some(&p), Some(&c)) => p == c && matches(&pattern[1..], &name[1..]),
        _ => false,
    }
}

/// The files matching `pattern` (absolute, or relative to `base`), sorted.
pub fn expand(base: &Path, pattern: &str) -> (PathBuf, Vec<PathBuf>) {
    let full = base.join(pattern);
    let dir = full.parent().map(Path::to_path_buf).unwrap_or_default();
    let file_pattern = full
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter(|e| {
                    matches(
                        file_pattern.as_bytes(),
                        e.file_name().to_string_lossy().as_bytes(),
                    )
                })
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    (full, found)
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn globs() {
        assert!(matches(b"*.conf", b"a.conf"));
        assert!(!matches(b"*.conf", b"a.ini"));
        assert!(matches(b"p?.conf", b"p1.conf"));
        assert!(matches(b"[ab]*.conf", b"b.conf"));
        assert!(!matches(b"[!ab]*.conf", b"b.conf"));
        assert!(matches(b"[0-9].conf", b"7.conf"));
    }
}
