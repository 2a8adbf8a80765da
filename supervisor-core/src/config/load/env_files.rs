//! A section's environment: `environment_file=` (an extension, read by
//! [`crate::config::environment_file`]) merged with `environment=` as 4.3 reads it, the
//! latter winning. Each variable becomes `%(ENV_x)s` for the keys expanded after it.

use std::path::Path;

use super::ctx::Ctx;
use crate::config::error::ConfigError;
use crate::config::expand::{expand, ExpValue, Expansions};
use crate::config::ini::Section;
use crate::config::{environment, environment_file};

/// The variables of `environment_file=` then `environment=` of `s` (one entry per name,
/// `environment=` winning), each added to `names` as `ENV_<name>`; problems are recorded,
/// a bad line of an environment file at that file's line.
pub(super) fn section_environment(
    ctx: &mut Ctx,
    s: &Section,
    names: &mut Expansions,
    here: &Path,
) -> Vec<(String, String)> {
    let mut vars: Vec<(String, String)> = Vec::new();
    if let Some(e) = s.get("environment_file") {
        match expand(&e.value, names, &format!("{}.environment_file", s.name)) {
            Err(m) => ctx.err(s, Some(e), m),
            Ok(list) => match environment_file::read(&list, here) {
                Ok(v) => vars = v,
                Err(fe) if fe.line == 0 => ctx.err(s, Some(e), fe.message),
                Err(fe) => ctx.errors.push(ConfigError {
                    file: fe.file,
                    line: Some(fe.line),
                    section: Some(s.name.clone()),
                    key: Some("environment_file".into()),
                    message: fe.message,
                }),
            },
        }
    }
    for (k, v) in &vars {
        names.insert(format!("ENV_{k}"), ExpValue::Str(v.clone()));
    }
    let listed = match s.get("environment") {
        Some(e) => expand(&e.value, names, &format!("{}.environment", s.name))
            .and_then(|v| environment::parse(&v))
            .unwrap_or_else(|m| {
                ctx.err(s, Some(e), m);
                Vec::new()
            }),
        None => Vec::new(),
    };
    for (k, v) in listed {
        names.insert(format!("ENV_{k}"), ExpValue::Str(v.clone()));
        vars.retain(|(old, _)| *old != k);
        vars.push((k, v));
    }
    vars
}
