//! Local wall-clock time for log timestamps, via the C library's `localtime_r` (the one place
//! supervisor-core needs it; a date crate would be a large dependency for one call).
#![allow(unsafe_code)]

use std::time::{SystemTime, UNIX_EPOCH};

/// Broken-down local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    /// Four-digit year.
    pub year: i32,
    /// 1..=12.
    pub month: u32,
    /// 1..=31.
    pub day: u32,
    /// 0..=23.
    pub hour: u32,
    /// 0..=59.
    pub minute: u32,
    /// 0..=60.
    pub second: u32,
    /// 0..=999.
    pub millis: u32,
    /// Seconds east of UTC.
    pub offset_secs: i32,
}

impl LocalTime {
    /// `t` in the local time zone (UTC if the conversion fails).
    pub fn from_system(t: SystemTime) -> LocalTime {
        let since = t.duration_since(UNIX_EPOCH).unwrap_or_default();
        let secs = libc::time_t::try_from(since.as_secs()).unwrap_or(0);
        // SAFETY: `tm` is a plain C struct for which all-zero bytes are a valid value.
        let mut tm: libc::tm = unsafe { std::mem::zeroed() };
        // SAFETY: both pointers are valid for the duration of the call; localtime_r is the
        // thread-safe variant and writes only into `tm`.
        let ok = unsafe { !libc::localtime_r(&secs, &mut tm).is_null() };
        if !ok {
            return LocalTime::utc(since.as_secs(), since.subsec_millis());
        }
        LocalTime {
            year: tm.tm_year + 1900,
            month: (tm.tm_mon + 1) as u32,
            day: tm.tm_mday as u32,
            hour: tm.tm_hour as u32,
            minute: tm.tm_min as u32,
            second: tm.tm_sec as u32,
            millis: since.subsec_millis(),
            offset_secs: tm.tm_gmtoff as i32,
        }
    }

    /// UTC, computed without the C library (civil-from-days).
    fn utc(secs: u64, millis: u32) -> LocalTime {
        let days = (secs / 86_400) as i64;
        let rem = secs % 86_400;
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        LocalTime {
            year,
            month,
            day,
            hour: (rem / 3600) as u32,
            minute: (rem % 3600 / 60) as u32,
            second: (rem % 60) as u32,
            millis,
            offset_secs: 0,
        }
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmm+HH:MM` (RFC 3339, with the zone's offset).
    pub fn rfc3339(&self) -> String {
        let sign = if self.offset_secs < 0 { '-' } else { '+' };
        let off = self.offset_secs.unsigned_abs();
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}{sign}{:02}:{:02}",
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
            self.millis,
            off / 3600,
            off % 3600 / 60
        )
    }

    /// `YYYY-MM-DD HH:MM:SS,mmm`, the main log's asctime ([LOG-MAIN-format]).
    pub fn asctime(&self) -> String {
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02},{:03}",
            self.year, self.month, self.day, self.hour, self.minute, self.second, self.millis
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn utc_fallback_matches_known_dates() {
        let t = LocalTime::utc(1_795_468_685, 7);
        assert_eq!(t.asctime(), "2026-11-23 21:18:05,007");
        assert_eq!(LocalTime::utc(0, 0).asctime(), "1970-01-01 00:00:00,000");
        assert_eq!(t.rfc3339(), "2026-11-23T21:18:05.007+00:00");
        let east = LocalTime {
            offset_secs: -(5 * 3600 + 30 * 60),
            ..t
        };
        assert_eq!(east.rfc3339(), "2026-11-23T21:18:05.007-05:30");
        assert_eq!(
            LocalTime::utc(951_782_400, 0).asctime(),
            "2000-02-29 00:00:00,000"
        );
    }

    #[test]
    fn local_time_has_the_asctime_shape() {
        let t = LocalTime::from_system(UNIX_EPOCH + Duration::from_millis(1_795_468_685_123));
        let s = t.asctime();
        assert_eq!(s.len(), 23, "{s}");
        assert!(s.ends_with(",123"), "{s}");
    }
}
