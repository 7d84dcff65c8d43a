//! Tenant-isolation cases of this capability's routes (see `crate::testing::isolation`).

use crate::testing::isolation::{Case, Expect};
use crate::testing::web::Fixture;
use serde_json::json;

#[allow(unused_variables)]
pub fn case(method: &str, path: &str, fx: &Fixture, b_token_id: i64) -> Option<Case> {
    let b_org = fx.dealer_b;
    let b_user = fx.user_b;
    Some(match (method, path) {
        ("get", "/api/v1/orgs")
        | ("get", "/api/v1/users")
        | ("get", "/api/v1/audit")
        | ("get", "/api/v1/auth/me")
        | ("get", "/api/v1/auth/tokens") => (path.to_string(), None, Expect::OwnOnly),
        ("post", "/api/v1/orgs") => (
            path.into(),
            Some(json!({"name": "intruder", "kind": "dealer", "parent_id": b_org})),
            Expect::NotFound,
        ),
        ("get" | "delete", "/api/v1/orgs/{id}") => (format!("/api/v1/orgs/{b_org}"), None, Expect::NotFound),
        ("patch", "/api/v1/orgs/{id}") => (
            format!("/api/v1/orgs/{b_org}"),
            Some(json!({"name": "hijacked"})),
            Expect::NotFound,
        ),
        ("post", "/api/v1/users") => (
            path.into(),
            Some(
                json!({"username": "intruder", "password": "long enough", "display_name": "x", "org_id": b_org, "roles": ["callback_agent"]}),
            ),
            Expect::NotFound,
        ),
        ("get" | "delete", "/api/v1/users/{id}") => (format!("/api/v1/users/{b_user}"), None, Expect::NotFound),
        ("patch", "/api/v1/users/{id}") => (
            format!("/api/v1/users/{b_user}"),
            Some(json!({"display_name": "hijacked"})),
            Expect::NotFound,
        ),
        ("delete", "/api/v1/auth/tokens/{id}") => (format!("/api/v1/auth/tokens/{b_token_id}"), None, Expect::NotFound),
        ("post", "/api/v1/auth/tokens") => (
            path.into(),
            Some(json!({"name": "mine", "expires_in_days": 1})),
            Expect::OwnOnly,
        ),
        ("post", "/api/v1/auth/password") => (
            path.into(),
            Some(json!({"current_password": "not it", "new_password": "whatever long"})),
            Expect::OwnOnly,
        ),
        ("post", "/api/v1/auth/logout") => (path.into(), None, Expect::OwnOnly),
        _ => return None,
    })
}
