//! Value types with 4.3's accepted spellings and error texts ([CFG-TYPE-*]).

use crate::signal::parse_python_int;

/// `true yes on 1` / `false no off 0`, any case.
pub fn boolean(v: &str) -> Result<bool, String> {
    match v.trim().to_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Ok(true),
        "false" | "no" | "off" | "0" => Ok(false),
        _ => Err(format!(
            "not a valid boolean value: '{v}'; expected true, false, yes, no, on, off, 1 or 0"
        )),
    }
}

/// Python `int()`.
pub fn integer(v: &str) -> Result<i64, String> {
    parse_python_int(v).ok_or_else(|| {
        format!("invalid literal for int() with base 10: '{v}'; expected a decimal integer")
    })
}

/// Byte sizes: `1KB`, `10mb`, `1 MB`, plain integers.
pub fn byte_size(v: &str) -> Result<i64, String> {
    let lower = v.trim().to_lowercase();
    let (num, mult) = if let Some(n) = lower.strip_suffix("kb") {
        (n.to_owned(), 1024)
    } else if let Some(n) = lower.strip_suffix("mb") {
        (n.to_owned(), 1024 * 1024)
    } else if let Some(n) = lower.strip_suffix("gb") {
        (n.to_owned(), 1024 * 1024 * 1024)
    } else {
        (lower.clone(), 1)
    };
    // Python's ints do not overflow; a size beyond i64 means "never" in any case, so it
    // saturates (fuzz finding: `5999999999999990MB`).
    parse_python_int(&num)
        .map(|n| n.saturating_mul(mult))
        .ok_or_else(|| {
            format!("invalid literal for int() with base 10: '{num}'; expected bytes as an integer with an optional KB, MB or GB suffix")
        })
}

/// Python `int(v, 8)`.
pub fn octal(v: &str) -> Result<u32, String> {
    let t = v.trim();
    let digits = t
        .strip_prefix("0o")
        .or_else(|| t.strip_prefix("0O"))
        .unwrap_or(t);
    u32::from_str_radix(digits, 8).map_err(|_| {
        format!("{v} can not be converted to an octal type; expected octal digits such as 022")
    })
}

/// Comma list of exit codes 0..255.
pub fn exit_codes(v: &str) -> Result<Vec<i32>, String> {
    if v.trim().is_empty() {
        return Ok(Vec::new());
    }
    v.split(',')
        .map(|item| {
            parse_python_int(item)
                .filter(|n| (0..=255).contains(n))
                .map(|n| n as i32)
                .ok_or_else(|| {
                    format!("not a valid list of exit codes: '{v}'; expected comma-separated integers 0..255")
                })
        })
        .collect()
}

/// A process or group name: no space, `:` or `/` ([CFG-TYPE-name]).
pub fn name(v: &str) -> Result<String, String> {
    let n = v.trim();
    if let Some(c) = n.chars().find(|c| [' ', ':', '/'].contains(c)) {
        return Err(format!("Invalid name: '{n}' because of character: '{c}'"));
    }
    Ok(n.to_owned())
}

/// A comma list of stripped strings.
pub fn list(v: &str) -> Vec<String> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `~` at the start of a path is the home directory.
pub fn expand_user(v: &str) -> String {
    match (v.strip_prefix('~'), std::env::var("HOME")) {
        (Some(rest), Ok(home)) if rest.is_empty() || rest.starts_with('/') => {
            format!("{home}{rest}")
        }
        _ => v.to_owned(),
    }
}

/// An "existing dirpath": the parent directory must exist ([CFG-TYPE-dirpath]).
pub fn dirpath(v: &str) -> Result<String, String> {
    let path = expand_user(v.trim());
    let parent = std::path::Path::new(&path).parent();
    match parent {
        Some(p) if !p.as_os_str().is_empty() && !p.is_dir() => Err(format!(
            "The directory named as part of the path {v} does not exist"
        )),
        _ => Ok(path),
    }
}

/// An existing directory ([CFG-TYPE-dir]).
pub fn existing_dir(v: &str) -> Result<String, String> {
    let path = expand_user(v.trim());
    if std::path::Path::new(&path).is_dir() {
        Ok(path)
    } else {
        Err(format!("{v} is not an existing directory"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_types_cfg_type() {
        assert_eq!(boolean("Yes"), Ok(true));
        assert!(boolean("y")
            .expect_err("bad")
            .starts_with("not a valid boolean value: 'y'"));
        assert_eq!(integer("1_000"), Ok(1000));
        assert_eq!(integer("-1"), Ok(-1));
        assert!(integer("0x10")
            .expect_err("bad")
            .starts_with("invalid literal for int() with base 10: '0x10'"));
        for (v, n) in [
            ("1KB", 1024),
            ("1kb", 1024),
            ("10kB", 10240),
            ("1 MB", 1_048_576),
            ("2GB", 2_147_483_648),
            ("0", 0),
            ("-1", -1),
            // Found by the config_values fuzzer: the multiplication overflowed.
            ("5999999999999990MB", i64::MAX),
            ("-5999999999999990GB", i64::MIN),
        ] {
            assert_eq!(byte_size(v), Ok(n), "{v}");
        }
        assert!(byte_size("1M")
            .expect_err("bad")
            .starts_with("invalid literal for int() with base 10: '1m'"));
        assert!(byte_size("1.5MB")
            .expect_err("bad")
            .starts_with("invalid literal for int() with base 10: '1.5'"));
        // Found by the config fuzzer: a multi-byte character before the suffix used to panic.
        assert!(byte_size("5бb")
            .expect_err("bad")
            .starts_with("invalid literal for int() with base 10: '5бb'"));
        assert_eq!(octal("022"), Ok(0o22));
        assert_eq!(octal("0o22"), Ok(0o22));
        assert!(octal("8")
            .expect_err("bad")
            .starts_with("8 can not be converted to an octal type"));
        assert_eq!(exit_codes("0, 2"), Ok(vec![0, 2]));
        assert_eq!(exit_codes(""), Ok(vec![]));
        assert!(exit_codes("256")
            .expect_err("bad")
            .starts_with("not a valid list of exit codes: '256'"));
        assert_eq!(
            name("a b"),
            Err("Invalid name: 'a b' because of character: ' '".into())
        );
        assert_eq!(name("a.b-c_d"), Ok("a.b-c_d".into()));
    }
}
