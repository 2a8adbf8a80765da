//! A fixed-bucket histogram of durations in seconds.

/// Upper bounds of the buckets, in seconds (the last bucket, `+Inf`, is implied).
pub const BUCKETS: [f64; 11] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0, 5.0,
];

/// Observations of a duration, counted per bucket.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Histogram {
    /// Observations at or below each bound of [`BUCKETS`] (not cumulative).
    counts: [u64; BUCKETS.len()],
    /// Observations above the last bound.
    over: u64,
    /// The sum of all observations.
    sum: f64,
}

impl Histogram {
    /// Counts one observation.
    pub fn observe(&mut self, secs: f64) {
        match BUCKETS.iter().position(|&b| secs <= b) {
            Some(k) => self.counts[k] += 1,
            None => self.over += 1,
        }
        self.sum += secs;
    }

    /// (upper bound, cumulative count) per bucket, `+Inf` last.
    pub fn cumulative(&self) -> Vec<(f64, u64)> {
        let mut total = 0;
        let mut out: Vec<(f64, u64)> = BUCKETS
            .iter()
            .zip(self.counts)
            .map(|(&b, c)| {
                total += c;
                (b, total)
            })
            .collect();
        out.push((f64::INFINITY, total + self.over));
        out
    }

    /// The sum of the observations.
    pub fn sum(&self) -> f64 {
        self.sum
    }

    /// How many observations.
    pub fn count(&self) -> u64 {
        self.counts.iter().sum::<u64>() + self.over
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_cumulative_and_inf_counts_all() {
        let mut h = Histogram::default();
        for s in [0.0001, 0.003, 0.003, 2.0, 60.0] {
            h.observe(s);
        }
        let c = h.cumulative();
        assert_eq!(c[0], (0.0005, 1));
        assert_eq!(c.iter().find(|(b, _)| *b == 0.005).map(|x| x.1), Some(3));
        assert_eq!(c.last(), Some(&(f64::INFINITY, 5)));
        assert_eq!(h.count(), 5);
        assert!((h.sum() - 62.0061).abs() < 1e-9);
    }
}
