//! The append-only audit log: who did what to which record, and when. The database
//! refuses every UPDATE and DELETE on it (triggers on both backends).

use crate::core::db::{stmt, Tx};
use crate::core::error::{Result, StoreError};
use crate::core::page::{self, Page};
use crate::core::principal::Principal;
use crate::Store;
use chrono::{DateTime, Utc};
use dcrc_domain::Permission;
use serde::Serialize;

/// Who acted: a user, or the system (the command line, a scheduled job).
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub name: String,
    pub ip: Option<String>,
}

impl Actor {
    pub fn system(name: &str) -> Self {
        Self {
            user_id: None,
            name: name.to_string(),
            ip: None,
        }
    }
}

impl From<&Principal> for Actor {
    fn from(p: &Principal) -> Self {
        Self {
            user_id: Some(p.user_id),
            name: p.username.clone(),
            ip: p.ip.clone(),
        }
    }
}

/// What happened.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<String>,
    /// The organisation the record belongs to; decides who may read the entry.
    pub org_id: Option<i64>,
    pub detail: serde_json::Value,
}

impl<'a> Event<'a> {
    /// An event about one record of an organisation (the common case).
    pub fn on(
        action: &'a str,
        entity: &'a str,
        entity_id: impl ToString,
        org_id: i64,
        detail: serde_json::Value,
    ) -> Self {
        Self {
            action,
            entity,
            entity_id: Some(entity_id.to_string()),
            org_id: Some(org_id),
            detail,
        }
    }
}

/// Appends one entry inside the caller's transaction, so the entry exists exactly when
/// the change it describes does.
pub async fn record(tx: &mut Tx, at_ms: i64, actor: &Actor, event: Event<'_>) -> Result<()> {
    tx.execute(
        &stmt(
            "INSERT INTO audit_log (at, actor_user_id, actor_name, org_id, action, entity, entity_id, detail, ip) \
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(at_ms)
        .bind(actor.user_id)
        .bind(&actor.name)
        .bind(event.org_id)
        .bind(event.action)
        .bind(event.entity)
        .bind(event.entity_id)
        .bind(event.detail.to_string())
        .bind(actor.ip.clone()),
    )
    .await?;
    Ok(())
}

/// One audit entry.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_user_id: Option<i64>,
    pub actor_name: String,
    pub org_id: Option<i64>,
    /// e.g. `create`, `update`, `deactivate`, `login_success`, `login_failure`,
    /// `permission_denied`, `export`, `reveal`.
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub detail: serde_json::Value,
    pub ip: Option<String>,
}

/// Filters for reading the log.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub action: Option<String>,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub actor_user_id: Option<i64>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

impl Store {
    /// Writes a standalone audit entry in its own transaction.
    pub async fn audit(&self, actor: &Actor, event: Event<'_>) -> Result<()> {
        let mut tx = self.db.begin().await?;
        record(&mut tx, self.now_ms(), actor, event).await?;
        tx.commit().await
    }

    /// Checks a permission; a refusal is itself audited.
    pub async fn authorize(&self, who: &Principal, permission: Permission, entity: &str) -> Result<()> {
        if who.can(permission) {
            return Ok(());
        }
        let detail = serde_json::json!({ "permission": format!("{permission:?}") });
        self.audit(
            &who.into(),
            Event {
                action: "permission_denied",
                entity,
                entity_id: None,
                org_id: Some(who.org_id),
                detail,
            },
        )
        .await?;
        Err(StoreError::Forbidden)
    }

    /// Newest first; only entries of organisations in the caller's scope (entries with
    /// no organisation, such as failed logins of unknown names, only for a tree's root).
    pub async fn list_audit(&self, who: &Principal, filter: &AuditFilter) -> Result<Page<AuditEntry>> {
        self.authorize(who, Permission::ReadAudit, "audit_log").await?;
        let limit = page::limit(filter.limit);
        let cursor = page::decode_cursor(filter.cursor.as_deref())?;
        let mut query = stmt("SELECT a.id, a.at, a.actor_user_id, a.actor_name, a.org_id, a.action, a.entity, a.entity_id, a.detail, a.ip \
                           FROM audit_log a LEFT JOIN orgs o ON o.id = a.org_id WHERE ");
        let pattern = query.param(who.scope().like_pattern());
        if who.scope().is_root() {
            query.push_sql(&format!("(o.path LIKE {pattern} OR a.org_id IS NULL)"));
        } else {
            query.push_sql(&format!("o.path LIKE {pattern}"));
        }
        if let Some(v) = &filter.action {
            let p = query.param(v);
            query.push_sql(&format!(" AND a.action = {p}"));
        }
        if let Some(v) = &filter.entity {
            let p = query.param(v);
            query.push_sql(&format!(" AND a.entity = {p}"));
        }
        if let Some(v) = &filter.entity_id {
            let p = query.param(v);
            query.push_sql(&format!(" AND a.entity_id = {p}"));
        }
        if let Some(v) = filter.actor_user_id {
            let p = query.param(v);
            query.push_sql(&format!(" AND a.actor_user_id = {p}"));
        }
        if let Some(c) = cursor {
            let p = query.param(c);
            query.push_sql(&format!(" AND a.id < {p}"));
        }
        let p = query.param(limit + 1);
        query.push_sql(&format!(" ORDER BY a.id DESC LIMIT {p}"));
        let rows = self.db.fetch_all(&query).await?;
        let items = rows
            .iter()
            .map(|r| {
                Ok(AuditEntry {
                    id: r.i64("id")?,
                    at: dcrc_domain::clock::ms_to_time(r.i64("at")?),
                    actor_user_id: r.opt_i64("actor_user_id")?,
                    actor_name: r.text("actor_name")?,
                    org_id: r.opt_i64("org_id")?,
                    action: r.text("action")?,
                    entity: r.text("entity")?,
                    entity_id: r.opt_text("entity_id")?,
                    detail: serde_json::from_str(&r.text("detail")?).unwrap_or(serde_json::Value::Null),
                    ip: r.opt_text("ip")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(page::paginate(items, limit, |e| e.id))
    }
}
