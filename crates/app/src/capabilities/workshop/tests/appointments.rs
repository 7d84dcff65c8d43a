//! Appointments against the workshop's capacity, through the API and the day page, on
//! each database; bookings racing for the last bay.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use crate::testing::web::live::{burst, tally};
use crate::testing::web::pages::{get, hidden, post_form, web_login};
use crate::testing::web::TestApp;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

/// The test clock starts on Monday 2026-03-02 09:00; Tuesday is a working day.
const TUESDAY: &str = "2026-03-03";

fn booking(customer: i64, at: &str) -> Value {
    json!({
        "customer_id": customer,
        "job_type": "regular_maintenance",
        "start": format!("{TUESDAY}T{at}:00+08:00"),
        "requested_work": "5000 公里保养",
        "parts_note": "机油滤芯"
    })
}

#[tokio::test]
async fn a_full_hour_is_refused_with_the_reason_and_the_next_free_times() {
    for app in TestApp::all(false).await {
        let admin = app.store.test_user("a.admin").await.unwrap();
        crate::testing::workshop::set_up(&app.store, &admin).await;
        let token = app.login("a.admin").await;
        let customer = app.fx.customer_a;
        let book = |body: Value| app.call(Method::POST, "/api/v1/appointments", Some(&token), Some(body));
        let first = book(booking(customer, "10:00")).await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
        let a = first.json();
        assert_eq!(a["end"], "2026-03-03T11:00:00+08:00", "the job's standard time: 60 min");
        assert_eq!(a["bay_kind"], "quick_service");
        assert_eq!(a["state"], "booked");

        // The one quick-service bay is taken 10:00–11:00: 10:30 does not fit.
        let full = book(booking(customer, "10:30")).await;
        assert_eq!(full.status, StatusCode::CONFLICT, "{}", full.text);
        let p = full.json();
        assert_eq!(p["code"], "no_capacity");
        assert!(
            p["detail"].as_str().unwrap().contains("工位都已排满"),
            "{}",
            p["detail"]
        );
        let next: Vec<&str> = p["next_slots"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["start"].as_str().unwrap())
            .collect();
        assert_eq!(
            next,
            [
                "2026-03-03T11:00:00+08:00",
                "2026-03-03T11:30:00+08:00",
                "2026-03-03T12:00:00+08:00"
            ]
        );
        // After closing: the next free times are the next working morning.
        let late = book(booking(customer, "17:00")).await;
        assert_eq!(late.status, StatusCode::CONFLICT);
        let p = late.json();
        assert!(p["detail"].as_str().unwrap().contains("营业时间"), "{}", p["detail"]);
        assert_eq!(p["next_slots"][0]["start"], "2026-03-04T08:30:00+08:00");
        // A job the policy does not know, and a time already past, are named.
        let mut bad = booking(customer, "09:00");
        bad["job_type"] = json!("teleport");
        let r = book(bad).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["errors"][0]["field"], "job_type");
        let mut past = booking(customer, "09:00");
        past["start"] = json!("2026-03-01T09:00:00+08:00");
        let r = book(past).await;
        assert_eq!(r.json()["errors"][0]["field"], "start");

        // Cancelling frees the hour; a cancelled appointment cannot then be marked arrived.
        let id = a["id"].as_i64().unwrap();
        let path = format!("/api/v1/appointments/{id}/state");
        let r = app
            .call(Method::POST, &path, Some(&token), Some(json!({"to": "cancelled"})))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = app
            .call(Method::POST, &path, Some(&token), Some(json!({"to": "arrived"})))
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        let again = book(booking(customer, "10:30")).await;
        assert_eq!(again.status, StatusCode::CREATED, "{}", again.text);
        let day = app
            .call(
                Method::GET,
                &format!("/api/v1/appointments?day={TUESDAY}"),
                Some(&token),
                None,
            )
            .await
            .json();
        assert_eq!(day.as_array().unwrap().len(), 2, "the cancelled one stays listed");
        app.cleanup().await;
    }
}

/// Twelve advisors book the same hour at once: the one bay goes to one of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twelve_bookings_for_the_last_bay_leave_one() {
    for app in TestApp::all(false).await {
        let admin = app.store.test_user("a.admin").await.unwrap();
        crate::testing::workshop::set_up(&app.store, &admin).await;
        let token = app.login("a.admin").await;
        let srv = app.servers().await;
        let r = burst(
            &srv,
            12,
            "POST",
            "/api/v1/appointments",
            &token,
            Some(booking(app.fx.customer_a, "14:00")),
        )
        .await;
        assert_eq!(tally(&r), vec![(201, 1), (409, 11)], "{}", app.db_name);
        assert!(r.iter().all(|(s, b)| *s == 201 || b["code"] == "no_capacity"));
        let n = app
            .store
            .raw_db()
            .fetch_one(
                &crate::stmt(
                    "SELECT COUNT(*) AS n FROM appointments WHERE org_id = $1 AND day = $2 AND state = 'booked'",
                )
                .bind(app.fx.dealer_a)
                .bind(TUESDAY),
            )
            .await
            .unwrap()
            .i64("n")
            .unwrap();
        assert_eq!(n, 1, "{}", app.db_name);
        app.cleanup().await;
    }
}

/// The day page: a refused booking keeps what was typed and offers the next free times;
/// one click on a time books it.
#[tokio::test]
async fn the_day_page_books_and_offers_the_next_free_times() {
    for app in TestApp::all(false).await {
        let admin = app.store.test_user("a.admin").await.unwrap();
        crate::testing::workshop::set_up(&app.store, &admin).await;
        let session = web_login(&app, "a.admin").await;
        let page = get(&app, &format!("/workshop?day={TUESDAY}"), &session).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        assert!(
            page.text.contains("快修快保") && page.text.contains("剩余 540 分钟"),
            "{}",
            page.text
        );
        let csrf = hidden(&page.text, "_csrf");
        let form = |extra: &str| {
            format!(
                "_csrf={csrf}&customer_id={}&job_type=regular_maintenance&date={TUESDAY}&time=10%3A00&requested_work=%E5%BC%82%E5%93%8D%E6%A3%80%E6%9F%A5{extra}",
                app.fx.customer_a
            )
        };
        let ok = post_form(&app, "/workshop", &session, &form("")).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
        let full = post_form(&app, "/workshop", &session, &form("")).await;
        assert_eq!(full.status, StatusCode::CONFLICT, "{}", full.text);
        assert!(full.text.contains("id=\"next-slots\""), "{}", full.text);
        assert!(full.text.contains("异响检查</textarea>"), "what was typed is kept");
        assert!(
            full.text.contains(r#"name="start_at" value="2026-03-03T11:00""#),
            "{}",
            full.text
        );
        let picked = post_form(&app, "/workshop", &session, &form("&start_at=2026-03-03T11%3A00")).await;
        assert_eq!(picked.status, StatusCode::SEE_OTHER, "{}", picked.text);
        let day = get(&app, &format!("/workshop?day={TUESDAY}"), &session).await;
        assert!(
            day.text.contains("10:00–11:00") && day.text.contains("11:00–12:00"),
            "{}",
            day.text
        );
        assert!(day.text.contains("剩余 420 分钟"), "{}", day.text);
        // The chosen customer's car is offered (one car: chosen already); the booking
        // carries it, so the day shows its plate.
        let chosen = post_form(&app, "/workshop", &session, &format!("{}&_pick=customer_id", form(""))).await;
        assert!(chosen.text.contains(r#"name="vehicle_id""#), "{}", chosen.text);
        assert!(
            chosen
                .text
                .contains(&format!(r#"<option value="{}" selected>"#, app.fx.vehicle_a)),
            "{}",
            chosen.text
        );
        let with_car = post_form(
            &app,
            "/workshop",
            &session,
            &format!(
                "{}&vehicle_id={}",
                form("&start_at=2026-03-03T13%3A00"),
                app.fx.vehicle_a
            ),
        )
        .await;
        assert_eq!(with_car.status, StatusCode::SEE_OTHER, "{}", with_car.text);
        let a = app
            .store
            .list_appointments(&admin, None, TUESDAY.parse().unwrap())
            .await
            .unwrap();
        assert!(a
            .iter()
            .any(|a| a.vehicle_id == Some(app.fx.vehicle_a) && a.plate.is_some()));
        // The customer's timeline shows the appointment.
        let c = get(&app, &format!("/customers/{}", app.fx.customer_a), &session).await;
        assert!(c.text.contains("定期保养") && c.text.contains("已预约"), "{}", c.text);
        app.cleanup().await;
    }
}

/// The set-up page adds bays and technicians; a refused form keeps what was typed.
#[tokio::test]
async fn bays_and_technicians_are_set_up_on_their_page() {
    for app in TestApp::all(false).await {
        let session = web_login(&app, "a.admin").await;
        let page = get(&app, "/workshop/setup", &session).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        let csrf = hidden(&page.text, "_csrf");
        let bad = post_form(
            &app,
            "/workshop/setup/bays",
            &session,
            &format!("_csrf={csrf}&name=&kind=paint"),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
        assert!(bad.text.contains(r#"id="e-bay-name" role="alert""#), "{}", bad.text);
        assert!(bad.text.contains(r#"<option value="paint" selected>"#), "the kind kept");
        let bad = post_form(
            &app,
            "/workshop/setup/technicians",
            &session,
            &format!("_csrf={csrf}&name=%E8%B5%B5%E5%B8%88%E5%82%85"),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
        assert!(
            bad.text.contains(r#"id="e-technician-skills" role="alert""#),
            "{}",
            bad.text
        );
        assert!(bad.text.contains(r#"value="赵师傅""#), "the name kept");
        let ok = post_form(
            &app,
            "/workshop/setup/bays",
            &session,
            &format!("_csrf={csrf}&name=%E5%96%B7%E6%BC%86%E6%88%BF&kind=paint"),
        )
        .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
        let ok = post_form(
            &app,
            "/workshop/setup/technicians",
            &session,
            &format!("_csrf={csrf}&name=%E8%B5%B5%E5%B8%88%E5%82%85&skills=paint&skills=body"),
        )
        .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
        // The same name again is refused by the dealer's unique names, the kind kept.
        let again = post_form(
            &app,
            "/workshop/setup/bays",
            &session,
            &format!("_csrf={csrf}&name=%E5%96%B7%E6%BC%86%E6%88%BF&kind=paint"),
        )
        .await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
        assert!(again.text.contains("名称已被使用"), "{}", again.text);
        let page = get(&app, "/workshop/setup", &session).await;
        assert!(page.text.contains("喷漆房"), "{}", page.text);
        assert!(page.text.contains("喷漆、钣金"), "the skills as labels: {}", page.text);
        // A service advisor books but does not set up.
        let agent = web_login(&app, "a.agent").await;
        assert!(!get(&app, "/workshop", &agent).await.text.contains("setup-link"));
        assert_eq!(
            app.store
                .create_bay(
                    &app.store.test_user("a.agent").await.unwrap(),
                    crate::capabilities::workshop::data::setup::NewBay {
                        org_id: None,
                        name: "x".into(),
                        kind: crate::capabilities::workshop::rules::capacity::BayKind::Body,
                    }
                )
                .await
                .err()
                .map(|e| matches!(e, crate::StoreError::Forbidden)),
            Some(true)
        );
        app.cleanup().await;
    }
}
