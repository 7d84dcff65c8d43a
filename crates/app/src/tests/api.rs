//! The JSON API through its front door, on SQLite and (in CI) PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use crate::testing::web as common;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use common::{TestApp, PW};
use serde_json::json;

const PROBLEM: &str = "application/problem+json";

/// A bad request, the status and code it must get, and the field error expected.
type BadInput = (
    Request<Body>,
    StatusCode,
    &'static str,
    Option<(&'static str, &'static str)>,
);

#[tokio::test]
async fn login_returns_a_bearer_token_and_me_describes_the_caller() {
    for app in TestApp::all(false).await {
        let r = app
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"username": "a.agent", "password": PW})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        let body = r.json();
        assert!(body["token"].as_str().unwrap().starts_with("dcrc_"));
        assert!(
            body["expires_at"].as_str().unwrap().starts_with("2026-03-02T13:00:00"),
            "12 h after the clock: {}",
            body["expires_at"]
        );
        let me = app
            .call(Method::GET, "/api/v1/auth/me", body["token"].as_str(), None)
            .await
            .json();
        assert_eq!(me["username"], "a.agent");
        assert_eq!(me["roles"], json!(["callback_agent"]));
        assert_eq!(me["org_id"], app.fx.dealer_a);
        app.cleanup().await;
    }
}

#[tokio::test]
async fn wrong_passwords_are_refused_then_throttled() {
    for app in TestApp::all(false).await {
        for _ in 0..5 {
            let r = app
                .call(
                    Method::POST,
                    "/api/v1/auth/login",
                    None,
                    Some(json!({"username": "a.agent", "password": "nope-nope"})),
                )
                .await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED);
            assert_eq!(r.json()["code"], "bad_credentials");
        }
        let r = app
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"username": "a.agent", "password": PW})),
            )
            .await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", app.db_name);
        assert_eq!(r.json()["code"], "too_many_attempts");
        // An unknown user looks exactly like a wrong password.
        let r = app
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"username": "ghost", "password": PW})),
            )
            .await;
        assert_eq!(r.json()["code"], "bad_credentials");
        app.cleanup().await;
    }
}

async fn org_count(app: &TestApp) -> i64 {
    app.store
        .raw_db()
        .fetch_one(&crate::stmt("SELECT COUNT(*) AS n FROM orgs"))
        .await
        .unwrap()
        .i64("n")
        .unwrap()
}

#[tokio::test]
async fn every_kind_of_bad_input_gets_a_problem_and_changes_nothing() {
    for app in TestApp::all(false).await {
        let token = app.login("root").await;
        let before = org_count(&app).await;
        let raw = |body: &str, ct: &str| {
            Request::builder()
                .method(Method::POST)
                .uri("/api/v1/orgs")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, ct)
                .header(header::ACCEPT_LANGUAGE, "en")
                .body(Body::from(body.to_string()))
                .unwrap()
        };
        let cases: Vec<BadInput> = vec![
            (
                raw("{\"name\": ", "application/json"),
                StatusCode::BAD_REQUEST,
                "invalid_json",
                None,
            ),
            (
                raw(
                    "{\"name\": 5, \"kind\": \"dealer\", \"parent_id\": 1}",
                    "application/json",
                ),
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                Some(("name", "wrong_type")),
            ),
            (
                raw(
                    "{\"name\": \"x\", \"kind\": \"shop\", \"parent_id\": 1}",
                    "application/json",
                ),
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                Some(("kind", "unknown_value")),
            ),
            (
                raw("{\"kind\": \"dealer\", \"parent_id\": 1}", "application/json"),
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                Some(("name", "required")),
            ),
            (
                raw(
                    "{\"name\": \"x\", \"kind\": \"dealer\", \"parent_id\": 1, \"colour\": 1}",
                    "application/json",
                ),
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                Some(("colour", "unknown_field")),
            ),
            (
                raw(
                    "{\"name\": \"  \", \"kind\": \"dealer\", \"parent_id\": 1}",
                    "application/json",
                ),
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                Some(("name", "required")),
            ),
            (
                raw("name=x", "application/x-www-form-urlencoded"),
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                None,
            ),
            (
                raw(
                    &format!("{{\"name\": \"{}\"}}", "x".repeat(70 * 1024)),
                    "application/json",
                ),
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                None,
            ),
        ];
        for (req, status, code, field) in cases {
            let r = app.send(req).await;
            assert_eq!(r.status, status, "{code}: {}", r.text);
            assert_eq!(r.headers[header::CONTENT_TYPE], PROBLEM);
            let body = r.json();
            assert_eq!(body["code"], code);
            assert_eq!(body["status"], status.as_u16());
            assert!(
                body["title"].as_str().is_some_and(|t| t.is_ascii()),
                "English title: {}",
                body["title"]
            );
            assert!(body["type"].as_str().unwrap().ends_with(code));
            if let Some((f, c)) = field {
                assert_eq!(body["errors"][0]["field"], f, "{}", r.text);
                assert_eq!(body["errors"][0]["code"], c, "{}", r.text);
                assert!(!body["errors"][0]["message"].as_str().unwrap().is_empty());
                if c == "wrong_type" {
                    assert_eq!(body["errors"][0]["message"], "has the wrong type: a string");
                }
            }
        }
        // Missing and bad credentials.
        let r = app.call(Method::GET, "/api/v1/orgs", None, None).await;
        assert_eq!(
            (r.status, r.json()["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("unauthenticated"))
        );
        let r = app.call(Method::GET, "/api/v1/orgs", Some("dcrc_forged"), None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        // Wrong query types name the parameter.
        let r = app
            .call(Method::GET, "/api/v1/orgs?limit=many", Some(&token), None)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["errors"][0]["field"], "limit");
        // Unknown method and unknown route.
        let r = app.call(Method::PUT, "/api/v1/orgs", Some(&token), None).await;
        assert_eq!(
            (r.status, r.json()["code"].as_str()),
            (StatusCode::METHOD_NOT_ALLOWED, Some("method_not_allowed"))
        );
        let r = app.call(Method::GET, "/api/v1/nothing-here", Some(&token), None).await;
        assert_eq!(
            (r.status, r.headers[header::CONTENT_TYPE].to_str().unwrap()),
            (StatusCode::NOT_FOUND, PROBLEM)
        );
        assert_eq!(
            org_count(&app).await,
            before,
            "bad input wrote nothing ({})",
            app.db_name
        );
        app.cleanup().await;
    }
}

#[tokio::test]
async fn messages_follow_accept_language_then_the_users_setting() {
    for app in TestApp::all(false).await {
        let r = app.call(Method::GET, "/api/v1/orgs", None, None).await;
        assert_eq!(r.json()["title"], "需要登录", "zh-CN is the default");
        let req = Request::builder()
            .uri("/api/v1/orgs")
            .header(header::ACCEPT_LANGUAGE, "en-US,en;q=0.9")
            .body(Body::empty())
            .unwrap();
        assert_eq!(app.send(req).await.json()["title"], "Authentication required");
        // The user's own setting applies when the request names no language.
        let token = app.login("a.agent").await;
        let me = app
            .call(Method::GET, "/api/v1/auth/me", Some(&token), None)
            .await
            .json();
        let r = app
            .call(
                Method::PATCH,
                &format!("/api/v1/users/{}", me["id"]),
                Some(&token),
                Some(json!({"locale": "en"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = app.call(Method::GET, "/api/v1/audit", Some(&token), None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(r.json()["title"], "Not allowed");
        app.cleanup().await;
    }
}

#[tokio::test]
async fn orgs_and_users_lifecycle_follows_the_contract() {
    for app in TestApp::all(false).await {
        let token = app.login("root").await;
        let t = Some(token.as_str());
        let r = app
            .call(
                Method::POST,
                "/api/v1/orgs",
                t,
                Some(json!({"name": "C店", "kind": "dealer", "parent_id": app.fx.group})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let c = r.json();
        assert_eq!(
            (c["kind"].as_str(), c["parent_id"].as_i64()),
            (Some("dealer"), Some(app.fx.group))
        );
        let cid = c["id"].as_i64().unwrap();
        // A dealer cannot hold another org; a brand cannot be created under anything.
        let r = app
            .call(
                Method::POST,
                "/api/v1/orgs",
                t,
                Some(json!({"name": "x", "kind": "group", "parent_id": cid})),
            )
            .await;
        assert_eq!(r.json()["errors"][0]["code"], "org_kind_not_allowed");
        let r = app
            .call(
                Method::POST,
                "/api/v1/orgs",
                t,
                Some(json!({"name": "x", "kind": "brand", "parent_id": null})),
            )
            .await;
        assert_eq!(r.json()["errors"][0]["code"], "brand_is_root");
        // Users: create, read, list, update, deactivate.
        let body = json!({"username": "c.agent", "password": "long enough", "display_name": "C回访员", "org_id": cid, "roles": ["callback_agent"]});
        let r = app.call(Method::POST, "/api/v1/users", t, Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let u = r.json();
        assert!(u.get("password").is_none() && u.get("password_hash").is_none());
        let uid = u["id"].as_i64().unwrap();
        let r = app.call(Method::POST, "/api/v1/users", t, Some(body)).await;
        assert_eq!(
            (r.status, r.json()["code"].as_str()),
            (StatusCode::CONFLICT, Some("username_taken"))
        );
        let bad_role = json!({"username": "c.brand", "password": "long enough", "display_name": "x", "org_id": cid, "roles": ["brand_staff"]});
        assert_eq!(
            app.call(Method::POST, "/api/v1/users", t, Some(bad_role)).await.json()["errors"][0]["code"],
            "role_not_for_org_kind"
        );
        let r = app
            .call(
                Method::PATCH,
                &format!("/api/v1/users/{uid}"),
                t,
                Some(json!({"display_name": "周回访", "roles": ["callback_agent", "info_maintainer"]})),
            )
            .await;
        assert_eq!(r.json()["roles"], json!(["callback_agent", "info_maintainer"]));
        let page = app
            .call(Method::GET, &format!("/api/v1/users?org_id={cid}"), t, None)
            .await
            .json();
        assert_eq!(page["items"].as_array().unwrap().len(), 1);
        assert!(page["next_cursor"].is_null());
        let user_token = app
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"username": "c.agent", "password": "long enough"})),
            )
            .await
            .json()["token"]
            .as_str()
            .unwrap()
            .to_string();
        let r = app.call(Method::DELETE, &format!("/api/v1/users/{uid}"), t, None).await;
        assert_eq!(r.json()["active"], false);
        // Deactivation ended the user's tokens at once.
        assert_eq!(
            app.call(Method::GET, "/api/v1/auth/me", Some(&user_token), None)
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
        // The org is now empty and can be deactivated.
        assert_eq!(
            app.call(Method::DELETE, &format!("/api/v1/orgs/{cid}"), t, None)
                .await
                .json()["active"],
            false
        );
        // A group with active dealers cannot.
        let r = app
            .call(Method::DELETE, &format!("/api/v1/orgs/{}", app.fx.group), t, None)
            .await;
        assert_eq!(
            (r.status, r.json()["code"].as_str()),
            (StatusCode::CONFLICT, Some("org_not_empty"))
        );
        app.cleanup().await;
    }
}

#[tokio::test]
async fn lists_page_with_a_cursor() {
    for app in TestApp::all(false).await {
        let token = app.login("root").await;
        let mut seen = Vec::new();
        let mut url = "/api/v1/orgs?limit=2".to_string();
        loop {
            let page = app.call(Method::GET, &url, Some(&token), None).await.json();
            for o in page["items"].as_array().unwrap() {
                seen.push(o["id"].as_i64().unwrap());
            }
            match page["next_cursor"].as_str() {
                Some(c) => url = format!("/api/v1/orgs?limit=2&cursor={c}"),
                None => break,
            }
        }
        assert_eq!(seen.len(), 5);
        assert!(seen.windows(2).all(|w| w[0] < w[1]));
        app.cleanup().await;
    }
}

#[tokio::test]
async fn audit_log_records_changes_and_refusals_for_admins_and_brand_staff() {
    for app in TestApp::all(false).await {
        let agent = app.login("a.agent").await;
        let r = app
            .call(
                Method::POST,
                "/api/v1/orgs",
                Some(&agent),
                Some(json!({"name": "x", "kind": "dealer", "parent_id": app.fx.dealer_a})),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let staff = app.login("brand.staff").await;
        let page = app
            .call(Method::GET, "/api/v1/audit?limit=200", Some(&staff), None)
            .await
            .json();
        let actions: Vec<&str> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert!(actions.contains(&"permission_denied"), "{actions:?}");
        assert!(actions.contains(&"login_success"));
        assert!(actions.contains(&"create"));
        let denied = app
            .call(
                Method::GET,
                "/api/v1/audit?action=permission_denied",
                Some(&staff),
                None,
            )
            .await
            .json();
        assert_eq!(denied["items"][0]["actor_name"], "a.agent");
        // The dealer-A admin sees dealer A's entries only.
        let a_admin = app.login("a.admin").await;
        let page = app
            .call(Method::GET, "/api/v1/audit?limit=200", Some(&a_admin), None)
            .await;
        assert!(!page.text.contains("SECRET"));
        assert!(page.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["org_id"] == app.fx.dealer_a));
        app.cleanup().await;
    }
}
