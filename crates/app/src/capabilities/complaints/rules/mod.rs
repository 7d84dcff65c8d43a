//! Complaints (投诉/抱怨): channels, tiers, the workflow's states and legal transitions, and
//! the two clocks (first response, resolution) with their pauses, warning and breach. The
//! deadlines themselves are policy ([`crate::capabilities::complaints::rules::policy`]); this module applies them.

pub mod policy;

use crate::capabilities::complaints::rules::policy::{Limit, LimitUnit};
use chrono::{DateTime, Duration, Utc};
use dcrc_domain::calendar::BusinessCalendar;
use serde::{Deserialize, Serialize};

crate::capabilities::callbacks::rules::string_enum! {
    /// How the complaint reached the dealer.
    Channel {
        Phone = "phone",
        WalkIn = "walk_in",
        BrandHotline = "brand_hotline",
        SocialMedia = "social_media",
        ConsumerAssociation = "consumer_association",
        Letter = "letter",
        /// A customer dissatisfied on a callback.
        Callback = "callback",
        /// A low score in a satisfaction survey.
        Survey = "survey",
    }
}

crate::capabilities::callbacks::rules::string_enum! {
    /// 一般 / 重大.
    Tier {
        General = "general",
        Major = "major",
    }
}

crate::capabilities::callbacks::rules::string_enum! {
    /// Where a complaint is in its life.
    State {
        /// Filed, nobody has answered the customer yet.
        New = "new",
        /// The customer has had a first response.
        Acknowledged = "acknowledged",
        /// Being handled.
        InProgress = "in_progress",
        /// The handler says it is resolved; the customer has not confirmed.
        Resolved = "resolved",
        /// A closure callback asks the customer whether they are satisfied.
        ClosureCallback = "closure_callback",
        /// The customer confirmed: closed.
        Closed = "closed",
    }
}

crate::capabilities::callbacks::rules::string_enum! {
    /// The two clocks of a complaint.
    ClockKind {
        FirstResponse = "first_response",
        Resolution = "resolution",
    }
}

impl State {
    /// Whether a user may move a complaint from this state to `to`. Entering and leaving
    /// `closure_callback` is the system's doing (resolving raises the call; its outcome
    /// closes or reopens), except closing after the call ended unreachable, which the store
    /// checks separately.
    pub fn may_move_to(self, to: State) -> bool {
        use State::*;
        matches!(
            (self, to),
            (New, Acknowledged)
                | (Acknowledged, InProgress)
                | (Acknowledged, Resolved)
                | (InProgress, Resolved)
                | (Resolved, InProgress)
                | (Resolved, ClosureCallback)
                | (Resolved, Closed)
                | (ClosureCallback, Closed)
                | (ClosureCallback, InProgress)
        )
    }

    pub fn is_open(self) -> bool {
        self != State::Closed
    }

    /// The states a user may ask for from here.
    pub fn next_states(self) -> Vec<State> {
        State::ALL.iter().copied().filter(|s| self.may_move_to(*s)).collect()
    }
}

/// A clock's budget in clock seconds: natural seconds, or working seconds on the calendar.
pub fn budget_seconds(limit: &Limit, cal: &BusinessCalendar) -> i64 {
    let n = i64::from(limit.amount);
    match limit.unit {
        LimitUnit::Hours => n * 3600,
        LimitUnit::NaturalDays => n * 86_400,
        LimitUnit::WorkingDays => n * cal.working_day_seconds(),
    }
}

/// A paused period of a clock; `until` is `None` while it lasts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Pause {
    pub from: DateTime<Utc>,
    pub until: Option<DateTime<Utc>>,
}

/// One SLA clock: started at intake, stopped when its goal is met (first response given,
/// customer confirmed), paused for policy-listed reasons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaClock<'a> {
    pub started: DateTime<Utc>,
    pub limit: &'a Limit,
    pub pauses: &'a [Pause],
    pub stopped: Option<DateTime<Utc>>,
    pub cal: &'a BusinessCalendar,
}

/// What a clock shows at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClockStatus {
    /// Running, below the warning fraction.
    Running,
    /// Running, past the warning fraction.
    Warning,
    /// Running past its deadline.
    Breached,
    /// Paused now.
    Paused,
    /// Stopped in time.
    Met,
    /// Stopped after its deadline.
    MetLate,
}

impl SlaClock<'_> {
    fn uses_calendar(&self) -> bool {
        self.limit.unit == LimitUnit::WorkingDays
    }

    /// Clock seconds between two instants.
    fn span(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> i64 {
        if self.uses_calendar() {
            self.cal.working_seconds(a, b)
        } else {
            (b - a).num_seconds().max(0)
        }
    }

    fn add(&self, a: DateTime<Utc>, secs: i64) -> DateTime<Utc> {
        if self.uses_calendar() {
            self.cal.add_working_seconds(a, secs)
        } else {
            a + Duration::seconds(secs)
        }
    }

    /// The stretches the clock ran, up to `now` (or its stop).
    fn running(&self, now: DateTime<Utc>) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        let end = self.stopped.map_or(now, |s| s.min(now));
        let mut out = Vec::new();
        let mut cursor = self.started;
        for p in self.pauses {
            if p.from >= end {
                break;
            }
            if p.from > cursor {
                out.push((cursor, p.from));
            }
            match p.until {
                Some(u) => cursor = cursor.max(u),
                None => return out,
            }
        }
        if end > cursor {
            out.push((cursor, end));
        }
        out
    }

    /// Clock seconds used by `now`.
    pub fn elapsed(&self, now: DateTime<Utc>) -> i64 {
        self.running(now).iter().map(|(a, b)| self.span(*a, *b)).sum()
    }

    pub fn budget(&self) -> i64 {
        budget_seconds(self.limit, self.cal)
    }

    /// When the clock runs out, counting the pauses so far; `None` while paused (the
    /// deadline moves until the pause ends).
    pub fn deadline(&self) -> Option<DateTime<Utc>> {
        let mut left = self.budget();
        let mut cursor = self.started;
        for p in self.pauses {
            if p.from > cursor {
                let here = self.span(cursor, p.from);
                if here >= left {
                    return Some(self.add(cursor, left));
                }
                left -= here;
            }
            match p.until {
                Some(u) => cursor = cursor.max(u),
                None => return None,
            }
        }
        Some(self.add(cursor, left))
    }

    /// Whether the clock is paused at `now`.
    pub fn paused_at(&self, now: DateTime<Utc>) -> bool {
        self.pauses
            .iter()
            .any(|p| p.from <= now && p.until.is_none_or(|u| u > now))
    }

    /// The clock's state at `now`, with the warning at `warn_pct` percent of the budget.
    pub fn status(&self, now: DateTime<Utc>, warn_pct: u32) -> ClockStatus {
        let budget = self.budget();
        let used = self.elapsed(now);
        if let Some(stop) = self.stopped.filter(|s| *s <= now) {
            let late = self.deadline().is_some_and(|d| stop > d);
            return if late { ClockStatus::MetLate } else { ClockStatus::Met };
        }
        if used > budget || (used == budget && self.deadline().is_some_and(|d| now > d)) {
            return ClockStatus::Breached;
        }
        if self.paused_at(now) {
            return ClockStatus::Paused;
        }
        // Integer comparison: used / budget ≥ warn_pct / 100.
        if used * 100 >= budget * i64::from(warn_pct) {
            ClockStatus::Warning
        } else {
            ClockStatus::Running
        }
    }

    /// Seconds of clock time left at `now` (negative once breached).
    pub fn remaining(&self, now: DateTime<Utc>) -> i64 {
        self.budget() - self.elapsed(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};
    use dcrc_domain::calendar::DayKind;

    fn sh(m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, m, d, h, min, 0).unwrap() - Duration::hours(8)
    }

    fn festival() -> BusinessCalendar {
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        let mut e: Vec<_> = day(2, 15).iter_days().take(9).map(|x| (x, DayKind::Holiday)).collect();
        e.push((day(2, 14), DayKind::Workday));
        e.push((day(2, 28), DayKind::Workday));
        BusinessCalendar::new(e)
    }

    fn limit(amount: u32, unit: LimitUnit) -> Limit {
        Limit { amount, unit }
    }

    #[test]
    fn only_the_workflow_s_transitions_are_legal() {
        assert!(State::New.may_move_to(State::Acknowledged));
        assert!(!State::New.may_move_to(State::Resolved), "a first response comes first");
        assert!(!State::New.may_move_to(State::Closed));
        assert!(!State::Closed.may_move_to(State::InProgress));
        assert!(State::ClosureCallback.may_move_to(State::InProgress), "reopen");
        assert_eq!(
            State::Acknowledged.next_states(),
            vec![State::InProgress, State::Resolved]
        );
    }

    #[test]
    fn natural_day_clocks_run_through_holidays_and_pauses_push_the_deadline() {
        let cal = festival();
        let three = limit(3, LimitUnit::NaturalDays);
        let none: [Pause; 0] = [];
        let c = SlaClock {
            started: sh(2, 13, 10, 0),
            limit: &three,
            pauses: &none,
            stopped: None,
            cal: &cal,
        };
        assert_eq!(c.deadline(), Some(sh(2, 16, 10, 0)));
        // Waiting for parts from 2/14 10:00 to 2/15 16:00: 30 hours more.
        let pauses = [Pause {
            from: sh(2, 14, 10, 0),
            until: Some(sh(2, 15, 16, 0)),
        }];
        let p = SlaClock {
            pauses: &pauses,
            ..c.clone()
        };
        assert_eq!(p.deadline(), Some(sh(2, 17, 16, 0)));
        assert_eq!(p.elapsed(sh(2, 15, 12, 0)), 24 * 3600, "nothing counted while paused");
        assert_eq!(p.status(sh(2, 15, 12, 0), 75), ClockStatus::Paused);
        // An open pause: no deadline yet.
        let open = [Pause {
            from: sh(2, 14, 10, 0),
            until: None,
        }];
        assert_eq!(
            SlaClock {
                pauses: &open,
                ..c.clone()
            }
            .deadline(),
            None
        );
    }

    #[test]
    fn working_day_clocks_skip_the_spring_festival() {
        let cal = festival();
        let one = limit(1, LimitUnit::WorkingDays);
        let none: [Pause; 0] = [];
        // Filed on the make-up Saturday 2/14 at 15:00: one working day (9 h) runs 2.5 h
        // that day and the rest after the break, on Tuesday 2/24.
        let c = SlaClock {
            started: sh(2, 14, 15, 0),
            limit: &one,
            pauses: &none,
            stopped: None,
            cal: &cal,
        };
        assert_eq!(c.deadline(), Some(sh(2, 24, 15, 0)));
        assert_eq!(
            c.status(sh(2, 20, 12, 0), 75),
            ClockStatus::Running,
            "holidays do not count"
        );
    }

    #[test]
    fn warning_breach_and_a_late_stop_stay_visible() {
        let cal = BusinessCalendar::default();
        let day = limit(1, LimitUnit::NaturalDays);
        let none: [Pause; 0] = [];
        let c = SlaClock {
            started: sh(3, 2, 9, 0),
            limit: &day,
            pauses: &none,
            stopped: None,
            cal: &cal,
        };
        assert_eq!(c.status(sh(3, 2, 14, 59), 75), ClockStatus::Running);
        assert_eq!(c.status(sh(3, 3, 3, 0), 75), ClockStatus::Warning, "exactly 75 %");
        assert_eq!(
            c.status(sh(3, 3, 9, 0), 75),
            ClockStatus::Warning,
            "exactly at the deadline"
        );
        assert_eq!(c.status(sh(3, 3, 9, 1), 75), ClockStatus::Breached);
        assert_eq!(c.remaining(sh(3, 3, 10, 0)), -3600);
        let late = SlaClock {
            stopped: Some(sh(3, 3, 12, 0)),
            ..c.clone()
        };
        assert_eq!(late.status(sh(3, 9, 0, 0), 75), ClockStatus::MetLate);
        let on_time = SlaClock {
            stopped: Some(sh(3, 3, 9, 0)),
            ..c
        };
        assert_eq!(on_time.status(sh(3, 9, 0, 0), 75), ClockStatus::Met);
    }
}
