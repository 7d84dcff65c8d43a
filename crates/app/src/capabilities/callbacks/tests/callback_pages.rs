//! The callback pages: the agent's queue, the work screen with its script and masked
//! number, recording a call through the form, statistics, workload and policy.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use crate::testing::web as common;

use axum::http::StatusCode;
use common::pages::{get, hidden, post_form, web_login};
use common::TestApp;

#[tokio::test]
async fn an_agent_works_a_task_from_the_queue_and_the_statistics_count_it() {
    for app in TestApp::all(false).await {
        let session = web_login(&app, "a.agent").await;
        let queue = get(&app, "/callbacks", &session).await;
        assert_eq!(queue.status, StatusCode::OK, "{}", app.db_name);
        let row = format!("data-task=\"{}\"", app.fx.callback_a);
        assert!(
            queue.text.contains(&row),
            "the post-repair call is queued: {}",
            queue.text
        );
        assert!(queue.text.contains("维修后回访") && queue.text.contains("139****4444"));
        assert!(!queue.text.contains("SECRET"), "nothing of dealer B");

        let work = get(&app, &format!("/callbacks/{}", app.fx.callback_a), &session).await;
        assert_eq!(work.status, StatusCode::OK);
        assert!(
            work.text.contains("id=\"script\"") && work.text.contains("A店"),
            "the script names the dealer"
        );
        assert!(!work.text.contains("13933334444"), "masked until revealed");
        let csrf = hidden(&work.text, "_csrf");
        let shown = post_form(
            &app,
            &format!("/callbacks/{}/reveal", app.fx.callback_a),
            &session,
            &format!("_csrf={csrf}"),
        )
        .await;
        assert!(shown.text.contains("href=\"tel:13933334444\""));

        // A required answer missing: the form comes back naming the field.
        let path = format!("/callbacks/{}/attempts", app.fx.callback_a);
        let missing = post_form(
            &app,
            &path,
            &session,
            &format!("_csrf={csrf}&outcome=reached_satisfied&a.overall=9"),
        )
        .await;
        assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
        // Named by its label under the field, never by its key; what was typed survives.
        assert!(missing.text.contains("问题是否一次修好：必填"), "{}", missing.text);
        assert!(!missing.text.contains("answers.fixed_first_time"), "{}", missing.text);
        assert!(
            missing.text.contains(r#"name="a.overall" value="9""#),
            "{}",
            missing.text
        );
        assert!(
            missing.text.contains(r#"<option value="reached_satisfied" selected>"#),
            "{}",
            missing.text
        );
        assert!(missing.text.contains("role=\"alert\""));
        let done = post_form(
            &app,
            &path,
            &session,
            &format!(
                "_csrf={csrf}&outcome=reached_satisfied&a.overall=9&a.fixed_first_time=yes&note=%E6%BB%A1%E6%84%8F"
            ),
        )
        .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
        let after = get(&app, &format!("/callbacks/{}", app.fx.callback_a), &session).await;
        assert!(after.text.contains("data-outcome=\"reached_satisfied\"") && after.text.contains("已完成"));
        // The answers read as labelled scores, not `overall=9`.
        assert!(
            after.text.contains("9 / 10") && !after.text.contains("overall=9"),
            "{}",
            after.text
        );
        assert!(
            !get(&app, "/callbacks", &session).await.text.contains(&row),
            "left the queue"
        );

        // The last full month by default; this month is one link away.
        let default = get(&app, "/callbacks/stats", &session).await;
        let this_month = default
            .text
            .split("id=\"range-this-month\"")
            .next()
            .and_then(|s| s.rsplit("href=\"").next())
            .and_then(|s| s.split('"').next())
            .unwrap_or_default()
            .replace("&amp;", "&")
            .replace("&#38;", "&");
        assert!(this_month.starts_with("/callbacks/stats?from="), "{this_month}");
        let stats = get(&app, &format!("{this_month}&period=day"), &session).await;
        assert_eq!(stats.status, StatusCode::OK, "{this_month}: {}", stats.text);
        assert!(stats.text.contains("接通-满意: <strong>1</strong>"), "{}", stats.text);
        assert!(stats.text.contains("<svg class=\"chart\""), "a chart");
        let xlsx = get(&app, "/callbacks/stats.xlsx?period=day", &session).await;
        assert_eq!(xlsx.status, StatusCode::OK);
        assert!(xlsx.text.starts_with("PK"), "an XLSX workbook");

        let policy = get(&app, "/callbacks/policy", &session).await;
        assert!(
            policy.text.contains("销售一级回访") && policy.text.contains("2026-02-14"),
            "rules and holidays"
        );
        assert!(!policy.text.contains("policy-form"), "agents do not edit policy");
        app.cleanup().await;
    }
}

#[tokio::test]
async fn brand_staff_set_the_preset_and_supervisors_see_the_workload() {
    for app in TestApp::all(false).await {
        let staff = web_login(&app, "brand.staff").await;
        let page = get(&app, "/callbacks/policy", &staff).await;
        assert!(page.text.contains("policy-form"));
        let csrf = hidden(&page.text, "_csrf");
        let bad = post_form(
            &app,
            "/callbacks/policy",
            &staff,
            &format!(
                "_csrf={csrf}&org_id={}&preset=geely&overrides=%7Bnot+json",
                app.fx.brand
            ),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
        let ok = post_form(
            &app,
            "/callbacks/policy",
            &staff,
            &format!(
                "_csrf={csrf}&org_id={}&preset=geely&overrides=%7B%22types%22%3A%7B%22sales_first%22%3A%7B%22window_days%22%3A7%7D%7D%7D",
                app.fx.brand
            ),
        )
        .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
        let after = get(&app, &format!("/callbacks/policy?org_id={}", app.fx.dealer_a), &staff).await;
        assert!(
            after.text.contains("geely") && after.text.contains("第 3 天"),
            "the dealer inherits Geely's day-3 post-repair call"
        );

        // Next year's schedule, entered when it is published; a bad line is named.
        let page = get(&app, "/callbacks/policy", &staff).await;
        assert!(page.text.contains("calendar-form") && page.text.contains("2026-02-14 workday 春节调休"));
        let bad = post_form(
            &app,
            "/callbacks/calendar",
            &staff,
            &format!("_csrf={csrf}&year=2027&days=2027-01-01+rest"),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        // The line is named by its number, never by the field's key.
        assert!(bad.text.contains("日期，每行一条 第 1 行："), "{}", bad.text);
        assert!(
            bad.text.contains("2027-01-01 rest</textarea>"),
            "the lines typed are kept"
        );
        assert!(!bad.text.contains("days[0]"), "{}", bad.text);
        let saved = post_form(
            &app,
            "/callbacks/calendar",
            &staff,
            &format!("_csrf={csrf}&year=2027&days=2027-01-01+holiday+%E5%85%83%E6%97%A6%0A2027-02-07+workday"),
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
        let year = app.store.calendar_year(&crate::testing::system(), 2027).await.unwrap();
        assert_eq!(year.len(), 2);
        assert_eq!(year[0].name, "元旦");
        // A dealer's administrator may not change the shared calendar.
        let admin = web_login(&app, "a.admin").await;
        let theirs = get(&app, "/callbacks/policy", &admin).await;
        assert!(!theirs.text.contains("calendar-form"));
        let refused = post_form(
            &app,
            "/callbacks/calendar",
            &admin,
            &format!("_csrf={}&year=2027&days=", hidden(&theirs.text, "_csrf")),
        )
        .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);

        // The group's and brand's view of the statistics; the admin sees the workload.
        let stats = get(&app, "/callbacks/stats?by=dealer", &staff).await;
        assert_eq!(stats.status, StatusCode::OK);
        let team = get(&app, "/callbacks/team", &admin).await;
        assert!(
            team.text.contains("A回访员") && !team.text.contains("SECRET"),
            "{}",
            team.text
        );
        app.cleanup().await;
    }
}
