//! Users and their roles.

use crate::capabilities::accounts::data::orgs::Org;
use crate::core::access::Authority;
use crate::core::audit::{self, Actor, Event};
use crate::core::db::{stmt, Row, Tx};
use crate::core::error::{Result, StoreError};
use crate::core::page::{self, Page};
use crate::core::principal::Principal;
use crate::core::secret;
use crate::Store;
use chrono::{DateTime, Utc};
use dcrc_domain::clock::ms_to_time;
use dcrc_domain::{validation, FieldError, Invalid, Lang, Permission, Role};
use serde::{Deserialize, Serialize};

/// A user account. The password hash never leaves the store.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub org_id: i64,
    pub roles: Vec<Role>,
    /// Preferred language; `null` follows the browser.
    pub locale: Option<Lang>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Input for a new user.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub username: String,
    pub password: String,
    pub display_name: String,
    pub org_id: i64,
    pub roles: Vec<Role>,
    #[serde(default)]
    pub locale: Option<Lang>,
}

/// A change to a user; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    pub display_name: Option<String>,
    pub org_id: Option<i64>,
    pub roles: Option<Vec<Role>>,
    pub locale: Option<Lang>,
    /// `false` deactivates the account and ends its sessions and tokens.
    pub active: Option<bool>,
    /// An administrator's password reset; ends the user's sessions and tokens.
    pub password: Option<String>,
}

/// Filters for listing users.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub org_id: Option<i64>,
    pub role: Option<Role>,
    pub active: Option<bool>,
    pub q: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

const USER_COLUMNS: &str = "u.id, u.username, u.display_name, u.org_id, u.locale, u.active, u.created_at, u.updated_at";

fn user_from_row(r: &Row) -> Result<User> {
    Ok(User {
        id: r.i64("id")?,
        username: r.text("username")?,
        display_name: r.text("display_name")?,
        org_id: r.i64("org_id")?,
        roles: Vec::new(),
        locale: r.opt_text("locale")?.as_deref().and_then(Lang::from_tag),
        active: r.bool("active")?,
        created_at: ms_to_time(r.i64("created_at")?),
        updated_at: ms_to_time(r.i64("updated_at")?),
    })
}

/// Loads the roles of many users with one query.
async fn attach_roles(store: &Store, who: &impl Authority, users: &mut [User]) -> Result<()> {
    if users.is_empty() {
        return Ok(());
    }
    let mut query = stmt("SELECT user_id, role FROM user_roles WHERE user_id IN (");
    let params: Vec<String> = users.iter().map(|u| query.param(u.id)).collect();
    query.push_sql(&params.join(", "));
    query.push_sql(") ORDER BY user_id, role");
    for row in store.access(who).fetch_all(&query).await? {
        let uid = row.i64("user_id")?;
        if let (Some(user), Some(role)) = (users.iter_mut().find(|u| u.id == uid), Role::parse(&row.text("role")?)) {
            user.roles.push(role);
        }
    }
    for user in users.iter_mut() {
        user.roles.sort();
    }
    Ok(())
}

fn check_roles(roles: &[Role], org: &Org, errors: &mut Invalid) {
    if roles.is_empty() {
        errors.push(FieldError::new("roles", "required"));
    }
    for role in roles {
        if !role.fits_org(org.kind) {
            errors.push(
                FieldError::new("roles", "role_not_for_org_kind")
                    .with("role", role.as_str())
                    .with("kind", org.kind.as_str()),
            );
        }
    }
}

/// Roles a principal may hand out: any role a user administrator holds the permission to
/// manage, except `admin`, which only an administrator of an organisation above the user's
/// (or of the brand at the top of the tree) may grant — so a dealer's administrator cannot
/// make more administrators of its own dealer, least of all itself.
fn check_grants(who: &Principal, org: &Org, added: &[Role], errors: &mut Invalid) {
    for role in added {
        let may = match role {
            Role::Admin => {
                who.roles().contains(&Role::Admin)
                    && (who.org_id != org.id || who.org_kind == dcrc_domain::OrgKind::Brand)
            }
            _ => true,
        };
        if !may {
            errors.push(FieldError::new("roles", "cannot_grant_role").with("role", role.as_str()));
        }
    }
}

/// Refuses a change that would leave a brand without an active administrator. Locks the
/// brand's row first, so two administrators demoting each other at once cannot both pass.
async fn keep_a_brand_admin(tx: &mut Tx, brand_id: i64, leaving: i64) -> Result<()> {
    tx.lock_row("orgs", brand_id).await?;
    let others = tx
        .fetch_one(
            &stmt(
                "SELECT COUNT(*) AS n FROM users u JOIN user_roles r ON r.user_id = u.id \
                WHERE u.org_id = $1 AND u.active = TRUE AND r.role = 'admin' AND u.id <> $2",
            )
            .bind(brand_id)
            .bind(leaving),
        )
        .await?
        .i64("n")?;
    if others == 0 {
        return Err(StoreError::Conflict {
            code: "last_brand_admin",
            field: Some("roles"),
        });
    }
    Ok(())
}

/// A validated user ready to be stored.
pub(crate) struct UserRecord<'a> {
    pub org_id: i64,
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub roles: &'a [Role],
    pub locale: Option<Lang>,
}

pub(crate) async fn insert_user(tx: &mut Tx, now: i64, user: &UserRecord<'_>) -> Result<i64> {
    let UserRecord {
        org_id,
        username,
        display_name,
        password_hash: hash,
        roles,
        locale,
    } = *user;
    let row = tx
        .fetch_one(
            &stmt("INSERT INTO users (org_id, username, display_name, password_hash, locale, active, failed_logins, password_changed_at, created_at, updated_at) \
                VALUES ($1, $2, $3, $4, $5, TRUE, 0, $6, $6, $6) RETURNING id")
            .bind(org_id)
            .bind(username)
            .bind(display_name)
            .bind(hash)
            .bind(locale.map(Lang::code))
            .bind(now),
        )
        .await
        .map_err(|e| if e.is_unique_violation() { StoreError::Conflict { code: "username_taken", field: Some("username") } } else { e })?;
    let id = row.i64("id")?;
    set_roles(tx, id, roles).await?;
    Ok(id)
}

async fn set_roles(tx: &mut Tx, user_id: i64, roles: &[Role]) -> Result<()> {
    tx.execute(&stmt("DELETE FROM user_roles WHERE user_id = $1").bind(user_id))
        .await?;
    let mut unique = roles.to_vec();
    unique.sort();
    unique.dedup();
    for role in unique {
        tx.execute(
            &stmt("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
                .bind(user_id)
                .bind(role.as_str()),
        )
        .await?;
    }
    Ok(())
}

impl Store {
    /// A user in the caller's scope, or `NotFound`.
    pub async fn get_user(&self, who: &Principal, id: i64) -> Result<User> {
        let row = self.scoped_row(who, "users", "u", USER_COLUMNS, id, "").await?;
        let mut users = vec![user_from_row(&row)?];
        attach_roles(self, who, &mut users).await?;
        users.pop().ok_or(StoreError::NotFound)
    }

    /// Users in scope, in id order.
    /// How many accounts are in the caller's scope (the user list's total).
    pub async fn count_users(&self, who: &Principal) -> Result<i64> {
        self.authorize(who, Permission::ViewDirectory, "user").await?;
        let mut query = stmt("SELECT COUNT(*) AS n FROM users u JOIN orgs o ON o.id = u.org_id WHERE o.path LIKE ");
        let p = query.param(who.scope().like_pattern());
        query.push_sql(&p);
        self.access(who).fetch_one(&query).await?.i64("n")
    }

    pub async fn list_users(&self, who: &Principal, filter: &UserFilter) -> Result<Page<User>> {
        self.authorize(who, Permission::ViewDirectory, "user").await?;
        let limit = page::limit(filter.limit);
        let cursor = page::decode_cursor(filter.cursor.as_deref())?;
        let mut query = stmt(format!(
            "SELECT {USER_COLUMNS} FROM users u JOIN orgs o ON o.id = u.org_id WHERE o.path LIKE "
        ));
        let p = query.param(who.scope().like_pattern());
        query.push_sql(&p);
        if let Some(org) = filter.org_id {
            let p = query.param(org);
            query.push_sql(&format!(" AND u.org_id = {p}"));
        }
        if let Some(role) = filter.role {
            let p = query.param(role.as_str());
            query.push_sql(&format!(
                " AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = {p})"
            ));
        }
        if let Some(active) = filter.active {
            let p = query.param(active);
            query.push_sql(&format!(" AND u.active = {p}"));
        }
        if let Some(text) = filter.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let p = query.param(format!("%{}%", crate::core::dialect::like_escape(text)));
            let like = crate::core::dialect::ilike(self.access(who).backend());
            query.push_sql(&format!(
                " AND (u.username {like} {p} ESCAPE '\\' OR u.display_name {like} {p} ESCAPE '\\')"
            ));
        }
        if let Some(c) = cursor {
            let p = query.param(c);
            query.push_sql(&format!(" AND u.id > {p}"));
        }
        let p = query.param(limit + 1);
        query.push_sql(&format!(" ORDER BY u.id LIMIT {p}"));
        let rows = self.access(who).fetch_all(&query).await?;
        let mut items = rows.iter().map(user_from_row).collect::<Result<Vec<_>>>()?;
        attach_roles(self, who, &mut items).await?;
        Ok(page::paginate(items, limit, |u| u.id))
    }

    /// Creates a user in an org in scope.
    pub async fn create_user(&self, who: &Principal, input: NewUser) -> Result<User> {
        self.authorize(who, Permission::ManageUsers, "user").await?;
        let org = self.get_org(who.scope(), input.org_id).await?;
        let mut errors = Invalid::default();
        let username = validation::username("username", &input.username, &mut errors);
        validation::password("password", &input.password, &username, &mut errors);
        let display_name = validation::text("display_name", &input.display_name, 64, &mut errors);
        check_roles(&input.roles, &org, &mut errors);
        check_grants(who, &org, &input.roles, &mut errors);
        if !org.active {
            errors.push(FieldError::new("org_id", "org_inactive"));
        }
        errors.finish()?;
        let hash = secret::hash_password_blocking(input.password).await?;
        let now = self.now_ms();
        let mut tx = self.access(who).begin().await?;
        let record = UserRecord {
            org_id: org.id,
            username: &username,
            display_name: &display_name,
            password_hash: &hash,
            roles: &input.roles,
            locale: input.locale,
        };
        let id = insert_user(&mut tx, now, &record).await?;
        let detail = serde_json::json!({ "username": username, "display_name": display_name, "org_id": org.id, "roles": input.roles });
        audit::record(
            &mut tx,
            now,
            &Actor::from(who),
            Event::on("create", "user", id, org.id, detail),
        )
        .await?;
        tx.commit().await?;
        self.get_user(who, id).await
    }

    /// Changes a user in scope; moving to another org requires that org in scope too.
    pub async fn update_user(&self, who: &Principal, id: i64, patch: UserPatch) -> Result<User> {
        let before = self.get_user(who, id).await?;
        let self_service = id == who.user_id
            && patch.org_id.is_none()
            && patch.roles.is_none()
            && patch.active.is_none()
            && patch.password.is_none();
        if !self_service {
            self.authorize(who, Permission::ManageUsers, "user").await?;
        }
        let org = self.get_org(who.scope(), patch.org_id.unwrap_or(before.org_id)).await?;
        let mut errors = Invalid::default();
        let display_name = patch
            .display_name
            .as_deref()
            .map(|n| validation::text("display_name", n, 64, &mut errors));
        let mut roles = patch.roles.clone().unwrap_or_else(|| before.roles.clone());
        roles.sort();
        roles.dedup();
        let roles_changed = roles != before.roles;
        if patch.roles.is_some() || patch.org_id.is_some() {
            check_roles(&roles, &org, &mut errors);
        }
        if let Some(pw) = &patch.password {
            validation::password("password", pw, &before.username, &mut errors);
        }
        if id == who.user_id && patch.active == Some(false) {
            errors.push(FieldError::new("active", "cannot_deactivate_self"));
        }
        if id == who.user_id && roles_changed {
            errors.push(FieldError::new("roles", "cannot_change_own_roles"));
        }
        if id == who.user_id && org.id != before.org_id {
            errors.push(FieldError::new("org_id", "cannot_change_own_org"));
        }
        let added: Vec<Role> = roles.iter().filter(|r| !before.roles.contains(r)).copied().collect();
        check_grants(who, &org, &added, &mut errors);
        if patch.org_id.is_some() && !org.active {
            errors.push(FieldError::new("org_id", "org_inactive"));
        }
        errors.finish()?;
        let hash = match patch.password.clone() {
            Some(pw) => Some(secret::hash_password_blocking(pw).await?),
            None => None,
        };
        let now = self.now_ms();
        let active = patch.active.unwrap_or(before.active);
        let locale = patch.locale.or(before.locale);
        let mut tx = self.access(who).begin().await?;
        let was_brand_admin = before.roles.contains(&Role::Admin) && before.active;
        let stays_brand_admin = roles.contains(&Role::Admin) && active && org.id == before.org_id;
        if was_brand_admin && !stays_brand_admin {
            let home = tx
                .fetch_one(&stmt("SELECT kind FROM orgs WHERE id = $1").bind(before.org_id))
                .await?
                .text("kind")?;
            if home == dcrc_domain::OrgKind::Brand.as_str() {
                keep_a_brand_admin(&mut tx, before.org_id, id).await?;
            }
        }
        tx.execute(
            &stmt("UPDATE users SET display_name = $1, org_id = $2, locale = $3, active = $4, updated_at = $5 WHERE id = $6")
                .bind(display_name.clone().unwrap_or_else(|| before.display_name.clone()))
                .bind(org.id)
                .bind(locale.map(Lang::code))
                .bind(active)
                .bind(now)
                .bind(id),
        )
        .await?;
        if roles_changed {
            set_roles(&mut tx, id, &roles).await?;
        }
        if let Some(hash) = &hash {
            // A reset by an administrator also lifts the account's login throttle.
            tx.execute(
                &stmt("DELETE FROM login_throttle WHERE throttle_key = $1 OR throttle_key LIKE $2 ESCAPE '\\'")
                    .bind(format!("account:{}", before.username))
                    .bind(format!(
                        "pair:{}@%",
                        crate::core::dialect::like_escape(&before.username)
                    )),
            )
            .await?;
            tx.execute(
                &stmt("UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3")
                    .bind(hash)
                    .bind(now)
                    .bind(id),
            )
            .await?;
        }
        if !active || hash.is_some() || patch.org_id.is_some_and(|o| o != before.org_id) || roles_changed {
            crate::core::auth::revoke_all(&mut tx, id, now, None).await?;
        }
        let action = match (before.active, active) {
            (true, false) => "deactivate",
            (false, true) => "activate",
            _ => "update",
        };
        let detail = serde_json::json!({
            "before": { "display_name": before.display_name, "org_id": before.org_id, "roles": before.roles, "active": before.active },
            "after": { "display_name": display_name, "org_id": org.id, "roles": roles, "active": active, "password_reset": hash.is_some() },
        });
        audit::record(
            &mut tx,
            now,
            &Actor::from(who),
            Event {
                action,
                entity: "user",
                entity_id: Some(id.to_string()),
                org_id: Some(org.id),
                detail,
            },
        )
        .await?;
        tx.commit().await?;
        self.get_user(who, id).await
    }
}
