//! Every behaviour tag cited anywhere in the repository (`[EV-POOL-accept]`, `[CTL-EXIT-*]`, ...)
//! is defined, exactly once, as a heading of `BEHAVIOUR.md` at the workspace root.
//!
//! A tag is `[`, an area of two or more ASCII capitals, then one or more parts each made of a
//! dash and one or more of `A-Z a-z 0-9 _ *`, then `]`: the same shape as
//! `grep -E '\[[A-Z]{2,}(-[A-Za-z0-9_*]+)+\]'`. Character classes such as `[A-Za-z0-9_]` do not
//! have that shape. Citations are read from every git-tracked text file except `BEHAVIOUR.md`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The file that defines the tags.
const DEFINITIONS: &str = "BEHAVIOUR.md";

/// The workspace root (this crate lives in `<root>/tests`).
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate has a parent directory")
        .to_path_buf()
}

/// Whether `b` may appear in a part after a dash.
fn is_part_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'*'
}

/// If a tag (without brackets) starts at `text[start]` (just after a `[`) and is closed by `]`,
/// returns it and the index of the closing bracket.
fn tag_at(text: &[u8], start: usize) -> Option<(&str, usize)> {
    let mut i = start;
    while i < text.len() && text[i].is_ascii_uppercase() {
        i += 1;
    }
    if i - start < 2 {
        return None;
    }
    let mut parts = 0;
    while i < text.len() && text[i] == b'-' {
        let part_start = i + 1;
        let mut j = part_start;
        while j < text.len() && is_part_byte(text[j]) {
            j += 1;
        }
        if j == part_start {
            return None;
        }
        parts += 1;
        i = j;
    }
    if parts == 0 || i >= text.len() || text[i] != b']' {
        return None;
    }
    // Only ASCII bytes were accepted, so this cannot fail.
    let tag = std::str::from_utf8(&text[start..i]).ok()?;
    Some((tag, i))
}

/// Every tag cited in `text`, in order, without brackets.
fn citations(text: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < text.len() {
        if text[i] == b'[' {
            if let Some((tag, close)) = tag_at(text, i + 1) {
                found.push(tag.to_owned());
                i = close + 1;
                continue;
            }
        }
        i += 1;
    }
    found
}

/// The tag a Markdown heading line defines, if its text is exactly one tag (optionally in
/// backticks or brackets): `### CFG-TYPE-signal`, `### CTL-EXIT-*`.
fn heading_tag(line: &str) -> Option<String> {
    let rest = line.trim_start();
    let text = rest.trim_start_matches('#');
    if text.len() == rest.len() || !text.starts_with(' ') {
        return None;
    }
    let text = text.trim().trim_matches('`');
    let text = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(text);
    let bracketed = format!("[{text}]");
    match tag_at(bracketed.as_bytes(), 1) {
        Some((tag, close)) if close == bracketed.len() - 1 => Some(tag.to_owned()),
        _ => None,
    }
}

/// Git-tracked files, relative to the workspace root.
fn tracked_files(root: &Path) -> Vec<PathBuf> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["ls-files", "-z"])
        .output()
        .expect("run `git ls-files` (git must be installed)");
    assert!(
        out.status.success(),
        "`git ls-files` failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
        .split(|&b| b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| PathBuf::from(String::from_utf8_lossy(p).into_owned()))
        .collect()
}

/// Cited tag → the files citing it.
fn cited_tags(root: &Path) -> BTreeMap<String, BTreeSet<PathBuf>> {
    let mut cited: BTreeMap<String, BTreeSet<PathBuf>> = BTreeMap::new();
    for rel in tracked_files(root) {
        if rel == Path::new(DEFINITIONS) {
            continue;
        }
        // Tracked but deleted in the work tree, or a directory (submodule): nothing to read.
        let Ok(bytes) = std::fs::read(root.join(&rel)) else {
            continue;
        };
        // Binary files cite nothing.
        if bytes.contains(&0) {
            continue;
        }
        for tag in citations(&bytes) {
            cited.entry(tag).or_default().insert(rel.clone());
        }
    }
    cited
}

/// Defined tag → how many headings define it.
fn defined_tags(root: &Path) -> BTreeMap<String, usize> {
    let path = root.join(DEFINITIONS);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let mut defined: BTreeMap<String, usize> = BTreeMap::new();
    let mut in_fence = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        if let Some(tag) = heading_tag(line) {
            *defined.entry(tag).or_default() += 1;
        }
    }
    defined
}

#[test]
fn every_cited_tag_is_defined() {
    let root = workspace_root();
    let cited = cited_tags(&root);
    assert!(
        !cited.is_empty(),
        "no tags found; is {} a git work tree?",
        root.display()
    );
    let defined = defined_tags(&root);
    let undefined: Vec<String> = cited
        .iter()
        .filter(|(tag, _)| !defined.contains_key(*tag))
        .map(|(tag, files)| {
            let files: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
            format!("  [{tag}] cited in {}", files.join(", "))
        })
        .collect();
    assert!(
        undefined.is_empty(),
        "{} cited tag(s) have no heading in {DEFINITIONS}:\n{}",
        undefined.len(),
        undefined.join("\n")
    );
}

#[test]
fn no_tag_is_defined_twice() {
    let defined = defined_tags(&workspace_root());
    assert!(!defined.is_empty(), "{DEFINITIONS} defines no tags");
    let twice: Vec<String> = defined
        .iter()
        .filter(|(_, &n)| n > 1)
        .map(|(tag, n)| format!("  {tag} ({n} headings)"))
        .collect();
    assert!(
        twice.is_empty(),
        "tags defined more than once in {DEFINITIONS}:\n{}",
        twice.join("\n")
    );
}

#[test]
fn the_tag_shape_is_precise() {
    let text = b"a [EV-POOL-accept] b [CTL-EXIT-*] [A-Za-z0-9_] [X-y] [AB] [AB-] [ab-cd] \
                 [CFG-TYPE-signal]x [CFG-EL-result_handler] [RPC-HTTP-unix [[PROC-TR-*]]";
    assert_eq!(
        citations(text),
        [
            "EV-POOL-accept",
            "CTL-EXIT-*",
            "CFG-TYPE-signal",
            "CFG-EL-result_handler",
            "PROC-TR-*"
        ]
    );
    assert_eq!(
        heading_tag("### CFG-TYPE-signal").as_deref(),
        Some("CFG-TYPE-signal")
    );
    assert_eq!(
        heading_tag("### `CTL-EXIT-*`").as_deref(),
        Some("CTL-EXIT-*")
    );
    assert_eq!(heading_tag("## Configuration"), None);
    assert_eq!(heading_tag("### CFG-TYPE-signal and more"), None);
    assert_eq!(heading_tag("CFG-TYPE-signal"), None);
    assert_eq!(heading_tag("#CFG-TYPE-signal"), None);
}
