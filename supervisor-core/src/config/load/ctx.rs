//! The error collector every section reader writes to, and the helpers they share.

use std::path::{Path, PathBuf};

use crate::config::error::ConfigError;
use crate::config::expand::{expand, ExpValue, Expansions};
use crate::config::ini::{Entry, Section};

/// Collects problems; lookups record which file/line/section/key they concern.
pub(super) struct Ctx<'a> {
    pub(super) main: &'a Path,
    pub(super) errors: Vec<ConfigError>,
}

impl Ctx<'_> {
    pub(super) fn err(
        &mut self,
        section: &Section,
        entry: Option<&Entry>,
        message: impl Into<String>,
    ) {
        self.errors.push(ConfigError {
            file: entry.map_or_else(|| section.file.clone(), |e| e.file.clone()),
            line: Some(entry.map_or(section.line, |e| e.line)),
            section: Some(section.name.clone()),
            key: entry.map(|e| e.key.clone()),
            message: message.into(),
        });
    }

    pub(super) fn file_err(&mut self, message: impl Into<String>) {
        self.errors.push(ConfigError {
            file: self.main.to_owned(),
            line: None,
            section: None,
            key: None,
            message: message.into(),
        });
    }

    /// A typed value with a default; a bad value is recorded and the default used.
    pub(super) fn get<T>(
        &mut self,
        s: &Section,
        key: &str,
        default: T,
        names: &Expansions,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> T {
        let Some(e) = s.get(key) else {
            return default;
        };
        let option = format!("{}.{key}", s.name);
        let expanded = match expand(&e.value, names, &option) {
            Ok(v) => v,
            Err(msg) => {
                self.err(s, Some(e), msg);
                return default;
            }
        };
        match parse(&expanded) {
            Ok(v) => v,
            Err(msg) => {
                self.err(s, Some(e), format!("{msg} (got {expanded:?})"));
                default
            }
        }
    }

    pub(super) fn string(&mut self, s: &Section, key: &str, names: &Expansions) -> Option<String> {
        s.get(key)?;
        Some(self.get(s, key, String::new(), names, |v| Ok(v.to_owned())))
    }
}

pub(super) fn host_node_name() -> String {
    nix::sys::utsname::uname()
        .map(|u| u.nodename().to_string_lossy().into_owned())
        .unwrap_or_default()
}

pub(super) fn base_names(here: &Path, env: &[(String, String)]) -> Expansions {
    let mut n = Expansions::new();
    for (k, v) in std::env::vars().chain(env.iter().cloned()) {
        n.insert(format!("ENV_{k}"), ExpValue::Str(v));
    }
    n.insert("here".into(), ExpValue::Str(here.display().to_string()));
    n
}

pub(super) fn absolute(path: &str) -> PathBuf {
    let p = PathBuf::from(path);
    if p.is_absolute() {
        p
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    }
}

/// The directory of the file `s` was read from (`%(here)s` for its values), else `here`.
pub(super) fn section_here(here: &Path, s: &Section) -> PathBuf {
    let dir = s.file.parent().map(Path::to_path_buf).unwrap_or_default();
    std::fs::canonicalize(&dir).unwrap_or(here.to_path_buf())
}
