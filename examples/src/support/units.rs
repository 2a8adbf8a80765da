//! supervisor's value syntaxes that the superlance options use.

/// `byte_size`: `100`, `10KB`, `5MB`, `1GB` (case-insensitive, multiples of 1024).
pub fn byte_size(v: &str) -> Option<u64> {
    let lower = v.trim().to_ascii_lowercase();
    let (num, mult) = [("kb", 1u64 << 10), ("mb", 1 << 20), ("gb", 1 << 30)]
        .iter()
        .find_map(|(suffix, m)| lower.strip_suffix(suffix).map(|n| (n.to_owned(), *m)))
        .unwrap_or((lower, 1));
    num.trim().parse::<u64>().ok()?.checked_mul(mult)
}

/// memmon's `-u`: seconds with an optional `s`, `m`, `h` or `d` suffix.
pub fn seconds(v: &str) -> Option<u64> {
    let lower = v.trim().to_ascii_lowercase();
    let (num, mult) = [("s", 1u64), ("m", 60), ("h", 3600), ("d", 86400)]
        .iter()
        .find_map(|(suffix, m)| lower.strip_suffix(suffix).map(|n| (n.to_owned(), *m)))
        .unwrap_or((lower, 1));
    num.trim().parse::<u64>().ok()?.checked_mul(mult)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations() {
        assert_eq!(byte_size("10"), Some(10));
        assert_eq!(byte_size("10KB"), Some(10240));
        assert_eq!(byte_size("2mb"), Some(2 << 20));
        assert_eq!(byte_size("1GB"), Some(1 << 30));
        assert_eq!(byte_size("x"), None);
        assert_eq!(seconds("90"), Some(90));
        assert_eq!(seconds("2m"), Some(120));
        assert_eq!(seconds("1d"), Some(86400));
        assert_eq!(seconds("1w"), None);
    }
}
