//! Callbacks' section of the policy document (`core::policy`) and the business calendar.
//!
//! Each organisation may choose a preset and override single values (a JSON merge patch
//! over the policy document). The effective policy of a dealer is the preset chosen
//! nearest to it (default `generic`) with every override from the brand down to the
//! dealer applied in order.

use crate::capabilities::callbacks::rules::policy::{preset, CallbackPolicy};
use crate::core::access::Authority;
use crate::core::audit::{self, Actor, Event};
use crate::core::db::{stmt, Tx};
use crate::core::error::{Result, StoreError};
use crate::core::policy::PolicySection;
use crate::core::principal::Principal;
use crate::Store;
use chrono::NaiveDate;
use dcrc_domain::calendar::{BusinessCalendar, DayKind};
use dcrc_domain::{FieldError, Invalid, Permission};
use serde::{Deserialize, Serialize};

/// One official calendar entry.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CalendarDay {
    pub day: NaiveDate,
    pub kind: DayKind,
    #[serde(default)]
    pub name: String,
}

/// The effective policy of an organisation, read inside a transaction.
pub(crate) async fn policy_of(tx: &mut Tx, org_id: i64) -> Result<CallbackPolicy> {
    crate::core::policy::section_of(tx, org_id, None).await
}

/// The business calendar with the policy's working hours.
pub(crate) async fn calendar(tx: &mut Tx, policy: &CallbackPolicy) -> Result<BusinessCalendar> {
    let (opens, closes) = policy.hours();
    calendar_with_hours(tx, opens, closes).await
}

/// The business calendar (public holidays, make-up working days) with the given hours:
/// the workshop's opening hours differ from the callback centre's.
pub(crate) async fn calendar_with_hours(
    tx: &mut Tx,
    opens: chrono::NaiveTime,
    closes: chrono::NaiveTime,
) -> Result<BusinessCalendar> {
    let rows = tx.fetch_all(&stmt("SELECT day, kind FROM calendar_days")).await?;
    let mut entries = Vec::with_capacity(rows.len());
    for r in &rows {
        let day = NaiveDate::parse_from_str(&r.text("day")?, "%Y-%m-%d").ok();
        if let (Some(day), Some(kind)) = (day, DayKind::parse(&r.text("kind")?)) {
            entries.push((day, kind));
        }
    }
    Ok(BusinessCalendar::new(entries).with_hours(opens, closes))
}

impl Store {
    /// The official calendar entries of a year.
    pub async fn calendar_year(&self, who: &impl Authority, year: i32) -> Result<Vec<CalendarDay>> {
        let rows = self
            .access(who)
            .fetch_all(
                &stmt("SELECT day, kind, name FROM calendar_days WHERE day >= $1 AND day <= $2 ORDER BY day")
                    .bind(format!("{year:04}-01-01"))
                    .bind(format!("{year:04}-12-31")),
            )
            .await?;
        rows.iter()
            .filter_map(|r| {
                let day = NaiveDate::parse_from_str(&r.text("day").ok()?, "%Y-%m-%d").ok()?;
                let kind = DayKind::parse(&r.text("kind").ok()?)?;
                Some(Ok(CalendarDay {
                    day,
                    kind,
                    name: r.text("name").ok()?,
                }))
            })
            .collect()
    }

    /// Replaces a year's official entries (a published schedule, or a correction).
    /// The calendar is shared by every organisation: only brand staff and administrators
    /// at the top of a tree may change it.
    pub async fn set_calendar_year(
        &self,
        who: &Principal,
        year: i32,
        days: Vec<CalendarDay>,
    ) -> Result<Vec<CalendarDay>> {
        self.authorize(who, Permission::ManageCalendar, "calendar").await?;
        if !who.scope().is_root() {
            return Err(StoreError::Forbidden);
        }
        let mut errors = Invalid::default();
        for (i, d) in days.iter().enumerate() {
            if d.day.format("%Y").to_string() != format!("{year:04}") {
                errors.push(FieldError::new(format!("days[{i}].day"), "other_year").with("year", year));
            }
            if d.name.chars().count() > 40 {
                errors.push(
                    FieldError::new(format!("days[{i}].name"), "length")
                        .with("min", 0)
                        .with("max", 40),
                );
            }
        }
        errors.finish()?;
        let now = self.now_ms();
        let mut tx = self.access(who).begin().await?;
        tx.execute(
            &stmt("DELETE FROM calendar_days WHERE day >= $1 AND day <= $2")
                .bind(format!("{year:04}-01-01"))
                .bind(format!("{year:04}-12-31")),
        )
        .await?;
        for d in &days {
            tx.execute(
                &stmt("INSERT INTO calendar_days (day, kind, name, updated_at) VALUES ($1, $2, $3, $4) \
                    ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, name = excluded.name, updated_at = excluded.updated_at")
                .bind(d.day.format("%Y-%m-%d").to_string())
                .bind(d.kind.as_str())
                .bind(d.name.trim())
                .bind(now),
            )
            .await?;
        }
        let detail = serde_json::json!({ "year": year, "entries": days.len() });
        audit::record(
            &mut tx,
            now,
            &Actor::from(who),
            Event::on("update", "calendar", year, who.org_id, detail),
        )
        .await?;
        tx.commit().await?;
        self.calendar_year(who, year).await
    }
}

/// Callbacks' section of the policy document: the top-level keys.
pub const SECTION: PolicySection = PolicySection {
    key: None,
    preset: |name| serde_json::to_value(preset(name).or_else(|| preset("generic"))).unwrap_or_default(),
    check: |doc, errors| match serde_json::from_value::<CallbackPolicy>(doc.clone()) {
        Ok(p) => {
            if let Err(Invalid(problems)) = p.validate() {
                errors.0.extend(problems);
            }
        }
        Err(_) => errors.push(FieldError::new("overrides", "wrong_type").with("expected", "policy")),
    },
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capabilities::callbacks::rules::TaskType;
    use crate::core::policy::{effective, PolicySetting};

    fn callbacks_of(settings: &[PolicySetting]) -> CallbackPolicy {
        crate::core::registry::install(crate::capabilities::ALL);
        serde_json::from_value(effective(settings)).unwrap()
    }

    #[test]
    fn overrides_merge_from_the_brand_down() {
        let brand = PolicySetting {
            preset: Some("geely".into()),
            overrides: serde_json::json!({"types": {"sales_first": {"window_days": 5}}, "dealers_may_edit": true}),
        };
        let dealer = PolicySetting {
            preset: None,
            overrides: serde_json::json!({"types": {"sales_first": {"window_days": 3, "priority": 2}}}),
        };
        let p = callbacks_of(&[brand.clone(), PolicySetting::default(), dealer]);
        assert_eq!(p.preset, "geely");
        let r = &p.types[&TaskType::SalesFirst];
        assert_eq!((r.window_days, r.priority), (3, 2));
        assert!(p.dealers_may_edit);
        assert_eq!(callbacks_of(&[brand]).types[&TaskType::SalesFirst].window_days, 5);
        let bad = PolicySetting {
            preset: None,
            overrides: serde_json::json!({"types": {"sales_first": {"window_days": "soon"}}}),
        };
        let mut errors = Invalid::default();
        (SECTION.check)(&effective(&[bad]), &mut errors);
        assert!(!errors.0.is_empty());
    }
}
