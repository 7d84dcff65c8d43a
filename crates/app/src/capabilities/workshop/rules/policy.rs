//! The workshop's policy: opening hours, the booking grid, and the standard time and bay
//! kind of each job type. No seed gives numbers for these: the defaults are ours (a
//! typical Chinese dealer workshop, 08:30–17:30), and each dealer sets its own.

use super::capacity::BayKind;
use dcrc_domain::{FieldError, Invalid};
use serde::{Deserialize, Serialize};

/// One kind of job an appointment books.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JobType {
    pub key: String,
    pub zh: String,
    pub en: String,
    /// The bay kind the job needs.
    pub bay: BayKind,
    /// Standard time (工时) in minutes.
    pub minutes: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WorkshopPolicy {
    /// "08:30"
    pub opens: String,
    /// "17:30"
    pub closes: String,
    /// Bookings start on this grid from opening (minutes).
    pub slot_minutes: u32,
    /// How many next free times a refusal offers.
    pub offered_slots: u32,
    /// How many working days ahead they are looked for.
    pub look_ahead_days: u32,
    pub jobs: Vec<JobType>,
}

fn job(key: &str, zh: &str, en: &str, bay: BayKind, minutes: u32) -> JobType {
    JobType {
        key: key.into(),
        zh: zh.into(),
        en: en.into(),
        bay,
        minutes,
    }
}

impl WorkshopPolicy {
    /// The same defaults under every preset (ours; the seeds give none).
    pub fn preset(_name: &str) -> Self {
        use BayKind::*;
        WorkshopPolicy {
            opens: "08:30".into(),
            closes: "17:30".into(),
            slot_minutes: 30,
            offered_slots: 3,
            look_ahead_days: 10,
            jobs: vec![
                job("first_maintenance", "首次保养", "First maintenance", QuickService, 60),
                job(
                    "regular_maintenance",
                    "定期保养",
                    "Regular maintenance",
                    QuickService,
                    60,
                ),
                job("diagnosis", "故障诊断", "Fault diagnosis", Mechanical, 60),
                job("mechanical_repair", "机修", "Mechanical repair", Mechanical, 120),
                job("warranty_repair", "三包/索赔维修", "Warranty repair", Mechanical, 120),
                job("body_repair", "钣金", "Body repair", Body, 240),
                job("paint", "喷漆", "Paint", Paint, 240),
                job("pdi", "新车 PDI", "PDI", QuickService, 45),
            ],
        }
    }

    pub fn job(&self, key: &str) -> Option<&JobType> {
        self.jobs.iter().find(|j| j.key == key)
    }

    pub fn hours(&self) -> Option<(chrono::NaiveTime, chrono::NaiveTime)> {
        let hm = |s: &str| chrono::NaiveTime::parse_from_str(s.trim(), "%H:%M").ok();
        match (hm(&self.opens), hm(&self.closes)) {
            (Some(o), Some(c)) if o < c => Some((o, c)),
            _ => None,
        }
    }

    /// Problems with the values, named by their place in the document.
    pub fn check(&self, errors: &mut Invalid) {
        if self.hours().is_none() {
            errors.push(FieldError::new("workshop.opens", "time_format"));
        }
        if !(5..=120).contains(&self.slot_minutes) {
            errors.push(
                FieldError::new("workshop.slot_minutes", "range")
                    .with("min", 5)
                    .with("max", 120),
            );
        }
        if !(1..=10).contains(&self.offered_slots) {
            errors.push(
                FieldError::new("workshop.offered_slots", "range")
                    .with("min", 1)
                    .with("max", 10),
            );
        }
        if !(1..=60).contains(&self.look_ahead_days) {
            errors.push(
                FieldError::new("workshop.look_ahead_days", "range")
                    .with("min", 1)
                    .with("max", 60),
            );
        }
        if self.jobs.is_empty() {
            errors.push(FieldError::new("workshop.jobs", "required"));
        }
        for (i, j) in self.jobs.iter().enumerate() {
            if !(5..=600).contains(&j.minutes) {
                errors.push(
                    FieldError::new(format!("workshop.jobs[{i}].minutes"), "range")
                        .with("min", 5)
                        .with("max", 600),
                );
            }
            if j.key.trim().is_empty() || j.zh.trim().is_empty() || j.en.trim().is_empty() {
                errors.push(FieldError::new(format!("workshop.jobs[{i}].key"), "required"));
            }
            if self.jobs.iter().filter(|o| o.key == j.key).count() > 1 {
                errors.push(FieldError::new(format!("workshop.jobs[{i}].key"), "duplicate"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_hold_and_bad_values_are_named() {
        let p = WorkshopPolicy::preset("geely");
        let mut errors = Invalid::default();
        p.check(&mut errors);
        assert!(errors.0.is_empty(), "{:?}", errors.0);
        assert_eq!(
            p.job("body_repair").map(|j| (j.bay, j.minutes)),
            Some((BayKind::Body, 240))
        );
        let mut bad = p.clone();
        bad.closes = "07:00".into();
        bad.jobs[1].minutes = 0;
        bad.jobs[2].key = bad.jobs[0].key.clone();
        let mut errors = Invalid::default();
        bad.check(&mut errors);
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert!(fields.contains(&"workshop.opens"));
        assert!(fields.contains(&"workshop.jobs[1].minutes"));
        assert!(fields.contains(&"workshop.jobs[2].key"));
    }
}
