//! Invariants of the config value parsers, shared by the `config_values` fuzz target and the
//! seed-replay test.

use supervisor_core::config::expand::{expand, ExpValue, Expansions};
use supervisor_core::config::{command, environment, values};

/// Runs the parser the first byte selects on the rest of `data`, checking what holds for
/// every input: no panic, and results that are consistent with their input.
pub fn check(data: &[u8]) {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match which % 8 {
        0 => {
            if let Ok(words) = command::split(text) {
                // Words never hold more characters than the command.
                let total: usize = words.iter().map(|w| w.chars().count()).sum();
                assert!(total <= text.chars().count(), "{text:?} -> {words:?}");
            }
        }
        1 => {
            if let Ok(pairs) = environment::parse(text) {
                for (k, v) in &pairs {
                    assert!(k.len() + v.len() <= text.len(), "{text:?} -> {pairs:?}");
                }
            }
        }
        2 => {
            let mut names = Expansions::new();
            names.insert("program_name".into(), ExpValue::Str("web".into()));
            names.insert("process_num".into(), ExpValue::Int(7));
            names.insert("here".into(), ExpValue::Str("/etc/supervisor".into()));
            names.insert("ENV_HOME".into(), ExpValue::Str("/root".into()));
            if let Ok(out) = expand(text, &names, "command") {
                // Without a '%' nothing changes.
                if !text.contains('%') {
                    assert_eq!(out, text);
                }
            }
        }
        3 => {
            let _ = values::byte_size(text);
            let _ = values::integer(text);
        }
        4 => {
            let _ = values::octal(text);
            let _ = values::boolean(text);
        }
        5 => {
            if let Ok(codes) = values::exit_codes(text) {
                assert!(codes.len() <= text.len() + 1);
            }
        }
        6 => {
            let _ = values::name(text);
            let _ = values::list(text);
        }
        _ => {
            let _ = values::expand_user(text);
            let _ = values::dirpath(text);
        }
    }
}
