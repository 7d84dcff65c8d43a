//! Tenant-isolation cases of this capability's routes (see `crate::testing::isolation`).

use crate::testing::isolation::{Case, Expect};
use crate::testing::web::Fixture;
use serde_json::json;

#[allow(unused_variables)]
pub fn case(method: &str, path: &str, fx: &Fixture, b_token_id: i64) -> Option<Case> {
    let b_org = fx.dealer_b;
    let b_user = fx.user_b;
    Some(match (method, path) {
        ("get", "/api/v1/callbacks") | ("get", "/api/v1/callbacks/queue") | ("get", "/api/v1/callbacks/load") => {
            (path.to_string(), None, Expect::OwnOnly)
        }
        ("get", "/api/v1/callbacks/stats") => (
            format!("{path}?from=2026-01-01&to=2026-12-31&by=dealer"),
            None,
            Expect::OwnOnly,
        ),
        ("get", "/api/v1/callbacks/{id}") => (format!("/api/v1/callbacks/{}", fx.callback_b), None, Expect::NotFound),
        ("post", "/api/v1/callbacks/{id}/attempts") => (
            format!("/api/v1/callbacks/{}/attempts", fx.callback_b),
            Some(json!({"outcome": "no_answer"})),
            Expect::NotFound,
        ),
        ("post", "/api/v1/callbacks/{id}/close") => (
            format!("/api/v1/callbacks/{}/close", fx.callback_b),
            Some(json!({"state": "cancelled"})),
            Expect::NotFound,
        ),
        // B's task given to an agent of A: refused as not reassignable (422).
        ("post", "/api/v1/callbacks/reassign") => (
            path.to_string(),
            Some(json!({"task_ids": [fx.callback_b], "assignee_id": fx.agent_a})),
            Expect::OwnOnly,
        ),
        ("get", "/api/v1/calendar/{year}") => ("/api/v1/calendar/2026".into(), None, Expect::OwnOnly),
        ("put", "/api/v1/calendar/{year}") => ("/api/v1/calendar/2026".into(), Some(json!([])), Expect::Refused),
        _ => return None,
    })
}
