//! Tenant isolation, for every route: the test walks the OpenAPI document and calls every
//! operation as dealer A's administrator against dealer B's records. Outside the caller's
//! scope a record does not exist (404, never 403), lists never show it, and nothing of B
//! changes. A new route without a case here fails the test.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use crate::testing::web as common;

use crate::testing::isolation::{Case, Expect};
use axum::http::{Method, StatusCode};
use common::{TestApp, PW};
use serde_json::json;

/// Routes that carry no tenant data.
const UNSCOPED: &[&str] = &[
    "/healthz",
    "/readyz",
    "/metrics",
    "/api/v1/auth/login",
    "/api/v1/test/clock",
];

/// The case of a route: the core's own (the policy document), else the capability's.
fn case(method: &str, path: &str, fx: &common::Fixture, b_token_id: i64) -> Case {
    let own = || -> Option<Case> {
        Some(match (method, path) {
            ("get", "/api/v1/policies") => (format!("{path}?org_id={}", fx.dealer_b), None, Expect::NotFound),
            ("put", "/api/v1/policies/{org_id}") => (
                format!("/api/v1/policies/{}", fx.dealer_b),
                Some(json!({"preset": "geely"})),
                Expect::NotFound,
            ),
            _ => return None,
        })
    };
    own()
        .or_else(|| {
            crate::capabilities::ALL
                .iter()
                .find_map(|c| (c.isolation)(method, path, fx, b_token_id))
        })
        .unwrap_or_else(|| {
            panic!("no tenant-isolation case for {method} {path}: add one to its capability's tests/isolation.rs")
        })
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
