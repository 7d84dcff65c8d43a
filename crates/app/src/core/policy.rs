//! Policy documents. Every organisation may choose a preset (a brand's published rules:
//! `generic`, `great-wall`, `changan`, `geely`) and override single values with a JSON
//! merge patch; the effective document of a dealer is the preset chosen nearest to it
//! with every override from the brand down applied in order.
//!
//! The document has one section per capability that declares one ([`PolicySection`]):
//! callbacks own the top-level keys, complaints the `complaints` object, and so on. Each
//! section supplies its preset values and validates its part; the core stores, merges and
//! checks the whole, so no capability reads another's policy.

use crate::core::audit::{self, Actor, Event};
use crate::core::db::{stmt, Tx};
use crate::core::error::{Result, StoreError};
use crate::core::principal::Principal;
use crate::core::registry;
use crate::Store;
use dcrc_domain::{FieldError, Invalid, OrgKind, Permission};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The presets every section knows.
pub const PRESETS: [&str; 4] = ["generic", "great-wall", "changan", "geely"];

/// One capability's part of the policy document.
pub struct PolicySection {
    /// The object it lives in (`None`: top-level keys).
    pub key: Option<&'static str>,
    /// Its values under a preset.
    pub preset: fn(&str) -> Value,
    /// Its validation problems (field names relative to the document).
    pub check: fn(&Value, &mut Invalid),
}

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
    pub overrides: Value,
}

impl Default for PolicySetting {
    fn default() -> Self {
        Self {
            preset: None,
            overrides: empty_object(),
        }
    }
}

fn empty_object() -> Value {
    serde_json::json!({})
}

/// The effective policy document and what the organisation itself set.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EffectivePolicy {
    pub org_id: i64,
    /// Every capability's section: `CallbackPolicy` at the top level, `ComplaintPolicy`
    /// under `complaints`.
    #[schema(value_type = Object)]
    pub policy: Value,
    pub own: PolicySetting,
}

impl EffectivePolicy {
    /// One section, typed (`None` if the stored document does not fit the type).
    pub fn section<T: serde::de::DeserializeOwned>(&self, key: Option<&str>) -> Option<T> {
        typed(&self.policy, key).ok()
    }
}

/// RFC 7386 merge patch.
pub fn merge(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge(t.entry(k.clone()).or_insert(Value::Null), v);
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

fn sections() -> impl Iterator<Item = &'static PolicySection> {
    registry::installed().iter().flat_map(|c| c.policy.iter())
}

/// The document of a preset: every section's values.
fn preset_document(name: &str) -> Value {
    let mut doc = empty_object();
    for s in sections() {
        let part = (s.preset)(name);
        match s.key {
            None => merge(&mut doc, &part),
            Some(k) => {
                if let Some(obj) = doc.as_object_mut() {
                    obj.insert(k.to_string(), part);
                }
            }
        }
    }
    doc
}

/// Builds the effective document from the settings along a path (brand first).
pub fn effective(settings: &[PolicySetting]) -> Value {
    let name = settings
        .iter()
        .rev()
        .find_map(|s| s.preset.clone())
        .unwrap_or_else(|| "generic".into());
    let mut doc = preset_document(&name);
    for s in settings.iter().filter(|s| s.overrides.is_object()) {
        merge(&mut doc, &s.overrides);
    }
    if let Some(obj) = doc.as_object_mut() {
        obj.insert("preset".into(), Value::String(name));
    }
    doc
}

/// The section at `key` of a document (the whole document for top-level sections).
pub fn section<'a>(doc: &'a Value, key: Option<&str>) -> &'a Value {
    match key {
        None => doc,
        Some(k) => doc.get(k).unwrap_or(&Value::Null),
    }
}

/// The settings of every organisation on the path to `org_id`, brand first.
async fn settings_along(tx: &mut Tx, org_id: i64) -> Result<Vec<PolicySetting>> {
    let path = tx
        .fetch_optional(&stmt("SELECT path FROM orgs WHERE id = $1").bind(org_id))
        .await?
        .ok_or(StoreError::NotFound)?
        .text("path")?;
    let mut settings = Vec::new();
    for id in path_ids(&path) {
        let row = tx
            .fetch_optional(&stmt("SELECT preset, overrides FROM policies WHERE org_id = $1").bind(id))
            .await?;
        settings.push(match row {
            Some(r) => PolicySetting {
                preset: r.opt_text("preset")?,
                overrides: serde_json::from_str(&r.text("overrides")?).unwrap_or_else(|_| empty_object()),
            },
            None => PolicySetting::default(),
        });
    }
    Ok(settings)
}

/// The effective document of an organisation, read inside a transaction.
pub async fn document_of(tx: &mut Tx, org_id: i64) -> Result<Value> {
    Ok(effective(&settings_along(tx, org_id).await?))
}

/// A section of a document, typed.
pub fn typed<T: serde::de::DeserializeOwned>(doc: &Value, key: Option<&str>) -> Result<T> {
    serde_json::from_value(section(doc, key).clone()).map_err(|e| StoreError::Internal(format!("stored policy: {e}")))
}

/// A section of the effective document, typed.
pub async fn section_of<T: serde::de::DeserializeOwned>(tx: &mut Tx, org_id: i64, key: Option<&str>) -> Result<T> {
    typed(&document_of(tx, org_id).await?, key)
}

/// Every section's problems with a document.
fn check(doc: &Value) -> Result<()> {
    let mut errors = Invalid::default();
    if !doc
        .get("preset")
        .and_then(Value::as_str)
        .is_some_and(|p| PRESETS.contains(&p))
    {
        errors.push(FieldError::new("preset", "unknown_value").with("allowed", PRESETS.join(", ")));
    }
    for s in sections() {
        (s.check)(section(doc, s.key), &mut errors);
    }
    errors.finish().map_err(StoreError::from)
}

impl Store {
    /// The effective policy of an organisation in scope.
    pub async fn effective_policy(&self, who: &Principal, org_id: i64) -> Result<EffectivePolicy> {
        self.get_org(who.scope(), org_id).await?;
        let mut tx = self.db.read().await?;
        let settings = settings_along(&mut tx, org_id).await?;
        tx.commit().await?;
        Ok(EffectivePolicy {
            org_id,
            policy: effective(&settings),
            own: settings.last().cloned().unwrap_or_default(),
        })
    }

    /// Replaces what an organisation sets: its preset and overrides. Brand staff may set
    /// any organisation in scope; dealer and group managers only their own, and only
    /// where the policy above them lets dealers edit (`dealers_may_edit`).
    pub async fn set_policy(&self, who: &Principal, org_id: i64, setting: PolicySetting) -> Result<EffectivePolicy> {
        let org_kind = self.get_org(who.scope(), org_id).await?.kind;
        self.authorize(who, Permission::EditPolicy, "callback_policy").await?;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        let mut settings = settings_along(&mut tx, org_id).await?;
        let above = effective(&settings[..settings.len().saturating_sub(1)]);
        let dealers_may_edit = above.get("dealers_may_edit").and_then(Value::as_bool).unwrap_or(false);
        let brand_side = matches!(who.org_kind, OrgKind::Brand | OrgKind::Region);
        if !brand_side && (!dealers_may_edit || org_kind == OrgKind::Brand) {
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
            if !PRESETS.contains(&p.as_str()) {
                return Err(Invalid(vec![
                    FieldError::new("preset", "unknown_value").with("allowed", PRESETS.join(", "))
                ])
                .into());
            }
        }
        if let Some(last) = settings.last_mut() {
            *last = setting.clone();
        }
        let policy = effective(&settings);
        check(&policy)?;
        tx.execute(
            &stmt(
                "INSERT INTO policies (org_id, preset, overrides, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5) \
                ON CONFLICT (org_id) DO UPDATE SET preset = excluded.preset, overrides = excluded.overrides, \
                updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            )
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
}
