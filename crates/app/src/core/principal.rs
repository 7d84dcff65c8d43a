//! Who is asking, and which part of the organisation tree they may see.

use crate::core::db::{stmt, Row};
use crate::core::error::{Result, StoreError};
use crate::Store;
use dcrc_domain::{Lang, OrgKind, Permission, Role};

/// The set of organisations a caller may see: their own and every one below it.
///
/// The fields are private and the only constructors are in this crate, so a value can
/// come only from an authenticated user (or the operator's command line); every store
/// function that reads business rows takes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    org_id: i64,
    path: String,
}

impl Scope {
    pub(in crate::core) fn new(org_id: i64, path: String) -> Self {
        Self { org_id, path }
    }

    pub fn org_id(&self) -> i64 {
        self.org_id
    }

    /// The `LIKE` pattern matching the materialised paths of every org in scope.
    pub fn like_pattern(&self) -> String {
        format!("{}%", self.path)
    }

    /// Whether an org with this materialised path is in scope.
    pub fn contains(&self, path: &str) -> bool {
        path.starts_with(&self.path)
    }

    /// Whether the scope is a whole tree (its org has no parent).
    pub fn is_root(&self) -> bool {
        self.path.matches('/').count() == 2
    }
}

/// An authenticated user, as loaded for each request.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub org_id: i64,
    pub org_name: String,
    pub org_kind: OrgKind,
    pub(in crate::core) roles: Vec<Role>,
    pub locale: Option<Lang>,
    pub(in crate::core) scope: Scope,
    /// The session or token the request came with.
    pub token_id: i64,
    /// The CSRF token bound to a web session.
    pub csrf_token: String,
    /// Client address, for the audit log.
    pub ip: Option<String>,
}

impl Principal {
    /// The caller's roles (sorted). Private to the core with the scope, so a principal
    /// can neither be built nor widened outside it.
    pub fn roles(&self) -> &[Role] {
        &self.roles
    }

    /// The organisations the caller may see.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    pub fn can(&self, permission: Permission) -> bool {
        dcrc_domain::role::allows(&self.roles, permission)
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

impl Store {
    /// Builds a principal from a row with `user_id, username, display_name, locale, org_id,
    /// org_name, org_kind, path`, loading the user's roles. Used for sessions, tokens and
    /// the operator's command line alike.
    pub(crate) async fn principal_from_row(
        &self,
        row: &Row,
        token_id: i64,
        csrf_token: String,
        ip: Option<String>,
    ) -> Result<Principal> {
        let user_id = row.i64("user_id")?;
        let mut roles: Vec<Role> = Vec::new();
        for r in self
            .db
            .fetch_all(&stmt("SELECT role FROM user_roles WHERE user_id = $1").bind(user_id))
            .await?
        {
            roles.extend(Role::parse(&r.text("role")?));
        }
        roles.sort();
        let org_id = row.i64("org_id")?;
        let kind = row.text("org_kind")?;
        Ok(Principal {
            user_id,
            username: row.text("username")?,
            display_name: row.text("display_name")?,
            org_id,
            org_name: row.text("org_name")?,
            org_kind: OrgKind::parse(&kind).ok_or_else(|| StoreError::Internal(format!("unknown org kind {kind}")))?,
            roles,
            locale: row.opt_text("locale")?.as_deref().and_then(Lang::from_tag),
            scope: Scope::new(org_id, row.text("path")?),
            token_id,
            csrf_token,
            ip,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Scope;

    #[test]
    fn scope_is_a_path_prefix() {
        let s = Scope::new(4, "/1/4/".into());
        assert!(s.contains("/1/4/"));
        assert!(s.contains("/1/4/9/"));
        assert!(!s.contains("/1/40/"));
        assert!(!s.contains("/1/"));
        assert!(!s.is_root());
        assert!(Scope::new(1, "/1/".into()).is_root());
        assert_eq!(s.like_pattern(), "/1/4/%");
    }
}
