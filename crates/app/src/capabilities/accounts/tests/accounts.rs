//! Accounts that hold: nobody raises their own roles or moves themselves, only a higher
//! administrator makes administrators, passwords people guess are refused, and checking
//! the current password is throttled like a login.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use crate::testing::web as common;

use axum::http::{Method, StatusCode};
use common::{TestApp, PW};
use serde_json::json;

fn first_code(r: &common::Resp) -> String {
    r.json()["errors"][0]["code"].as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn administrators_cannot_raise_themselves() {
    for app in TestApp::all(false).await {
        let admin = app.login("a.admin").await;
        let me = app
            .call(Method::GET, "/api/v1/auth/me", Some(&admin), None)
            .await
            .json();
        let my_id = me["id"].as_i64().unwrap();
        let own = format!("/api/v1/users/{my_id}");
        let patch = json!({"roles": ["admin", "customer_manager"]});
        let r = app.call(Method::PATCH, &own, Some(&admin), Some(patch)).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}: {}",
            app.db_name,
            r.text
        );
        assert_eq!(first_code(&r), "cannot_change_own_roles");
        // An organisation above its own does not exist for it.
        let up = json!({"org_id": app.fx.group});
        let r = app.call(Method::PATCH, &own, Some(&admin), Some(up)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
        // The brand's administrator cannot move itself down the tree either.
        let root = app.login("root").await;
        let root_id = app.call(Method::GET, "/api/v1/auth/me", Some(&root), None).await.json()["id"]
            .as_i64()
            .unwrap();
        let down = json!({"org_id": app.fx.region});
        let r = app
            .call(
                Method::PATCH,
                &format!("/api/v1/users/{root_id}"),
                Some(&root),
                Some(down),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert!(r.text.contains("cannot_change_own_org"), "{}", r.text);
        // …nor through a second account: a dealer's administrator makes no administrators.
        let puppet = json!({"username": "a.puppet", "password": PW, "display_name": "傀儡", "org_id": app.fx.dealer_a, "roles": ["admin"]});
        let r = app
            .call(Method::POST, "/api/v1/users", Some(&admin), Some(puppet.clone()))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert_eq!(first_code(&r), "cannot_grant_role");
        // The brand's administrator may.
        let r = app.call(Method::POST, "/api/v1/users", Some(&root), Some(puppet)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        // A dealer's administrator still manages its staff.
        let agent = json!({"username": "a.agent2", "password": PW, "display_name": "回访员二", "org_id": app.fx.dealer_a, "roles": ["callback_agent"]});
        let r = app.call(Method::POST, "/api/v1/users", Some(&admin), Some(agent)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        app.cleanup().await;
    }
}

#[tokio::test]
async fn passwords_people_guess_are_refused_in_both_languages() {
    for app in TestApp::all(false).await {
        let root = app.login("root").await;
        for (password, code) in [
            ("password", "length"),
            ("Password123", "password_common"),
            ("woaini1314!", "password_common"),
            ("1234567890", "password_weak"),
            ("wang.lei.gz", "password_is_username"),
            ("zg.iel.gnaw", "password_is_username"),
        ] {
            let body = json!({"username": "wang.lei.gz", "password": password, "display_name": "王磊", "org_id": app.fx.dealer_a, "roles": ["callback_agent"]});
            let r = app.call(Method::POST, "/api/v1/users", Some(&root), Some(body)).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{password}: {}", r.text);
            assert_eq!(first_code(&r), code, "{password}");
            assert!(!r.json()["errors"][0]["message"].as_str().unwrap().is_empty());
        }
        app.cleanup().await;
    }
}

#[tokio::test]
async fn guessing_the_current_password_is_throttled() {
    for app in TestApp::all(false).await {
        let agent = app.login("a.agent").await;
        let change = |current: &str| json!({"current_password": current, "new_password": "a brand new secret"});
        for _ in 0..5 {
            let r = app
                .call(
                    Method::POST,
                    "/api/v1/auth/password",
                    Some(&agent),
                    Some(change("wrong-guess-1")),
                )
                .await;
            assert_eq!(first_code(&r), "password_wrong", "{}", r.text);
        }
        let r = app
            .call(Method::POST, "/api/v1/auth/password", Some(&agent), Some(change(PW)))
            .await;
        assert_eq!(first_code(&r), "too_many_attempts", "{}: {}", app.db_name, r.text);
        app.cleanup().await;
    }
}
