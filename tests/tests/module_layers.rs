//! supervisor-core's top-level modules form layers: `config/` never imports `daemon/` (both
//! meet in `model/`), and no two modules import each other, directly or through others.
//! Imports are read from the source (`crate::name` paths outside comments); test modules are
//! left out, since a test may drive a lower layer with a higher one.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../supervisor-core/src")
}

/// Every `.rs` file under `dir`, except test modules (`tests.rs`, `tests/`).
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if p.is_dir() {
            if name != "tests" {
                files(&p, out);
            }
        } else if name.ends_with(".rs") && name != "tests.rs" {
            out.push(p);
        }
    }
}

/// The top-level modules that `text` names as `crate::x`, ignoring comment lines and the part
/// of a file after its `#[cfg(test)]` module.
fn imports(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let code = line.trim_start();
        if code.starts_with("#[cfg(test)]") {
            break;
        }
        if code.starts_with("//") {
            continue;
        }
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

/// Module name → the other top-level modules it imports.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let root = src();
    let mut all = Vec::new();
    files(&root, &mut all);
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in all {
        let rel = path.strip_prefix(&root).expect("under src");
        let first = rel.components().next().expect("a component");
        let module = first
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        if module == "lib" || module == "bin" {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read source");
        let deps = g.entry(module.clone()).or_default();
        deps.extend(imports(&text).into_iter().filter(|d| *d != module));
    }
    g
}

#[test]
fn the_source_is_found_and_read() {
    let g = graph();
    for m in ["config", "daemon", "model", "pool", "process", "rpc"] {
        assert!(g.contains_key(m), "module {m} not found in {:?}", src());
    }
    assert!(g["daemon"].contains("model"), "the daemon uses the model");
}

#[test]
fn config_does_not_import_the_daemon() {
    let g = graph();
    assert!(
        !g["config"].contains("daemon"),
        "config/ imports daemon/: {:?}",
        g["config"]
    );
    assert!(!g["model"].contains("daemon") && !g["model"].contains("config"));
}

#[test]
fn no_import_cycle_between_modules() {
    let g = graph();
    // Depth-first search for a back edge; the path is reported.
    fn visit(
        m: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == m) {
            let mut cycle = path[at..].to_vec();
            cycle.push(m.to_owned());
            return Some(cycle);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_owned());
        for d in g.get(m).into_iter().flatten() {
            if let Some(c) = visit(d, g, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(m.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    for m in g.keys() {
        if let Some(cycle) = visit(m, &g, &mut Vec::new(), &mut done) {
            panic!("import cycle: {}", cycle.join(" -> "));
        }
    }
}

#[test]
fn the_reader_sees_imports_and_skips_comments() {
    let got = imports("use crate::pool::Pool;\n// crate::daemon in a comment\nlet x = crate::rpc::Fault::x;\n#[cfg(test)]\nuse crate::events;\n");
    let want: BTreeSet<String> = ["pool", "rpc"].iter().map(|s| s.to_string()).collect();
    assert_eq!(got, want);
}
