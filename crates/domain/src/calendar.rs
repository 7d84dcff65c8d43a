//! The business calendar: which dates are working days and when the working day starts
//! and ends. Weekends are days off, except the make-up working days (调休) the State
//! Council publishes with each year's public holidays; public holidays are days off even on
//! weekdays. The holiday data lives in the database (seeded for 2025 and 2026, editable),
//! this module only applies it.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What an official calendar entry makes of a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A public holiday (or a day of its bridged break): no work, even on a weekday.
    Holiday,
    /// A make-up working day (调休上班), usually a Saturday or Sunday.
    Workday,
}

impl DayKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "holiday" => Some(DayKind::Holiday),
            "workday" => Some(DayKind::Workday),
            _ => None,
        }
    }
}

/// Working days and hours, in Asia/Shanghai.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessCalendar {
    overrides: BTreeMap<NaiveDate, DayKind>,
    /// When the working day starts (tasks due "from" a day become workable then).
    pub opens: NaiveTime,
    /// When the working day ends (tasks due "by" a day are due then).
    pub closes: NaiveTime,
}

impl Default for BusinessCalendar {
    fn default() -> Self {
        Self {
            overrides: BTreeMap::new(),
            opens: NaiveTime::from_hms_opt(8, 30, 0).unwrap_or_default(),
            closes: NaiveTime::from_hms_opt(17, 30, 0).unwrap_or_default(),
        }
    }
}

impl BusinessCalendar {
    /// A calendar with the given official entries and the default hours (08:30–17:30).
    pub fn new(entries: impl IntoIterator<Item = (NaiveDate, DayKind)>) -> Self {
        Self {
            overrides: entries.into_iter().collect(),
            ..Self::default()
        }
    }

    pub fn with_hours(mut self, opens: NaiveTime, closes: NaiveTime) -> Self {
        if opens < closes {
            self.opens = opens;
            self.closes = closes;
        }
        self
    }

    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        match self.overrides.get(&d) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !matches!(d.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// `d` itself when it is a working day, else the next one.
    pub fn working_day_on_or_after(&self, d: NaiveDate) -> NaiveDate {
        let mut day = d;
        // A year never holds more than a few weeks of consecutive days off; the bound only
        // guards against a calendar someone filled with holidays.
        for _ in 0..400 {
            if self.is_working_day(day) {
                return day;
            }
            day += Duration::days(1);
        }
        d
    }

    /// `d` itself when it is a working day, else the last one before it.
    pub fn working_day_on_or_before(&self, d: NaiveDate) -> NaiveDate {
        let mut day = d;
        for _ in 0..400 {
            if self.is_working_day(day) {
                return day;
            }
            day -= Duration::days(1);
        }
        d
    }

    /// The `n`-th working day after `d` (`n = 0`: `d` or the next working day).
    pub fn add_working_days(&self, d: NaiveDate, n: u32) -> NaiveDate {
        let mut day = self.working_day_on_or_after(d);
        for _ in 0..n {
            day = self.working_day_on_or_after(day + Duration::days(1));
        }
        day
    }

    /// The working days in `from..=to`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        from.iter_days()
            .take_while(|d| *d <= to)
            .filter(|d| self.is_working_day(*d))
            .count() as i64
    }

    /// The instant the working day `d` opens.
    pub fn opening(&self, d: NaiveDate) -> DateTime<Utc> {
        at(d, self.opens)
    }

    /// The instant the working day `d` closes.
    pub fn closing(&self, d: NaiveDate) -> DateTime<Utc> {
        at(d, self.closes)
    }

    /// The working hours of day `d` as an interval (empty on a day off).
    fn hours_of(&self, d: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        self.is_working_day(d).then(|| (self.opening(d), self.closing(d)))
    }

    /// Seconds of working time (inside the working hours of working days) from `a` to `b`;
    /// 0 when `b` is not after `a`.
    pub fn working_seconds(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> i64 {
        if b <= a {
            return 0;
        }
        let last = crate::clock::business_date(b);
        let mut day = crate::clock::business_date(a);
        let mut total = 0;
        while day <= last {
            if let Some((open, close)) = self.hours_of(day) {
                let (from, to) = (open.max(a), close.min(b));
                if to > from {
                    total += (to - from).num_seconds();
                }
            }
            day += Duration::days(1);
        }
        total
    }

    /// The instant `secs` seconds of working time after `a` (a deadline counted in working
    /// hours). At 0 that is `a` itself, or the next opening when `a` is outside the hours.
    pub fn add_working_seconds(&self, a: DateTime<Utc>, secs: i64) -> DateTime<Utc> {
        let mut left = secs.max(0);
        let mut day = crate::clock::business_date(a);
        // Ten years of days: only a calendar that is all holidays gets this far.
        for _ in 0..3660 {
            if let Some((open, close)) = self.hours_of(day) {
                let from = open.max(a);
                if close > from {
                    let here = (close - from).num_seconds();
                    if left < here || (left == here && left > 0) {
                        return from + Duration::seconds(left);
                    }
                    left -= here;
                }
            }
            day += Duration::days(1);
        }
        a + Duration::seconds(secs.max(0))
    }

    /// Seconds of working time in one working day.
    pub fn working_day_seconds(&self) -> i64 {
        (self.closes - self.opens).num_seconds()
    }

    /// The official entries, in date order.
    pub fn entries(&self) -> impl Iterator<Item = (NaiveDate, DayKind)> + '_ {
        self.overrides.iter().map(|(d, k)| (*d, *k))
    }
}

/// A Shanghai wall-clock time on a date, as an instant.
pub fn at(d: NaiveDate, t: NaiveTime) -> DateTime<Utc> {
    crate::clock::shanghai()
        .from_local_datetime(&d.and_time(t))
        .single()
        .map(|x| x.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&d.and_time(t)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// The 2026 Spring Festival as the State Council published it: 2/15–2/23 off,
    /// 2/14 and 2/28 (Saturdays) worked.
    fn spring_festival_2026() -> BusinessCalendar {
        let mut entries: Vec<_> = d(2026, 2, 15)
            .iter_days()
            .take(9)
            .map(|x| (x, DayKind::Holiday))
            .collect();
        entries.push((d(2026, 2, 14), DayKind::Workday));
        entries.push((d(2026, 2, 28), DayKind::Workday));
        BusinessCalendar::new(entries)
    }

    #[test]
    fn weekends_are_off_unless_they_are_make_up_days() {
        let cal = spring_festival_2026();
        assert!(cal.is_working_day(d(2026, 2, 13)), "Friday");
        assert!(cal.is_working_day(d(2026, 2, 14)), "make-up Saturday");
        assert!(!cal.is_working_day(d(2026, 2, 16)), "holiday Monday");
        assert!(!cal.is_working_day(d(2026, 2, 23)), "last holiday, a Monday");
        assert!(cal.is_working_day(d(2026, 2, 24)));
        assert!(!cal.is_working_day(d(2026, 2, 21)), "Saturday inside the break");
        assert!(cal.is_working_day(d(2026, 2, 28)), "make-up Saturday");
        assert!(!cal.is_working_day(d(2026, 3, 1)), "ordinary Sunday");
    }

    #[test]
    fn working_days_skip_the_whole_spring_festival() {
        let cal = spring_festival_2026();
        // Delivered on Friday 2/13: the next working day is the make-up Saturday 2/14,
        // the one after is Tuesday 2/24.
        assert_eq!(cal.add_working_days(d(2026, 2, 13), 1), d(2026, 2, 14));
        assert_eq!(cal.add_working_days(d(2026, 2, 13), 2), d(2026, 2, 24));
        assert_eq!(cal.add_working_days(d(2026, 2, 16), 0), d(2026, 2, 24));
        assert_eq!(cal.add_working_days(d(2026, 2, 26), 2), d(2026, 2, 28));
        assert_eq!(cal.working_day_on_or_before(d(2026, 2, 22)), d(2026, 2, 14));
        // 2/9–2/13 (5), make-up 2/14, 2/24–2/27 (4), make-up 2/28.
        assert_eq!(cal.working_days_between(d(2026, 2, 9), d(2026, 2, 28)), 11);
    }

    fn sh(y: i32, m: u32, day: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, day, h, min, 0).unwrap() - Duration::hours(8)
    }

    #[test]
    fn working_time_counts_only_hours_of_working_days() {
        let cal = spring_festival_2026();
        let nine = 9 * 3600;
        assert_eq!(cal.working_day_seconds(), nine);
        // Friday 2/13 16:30 → make-up Saturday 2/14 09:30: 1 h + 1 h.
        assert_eq!(
            cal.working_seconds(sh(2026, 2, 13, 16, 30), sh(2026, 2, 14, 9, 30)),
            7200
        );
        // Across the whole break: 2/14 17:30 → 2/24 08:30 is no working time at all.
        assert_eq!(cal.working_seconds(sh(2026, 2, 14, 17, 30), sh(2026, 2, 24, 8, 30)), 0);
        // One working day after Friday 16:30 is Saturday (make-up) 16:30; two, Tuesday 2/24.
        assert_eq!(
            cal.add_working_seconds(sh(2026, 2, 13, 16, 30), nine),
            sh(2026, 2, 14, 16, 30)
        );
        assert_eq!(
            cal.add_working_seconds(sh(2026, 2, 13, 16, 30), 2 * nine),
            sh(2026, 2, 24, 16, 30)
        );
        // Filed at night: the clock starts at the next opening.
        assert_eq!(
            cal.add_working_seconds(sh(2026, 3, 2, 22, 0), 3600),
            sh(2026, 3, 3, 9, 30)
        );
        // Exactly a day's hours from an opening ends at that day's closing.
        assert_eq!(
            cal.add_working_seconds(sh(2026, 3, 2, 8, 30), nine),
            sh(2026, 3, 2, 17, 30)
        );
        let a = sh(2026, 2, 12, 10, 0);
        let b = cal.add_working_seconds(a, 3 * nine + 1234);
        assert_eq!(cal.working_seconds(a, b), 3 * nine + 1234, "the two agree");
    }

    #[test]
    fn hours_are_shanghai_wall_clock() {
        let cal = BusinessCalendar::default();
        assert_eq!(
            cal.closing(d(2026, 3, 2)),
            Utc.with_ymd_and_hms(2026, 3, 2, 9, 30, 0).unwrap()
        );
        assert_eq!(
            cal.opening(d(2026, 3, 2)),
            Utc.with_ymd_and_hms(2026, 3, 2, 0, 30, 0).unwrap()
        );
        let odd = BusinessCalendar::default().with_hours(
            NaiveTime::from_hms_opt(18, 0, 0).unwrap(),
            NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
        );
        assert_eq!(
            odd.opens,
            NaiveTime::from_hms_opt(8, 30, 0).unwrap(),
            "inverted hours are ignored"
        );
    }
}
