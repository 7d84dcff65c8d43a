//! Tenant-isolation cases of this capability's routes (see `crate::testing::isolation`).

use crate::testing::isolation::{Case, Expect};
use crate::testing::web::Fixture;
use serde_json::json;

#[allow(unused_variables)]
pub fn case(method: &str, path: &str, fx: &Fixture, b_token_id: i64) -> Option<Case> {
    let b_org = fx.dealer_b;
    let b_user = fx.user_b;
    Some(match (method, path) {
        ("get", "/api/v1/complaints") | ("get", "/api/v1/complaints/notifications") => {
            (path.to_string(), None, Expect::OwnOnly)
        }
        // Asked for B's dealer, the statistics cover only what is in A's scope: nothing.
        ("get", "/api/v1/complaints/stats") => (
            format!("{path}?from=2026-01-01&to=2026-12-31&org_id={}", fx.dealer_b),
            None,
            Expect::OwnOnly,
        ),
        // Filing for B's customer: that customer does not exist for A (422 naming it).
        ("post", "/api/v1/complaints") => (
            path.into(),
            Some(
                json!({"customer_id": fx.customer_b, "channel": "phone", "category": "other", "tier": "general", "title": "x", "description": "x"}),
            ),
            Expect::OwnOnly,
        ),
        ("get", "/api/v1/penalties") => (path.to_string(), None, Expect::OwnOnly),
        ("post", "/api/v1/complaints/{id}/attachments") => (
            format!("/api/v1/complaints/{}/attachments", fx.complaint_b),
            None,
            Expect::NotFound,
        ),
        ("get", "/api/v1/complaints/{id}/attachments/{attachment_id}") => (
            format!("/api/v1/complaints/{}/attachments/{}", fx.complaint_b, fx.attachment_b),
            None,
            Expect::NotFound,
        ),
        ("post", "/api/v1/penalties/{id}/decision") => (
            format!("/api/v1/penalties/{}/decision", fx.penalty_b),
            Some(json!({"state": "waived", "note": "x"})),
            Expect::NotFound,
        ),
        ("get", "/api/v1/complaints/{id}") | ("post", "/api/v1/complaints/{id}/resume") => (
            path.replace("{id}", &fx.complaint_b.to_string()),
            None,
            Expect::NotFound,
        ),
        ("post", "/api/v1/complaints/{id}/transitions") => (
            format!("/api/v1/complaints/{}/transitions", fx.complaint_b),
            Some(json!({"to": "acknowledged"})),
            Expect::NotFound,
        ),
        ("post", "/api/v1/complaints/{id}/pause") => (
            format!("/api/v1/complaints/{}/pause", fx.complaint_b),
            Some(json!({"reason": "waiting_for_parts"})),
            Expect::NotFound,
        ),
        ("put", "/api/v1/complaints/{id}/form") => (
            format!("/api/v1/complaints/{}/form", fx.complaint_b),
            Some(json!({"measures": "hijacked"})),
            Expect::NotFound,
        ),

        _ => return None,
    })
}
