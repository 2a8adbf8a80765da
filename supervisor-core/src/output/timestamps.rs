//! The RFC 3339 stamps `*_log_timestamps = true` puts at the start of each line of a child's
//! log file ([`crate::output::rotating::RotatingLog::with_timestamps`]), and their removal
//! from what `readProcess*Log` and `tailProcess*Log` return, so that those (like events)
//! carry the child's output unchanged while the file keeps the stamps.
//!
//! ```
//! use supervisor_core::output::timestamps::strip;
//!
//! let file = "2026-12-03T12:58:42.123+00:00 hello\n2026-12-03T12:58:43.000-05:30 world\n";
//! assert_eq!(strip(file), "hello\nworld\n");
//! assert_eq!(strip("no stamp here\n"), "no stamp here\n");
//! ```

/// The length of a stamp with the space after it: `YYYY-MM-DDTHH:MM:SS.mmm+HH:MM `.
const STAMP_LEN: usize = 30;

/// Whether `b` starts with a stamp and its space.
fn is_stamp(b: &[u8]) -> bool {
    const SHAPE: &[u8; STAMP_LEN] = b"dddd-dd-ddTdd:dd:dd.ddd+dd:dd ";
    b.len() >= STAMP_LEN
        && SHAPE.iter().zip(b).all(|(&want, &got)| match want {
            b'd' => got.is_ascii_digit(),
            b'+' => got == b'+' || got == b'-',
            w => w == got,
        })
}

/// `text` without the stamps at the start of its lines (a slice that begins part way into a
/// stamp keeps that part).
pub fn strip(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        if is_stamp(line.as_bytes()) {
            out.push_str(&line[STAMP_LEN..]);
        } else {
            out.push_str(line);
        }
    }
    out
}
