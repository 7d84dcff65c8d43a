//! Tokens and passwords, the test clock and the scheduler, health and metrics.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use crate::testing::web as common;

use axum::http::{Method, StatusCode};
use common::{TestApp, PW};
use serde_json::json;

#[tokio::test]
async fn tokens_can_be_created_listed_and_revoked_and_password_change_ends_other_sessions() {
    for app in TestApp::all(false).await {
        let token = app.login("a.agent").await;
        let other = app.login("a.agent").await;
        let r = app
            .call(
                Method::POST,
                "/api/v1/auth/tokens",
                Some(&token),
                Some(json!({"name": "DMS sync", "expires_in_days": 30})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let named = r.json();
        let named_token = named["token"].as_str().unwrap().to_string();
        assert_eq!(
            app.call(Method::GET, "/api/v1/auth/me", Some(&named_token), None)
                .await
                .status,
            StatusCode::OK
        );
        let list = app
            .call(Method::GET, "/api/v1/auth/tokens", Some(&token), None)
            .await
            .json();
        assert!(list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "DMS sync"));
        assert!(!list.to_string().contains(&named_token), "secrets are never listed");
        let r = app
            .call(
                Method::DELETE,
                &format!("/api/v1/auth/tokens/{}", named["id"]),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
        assert_eq!(
            app.call(Method::GET, "/api/v1/auth/me", Some(&named_token), None)
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
        let r = app
            .call(
                Method::POST,
                "/api/v1/auth/password",
                Some(&token),
                Some(json!({"current_password": "wrong-one", "new_password": "a new password"})),
            )
            .await;
        assert_eq!(r.json()["errors"][0]["field"], "current_password");
        let r = app
            .call(
                Method::POST,
                "/api/v1/auth/password",
                Some(&token),
                Some(json!({"current_password": PW, "new_password": "a new password"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
        assert_eq!(
            app.call(Method::GET, "/api/v1/auth/me", Some(&token), None)
                .await
                .status,
            StatusCode::OK
        );
        assert_eq!(
            app.call(Method::GET, "/api/v1/auth/me", Some(&other), None)
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            app.call(Method::POST, "/api/v1/auth/logout", Some(&token), None)
                .await
                .status,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            app.call(Method::GET, "/api/v1/auth/me", Some(&token), None)
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
        app.cleanup().await;
    }
}

#[tokio::test]
async fn test_clock_routes_exist_only_when_enabled_and_run_due_jobs() {
    for app in TestApp::all(false).await {
        let r = app
            .call(
                Method::PUT,
                "/api/v1/test/clock",
                None,
                Some(json!({"now": "2026-03-05T09:00:00+08:00"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let doc = app.call(Method::GET, "/api/openapi.json", None, None).await.json();
        assert!(doc["paths"].get("/api/v1/test/clock").is_none());
        app.cleanup().await;
    }
    for app in TestApp::all(true).await {
        let r = app.call(Method::GET, "/api/v1/test/clock", None, None).await;
        assert_eq!(r.json()["now"], "2026-03-02T01:00:00Z");
        crate::core::scheduler::ensure_recurring(&app.store).await.unwrap();
        // An expired session row exists; the daily purge job removes it once due.
        let token = app.login("a.agent").await;
        let r = app
            .call(Method::PUT, "/api/v1/test/clock", None, Some(json!({"now": "bad"})))
            .await;
        assert_eq!(r.json()["errors"][0]["field"], "now");
        let r = app
            .call(
                Method::PUT,
                "/api/v1/test/clock",
                None,
                Some(json!({"now": "2026-03-04T09:00:00+08:00"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.json()["now"], "2026-03-04T01:00:00Z");
        // The purge due on 3 March ran, and the daily callback obligations (the start-up
        // catch-up and 3 March's run); missed runs are caught up once, not once per missed day.
        assert_eq!(r.json()["jobs_run"], 3, "{}", r.text);
        assert_eq!(
            app.call(Method::GET, "/api/v1/auth/me", Some(&token), None)
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
        let left = app
            .store
            .raw_db()
            .fetch_one(&crate::stmt("SELECT COUNT(*) AS n FROM auth_tokens"))
            .await
            .unwrap()
            .i64("n")
            .unwrap();
        assert_eq!(left, 0, "expired tokens purged ({})", app.db_name);
        // Setting the same time again runs nothing twice.
        let r = app
            .call(
                Method::PUT,
                "/api/v1/test/clock",
                None,
                Some(json!({"now": "2026-03-04T09:00:00+08:00"})),
            )
            .await;
        assert_eq!(r.json()["jobs_run"], 0);
        app.cleanup().await;
    }
}

#[tokio::test]
async fn health_readiness_and_metrics() {
    for app in TestApp::all(false).await {
        assert_eq!(app.call(Method::GET, "/healthz", None, None).await.text, "ok");
        assert_eq!(
            app.call(Method::GET, "/readyz", None, None).await.status,
            StatusCode::OK
        );
        let token = app.login("root").await;
        app.call(Method::GET, "/api/v1/orgs", Some(&token), None).await;
        let m = app.call(Method::GET, "/metrics", None, None).await;
        assert!(m.text.contains("http_requests_total"), "{}", m.text);
        assert!(m.text.contains("route=\"/api/v1/orgs\""));
        assert!(m.text.contains("http_request_duration_seconds"));
        assert!(m.text.contains("db_pool_connections"));
        app.store.raw_db().close().await;
        assert_eq!(
            app.call(Method::GET, "/readyz", None, None).await.status,
            StatusCode::SERVICE_UNAVAILABLE
        );
        app.cleanup().await;
    }
}
