//! The effective callback policy of an organisation and the business calendar.
//!
//! Each organisation may choose a preset and override single values (a JSON merge patch
//! over the policy document). The effective policy of a dealer is the preset chosen
//! nearest to it (default `generic`) with every override from the brand down to the
//! dealer applied in order.

use crate::audit::{self, Actor, Event};
use crate::db::{q, Tx};
use crate::error::{Result, StoreError};
use crate::principal::Principal;
use crate::Store;
use chrono::NaiveDate;
use dcrc_domain::calendar::{BusinessCalendar, DayKind};
use dcrc_domain::callback_policy::{preset, CallbackPolicy};
use dcrc_domain::{FieldError, Invalid, OrgKind, Permission};
use serde::{Deserialize, Serialize};

/// What one organisation set, as stored.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PolicySetting {
    /// A preset name, or none to inherit.
    #[serde(default)]
    pub preset: Option<String>,
    /// A JSON merge patch over the policy, e.g.
    /// `{"types": {"sales_first": {"window_days": 7}}}`.
    #[serde(default = "empty_object")]
    #[schema(value_type = Object)]
    pub overrides: serde_json::Value,
}

impl Default for PolicySetting {
    fn default() -> Self {
        Self {
            preset: None,
            overrides: empty_object(),
        }
    }
}

fn empty_object() -> serde_json::Value {
    serde_json::json!({})
}

/// The effective policy and what the organisation itself set.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EffectivePolicy {
    pub org_id: i64,
    pub policy: CallbackPolicy,
    pub own: PolicySetting,
}

/// One official calendar entry.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CalendarDay {
    pub day: NaiveDate,
    pub kind: DayKind,
    #[serde(default)]
    pub name: String,
}

/// RFC 7386 merge patch.
fn merge(target: &mut serde_json::Value, patch: &serde_json::Value) {
    match (target, patch) {
        (serde_json::Value::Object(t), serde_json::Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge(t.entry(k.clone()).or_insert(serde_json::Value::Null), v);
                }
            }
        }
        (t, p) => *t = p.clone(),
    }
}

/// The organisation ids on the path `/1/4/9/`, brand first.
fn path_ids(path: &str) -> Vec<i64> {
    path.split('/').filter_map(|s| s.parse().ok()).collect()
}

/// Builds the effective policy from the settings along a path (brand first).
fn effective(settings: &[PolicySetting]) -> Result<CallbackPolicy> {
    let name = settings
        .iter()
        .rev()
        .find_map(|s| s.preset.clone())
        .unwrap_or_else(|| "generic".into());
    let base = preset(&name).ok_or_else(|| StoreError::Internal(format!("unknown preset {name}")))?;
    let mut doc = serde_json::to_value(&base).map_err(|e| StoreError::Internal(e.to_string()))?;
    for s in settings.iter().filter(|s| s.overrides.is_object()) {
        merge(&mut doc, &s.overrides);
    }
    if let Some(obj) = doc.as_object_mut() {
        obj.insert("preset".into(), serde_json::Value::String(name));
    }
    serde_json::from_value(doc).map_err(|e| StoreError::Internal(format!("stored policy: {e}")))
}

/// The settings of every organisation on the path to `org_id`, brand first, and the
/// path's ids.
async fn settings_along(tx: &mut Tx, org_id: i64) -> Result<(Vec<i64>, Vec<PolicySetting>)> {
    let path = tx
        .fetch_optional(&q("SELECT path FROM orgs WHERE id = $1").bind(org_id))
        .await?
        .ok_or(StoreError::NotFound)?
        .text("path")?;
    let ids = path_ids(&path);
    let mut settings = Vec::new();
    for id in &ids {
        let row = tx
            .fetch_optional(&q("SELECT preset, overrides FROM callback_policies WHERE org_id = $1").bind(*id))
            .await?;
        settings.push(match row {
            Some(r) => PolicySetting {
                preset: r.opt_text("preset")?,
                overrides: serde_json::from_str(&r.text("overrides")?).unwrap_or_else(|_| empty_object()),
            },
            None => PolicySetting::default(),
        });
    }
    Ok((ids, settings))
}

/// The effective policy of an organisation, read inside a transaction.
pub(crate) async fn policy_of(tx: &mut Tx, org_id: i64) -> Result<CallbackPolicy> {
    let (_, settings) = settings_along(tx, org_id).await?;
    effective(&settings)
}

/// The business calendar with the policy's working hours.
pub(crate) async fn calendar(tx: &mut Tx, policy: &CallbackPolicy) -> Result<BusinessCalendar> {
    let rows = tx.fetch_all(&q("SELECT day, kind FROM calendar_days")).await?;
    let mut entries = Vec::with_capacity(rows.len());
    for r in &rows {
        let day = NaiveDate::parse_from_str(&r.text("day")?, "%Y-%m-%d").ok();
        if let (Some(day), Some(kind)) = (day, DayKind::parse(&r.text("kind")?)) {
            entries.push((day, kind));
        }
    }
    let (opens, closes) = policy.hours();
    Ok(BusinessCalendar::new(entries).with_hours(opens, closes))
}

impl Store {
    /// The effective callback policy of an organisation in scope.
    pub async fn effective_policy(&self, who: &Principal, org_id: i64) -> Result<EffectivePolicy> {
        self.get_org(&who.scope, org_id).await?;
        let mut tx = self.db.begin().await?;
        let (_, settings) = settings_along(&mut tx, org_id).await?;
        let policy = effective(&settings)?;
        tx.commit().await?;
        Ok(EffectivePolicy {
            org_id,
            policy,
            own: settings.last().cloned().unwrap_or_default(),
        })
    }

    /// Replaces what an organisation sets: its preset and overrides. Brand staff may set
    /// any organisation in scope; dealer and group managers only their own, and only
    /// where the policy above them lets dealers edit.
    pub async fn set_policy(&self, who: &Principal, org_id: i64, setting: PolicySetting) -> Result<EffectivePolicy> {
        let org_kind = self.get_org(&who.scope, org_id).await?.kind;
        self.authorize(who, Permission::EditPolicy, "callback_policy").await?;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        let (_, mut settings) = settings_along(&mut tx, org_id).await?;
        let above = effective(&settings[..settings.len().saturating_sub(1)])?;
        let brand_side = matches!(who.org_kind, OrgKind::Brand | OrgKind::Region);
        if !brand_side && (!above.dealers_may_edit || org_kind == OrgKind::Brand) {
            return Err(StoreError::Conflict {
                code: "policy_locked_by_brand",
                field: None,
            });
        }
        if !setting.overrides.is_object() {
            return Err(Invalid(vec![
                FieldError::new("overrides", "wrong_type").with("expected", "object")
            ])
            .into());
        }
        if let Some(p) = &setting.preset {
            if preset(p).is_none() {
                return Err(Invalid(vec![FieldError::new("preset", "unknown_value")
                    .with("allowed", dcrc_domain::callback_policy::PRESETS.join(", "))])
                .into());
            }
        }
        if let Some(last) = settings.last_mut() {
            *last = setting.clone();
        }
        let policy = check(&settings)?;
        tx.execute(
            &q("INSERT INTO callback_policies (org_id, preset, overrides, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5) \
                ON CONFLICT (org_id) DO UPDATE SET preset = excluded.preset, overrides = excluded.overrides, \
                updated_at = excluded.updated_at, updated_by = excluded.updated_by")
            .bind(org_id)
            .bind(setting.preset.clone())
            .bind(setting.overrides.to_string())
            .bind(now)
            .bind(who.username.as_str()),
        )
        .await?;
        let detail = serde_json::json!({ "preset": setting.preset, "overrides": setting.overrides });
        audit::record(
            &mut tx,
            now,
            &Actor::from(who),
            Event::on("update", "callback_policy", org_id, org_id, detail),
        )
        .await?;
        tx.commit().await?;
        Ok(EffectivePolicy {
            org_id,
            policy,
            own: setting,
        })
    }

    /// The official calendar entries of a year.
    pub async fn calendar_year(&self, year: i32) -> Result<Vec<CalendarDay>> {
        let rows = self
            .db
            .fetch_all(
                &q("SELECT day, kind, name FROM calendar_days WHERE day >= $1 AND day <= $2 ORDER BY day")
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
        if !who.scope.is_root() {
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
        let mut tx = self.db.begin().await?;
        tx.execute(
            &q("DELETE FROM calendar_days WHERE day >= $1 AND day <= $2")
                .bind(format!("{year:04}-01-01"))
                .bind(format!("{year:04}-12-31")),
        )
        .await?;
        for d in &days {
            tx.execute(
                &q("INSERT INTO calendar_days (day, kind, name, updated_at) VALUES ($1, $2, $3, $4) \
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
        self.calendar_year(year).await
    }
}

/// The effective policy of `settings`, or the validation problems of the result (named
/// as in the policy document).
fn check(settings: &[PolicySetting]) -> Result<CallbackPolicy> {
    let policy = effective(settings).map_err(|_| {
        StoreError::from(Invalid(vec![
            FieldError::new("overrides", "wrong_type").with("expected", "policy")
        ]))
    })?;
    policy.validate()?;
    Ok(policy)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let p = effective(&[brand.clone(), PolicySetting::default(), dealer]).unwrap();
        assert_eq!(p.preset, "geely");
        let r = &p.types[&dcrc_domain::callback::TaskType::SalesFirst];
        assert_eq!((r.window_days, r.priority), (3, 2));
        assert!(p.dealers_may_edit);
        assert_eq!(
            effective(&[brand]).unwrap().types[&dcrc_domain::callback::TaskType::SalesFirst].window_days,
            5
        );
        assert_eq!(path_ids("/1/4/9/"), vec![1, 4, 9]);
        let bad = PolicySetting {
            preset: None,
            overrides: serde_json::json!({"types": {"sales_first": {"window_days": "soon"}}}),
        };
        assert!(check(&[bad]).is_err());
    }
}
