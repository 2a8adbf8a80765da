//! Restart pacing beyond 4.3: how long BACKOFF waits before the next try, and whether a FATAL
//! process is tried again later (`backoff`, `backoff_max`, `fatal_retry_after`).

use std::time::Duration;

/// `backoff=`: how the wait grows with each failed try.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BackoffCurve {
    /// 4.3's rule: the n-th retry waits n seconds.
    #[default]
    Linear,
    /// The n-th retry waits 2^(n-1) seconds: 1, 2, 4, 8...
    Exponential,
}

impl BackoffCurve {
    /// Parses `linear` or `exponential` (any case).
    pub fn parse(value: &str) -> Result<BackoffCurve, String> {
        match value.to_ascii_lowercase().as_str() {
            "linear" => Ok(BackoffCurve::Linear),
            "exponential" => Ok(BackoffCurve::Exponential),
            _ => Err("invalid 'backoff' value: expected linear or exponential".into()),
        }
    }

    /// The name `parse` accepts.
    pub fn name(self) -> &'static str {
        match self {
            BackoffCurve::Linear => "linear",
            BackoffCurve::Exponential => "exponential",
        }
    }
}

/// The pacing keys of one program. The default is exactly 4.3's behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RestartPacing {
    /// `backoff=`.
    pub curve: BackoffCurve,
    /// `backoff_max=` in seconds; 0 means no cap.
    pub max_secs: u64,
    /// `fatal_retry_after=` in seconds; 0 (4.3) means a FATAL process stays FATAL.
    pub fatal_retry_after_secs: u64,
}

impl RestartPacing {
    /// The wait before retry number `tries` (1 for the first retry).
    pub fn delay(&self, tries: u32) -> Duration {
        let secs = match self.curve {
            BackoffCurve::Linear => u64::from(tries),
            BackoffCurve::Exponential => 1u64 << tries.saturating_sub(1).min(62),
        };
        let capped = if self.max_secs > 0 {
            secs.min(self.max_secs)
        } else {
            secs
        };
        Duration::from_secs(capped)
    }

    /// How long after entering FATAL the process is tried again, if it is.
    pub fn fatal_retry(&self) -> Option<Duration> {
        (self.fatal_retry_after_secs > 0).then(|| Duration::from_secs(self.fatal_retry_after_secs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_is_4_3s_and_exponential_doubles_both_capped() {
        let linear = RestartPacing::default();
        assert_eq!(
            (1..=4)
                .map(|n| linear.delay(n).as_secs())
                .collect::<Vec<_>>(),
            [1, 2, 3, 4]
        );
        let exp = RestartPacing {
            curve: BackoffCurve::Exponential,
            ..RestartPacing::default()
        };
        assert_eq!(
            (1..=5).map(|n| exp.delay(n).as_secs()).collect::<Vec<_>>(),
            [1, 2, 4, 8, 16]
        );
        let capped = RestartPacing { max_secs: 5, ..exp };
        assert_eq!(
            (1..=5)
                .map(|n| capped.delay(n).as_secs())
                .collect::<Vec<_>>(),
            [1, 2, 4, 5, 5]
        );
        assert_eq!(exp.delay(1000).as_secs(), 1 << 62, "no overflow");
        assert_eq!(linear.fatal_retry(), None);
    }
}
