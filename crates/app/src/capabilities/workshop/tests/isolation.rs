//! Tenant-isolation cases of the workshop's routes: dealer B's workshop does not exist for
//! dealer A.

use crate::testing::isolation::{Case, Expect};
use crate::testing::web::Fixture;
use serde_json::json;

pub fn case(method: &str, path: &str, fx: &Fixture, _b_token_id: i64) -> Option<Case> {
    let b = fx.dealer_b;
    Some(match (method, path) {
        ("get", "/api/v1/workshop/bays") | ("get", "/api/v1/workshop/technicians") => {
            (format!("{path}?org_id={b}"), None, Expect::NotFound)
        }
        ("post", "/api/v1/workshop/bays") => (
            path.into(),
            Some(json!({"org_id": b, "name": "intruder", "kind": "body"})),
            Expect::NotFound,
        ),
        ("post", "/api/v1/workshop/technicians") => (
            path.into(),
            Some(json!({"org_id": b, "name": "intruder", "skills": ["body"]})),
            Expect::NotFound,
        ),
        ("get", "/api/v1/appointments") => (format!("{path}?org_id={b}&day=2026-03-03"), None, Expect::NotFound),
        ("post", "/api/v1/appointments") => (
            path.into(),
            Some(
                json!({"customer_id": fx.customer_b, "job_type": "regular_maintenance", "start": "2026-03-04T10:00:00+08:00", "requested_work": "x"}),
            ),
            Expect::NotFound,
        ),
        ("get", "/api/v1/appointments/{id}") => (
            format!("/api/v1/appointments/{}", fx.appointment_b),
            None,
            Expect::NotFound,
        ),
        ("post", "/api/v1/appointments/{id}/state") => (
            format!("/api/v1/appointments/{}/state", fx.appointment_b),
            Some(json!({"to": "cancelled"})),
            Expect::NotFound,
        ),
        _ => return None,
    })
}
