//! Logging in, sessions and API tokens, throttling, password changes.
//!
//! A web session and an API token are the same thing underneath: a random secret whose
//! SHA-256 is stored with an expiry. Sessions travel in an HttpOnly cookie and carry a
//! CSRF token; API tokens travel in `Authorization: Bearer`.

use crate::core::audit::{self, Actor, Event};
use crate::core::db::{stmt, Tx};
use crate::core::error::{Result, StoreError};
use crate::core::login_throttle;
use crate::core::principal::Principal;
use crate::core::secret;
use crate::Store;
use chrono::{DateTime, Utc};
use dcrc_domain::clock::ms_to_time;
use dcrc_domain::{validation, FieldError, Invalid};
use serde::Serialize;

/// How a token is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Browser session (cookie).
    Web,
    /// `POST /api/v1/auth/login` or a named personal token.
    Api,
}

impl TokenKind {
    fn as_str(self) -> &'static str {
        match self {
            TokenKind::Web => "web",
            TokenKind::Api => "api",
        }
    }
}

/// Why a login failed. Wrong user and wrong password are one case on purpose.
#[derive(Debug)]
pub enum LoginError {
    BadCredentials,
    /// Too many failures; try again after this time.
    Locked(DateTime<Utc>),
    Store(StoreError),
}

impl From<StoreError> for LoginError {
    fn from(e: StoreError) -> Self {
        LoginError::Store(e)
    }
}

/// A successful login.
#[derive(Debug)]
pub struct Login {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub principal: Principal,
}

/// A named API token as listed to its owner (never the secret itself).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TokenInfo {
    pub id: i64,
    /// `web` for a browser session, `api` for a bearer token.
    pub kind: String,
    pub name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A real Argon2id hash of a random password, verified when the user does not exist so
/// that unknown and known usernames take the same time.
fn dummy_hash() -> String {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY
        .get_or_init(|| {
            secret::new_password()
                .and_then(|p| secret::hash_password(&p))
                .unwrap_or_default()
        })
        .clone()
}

async fn issue_token(
    tx: &mut Tx,
    user_id: i64,
    kind: TokenKind,
    name: Option<&str>,
    now: i64,
    expires: i64,
) -> Result<(String, i64, String)> {
    let token = secret::new_token()?;
    let csrf = secret::new_token()?;
    let row = tx
        .fetch_one(
            &stmt(
                "INSERT INTO auth_tokens (token_hash, kind, user_id, name, csrf_token, created_at, expires_at) \
                VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(secret::token_hash(&token))
            .bind(kind.as_str())
            .bind(user_id)
            .bind(name)
            .bind(&csrf)
            .bind(now)
            .bind(expires),
        )
        .await?;
    Ok((token, row.i64("id")?, csrf))
}

/// Ends every session and token of a user, except `keep` (the caller's own session).
pub(crate) async fn revoke_all(tx: &mut Tx, user_id: i64, now: i64, keep: Option<i64>) -> Result<u64> {
    tx.execute(
        &stmt("UPDATE auth_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL AND id <> $3")
            .bind(now)
            .bind(user_id)
            .bind(keep.unwrap_or(-1)),
    )
    .await
}

impl Store {
    /// Checks a username and password, with lockout after repeated failures.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        kind: TokenKind,
        ip: Option<String>,
    ) -> std::result::Result<Login, LoginError> {
        let now = self.now_ms();
        let policy = self.auth_policy.clone();
        let username = username.trim().to_ascii_lowercase();
        // The attempt is counted first, and committed before the (slow) password check.
        let mut tx = self.db.begin().await?;
        let locked = login_throttle::count_attempt(&mut tx, &policy, now, &username, ip.as_deref()).await?;
        tx.commit().await?;
        let row = self
            .db
            .fetch_optional(
                &stmt(
                    "SELECT u.id, u.org_id, u.password_hash, u.active AND o.active AS usable \
                    FROM users u JOIN orgs o ON o.id = u.org_id WHERE u.username = $1",
                )
                .bind(&username),
            )
            .await?;
        let known = row
            .as_ref()
            .map(|r| Ok::<_, StoreError>((r.i64("id")?, r.i64("org_id")?)))
            .transpose()?;
        let actor = Actor {
            user_id: known.map(|k| k.0),
            name: username.clone(),
            ip: ip.clone(),
        };
        let failure = |reason: &'static str| Event {
            action: "login_failure",
            entity: "user",
            entity_id: known.map(|k| k.0.to_string()),
            org_id: known.map(|k| k.1),
            detail: serde_json::json!({ "reason": reason }),
        };
        if let Some(until) = locked {
            self.audit(&actor, failure("throttled")).await?;
            return Err(LoginError::Locked(ms_to_time(until)));
        }
        let Some(row) = row else {
            secret::verify_password_blocking(password.to_string(), dummy_hash()).await;
            self.audit(&actor, failure("unknown_user")).await?;
            return Err(LoginError::BadCredentials);
        };
        let (user_id, org_id) = (row.i64("id")?, row.i64("org_id")?);
        let ok = secret::verify_password_blocking(password.to_string(), row.text("password_hash")?).await;
        if !ok || !row.bool("usable")? {
            let reason = if ok { "inactive" } else { "bad_password" };
            self.audit(&actor, failure(reason)).await?;
            return Err(LoginError::BadCredentials);
        }
        let mut tx = self.db.begin().await?;
        login_throttle::succeeded(&mut tx, &policy, &username, ip.as_deref()).await?;
        let expires = now + policy.session_hours * 3_600_000;
        let (token, _, _) = issue_token(&mut tx, user_id, kind, None, now, expires).await?;
        audit::record(
            &mut tx,
            now,
            &actor,
            Event::on(
                "login_success",
                "user",
                user_id,
                org_id,
                serde_json::json!({ "kind": kind.as_str() }),
            ),
        )
        .await?;
        tx.commit().await?;
        let principal = self.authenticate(&token, kind, ip).await?.ok_or(StoreError::NotFound)?;
        Ok(Login {
            token,
            expires_at: ms_to_time(expires),
            principal,
        })
    }

    /// Resolves a session cookie or bearer token to its user, if still valid.
    pub async fn authenticate(&self, token: &str, kind: TokenKind, ip: Option<String>) -> Result<Option<Principal>> {
        let now = self.now_ms();
        let row = self
            .db
            .fetch_optional(
                &stmt("SELECT t.id AS token_id, t.csrf_token, t.last_used_at, u.id AS user_id, u.username, u.display_name, u.locale, \
                    o.id AS org_id, o.name AS org_name, o.kind AS org_kind, o.path \
                    FROM auth_tokens t JOIN users u ON u.id = t.user_id JOIN orgs o ON o.id = u.org_id \
                    WHERE t.token_hash = $1 AND t.kind = $2 AND t.revoked_at IS NULL AND t.expires_at > $3 \
                    AND u.active = TRUE AND o.active = TRUE")
                .bind(secret::token_hash(token))
                .bind(kind.as_str())
                .bind(now),
            )
            .await?;
        let Some(row) = row else { return Ok(None) };
        let token_id = row.i64("token_id")?;
        // Recording every use would turn each read into a write; once a minute is enough.
        if row.opt_i64("last_used_at")?.is_none_or(|t| now - t > 60_000) {
            self.db
                .execute(
                    &stmt("UPDATE auth_tokens SET last_used_at = $1 WHERE id = $2")
                        .bind(now)
                        .bind(token_id),
                )
                .await?;
        }
        let csrf = row.text("csrf_token")?;
        Ok(Some(self.principal_from_row(&row, token_id, csrf, ip).await?))
    }

    /// Ends the caller's session or token.
    pub async fn logout(&self, who: &Principal) -> Result<()> {
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        tx.execute(
            &stmt("UPDATE auth_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(now)
                .bind(who.token_id),
        )
        .await?;
        audit::record(
            &mut tx,
            now,
            &who.into(),
            Event::on("logout", "user", who.user_id, who.org_id, serde_json::json!({})),
        )
        .await?;
        tx.commit().await
    }

    /// Changes the caller's own password after checking the current one; every other
    /// session and token of the user ends.
    pub async fn change_password(&self, who: &Principal, current: &str, new: &str) -> Result<()> {
        let mut errors = Invalid::default();
        validation::password("new_password", new, &who.username, &mut errors);
        if current == new {
            errors.push(FieldError::new("new_password", "password_unchanged"));
        }
        let hash = self
            .db
            .fetch_one(&stmt("SELECT password_hash FROM users WHERE id = $1").bind(who.user_id))
            .await?
            .text("password_hash")?;
        // Guessing the current password from a stolen session is throttled like a login.
        let mut tx = self.db.begin().await?;
        let throttled =
            login_throttle::count_password_check(&mut tx, &self.auth_policy, self.now_ms(), who.user_id).await?;
        tx.commit().await?;
        if throttled.is_some() {
            errors.push(FieldError::new("current_password", "too_many_attempts"));
        } else if secret::verify_password_blocking(current.to_string(), hash).await {
            let mut tx = self.db.begin().await?;
            login_throttle::password_check_passed(&mut tx, who.user_id).await?;
            tx.commit().await?;
        } else {
            errors.push(FieldError::new("current_password", "password_wrong"));
        }
        errors.finish()?;
        let hash = secret::hash_password_blocking(new.to_string()).await?;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        tx.execute(
            &stmt("UPDATE users SET password_hash = $1, password_changed_at = $2, updated_at = $2 WHERE id = $3")
                .bind(&hash)
                .bind(now)
                .bind(who.user_id),
        )
        .await?;
        revoke_all(&mut tx, who.user_id, now, Some(who.token_id)).await?;
        audit::record(
            &mut tx,
            now,
            &who.into(),
            Event::on(
                "password_change",
                "user",
                who.user_id,
                who.org_id,
                serde_json::json!({}),
            ),
        )
        .await?;
        tx.commit().await
    }

    /// Creates a named API token for the caller, valid for `days`.
    pub async fn create_token(&self, who: &Principal, name: &str, days: i64) -> Result<(String, TokenInfo)> {
        let mut errors = Invalid::default();
        let name = validation::text("name", name, 64, &mut errors);
        if !(1..=self.auth_policy.max_token_days).contains(&days) {
            errors.push(
                FieldError::new("expires_in_days", "range")
                    .with("min", 1)
                    .with("max", self.auth_policy.max_token_days),
            );
        }
        errors.finish()?;
        let now = self.now_ms();
        let expires = now + days * 86_400_000;
        let mut tx = self.db.begin().await?;
        let (token, id, _) = issue_token(&mut tx, who.user_id, TokenKind::Api, Some(&name), now, expires).await?;
        audit::record(
            &mut tx,
            now,
            &who.into(),
            Event::on(
                "create",
                "api_token",
                id,
                who.org_id,
                serde_json::json!({"name": name, "expires_in_days": days }),
            ),
        )
        .await?;
        tx.commit().await?;
        let info = TokenInfo {
            id,
            kind: "api".into(),
            name: Some(name),
            created_at: ms_to_time(now),
            expires_at: ms_to_time(expires),
            last_used_at: None,
        };
        Ok((token, info))
    }

    /// The caller's live sessions and tokens.
    pub async fn list_tokens(&self, who: &Principal) -> Result<Vec<TokenInfo>> {
        let rows = self
            .db
            .fetch_all(
                &stmt(
                    "SELECT id, kind, name, created_at, expires_at, last_used_at FROM auth_tokens \
                    WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY id",
                )
                .bind(who.user_id)
                .bind(self.now_ms()),
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(TokenInfo {
                    id: r.i64("id")?,
                    kind: r.text("kind")?,
                    name: r.opt_text("name")?,
                    created_at: ms_to_time(r.i64("created_at")?),
                    expires_at: ms_to_time(r.i64("expires_at")?),
                    last_used_at: r.opt_i64("last_used_at")?.map(ms_to_time),
                })
            })
            .collect()
    }

    /// Revokes one of the caller's own tokens.
    pub async fn revoke_token(&self, who: &Principal, id: i64) -> Result<()> {
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(
                &stmt("UPDATE auth_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
                    .bind(now)
                    .bind(id)
                    .bind(who.user_id),
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        audit::record(
            &mut tx,
            now,
            &who.into(),
            Event::on("revoke", "api_token", id, who.org_id, serde_json::json!({})),
        )
        .await?;
        tx.commit().await
    }

    /// Deletes sessions and tokens that expired or were revoked over a day ago.
    pub async fn purge_tokens(&self) -> Result<u64> {
        let cutoff = self.now_ms() - 86_400_000;
        self.db
            .execute(
                &stmt("DELETE FROM auth_tokens WHERE expires_at < $1 OR (revoked_at IS NOT NULL AND revoked_at < $1)")
                    .bind(cutoff),
            )
            .await
    }
}
