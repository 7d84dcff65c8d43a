//! Tenant isolation, for every route: the test walks the OpenAPI document and calls every
//! operation as dealer A's administrator against dealer B's records. Outside the caller's
//! scope a record does not exist (404, never 403), lists never show it, and nothing of B
//! changes. A new route without a case here fails the test.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use crate::testing::web as common;

use axum::http::{Method, StatusCode};
use common::{TestApp, PW};
use serde_json::{json, Value};

/// Routes that carry no tenant data.
const UNSCOPED: &[&str] = &[
    "/healthz",
    "/readyz",
    "/metrics",
    "/api/v1/auth/login",
    "/api/v1/test/clock",
];

/// What an operation may answer when aimed at another tenant's record.
enum Expect {
    /// The record does not exist for the caller.
    NotFound,
    /// The caller's own data (self-service routes); must not mention B.
    OwnOnly,
    /// Data shared by every tenant (the public-holiday calendar) that a dealer's
    /// administrator may read but not change.
    Refused,
}

fn case(method: &str, path: &str, fx: &common::Fixture, b_token_id: i64) -> (String, Option<Value>, Expect) {
    let b_org = fx.dealer_b;
    let b_user = fx.user_b;
    match (method, path) {
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
        ("get", "/api/v1/policies") => (format!("{path}?org_id={}", fx.dealer_b), None, Expect::NotFound),
        ("put", "/api/v1/policies/{org_id}") => (
            format!("/api/v1/policies/{}", fx.dealer_b),
            Some(json!({"preset": "geely"})),
            Expect::NotFound,
        ),
        ("get", "/api/v1/calendar/{year}") => ("/api/v1/calendar/2026".into(), None, Expect::OwnOnly),
        ("put", "/api/v1/calendar/{year}") => ("/api/v1/calendar/2026".into(), Some(json!([])), Expect::Refused),
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
        _ => panic!("no tenant-isolation case for {method} {path}: add one to tests/isolation.rs"),
    }
}

#[tokio::test]
async fn no_route_reveals_or_changes_another_dealers_records() {
    for app in TestApp::all(true).await {
        // B's own session: its token id is a record of B.
        let b_token = app.login("b.admin").await;
        let b_tokens = app
            .call(Method::GET, "/api/v1/auth/tokens", Some(&b_token), None)
            .await
            .json();
        let b_token_id = b_tokens["items"][0]["id"].as_i64().unwrap();
        let doc = app.call(Method::GET, "/api/openapi.json", None, None).await.json();
        let paths = doc["paths"].as_object().unwrap();
        let mut checked = 0;
        for (path, item) in paths {
            for method in ["get", "post", "put", "patch", "delete"] {
                if item.get(method).is_none() || UNSCOPED.contains(&path.as_str()) {
                    continue;
                }
                let (url, body, expect) = case(method, path, &app.fx, b_token_id);
                // A fresh token each time: some routes end the caller's session.
                let token = app.login("a.admin").await;
                let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                let r = if (method, path.as_str()) == ("post", "/api/v1/imports") {
                    let dealer = app.fx.dealer_b.to_string();
                    app.upload(
                        &token,
                        &[("kind", "customers"), ("dealer_id", &dealer)],
                        "x.csv",
                        "姓名,手机\n张三,13800000000\n".as_bytes(),
                    )
                    .await
                } else if (method, path.as_str()) == ("post", "/api/v1/complaints/{id}/attachments") {
                    app.upload_to(&url, &token, &[], "photo.png", b"\x89PNG\r\n\x1a\nrest")
                        .await
                } else {
                    app.call(m, &url, Some(&token), body).await
                };
                match expect {
                    Expect::NotFound => assert_eq!(
                        r.status,
                        StatusCode::NOT_FOUND,
                        "{method} {path} on {}: {}",
                        app.db_name,
                        r.text
                    ),
                    Expect::OwnOnly => assert!(
                        r.status.is_success() || r.status == StatusCode::UNPROCESSABLE_ENTITY,
                        "{method} {path}: {}",
                        r.text
                    ),
                    Expect::Refused => assert_eq!(r.status, StatusCode::FORBIDDEN, "{method} {path}: {}", r.text),
                }
                assert!(
                    !r.text.contains("SECRET"),
                    "{method} {path} leaked dealer B: {}",
                    r.text
                );
                checked += 1;
            }
        }
        assert!(checked >= 49, "walked {checked} operations");
        // Nothing of B changed, and B's session still works.
        let b = app
            .call(
                Method::GET,
                &format!("/api/v1/orgs/{}", app.fx.dealer_b),
                Some(&b_token),
                None,
            )
            .await
            .json();
        assert_eq!(
            (b["name"].as_str(), b["active"].as_bool()),
            (Some("B店 SECRET"), Some(true)),
            "{}",
            app.db_name
        );
        let me = app
            .call(Method::GET, "/api/v1/auth/me", Some(&b_token), None)
            .await
            .json();
        assert_eq!(me["display_name"], "B SECRET");
        let login = app
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"username": "b.admin", "password": PW})),
            )
            .await;
        assert_eq!(login.status, StatusCode::OK);
        app.cleanup().await;
    }
}

#[tokio::test]
async fn every_documented_operation_requires_a_token() {
    for app in TestApp::all(true).await {
        let doc = app.call(Method::GET, "/api/openapi.json", None, None).await.json();
        for (path, item) in doc["paths"].as_object().unwrap() {
            if UNSCOPED.contains(&path.as_str()) {
                continue;
            }
            for method in ["get", "post", "put", "patch", "delete"] {
                if item.get(method).is_none() {
                    continue;
                }
                let url = path.replace("{id}", "1").replace("{phone_id}", "1");
                let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                let r = app.call(m, &url, None, Some(json!({}))).await;
                assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{method} {path}: {}", r.text);
                assert_eq!(r.json()["code"], "unauthenticated");
            }
        }
        app.cleanup().await;
    }
}
