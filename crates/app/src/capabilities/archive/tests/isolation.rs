//! Tenant-isolation cases of this capability's routes (see `crate::testing::isolation`).

use crate::testing::isolation::{Case, Expect};
use crate::testing::web::Fixture;
use serde_json::json;

#[allow(unused_variables)]
pub fn case(method: &str, path: &str, fx: &Fixture, b_token_id: i64) -> Option<Case> {
    let b_org = fx.dealer_b;
    let b_user = fx.user_b;
    Some(match (method, path) {
        ("get", "/api/v1/customers")
        | ("get", "/api/v1/vehicles")
        | ("get", "/api/v1/sales")
        | ("get", "/api/v1/repair-orders")
        | ("get", "/api/v1/insurance-policies") => (path.to_string(), None, Expect::OwnOnly),
        ("post", "/api/v1/customers") => (
            path.into(),
            Some(json!({"org_id": b_org, "name": "intruder"})),
            Expect::NotFound,
        ),
        ("get", "/api/v1/customers/{id}")
        | ("get", "/api/v1/customers/{id}/timeline")
        | ("post", "/api/v1/customers/{id}/reveal") => {
            (path.replace("{id}", &fx.customer_b.to_string()), None, Expect::NotFound)
        }
        ("patch", "/api/v1/customers/{id}") => (
            format!("/api/v1/customers/{}", fx.customer_b),
            Some(json!({"name": "hijacked"})),
            Expect::NotFound,
        ),
        ("patch", "/api/v1/customers/{id}/phones/{phone_id}") => (
            format!("/api/v1/customers/{}/phones/{}", fx.customer_b, fx.phone_b),
            Some(json!({"status": "wrong_number"})),
            Expect::NotFound,
        ),
        ("post", "/api/v1/customers/{id}/consents") => (
            format!("/api/v1/customers/{}/consents", fx.customer_b),
            Some(json!({"consents": [{"purpose": "marketing", "granted": false}]})),
            Expect::NotFound,
        ),
        ("post", "/api/v1/vehicles") => (
            path.into(),
            Some(json!({"org_id": b_org, "vin": "LGWEF4A50B0000009"})),
            Expect::NotFound,
        ),
        ("get", "/api/v1/vehicles/{id}") => (format!("/api/v1/vehicles/{}", fx.vehicle_b), None, Expect::NotFound),
        ("post", "/api/v1/vehicles/{id}/owner") => (
            format!("/api/v1/vehicles/{}/owner", fx.vehicle_b),
            Some(json!({"customer_id": fx.customer_a, "date": "2026-01-01"})),
            Expect::NotFound,
        ),
        ("post", "/api/v1/vehicles/{id}/mileage") => (
            format!("/api/v1/vehicles/{}/mileage", fx.vehicle_b),
            Some(json!({"read_on": "2026-01-01", "km": 1})),
            Expect::NotFound,
        ),
        ("post", "/api/v1/sales") => (
            path.into(),
            Some(json!({"customer_id": fx.customer_b, "vehicle_id": fx.vehicle_b})),
            Expect::NotFound,
        ),
        ("post", "/api/v1/repair-orders") => (
            path.into(),
            Some(
                json!({"customer_id": fx.customer_b, "vehicle_id": fx.vehicle_b, "opened_on": "2026-01-01", "kind": "repair"}),
            ),
            Expect::NotFound,
        ),
        ("post", "/api/v1/insurance-policies") => (
            path.into(),
            Some(
                json!({"customer_id": fx.customer_b, "vehicle_id": fx.vehicle_b, "insurer": "x", "kind": "commercial", "start_date": "2026-01-01", "expiry_date": "2027-01-01"}),
            ),
            Expect::NotFound,
        ),
        ("get", "/api/v1/imports") => (path.to_string(), None, Expect::OwnOnly),
        ("get", "/api/v1/customers/duplicates") | ("get", "/api/v1/segments") => {
            (path.to_string(), None, Expect::OwnOnly)
        }
        ("post", "/api/v1/segments") => (
            path.to_string(),
            Some(json!({"name": "mine", "filter": {}})),
            Expect::OwnOnly,
        ),
        ("get" | "delete", "/api/v1/segments/{id}") => {
            (path.replace("{id}", &fx.segment_b.to_string()), None, Expect::NotFound)
        }
        ("post", "/api/v1/customers/{id}/merge") => (
            path.replace("{id}", &fx.customer_b.to_string()),
            Some(json!({"from": fx.customer_a})),
            Expect::NotFound,
        ),
        ("get", "/api/v1/customers/{id}/personal-data") | ("post", "/api/v1/customers/{id}/erase") => {
            (path.replace("{id}", &fx.customer_b.to_string()), None, Expect::NotFound)
        }
        // CSV, so that a leak would be visible in the text.
        ("get", "/api/v1/customers/export") => (format!("{path}?format=csv"), None, Expect::OwnOnly),
        ("post", "/api/v1/imports") => (path.to_string(), None, Expect::NotFound),
        ("get", "/api/v1/imports/{id}") | ("get", "/api/v1/imports/{id}/errors.xlsx") => {
            (path.replace("{id}", &fx.import_b.to_string()), None, Expect::NotFound)
        }
        _ => return None,
    })
}
