//! Decoding a raw wait status the way 4.3 words it ([PROC-EXIT-status], [PROC-EXIT-expected]).

use crate::signal::signame;

/// A decoded wait status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExitStatus {
    /// The exit code, or -1 for a death by signal (or an unknown cause).
    pub code: i32,
    /// `exit status 3`, `terminated by SIGTERM (core dumped)`, `unknown termination cause 0x057f`.
    pub text: String,
}

impl ExitStatus {
    /// Decodes a raw `waitpid` status.
    pub fn decode(status: i32) -> ExitStatus {
        let low = status & 0x7f;
        if low == 0 {
            let code = (status >> 8) & 0xff;
            ExitStatus {
                code,
                text: format!("exit status {code}"),
            }
        } else if low != 0x7f {
            let core = if status & 0x80 != 0 {
                " (core dumped)"
            } else {
                ""
            };
            ExitStatus {
                code: -1,
                text: format!("terminated by {}{core}", signame(low)),
            }
        } else {
            ExitStatus {
                code: -1,
                text: format!("unknown termination cause 0x{status:04x}"),
            }
        }
    }

    /// Whether the status is in `exitcodes` (a signal death never is).
    pub fn is_expected(&self, exitcodes: &[i32]) -> bool {
        self.code >= 0 && exitcodes.contains(&self.code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_match_decode_wait_status() {
        assert_eq!(ExitStatus::decode(3 << 8).text, "exit status 3");
        assert_eq!(ExitStatus::decode(3 << 8).code, 3);
        assert_eq!(ExitStatus::decode(15).text, "terminated by SIGTERM");
        assert_eq!(ExitStatus::decode(15).code, -1);
        assert_eq!(
            ExitStatus::decode(11 | 0x80).text,
            "terminated by SIGSEGV (core dumped)"
        );
        assert_eq!(ExitStatus::decode(33).text, "terminated by signal 33");
        assert_eq!(
            ExitStatus::decode(0x137f).text,
            "unknown termination cause 0x137f"
        );
        assert!(ExitStatus::decode(0).is_expected(&[0]));
        assert!(!ExitStatus::decode(9).is_expected(&[0, -1]));
    }
}
