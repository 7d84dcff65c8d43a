//! Tenant-isolation cases of the example's routes.

use crate::testing::isolation::{Case, Expect};
use crate::testing::web::Fixture;
use serde_json::json;

pub fn case(method: &str, path: &str, fx: &Fixture, _b_token_id: i64) -> Option<Case> {
    Some(match (method, path) {
        ("get", "/api/v1/example/notes") => (format!("{path}?customer_id={}", fx.customer_b), None, Expect::NotFound),
        ("post", "/api/v1/example/notes") => (
            path.into(),
            Some(json!({"customer_id": fx.customer_b, "body": "intruder"})),
            Expect::NotFound,
        ),
        _ => return None,
    })
}
