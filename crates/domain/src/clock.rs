//! The injectable clock. No business rule reads the system clock directly: every rule
//! asks a [`Clock`], which is the system clock in production and a settable clock in tests
//! and in `dcrc serve --test-clock`.

use chrono::{DateTime, FixedOffset, NaiveDate, Offset, Utc};
use std::sync::{Arc, RwLock};

/// Source of "now" for all time-dependent logic.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;

    /// Today's business date in Asia/Shanghai.
    fn today(&self) -> NaiveDate {
        business_date(self.now())
    }
}

pub type SharedClock = Arc<dyn Clock>;

/// China Standard Time. Asia/Shanghai has had a fixed +08:00 offset with no daylight
/// saving since 1991, so a fixed offset is exact for every date DCRC handles.
pub fn shanghai() -> FixedOffset {
    // 8 hours is always in range, so the fallback never triggers.
    match FixedOffset::east_opt(8 * 3600) {
        Some(offset) => offset,
        None => Utc.fix(),
    }
}

/// The business date (Asia/Shanghai) of an instant.
pub fn business_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&shanghai()).date_naive()
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until it is set. Used by tests and `--test-clock`.
#[derive(Debug)]
pub struct TestClock {
    now: RwLock<DateTime<Utc>>,
}

impl TestClock {
    pub fn new(now: DateTime<Utc>) -> Self {
        Self { now: RwLock::new(now) }
    }

    pub fn set(&self, now: DateTime<Utc>) {
        match self.now.write() {
            Ok(mut guard) => *guard = now,
            Err(poisoned) => *poisoned.into_inner() = now,
        }
    }

    pub fn advance(&self, by: chrono::Duration) {
        let now = self.now();
        self.set(now + by);
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        match self.now.read() {
            Ok(guard) => *guard,
            Err(poisoned) => *poisoned.into_inner(),
        }
    }
}

/// An instant stored as milliseconds since the epoch (the epoch itself if out of range).
pub fn ms_to_time(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn business_date_is_shanghai_date() {
        // 2026-11-23 17:00 UTC is already 2026-11-24 01:00 in Shanghai.
        let at = Utc.with_ymd_and_hms(2026, 11, 23, 17, 0, 0).unwrap();
        assert_eq!(business_date(at), NaiveDate::from_ymd_opt(2026, 11, 24).unwrap());
        let at = Utc.with_ymd_and_hms(2026, 11, 23, 15, 59, 59).unwrap();
        assert_eq!(business_date(at), NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
    }

    #[test]
    fn test_clock_is_settable_and_advances() {
        let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let clock = TestClock::new(start);
        assert_eq!(clock.now(), start);
        clock.advance(chrono::Duration::days(2));
        assert_eq!(clock.today(), NaiveDate::from_ymd_opt(2026, 1, 3).unwrap());
    }
}
