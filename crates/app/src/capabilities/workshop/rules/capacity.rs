//! Whether a job fits the workshop: a bay of the job's kind and a technician with the
//! skill, both free for the job's standard time, inside the opening hours of a working
//! day of the business calendar. When it does not fit, why, and the next times it does.

use chrono::{DateTime, Duration, Utc};
use dcrc_domain::calendar::BusinessCalendar;
use serde::{Deserialize, Serialize};

/// The kinds of workshop bay (工位); a technician's skills are the same kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BayKind {
    /// 机修
    Mechanical,
    /// 钣金
    Body,
    /// 喷漆
    Paint,
    /// 快修 / 快保
    QuickService,
}

impl BayKind {
    pub const ALL: [BayKind; 4] = [
        BayKind::Mechanical,
        BayKind::Body,
        BayKind::Paint,
        BayKind::QuickService,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BayKind::Mechanical => "mechanical",
            BayKind::Body => "body",
            BayKind::Paint => "paint",
            BayKind::QuickService => "quick_service",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A bay or a technician: what it can take, and when it is already taken.
#[derive(Debug, Clone)]
pub struct Resource {
    pub id: i64,
    pub kinds: Vec<BayKind>,
    /// Booked intervals `[from, to)`.
    pub busy: Vec<(DateTime<Utc>, DateTime<Utc>)>,
}

impl Resource {
    fn takes(&self, kind: BayKind) -> bool {
        self.kinds.contains(&kind)
    }

    fn free(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
        self.busy.iter().all(|(a, b)| *b <= from || *a >= to)
    }
}

/// Why a job does not fit at the time asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoFit {
    /// Not a working day, or the job would start before opening or end after closing.
    OutsideHours,
    /// The dealer has no (active) bay of this kind.
    NoBayOfKind,
    /// Nobody has the skill.
    NoTechnicianWithSkill,
    /// Every bay of the kind is taken then.
    BaysTaken,
    /// The bays are free but every technician with the skill is taken.
    TechniciansTaken,
}

impl NoFit {
    pub fn as_str(self) -> &'static str {
        match self {
            NoFit::OutsideHours => "outside_hours",
            NoFit::NoBayOfKind => "no_bay_of_kind",
            NoFit::NoTechnicianWithSkill => "no_technician_with_skill",
            NoFit::BaysTaken => "bays_taken",
            NoFit::TechniciansTaken => "technicians_taken",
        }
    }
}

/// The workshop as the check sees it.
pub struct Workshop<'a> {
    pub calendar: &'a BusinessCalendar,
    pub bays: &'a [Resource],
    pub technicians: &'a [Resource],
}

/// Where a job goes: the bay and the technician.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    pub bay: i64,
    pub technician: i64,
}

impl Workshop<'_> {
    /// The first free bay and technician for `minutes` from `start`, lowest ids first.
    pub fn place(&self, kind: BayKind, start: DateTime<Utc>, minutes: u32) -> Result<Placement, NoFit> {
        let end = start + Duration::minutes(i64::from(minutes));
        let day = start.with_timezone(&dcrc_domain::clock::shanghai()).date_naive();
        if !self.calendar.is_working_day(day) || start < self.calendar.opening(day) || end > self.calendar.closing(day)
        {
            return Err(NoFit::OutsideHours);
        }
        let mut bays = self.bays.iter().filter(|b| b.takes(kind)).peekable();
        if bays.peek().is_none() {
            return Err(NoFit::NoBayOfKind);
        }
        let mut techs = self.technicians.iter().filter(|t| t.takes(kind)).peekable();
        if techs.peek().is_none() {
            return Err(NoFit::NoTechnicianWithSkill);
        }
        let bay = bays.find(|b| b.free(start, end)).ok_or(NoFit::BaysTaken)?;
        let tech = techs.find(|t| t.free(start, end)).ok_or(NoFit::TechniciansTaken)?;
        Ok(Placement {
            bay: bay.id,
            technician: tech.id,
        })
    }

    /// The next `count` start times after `after` (on a `step`-minute grid from each
    /// day's opening) at which the job fits, looking `days` working days ahead.
    pub fn next_slots(
        &self,
        kind: BayKind,
        after: DateTime<Utc>,
        minutes: u32,
        step: u32,
        count: usize,
        days: u32,
    ) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        let mut out = Vec::new();
        let step = Duration::minutes(i64::from(step.max(5)));
        let length = Duration::minutes(i64::from(minutes));
        let mut day = self
            .calendar
            .working_day_on_or_after(after.with_timezone(&dcrc_domain::clock::shanghai()).date_naive());
        for _ in 0..days {
            let (open, close) = (self.calendar.opening(day), self.calendar.closing(day));
            let mut at = open;
            while at + length <= close && out.len() < count {
                if at >= after && self.place(kind, at, minutes).is_ok() {
                    out.push((at, at + length));
                }
                at += step;
            }
            if out.len() >= count {
                break;
            }
            day = self.calendar.working_day_on_or_after(day + Duration::days(1));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, NaiveTime, TimeZone};
    use dcrc_domain::calendar::DayKind;

    fn sh(d: u32, h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, d, h, m, 0).unwrap() - Duration::hours(8)
    }

    fn calendar() -> BusinessCalendar {
        // 2026-12-04 is a Friday; the 7th a made-up public holiday to test skipping.
        BusinessCalendar::new([(NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(), DayKind::Holiday)]).with_hours(
            NaiveTime::from_hms_opt(8, 30, 0).unwrap(),
            NaiveTime::from_hms_opt(17, 30, 0).unwrap(),
        )
    }

    fn bay(id: i64, kind: BayKind, busy: &[(DateTime<Utc>, DateTime<Utc>)]) -> Resource {
        Resource {
            id,
            kinds: vec![kind],
            busy: busy.to_vec(),
        }
    }

    #[test]
    fn a_job_takes_the_first_free_bay_and_technician() {
        let cal = calendar();
        let bays = [
            bay(1, BayKind::Mechanical, &[(sh(4, 9, 0), sh(4, 10, 0))]),
            bay(2, BayKind::Mechanical, &[]),
            bay(3, BayKind::Paint, &[]),
        ];
        let techs = [bay(10, BayKind::Mechanical, &[]), bay(11, BayKind::Paint, &[])];
        let w = Workshop {
            calendar: &cal,
            bays: &bays,
            technicians: &techs,
        };
        assert_eq!(
            w.place(BayKind::Mechanical, sh(4, 9, 30), 60),
            Ok(Placement { bay: 2, technician: 10 })
        );
        // Back to back is not an overlap.
        assert_eq!(w.place(BayKind::Mechanical, sh(4, 10, 0), 60).unwrap().bay, 1);
        assert_eq!(w.place(BayKind::Body, sh(4, 10, 0), 60), Err(NoFit::NoBayOfKind));
        assert_eq!(
            w.place(BayKind::Mechanical, sh(4, 17, 0), 60),
            Err(NoFit::OutsideHours),
            "ends after closing"
        );
        assert_eq!(
            w.place(BayKind::Mechanical, sh(4, 8, 0), 30),
            Err(NoFit::OutsideHours),
            "before opening"
        );
        assert_eq!(
            w.place(BayKind::Mechanical, sh(5, 10, 0), 30),
            Err(NoFit::OutsideHours),
            "a Saturday"
        );
    }

    #[test]
    fn a_full_workshop_says_why_and_offers_the_next_free_times() {
        let cal = calendar();
        let bays = [bay(1, BayKind::Mechanical, &[(sh(4, 8, 30), sh(4, 16, 0))])];
        let techs = [bay(10, BayKind::Mechanical, &[(sh(4, 16, 0), sh(4, 17, 30))])];
        let w = Workshop {
            calendar: &cal,
            bays: &bays,
            technicians: &techs,
        };
        assert_eq!(w.place(BayKind::Mechanical, sh(4, 10, 0), 60), Err(NoFit::BaysTaken));
        assert_eq!(
            w.place(BayKind::Mechanical, sh(4, 16, 0), 60),
            Err(NoFit::TechniciansTaken)
        );
        // Friday is full; Saturday, Sunday and the Monday holiday are skipped.
        let next = w.next_slots(BayKind::Mechanical, sh(4, 10, 0), 60, 30, 3, 10);
        assert_eq!(
            next,
            vec![
                (sh(8, 8, 30), sh(8, 9, 30)),
                (sh(8, 9, 0), sh(8, 10, 0)),
                (sh(8, 9, 30), sh(8, 10, 30))
            ]
        );
        let none = Workshop {
            calendar: &cal,
            bays: &bays,
            technicians: &[],
        };
        assert_eq!(
            none.place(BayKind::Mechanical, sh(8, 10, 0), 60),
            Err(NoFit::NoTechnicianWithSkill)
        );
        assert!(none
            .next_slots(BayKind::Mechanical, sh(4, 10, 0), 60, 30, 3, 10)
            .is_empty());
    }
}
