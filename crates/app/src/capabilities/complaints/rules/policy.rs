//! Complaint policy: the deadlines of the two clocks per tier, natural or working days, the
//! warning fraction, the reasons a clock may pause, escalation, the category list and the
//! zero-tolerance penalties. Part of an organisation's policy document
//! ([`crate::capabilities::callbacks::rules::policy::CallbackPolicy::complaints`]), so presets, brand overrides and
//! dealer edits work the same as for callbacks.

use crate::capabilities::complaints::rules::Tier;
use dcrc_domain::validation::{FieldError, Invalid};
use serde::{Deserialize, Serialize};

/// How a deadline is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LimitUnit {
    /// Clock hours, day and night.
    Hours,
    /// 24-hour days, weekends and holidays included.
    NaturalDays,
    /// Working days of the business calendar, counted in working hours (a complaint filed
    /// at 16:00 with one working day is due at 16:00 on the next working day).
    WorkingDays,
}

/// A deadline: so many units after the complaint is filed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Limit {
    pub amount: u32,
    pub unit: LimitUnit,
}

/// A category of complaint (editable list; the key is stored on the complaint).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Category {
    pub key: String,
    pub zh: String,
    pub en: String,
}

/// A zero-tolerance rule: a complaint of this category (and tier, when given) records a
/// penalty entry for the dealer that the brand confirms or waives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PenaltyRule {
    pub category: String,
    #[serde(default)]
    pub tier: Option<Tier>,
    /// Integer fen (5,000 yuan = 500000).
    pub amount_fen: i64,
}

/// The complaint rules of an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ComplaintPolicy {
    pub first_response: Limit,
    pub resolution_general: Limit,
    pub resolution_major: Limit,
    /// A clock warns once this percentage of its time is used.
    pub warn_at_pct: u32,
    /// The only reasons a clock may be paused.
    pub pause_reasons: Vec<String>,
    /// After a breach, every further period of this length escalates one more level up
    /// the organisation tree.
    pub escalate_every: Limit,
    pub categories: Vec<Category>,
    pub penalties: Vec<PenaltyRule>,
}

fn category(key: &str, zh: &str, en: &str) -> Category {
    Category {
        key: key.into(),
        zh: zh.into(),
        en: en.into(),
    }
}

impl ComplaintPolicy {
    /// The rules of a preset. `changan` is seed 002 (first reply within 1 day, general
    /// closed within 3 days, major within 5, natural days; service-attitude complaints cost
    /// 5,000 yuan); the others count the same amounts in working days.
    pub fn preset(name: &str) -> ComplaintPolicy {
        let unit = if name == "changan" {
            LimitUnit::NaturalDays
        } else {
            LimitUnit::WorkingDays
        };
        let days = |amount| Limit { amount, unit };
        ComplaintPolicy {
            first_response: days(1),
            resolution_general: days(3),
            resolution_major: days(5),
            warn_at_pct: 75,
            pause_reasons: vec!["customer_unreachable".into(), "waiting_for_parts".into()],
            escalate_every: Limit {
                amount: 1,
                unit: LimitUnit::NaturalDays,
            },
            categories: vec![
                category("service_attitude", "服务态度", "Service attitude"),
                category("repair_quality", "维修质量", "Repair quality"),
                category("parts_supply", "配件供应", "Parts supply"),
                category("price_billing", "价格/收费", "Price and billing"),
                category("waiting_time", "等待时间", "Waiting time"),
                category("product_quality", "产品质量", "Product quality"),
                category("other", "其他", "Other"),
            ],
            penalties: if name == "changan" {
                vec![PenaltyRule {
                    category: "service_attitude".into(),
                    tier: None,
                    amount_fen: 500_000,
                }]
            } else {
                Vec::new()
            },
        }
    }

    pub fn resolution(&self, tier: Tier) -> &Limit {
        match tier {
            Tier::General => &self.resolution_general,
            Tier::Major => &self.resolution_major,
        }
    }

    pub fn category(&self, key: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.key == key)
    }

    /// The penalty a complaint of this category and tier records, if any.
    pub fn penalty(&self, category: &str, tier: Tier) -> Option<&PenaltyRule> {
        self.penalties
            .iter()
            .find(|p| p.category == category && p.tier.is_none_or(|t| t == tier))
    }

    /// Adds every problem to `errors`, naming the field under `complaints.`.
    pub fn check(&self, errors: &mut Invalid) {
        let f = |name: &str| format!("complaints.{name}");
        for (name, l) in [
            ("first_response", &self.first_response),
            ("resolution_general", &self.resolution_general),
            ("resolution_major", &self.resolution_major),
            ("escalate_every", &self.escalate_every),
        ] {
            if !(1..=366).contains(&l.amount) {
                errors.push(
                    FieldError::new(f(&format!("{name}.amount")), "range")
                        .with("min", 1)
                        .with("max", 366),
                );
            }
        }
        if !(1..=100).contains(&self.warn_at_pct) {
            errors.push(
                FieldError::new(f("warn_at_pct"), "range")
                    .with("min", 1)
                    .with("max", 100),
            );
        }
        if self.categories.is_empty() {
            errors.push(FieldError::new(f("categories"), "required"));
        }
        for (i, c) in self.categories.iter().enumerate() {
            let ok = !c.key.is_empty()
                && c.key.len() <= 40
                && c.key
                    .chars()
                    .all(|x| x.is_ascii_lowercase() || x.is_ascii_digit() || x == '_');
            if !ok {
                errors.push(FieldError::new(f(&format!("categories[{i}].key")), "key_format"));
            }
            if c.zh.trim().is_empty() || c.en.trim().is_empty() {
                errors.push(FieldError::new(f(&format!("categories[{i}].zh")), "required"));
            }
        }
        for (i, p) in self.penalties.iter().enumerate() {
            if self.category(&p.category).is_none() {
                errors.push(FieldError::new(f(&format!("penalties[{i}].category")), "unknown_value"));
            }
            if !(0..=100_000_000).contains(&p.amount_fen) {
                errors.push(
                    FieldError::new(f(&format!("penalties[{i}].amount_fen")), "range")
                        .with("min", 0)
                        .with("max", 100_000_000),
                );
            }
        }
    }
}

impl Default for ComplaintPolicy {
    fn default() -> Self {
        ComplaintPolicy::preset("generic")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changan_counts_natural_days_and_fines_service_attitude() {
        let c = ComplaintPolicy::preset("changan");
        assert_eq!(c.first_response.amount, 1);
        assert_eq!(c.resolution(Tier::General).amount, 3);
        assert_eq!(c.resolution(Tier::Major).amount, 5);
        assert_eq!(c.resolution(Tier::Major).unit, LimitUnit::NaturalDays);
        assert_eq!(
            c.penalty("service_attitude", Tier::General).map(|p| p.amount_fen),
            Some(500_000)
        );
        assert!(c.penalty("repair_quality", Tier::Major).is_none());
        let g = ComplaintPolicy::preset("generic");
        assert_eq!(g.first_response.unit, LimitUnit::WorkingDays);
        assert!(g.penalties.is_empty());
    }

    #[test]
    fn bad_values_are_named() {
        let mut c = ComplaintPolicy::preset("changan");
        c.warn_at_pct = 0;
        c.resolution_major.amount = 0;
        c.categories.push(category("Bad Key", "坏", "bad"));
        c.penalties[0].category = "nope".into();
        let mut e = Invalid::default();
        c.check(&mut e);
        let fields: Vec<_> = e.0.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "complaints.resolution_major.amount",
                "complaints.warn_at_pct",
                "complaints.categories[7].key",
                "complaints.penalties[0].category"
            ]
        );
    }
}
