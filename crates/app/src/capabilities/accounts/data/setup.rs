//! Operator actions from the command line: initialising an empty database and creating
//! organisations and users without a logged-in user.

use crate::capabilities::accounts::data::orgs::{insert_org, Org};
use crate::capabilities::accounts::data::users::{insert_user, UserRecord};
use crate::core::access::Authority;
use crate::core::audit::{self, Actor, Event};
use crate::core::db::stmt;
use crate::core::error::{Result, StoreError};
use crate::core::principal::Principal;
use crate::core::secret;
use crate::Store;
use dcrc_domain::{validation, FieldError, Invalid, OrgKind, Role};

impl Store {
    /// Whether any organisation exists.
    pub async fn is_initialised(&self, who: &impl Authority) -> Result<bool> {
        Ok(self
            .access(who)
            .fetch_one(&stmt("SELECT COUNT(*) AS n FROM orgs"))
            .await?
            .i64("n")?
            > 0)
    }

    /// Creates the root brand and its first administrator in an empty database; refuses
    /// (`already_initialised`) otherwise.
    pub async fn initialise(
        &self,
        who: &impl Authority,
        brand_name: &str,
        admin_username: &str,
        admin_password: &str,
    ) -> Result<(Org, i64)> {
        let mut errors = Invalid::default();
        let brand_name = validation::text("brand", brand_name, 100, &mut errors);
        let username = validation::username("admin_user", admin_username, &mut errors);
        validation::password("admin_password", admin_password, &username, &mut errors);
        errors.finish()?;
        let hash = secret::hash_password_blocking(admin_password.to_string()).await?;
        let now = self.now_ms();
        let mut tx = self.access(who).begin().await?;
        let existing = tx.fetch_one(&stmt("SELECT COUNT(*) AS n FROM orgs")).await?.i64("n")?;
        if existing > 0 {
            return Err(StoreError::Conflict {
                code: "already_initialised",
                field: None,
            });
        }
        let brand = insert_org(&mut tx, now, None, OrgKind::Brand, &brand_name, None).await?;
        let record = UserRecord {
            org_id: brand.id,
            username: &username,
            display_name: "Administrator",
            password_hash: &hash,
            roles: &[Role::Admin],
            locale: None,
        };
        let user_id = insert_user(&mut tx, now, &record).await?;
        let actor = Actor::system("dcrc init");
        audit::record(
            &mut tx,
            now,
            &actor,
            Event::on(
                "create",
                "org",
                brand.id,
                brand.id,
                serde_json::json!({"name": brand.name, "kind": "brand" }),
            ),
        )
        .await?;
        audit::record(
            &mut tx,
            now,
            &actor,
            Event::on(
                "create",
                "user",
                user_id,
                brand.id,
                serde_json::json!({"username": username, "roles": ["admin"] }),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok((brand, user_id))
    }

    /// A principal acting with a user's rights but without a session, for command-line
    /// tools run by the operator (`dcrc user …`, `dcrc demo`).
    pub async fn operator_as(&self, who: &impl Authority, username: &str) -> Result<Principal> {
        let row = self
            .access(who)
            .fetch_optional(
                &stmt("SELECT u.id AS user_id, u.username, u.display_name, u.locale, o.id AS org_id, o.name AS org_name, o.kind AS org_kind, o.path \
                    FROM users u JOIN orgs o ON o.id = u.org_id WHERE u.username = $1 AND u.active = TRUE")
                .bind(username.trim().to_ascii_lowercase()),
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        self.principal_from_row(&row, -1, String::new(), Some("cli".into()))
            .await
    }

    /// The first active administrator of a root organisation, used by `dcrc user` when
    /// no `--as` is given.
    pub async fn root_admin_username(&self, who: &impl Authority) -> Result<String> {
        let row = self
            .access(who)
            .fetch_optional(&stmt(
                "SELECT u.username FROM users u JOIN orgs o ON o.id = u.org_id JOIN user_roles r ON r.user_id = u.id \
                 WHERE o.parent_id IS NULL AND r.role = 'admin' AND u.active = TRUE ORDER BY u.id LIMIT 1",
            ))
            .await?
            .ok_or(StoreError::Invalid(Invalid(vec![FieldError::new(
                "database",
                "not_initialised",
            )])))?;
        row.text("username")
    }
}
