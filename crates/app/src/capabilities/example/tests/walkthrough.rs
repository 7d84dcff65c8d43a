//! The example capability works through its registration alone: its migration ran, its
//! API and page answer in both languages with its navigation entry, a sale stored by the
//! archive reaches it as an event, its notes are on the customer timeline and move with a
//! merge, its job is retried with backoff, and its policy section is validated.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use crate::testing::web::pages::{get, web_login};
use crate::testing::web::TestApp;
use axum::http::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn a_capability_registered_in_one_line_is_wired_everywhere() {
    for app in TestApp::all(true).await {
        let token = app.login("a.admin").await;
        let a = app.fx.customer_a;
        // API: a note for dealer A's customer; bad input names its field.
        let r = app
            .call(
                Method::POST,
                "/api/v1/example/notes",
                Some(&token),
                Some(json!({"customer_id": a, "body": "prefers mornings"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", app.db_name, r.text);
        let bad = app
            .call(
                Method::POST,
                "/api/v1/example/notes",
                Some(&token),
                Some(json!({"customer_id": a, "body": " "})),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.text.contains("\"body\""), "{}", bad.text);
        // Event: a sale stored through the archive's API leaves a note.
        let sale = app
            .call(
                Method::POST,
                "/api/v1/sales",
                Some(&token),
                Some(json!({"customer_id": a, "vehicle_id": app.fx.vehicle_a, "delivery_date": "2026-02-20"})),
            )
            .await;
        assert_eq!(sale.status, StatusCode::CREATED, "{}", sale.text);
        let notes = app
            .call(
                Method::GET,
                &format!("/api/v1/example/notes?customer_id={a}"),
                Some(&token),
                None,
            )
            .await
            .json();
        let bodies: Vec<&str> = notes
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["body"].as_str().unwrap())
            .collect();
        assert_eq!(bodies.len(), 2, "{}: {bodies:?}", app.db_name);
        assert!(bodies[1].starts_with("sale "), "{bodies:?}");
        // Timeline: the customer 360 lists the notes.
        let timeline = app
            .call(
                Method::GET,
                &format!("/api/v1/customers/{a}/timeline"),
                Some(&token),
                None,
            )
            .await;
        assert!(
            timeline.text.contains("example_note") && timeline.text.contains("prefers mornings"),
            "{}",
            timeline.text
        );
        // Page and navigation, in both languages.
        let cookie = web_login(&app, "a.admin").await;
        let page = get(&app, "/example", &cookie).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text.contains("href=\"/example\""), "the menu shows the entry");
        assert!(
            page.text.contains("客户便签") && page.text.contains("共 2 条便签"),
            "{}",
            page.text
        );
        let en = get(&app, "/example", &format!("{cookie}; dcrc_lang=en")).await;
        assert!(en.text.contains("2 notes"), "{}", en.text);
        // Policy: its section is in the document and validated.
        let policy = app
            .call(Method::GET, "/api/v1/policies", Some(&token), None)
            .await
            .json();
        assert_eq!(policy["policy"]["example"]["max_note_chars"], 500);
        let refused = app
            .call(
                Method::PUT,
                &format!("/api/v1/policies/{}", app.fx.brand),
                Some(&app.login("root").await),
                Some(json!({"overrides": {"example": {"max_note_chars": 0}}})),
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text);
        assert!(refused.text.contains("example.max_note_chars"), "{}", refused.text);
        app.cleanup().await;
    }
}

#[tokio::test]
async fn its_job_is_retried_with_backoff_until_it_succeeds() {
    for app in TestApp::all(true).await {
        let store = &app.store;
        store
            .enqueue_job("example.flaky", "flaky:1", store.now_ms(), &json!({"fail": 2}))
            .await
            .unwrap();
        let clock = app.clock.clone();
        assert_eq!(crate::core::scheduler::run_due(store).await.unwrap(), 1);
        clock.advance(chrono::Duration::seconds(31));
        assert_eq!(
            crate::core::scheduler::run_due(store).await.unwrap(),
            1,
            "second attempt after 30 s"
        );
        clock.advance(chrono::Duration::seconds(31));
        assert_eq!(
            crate::core::scheduler::run_due(store).await.unwrap(),
            0,
            "the third waits 60 s"
        );
        clock.advance(chrono::Duration::seconds(30));
        assert_eq!(crate::core::scheduler::run_due(store).await.unwrap(), 1);
        assert_eq!(
            store.job_counts().await.unwrap(),
            vec![("done".to_string(), 1)],
            "{}",
            app.db_name
        );
        app.cleanup().await;
    }
}
