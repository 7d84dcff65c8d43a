//! The complaint pages: a dissatisfied callback becomes a complaint through the form, the
//! board shows its clocks, the complaint page moves it along, and a satisfied closure call
//! closes it; the customer's timeline shows it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use crate::testing::web as common;

use crate::capabilities::accounts::data::users::NewUser;
use crate::capabilities::callbacks::data::work::TaskFilter;
use crate::capabilities::callbacks::data::NewAttempt;
use crate::capabilities::callbacks::rules::{Answer, Outcome, TaskType};
use axum::http::StatusCode;
use common::pages::{get, hidden, post_form, web_login};
use common::{TestApp, PW};
use dcrc_domain::Role;
use std::collections::BTreeMap;

fn call(outcome: Outcome, answers: &[(&str, Answer)]) -> NewAttempt {
    NewAttempt {
        outcome,
        answers: answers
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect::<BTreeMap<_, _>>(),
        note: Some("维修后异响仍在".into()),
        phone_id: None,
        call_back_at: None,
    }
}

#[tokio::test]
async fn a_dissatisfied_callback_becomes_a_complaint_that_a_satisfied_call_closes() {
    for app in TestApp::all(false).await {
        let root = app.store.test_user("root").await.unwrap();
        let cm = NewUser {
            username: "a.cm".into(),
            password: PW.into(),
            display_name: "A投诉经理".into(),
            org_id: app.fx.dealer_a,
            roles: vec![Role::ComplaintManager],
            locale: None,
        };
        app.store.create_user(&root, cm).await.unwrap();
        let agent = app.store.test_user("a.agent").await.unwrap();
        let unhappy = call(
            Outcome::ReachedDissatisfied,
            &[
                ("overall", Answer::Score(3)),
                ("fixed_first_time", Answer::YesNo(false)),
            ],
        );
        app.store
            .record_attempt(&agent, app.fx.callback_a, unhappy)
            .await
            .unwrap();
        let manager = app.store.test_user("a.cm").await.unwrap();
        let f = TaskFilter {
            task_type: Some(TaskType::Dissatisfaction),
            ..TaskFilter::default()
        };
        let follow_up = app.store.list_callbacks(&manager, &f).await.unwrap().items[0].id;

        let session = web_login(&app, "a.cm").await;
        let task = get(&app, &format!("/callbacks/{follow_up}"), &session).await;
        assert!(task.text.contains("id=\"file-complaint\""), "{}", app.db_name);
        let form = get(&app, &format!("/complaints/new?task_id={follow_up}"), &session).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(
            form.text.contains("维修后异响仍在"),
            "the call's note is the description"
        );
        let csrf = hidden(&form.text, "_csrf");
        let customer = hidden(&form.text, "customer_id");
        let vehicle = hidden(&form.text, "vehicle_id");
        // Missing category: the form comes back naming it.
        let body = |category: &str| {
            format!(
                "_csrf={csrf}&customer_id={customer}&vehicle_id={vehicle}&callback_task_id={follow_up}&channel=callback\
                 &category={category}&tier=general&title=%E5%BC%82%E5%93%8D&description=%E5%BC%82%E5%93%8D%E4%BB%8D%E5%9C%A8"
            )
        };
        let bad = post_form(&app, "/complaints", &session, &body("")).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        // Named by its label under the field; what was typed survives.
        assert!(
            bad.text.contains("投诉类别：") || bad.text.contains("类别："),
            "{}",
            bad.text
        );
        assert!(bad.text.contains(r#"id="e-category""#), "{}", bad.text);
        let filed = post_form(&app, "/complaints", &session, &body("repair_quality")).await;
        assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.text);
        let location = filed.headers.get("location").unwrap().to_str().unwrap().to_string();
        let id: i64 = location.trim_start_matches("/complaints/").parse().unwrap();

        let board = get(&app, "/complaints", &session).await;
        assert!(board.text.contains(&format!("data-complaint=\"{id}\"")));
        assert!(board.text.contains("clock running"), "{}", board.text);
        assert!(!board.text.contains("SECRET"), "nothing of dealer B");
        // The board's filters, search and export narrow to what was asked.
        let row = format!("data-complaint=\"{id}\"");
        assert!(get(&app, "/complaints?q=%E5%BC%82%E5%93%8D", &session)
            .await
            .text
            .contains(&row));
        assert!(!get(&app, "/complaints?q=nothing-like-it", &session)
            .await
            .text
            .contains(&row));
        assert!(!get(&app, "/complaints?state=closed", &session)
            .await
            .text
            .contains(&row));
        assert!(get(&app, "/complaints?state=new&tier=general&clock=running", &session)
            .await
            .text
            .contains(&row));
        assert!(!get(&app, "/complaints?clock=breached", &session)
            .await
            .text
            .contains(&row));
        let export = get(&app, "/complaints/board.xlsx?q=%E5%BC%82%E5%93%8D", &session).await;
        assert!(export.bytes.starts_with(b"PK"), "the filtered list as XLSX");
        let done = get(&app, &format!("/callbacks/{follow_up}"), &session).await;
        assert!(done.text.contains("已完成"), "filing closed the follow-up");

        let act = |action: &str, body: String| {
            let path = format!("/complaints/{id}/{action}");
            let (app, session) = (&app, &session);
            async move { post_form(app, &path, session, &body).await }
        };
        assert_eq!(
            act("transition", format!("_csrf={csrf}&to=acknowledged")).await.status,
            StatusCode::SEE_OTHER
        );
        let illegal = act("transition", format!("_csrf={csrf}&to=closed&note=x")).await;
        assert_eq!(illegal.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(illegal.text.contains("目标状态："), "{}", illegal.text);
        let paused = act("pause", format!("_csrf={csrf}&reason=waiting_for_parts")).await;
        assert_eq!(paused.status, StatusCode::SEE_OTHER);
        let page = get(&app, &location, &session).await;
        assert!(page.text.contains("data-status=\"paused\""), "{}", page.text);
        assert_eq!(
            act("resume", format!("_csrf={csrf}")).await.status,
            StatusCode::SEE_OTHER
        );
        let saved = act(
            "form",
            format!("_csrf={csrf}&responsible=%E5%94%AE%E5%90%8E&measures=%E8%BF%94%E4%BF%AE&sign_off=1"),
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
        assert_eq!(
            act("transition", format!("_csrf={csrf}&to=resolved")).await.status,
            StatusCode::SEE_OTHER
        );
        let page = get(&app, &location, &session).await;
        assert!(page.text.contains("data-state=\"closure_callback\""));

        let closure = TaskFilter {
            task_type: Some(TaskType::ComplaintClosure),
            ..TaskFilter::default()
        };
        let task = app.store.list_callbacks(&agent, &closure).await.unwrap().items[0].id;
        let happy = call(
            Outcome::ReachedSatisfied,
            &[("resolved", Answer::YesNo(true)), ("overall", Answer::Score(9))],
        );
        app.store.record_attempt(&agent, task, happy).await.unwrap();
        let page = get(&app, &location, &session).await;
        assert!(page.text.contains("data-state=\"closed\""), "{}", page.text);
        // The handling form as PDF and XLSX.
        let pdf = get(&app, &format!("{location}/form.pdf"), &session).await;
        assert_eq!(pdf.headers.get("content-type").unwrap(), "application/pdf");
        assert!(pdf.text.starts_with("%PDF-1.4"));
        assert!(pdf.text.contains("/STSong-Light"), "Chinese in Adobe's standard font");
        let xlsx = get(&app, &format!("{location}/form.xlsx"), &session).await;
        assert!(xlsx.text.starts_with("PK"));
        assert_eq!(
            get(&app, &format!("{location}/form.doc"), &session).await.status,
            StatusCode::NOT_FOUND
        );
        assert!(page.text.contains("data-status=\"met\""));
        let timeline = get(&app, &format!("/customers/{customer}"), &session).await;
        assert!(timeline.text.contains("data-kind=\"complaint\""));

        // The statistics: one filed, answered and closed on time, charted and exportable.
        // The last full month by default; this month is one link away.
        let default = get(&app, "/complaints/stats", &session).await;
        let this_month = default
            .text
            .split("id=\"range-this-month\"")
            .next()
            .and_then(|s| s.rsplit("href=\"").next())
            .and_then(|s| s.split('"').next())
            .unwrap_or_default()
            .replace("&#38;", "&")
            .replace("&amp;", "&");
        let stats = get(&app, &this_month, &session).await;
        assert_eq!(stats.status, StatusCode::OK, "{}", stats.text);
        assert!(stats.text.contains("id=\"filed\">1<"), "{}", stats.text);
        assert!(stats.text.contains("id=\"closure-on-time\">100.00%<"));
        assert!(stats.text.contains("维修质量") && stats.text.contains("<svg class=\"chart\""));
        assert!(!stats.text.contains("SECRET"));
        let xlsx = get(
            &app,
            &this_month.replace("/complaints/stats?", "/complaints/stats.xlsx?"),
            &session,
        )
        .await;
        assert!(xlsx.text.starts_with("PK"), "an XLSX workbook");
        app.cleanup().await;
    }
}

/// The agent who opens a customer sees each open complaint's clock: its deadline, that
/// it is overdue, or that it is paused.
#[tokio::test]
async fn the_customer_360_shows_each_open_complaint_s_clock() {
    for app in TestApp::all(true).await {
        let cm = web_login(&app, "b.cm").await;
        let path = format!("/customers/{}", app.fx.customer_b);
        let page = get(&app, &path, &cm).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        assert!(page.text.contains("处理期限 "), "{}", page.text);
        app.clock.advance(chrono::Duration::days(60));
        // Sixty days on, the session has expired: signed in again.
        let cm = web_login(&app, "b.cm").await;
        let late = get(&app, &path, &cm).await;
        assert!(late.text.contains("已超期（期限 "), "{}", late.text);

        let complaint = get(&app, &format!("/complaints/{}", app.fx.complaint_b), &cm).await;
        let reason: String = complaint
            .text
            .split(r#"id="f-pause-reason""#)
            .nth(1)
            .and_then(|rest| rest.split(r#"<option value=""#).skip(1).find(|o| !o.starts_with('"')))
            .map(|o| o.split('"').next().unwrap().to_string())
            .expect("a pause reason offered");
        let csrf = hidden(&complaint.text, "_csrf");
        let paused = post_form(
            &app,
            &format!("/complaints/{}/pause", app.fx.complaint_b),
            &cm,
            &format!("_csrf={csrf}&reason={reason}&note="),
        )
        .await;
        assert_eq!(paused.status, StatusCode::SEE_OTHER, "{}", paused.text);
        let page = get(&app, &path, &cm).await;
        assert!(page.text.contains("计时暂停"), "{}", page.text);
        app.cleanup().await;
    }
}
