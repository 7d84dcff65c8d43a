//! The organisation tree. Each org stores its materialised path (`/1/4/9/`), so "this org
//! and everything below it" is one indexed prefix match.

use crate::core::access::Authority;
use crate::core::audit::{self, Actor, Event};
use crate::core::db::{stmt, Row, Tx};
use crate::core::error::{Result, StoreError};
use crate::core::page::{self, Page};
use crate::core::principal::{Principal, Scope};
use crate::Store;
use chrono::{DateTime, Utc};
use dcrc_domain::clock::ms_to_time;
use dcrc_domain::{validation, FieldError, Invalid, OrgKind, Permission};
use serde::{Deserialize, Serialize};

/// An organisation: a brand, region, dealer group or dealer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Org {
    pub id: i64,
    /// The parent organisation; `null` for a brand (a tree's root).
    pub parent_id: Option<i64>,
    pub kind: OrgKind,
    pub name: String,
    /// Optional external code (the brand's dealer code, say); unique when present.
    pub code: Option<String>,
    /// Depth in the tree; a brand is 0.
    pub depth: i64,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(skip)]
    pub path: String,
}

const ORG_COLUMNS: &str = "id, parent_id, kind, name, code, path, depth, active, created_at, updated_at";

fn org_from_row(r: &Row) -> Result<Org> {
    let kind = r.text("kind")?;
    Ok(Org {
        id: r.i64("id")?,
        parent_id: r.opt_i64("parent_id")?,
        kind: OrgKind::parse(&kind).ok_or_else(|| StoreError::Internal(format!("unknown org kind {kind}")))?,
        name: r.text("name")?,
        code: r.opt_text("code")?,
        path: r.text("path")?,
        depth: r.i64("depth")?,
        active: r.bool("active")?,
        created_at: ms_to_time(r.i64("created_at")?),
        updated_at: ms_to_time(r.i64("updated_at")?),
    })
}

/// Input for a new organisation.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrg {
    pub name: String,
    pub kind: OrgKind,
    /// Required for every kind but `brand`; must be in the caller's scope.
    pub parent_id: Option<i64>,
    #[serde(default)]
    pub code: Option<String>,
}

/// A change to an organisation; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgPatch {
    pub name: Option<String>,
    /// Set to `""` to clear.
    pub code: Option<String>,
    /// `false` deactivates (only an org with no active children or users).
    pub active: Option<bool>,
}

/// Filters for listing organisations.
#[derive(Debug, Clone, Default)]
pub struct OrgFilter {
    pub kind: Option<OrgKind>,
    pub parent_id: Option<i64>,
    pub active: Option<bool>,
    pub q: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

fn validate_code(code: Option<&str>, errors: &mut Invalid) -> Option<String> {
    let code = code.map(str::trim).filter(|c| !c.is_empty())?;
    if code.len() > 32 || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        errors.push(FieldError::new("code", "org_code_format"));
    }
    Some(code.to_string())
}

/// Inserts an org under `parent` (or as a root) and fills in its path; used by the API
/// and by `dcrc init`.
pub(crate) async fn insert_org(
    tx: &mut Tx,
    now: i64,
    parent: Option<&Org>,
    kind: OrgKind,
    name: &str,
    code: Option<&str>,
) -> Result<Org> {
    let depth = parent.map(|p| p.depth + 1).unwrap_or(0);
    let row = tx
        .fetch_one(
            &stmt(
                "INSERT INTO orgs (parent_id, kind, name, code, path, depth, active, created_at, updated_at) \
                VALUES ($1, $2, $3, $4, '', $5, TRUE, $6, $6) RETURNING id",
            )
            .bind(parent.map(|p| p.id))
            .bind(kind.as_str())
            .bind(name)
            .bind(code)
            .bind(depth)
            .bind(now),
        )
        .await
        .map_err(conflict_on_code)?;
    let id = row.i64("id")?;
    let path = format!("{}{id}/", parent.map(|p| p.path.as_str()).unwrap_or("/"));
    tx.execute(&stmt("UPDATE orgs SET path = $1 WHERE id = $2").bind(&path).bind(id))
        .await?;
    let row = tx
        .fetch_one(&stmt(format!("SELECT {ORG_COLUMNS} FROM orgs WHERE id = $1")).bind(id))
        .await?;
    org_from_row(&row)
}

fn conflict_on_code(e: StoreError) -> StoreError {
    if e.is_unique_violation() {
        StoreError::Conflict {
            code: "org_code_taken",
            field: Some("code"),
        }
    } else {
        e
    }
}

impl Store {
    /// An org in the caller's scope, or `NotFound`.
    pub async fn get_org(&self, scope: &Scope, id: i64) -> Result<Org> {
        let row = self
            .access(scope)
            .fetch_optional(
                &stmt(format!("SELECT {ORG_COLUMNS} FROM orgs WHERE id = $1 AND path LIKE $2"))
                    .bind(id)
                    .bind(scope.like_pattern()),
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        org_from_row(&row)
    }

    /// Orgs in scope, in id order.
    pub async fn list_orgs(&self, who: &Principal, filter: &OrgFilter) -> Result<Page<Org>> {
        self.authorize(who, Permission::ViewDirectory, "org").await?;
        let limit = page::limit(filter.limit);
        let cursor = page::decode_cursor(filter.cursor.as_deref())?;
        let mut query = stmt(format!("SELECT {ORG_COLUMNS} FROM orgs WHERE path LIKE "));
        let p = query.param(who.scope().like_pattern());
        query.push_sql(&p);
        if let Some(kind) = filter.kind {
            let p = query.param(kind.as_str());
            query.push_sql(&format!(" AND kind = {p}"));
        }
        if let Some(parent) = filter.parent_id {
            let p = query.param(parent);
            query.push_sql(&format!(" AND parent_id = {p}"));
        }
        if let Some(active) = filter.active {
            let p = query.param(active);
            query.push_sql(&format!(" AND active = {p}"));
        }
        if let Some(text) = filter.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let p = query.param(format!("%{}%", crate::core::dialect::like_escape(text)));
            let like = crate::core::dialect::ilike(self.access(who).backend());
            query.push_sql(&format!(
                " AND (name {like} {p} ESCAPE '\\' OR code {like} {p} ESCAPE '\\')"
            ));
        }
        if let Some(c) = cursor {
            let p = query.param(c);
            query.push_sql(&format!(" AND id > {p}"));
        }
        let p = query.param(limit + 1);
        query.push_sql(&format!(" ORDER BY id LIMIT {p}"));
        let rows = self.access(who).fetch_all(&query).await?;
        let items = rows.iter().map(org_from_row).collect::<Result<Vec<_>>>()?;
        Ok(page::paginate(items, limit, |o| o.id))
    }

    /// Creates an org under a parent in scope.
    pub async fn create_org(&self, who: &Principal, input: NewOrg) -> Result<Org> {
        self.authorize(who, Permission::ManageOrgs, "org").await?;
        let mut errors = Invalid::default();
        let name = validation::text("name", &input.name, 100, &mut errors);
        let code = validate_code(input.code.as_deref(), &mut errors);
        let parent = match (input.kind, input.parent_id) {
            (OrgKind::Brand, _) => {
                errors.push(FieldError::new("kind", "brand_is_root"));
                None
            }
            (_, None) => {
                errors.push(FieldError::new("parent_id", "required"));
                None
            }
            (_, Some(pid)) => Some(self.get_org(who.scope(), pid).await?),
        };
        if let Some(parent) = &parent {
            if !parent.kind.may_contain(input.kind) {
                errors.push(FieldError::new("kind", "org_kind_not_allowed").with("parent", parent.kind.as_str()));
            }
            if !parent.active {
                errors.push(FieldError::new("parent_id", "org_inactive"));
            }
        }
        errors.finish()?;
        let now = self.now_ms();
        let mut tx = self.access(who).begin().await?;
        let org = insert_org(&mut tx, now, parent.as_ref(), input.kind, &name, code.as_deref()).await?;
        let detail =
            serde_json::json!({ "name": org.name, "kind": org.kind, "parent_id": org.parent_id, "code": org.code });
        audit::record(
            &mut tx,
            now,
            &Actor::from(who),
            Event::on("create", "org", org.id, org.id, detail),
        )
        .await?;
        tx.commit().await?;
        Ok(org)
    }

    /// Renames, recodes, deactivates or reactivates an org in scope.
    pub async fn update_org(&self, who: &Principal, id: i64, patch: OrgPatch) -> Result<Org> {
        let before = self.get_org(who.scope(), id).await?;
        self.authorize(who, Permission::ManageOrgs, "org").await?;
        let mut errors = Invalid::default();
        let name = patch
            .name
            .as_deref()
            .map(|n| validation::text("name", n, 100, &mut errors));
        let code = patch.code.as_deref().map(|c| validate_code(Some(c), &mut errors));
        if patch.active == Some(false) && id == who.org_id {
            errors.push(FieldError::new("active", "cannot_deactivate_own_org"));
        }
        errors.finish()?;
        let now = self.now_ms();
        let mut tx = self.access(who).begin().await?;
        if patch.active == Some(false) && before.active {
            let busy = tx
                .fetch_one(
                    &stmt(
                        "SELECT (SELECT COUNT(*) FROM orgs WHERE parent_id = $1 AND active = TRUE) + \
                        (SELECT COUNT(*) FROM users WHERE org_id = $1 AND active = TRUE) AS n",
                    )
                    .bind(id),
                )
                .await?
                .i64("n")?;
            if busy > 0 {
                return Err(StoreError::Conflict {
                    code: "org_not_empty",
                    field: Some("active"),
                });
            }
        }
        if patch.active == Some(true) && !before.active {
            if let Some(pid) = before.parent_id {
                let parent_active = tx
                    .fetch_one(&stmt("SELECT active FROM orgs WHERE id = $1").bind(pid))
                    .await?
                    .bool("active")?;
                if !parent_active {
                    return Err(StoreError::Conflict {
                        code: "org_inactive",
                        field: Some("active"),
                    });
                }
            }
        }
        let new_name = name.unwrap_or_else(|| before.name.clone());
        let new_code = code.unwrap_or_else(|| before.code.clone());
        let new_active = patch.active.unwrap_or(before.active);
        tx.execute(
            &stmt("UPDATE orgs SET name = $1, code = $2, active = $3, updated_at = $4 WHERE id = $5")
                .bind(&new_name)
                .bind(new_code.clone())
                .bind(new_active)
                .bind(now)
                .bind(id),
        )
        .await
        .map_err(conflict_on_code)?;
        let action = match (before.active, new_active) {
            (true, false) => "deactivate",
            (false, true) => "activate",
            _ => "update",
        };
        let detail = serde_json::json!({
            "before": { "name": before.name, "code": before.code, "active": before.active },
            "after": { "name": new_name, "code": new_code, "active": new_active },
        });
        audit::record(
            &mut tx,
            now,
            &Actor::from(who),
            Event {
                action,
                entity: "org",
                entity_id: Some(id.to_string()),
                org_id: Some(id),
                detail,
            },
        )
        .await?;
        tx.commit().await?;
        self.get_org(who.scope(), id).await
    }

    /// Every org in scope in tree order (each followed by its subtree), at most 5,000,
    /// for pickers and the tree view.
    pub async fn org_tree(&self, who: &Principal) -> Result<Vec<Org>> {
        self.authorize(who, Permission::ViewDirectory, "org").await?;
        let rows = self
            .access(who)
            .fetch_all(
                &stmt(format!(
                    "SELECT {ORG_COLUMNS} FROM orgs WHERE path LIKE $1 ORDER BY path LIMIT 5000"
                ))
                .bind(who.scope().like_pattern()),
            )
            .await?;
        rows.iter().map(org_from_row).collect()
    }

    /// The chain from a tree's root down to the org (for breadcrumbs and notifications).
    pub async fn org_ancestors(&self, who: &impl Authority, org: &Org) -> Result<Vec<Org>> {
        let ids: Vec<i64> = org.path.split('/').filter_map(|s| s.parse().ok()).collect();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let row = self
                .access(who)
                .fetch_one(&stmt(format!("SELECT {ORG_COLUMNS} FROM orgs WHERE id = $1")).bind(id))
                .await?;
            out.push(org_from_row(&row)?);
        }
        Ok(out)
    }
}
