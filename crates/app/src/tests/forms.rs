//! Every form of the pages, submitted invalid, comes back with each value the user typed
//! and each error under its field, named by its label and never by its key.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use crate::testing::web::pages::{get, hidden, post_form, web_login};
use crate::testing::web::TestApp;
use axum::http::StatusCode;

/// `text` is percent-encoded into the body; the page must show it back verbatim.
fn enc(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn assert_kept(page: &str, field: &str, value: &str) {
    let shown = crate::core::http::form_view::esc(value);
    let kept = page.split(&format!(r#"name="{field}""#)).skip(1).any(|rest| {
        let tag = rest.split('>').next().unwrap_or_default();
        tag.contains(&format!(r#"value="{shown}""#))
            || rest
                .split_once('>')
                .is_some_and(|(_, body)| body.starts_with(&format!("{shown}</textarea>")))
    });
    assert!(kept, "{field} kept as {value}: {page}");
}

fn assert_error_under(page: &str, field: &str, label: &str) {
    assert!(
        page.contains(&format!(r#"id="e-{field}" role="alert""#)),
        "error under {field}: {page}"
    );
    assert!(
        page.contains(&format!("{label}：")),
        "named by its label {label}: {page}"
    );
    assert!(page.contains("class=\"error-summary\""), "a summary on top");
}

#[tokio::test]
async fn every_refused_form_keeps_what_was_typed() {
    for app in TestApp::all(false).await {
        let agent = web_login(&app, "a.agent").await;
        let page = get(&app, "/complaints/new", &agent).await;
        let csrf = hidden(&page.text, "_csrf");

        // Filing a complaint without a customer and a title.
        let text = "刹车 <异响> & 抖动";
        let bad = post_form(
            &app,
            "/complaints",
            &agent,
            &format!(
                "_csrf={csrf}&customer_id_q=&channel=phone&tier=major&category=repair_quality&title=&description={}",
                enc(text)
            ),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_error_under(&bad.text, "customer_id", "客户");
        assert_kept(&bad.text, "description", text);
        assert!(bad.text.contains(r#"<option value="major" selected>"#), "the tier kept");
        // The customer chosen, still no title: the title's error, the customer kept.
        let bad = post_form(
            &app,
            "/complaints",
            &agent,
            &format!(
                "_csrf={csrf}&customer_id={}&channel=phone&tier=general&category=repair_quality&title=&description={}",
                app.fx.customer_a,
                enc(text)
            ),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_error_under(&bad.text, "title", "主题");
        assert!(
            bad.text.contains(&format!(r#"value="{}" checked"#, app.fx.customer_a)),
            "the chosen customer survives: {}",
            bad.text
        );
        // The picker's 查找 draws the matches with everything else kept.
        let found = post_form(
            &app,
            "/complaints",
            &agent,
            &format!(
                "_csrf={csrf}&_pick=customer_id&customer_id_q={}&description={}",
                enc("A店"),
                enc(text)
            ),
        )
        .await;
        assert_eq!(found.status, StatusCode::OK);
        assert_kept(&found.text, "description", text);

        // A new customer with a malformed number.
        let bad = post_form(
            &app,
            "/customers/new",
            &agent,
            &format!("_csrf={csrf}&name={}&phone=12345&city={}", enc("周 某"), enc("广州")),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
        assert_error_under(&bad.text, "phone", "电话");
        assert_kept(&bad.text, "name", "周 某");
        assert_kept(&bad.text, "city", "广州");

        // The customer's profile without a name.
        let path = format!("/customers/{}/edit", app.fx.customer_a);
        let bad = post_form(
            &app,
            &path,
            &agent,
            &format!("_csrf={csrf}&name=&kind=person&city={}", enc("佛山")),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
        assert_error_under(&bad.text, "name", "客户姓名");
        assert_kept(&bad.text, "city", "佛山");

        // A replacement number that is no number.
        let edit = get(&app, &path, &agent).await;
        let phone_form = edit.text.split("action=\"/customers/").nth(2).expect("a phone form");
        let phone_id: String = phone_form
            .split("/phones/")
            .nth(1)
            .unwrap()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let bad = post_form(
            &app,
            &format!("/customers/{}/phones/{phone_id}", app.fx.customer_a),
            &agent,
            &format!("_csrf={csrf}&status=wrong_number&replacement=12345"),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
        assert_error_under(&bad.text, "replacement", "新号码（替换此号码）");
        assert_kept(&bad.text, "replacement", "12345");
        assert!(bad.text.contains(r#"<option value="wrong_number" selected>"#));

        // A user without an organisation's rights: the admin's form keeps the rest.
        let root = web_login(&app, "root").await;
        let users = get(&app, "/admin/users", &root).await;
        let csrf = hidden(&users.text, "_csrf");
        let bad = post_form(
            &app,
            "/admin/users",
            &root,
            &format!(
                "_csrf={csrf}&username=x&display_name={}&password=secret-pass-1&roles=callback_agent",
                enc("新 同事")
            ),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
        assert_kept(&bad.text, "display_name", "新 同事");
        assert!(!bad.text.contains("secret-pass-1"), "a password is never sent back");
        assert!(bad.text.contains(r#"value="callback_agent" checked"#), "the roles kept");
        assert!(!bad.text.contains("org_id:"), "no field keys");

        // Editing a user: an empty name refused, the roles ticked kept.
        let agent_id = app.fx.agent_a;
        let bad = post_form(
            &app,
            &format!("/admin/users/{agent_id}"),
            &root,
            &format!(
                "_csrf={csrf}&display_name=&org_id={}&roles=callback_agent&roles=info_maintainer",
                app.fx.dealer_a
            ),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
        assert_error_under(&bad.text, "display_name", "姓名");
        assert!(
            bad.text.contains(r#"value="info_maintainer" checked"#),
            "the new role kept: {}",
            bad.text
        );
        app.cleanup().await;
    }
}

/// The forms of the admin, account, segment, policy and complaint pages: refused, each
/// keeps what was typed and names the problem under its field.
#[tokio::test]
async fn the_admin_policy_and_complaint_forms_keep_what_was_typed_too() {
    for app in TestApp::all(false).await {
        let root = web_login(&app, "root").await;
        let page = get(&app, "/account", &root).await;
        let csrf = hidden(&page.text, "_csrf");

        // Renaming an organisation to nothing, with a malformed code.
        let path = format!("/admin/orgs/{}", app.fx.dealer_a);
        let bad = post_form(&app, &path, &root, &format!("_csrf={csrf}&name=&code={}", enc("A 店"))).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
        assert_error_under(&bad.text, "name", "名称");
        assert_error_under(&bad.text, "code", "编码");
        assert_kept(&bad.text, "code", "A 店");

        // An API token valid for a thousand days.
        let bad = post_form(
            &app,
            "/account/tokens",
            &root,
            &format!("_csrf={csrf}&name={}&expires_in_days=1000", enc("报表 同步")),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
        assert_error_under(&bad.text, "expires_in_days", "有效天数");
        assert_kept(&bad.text, "name", "报表 同步");
        assert_kept(&bad.text, "expires_in_days", "1000");
        // A wrong current password: named under its field, never sent back.
        let bad = post_form(
            &app,
            "/account/password",
            &root,
            &format!("_csrf={csrf}&current_password=not-mine-9&new_password=another-long-one-7"),
        )
        .await;
        assert_error_under(&bad.text, "current_password", "当前密码");
        assert!(!bad.text.contains("not-mine-9") && !bad.text.contains("another-long-one-7"));

        // A segment without a name keeps its criteria.
        let bad = post_form(
            &app,
            "/segments",
            &root,
            &format!("_csrf={csrf}&name=&city={}&tag=VIP", enc("佛山")),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
        assert_error_under(&bad.text, "name", "分类名称");
        assert_kept(&bad.text, "city", "佛山");
        assert_kept(&bad.text, "tag", "VIP");

        // A policy override out of range: the typed document survives, the error names
        // the label and the key inside it.
        let overrides = "{\n  \"compliance_threshold_pct\": 300\n}";
        let bad = post_form(
            &app,
            "/callbacks/policy",
            &root,
            &format!(
                "_csrf={csrf}&org_id={}&preset=geely&overrides={}",
                app.fx.brand,
                enc(overrides)
            ),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
        assert_error_under(
            &bad.text,
            "overrides",
            "调整项（JSON 合并补丁） compliance_threshold_pct",
        );
        assert_kept(&bad.text, "overrides", overrides);
        assert!(
            bad.text.contains(r#"<option value="geely" selected>"#),
            "the preset kept"
        );
        // A calendar line with a made-up day kind.
        let days = "2027-01-01 holiday 元旦\n2027-02-07 rest 调休";
        let bad = post_form(
            &app,
            "/callbacks/calendar",
            &root,
            &format!("_csrf={csrf}&year=2027&days={}", enc(days)),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
        assert_error_under(&bad.text, "days", "日期，每行一条 第 2 行");
        assert_kept(&bad.text, "days", days);

        // The complaint manager: resolving without measures puts the error under the
        // handling form's measures; a signed form without measures keeps what was typed;
        // a pause for an unknown reason keeps its note.
        let cm = web_login(&app, "b.cm").await;
        let page = get(&app, &format!("/complaints/{}", app.fx.complaint_b), &cm).await;
        let csrf = hidden(&page.text, "_csrf");
        let at = |action: &str| format!("/complaints/{}/{action}", app.fx.complaint_b);
        // A move the page does not offer (the complaint is new) is refused on top.
        let bad = post_form(
            &app,
            &at("transition"),
            &cm,
            &format!("_csrf={csrf}&to=closure_callback"),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
        assert!(bad.text.contains(r#"class="notice error""#), "{}", bad.text);
        assert!(
            bad.text.contains("“新建”") && !bad.text.contains("closure_callback；"),
            "states by their labels: {}",
            bad.text
        );
        for to in ["acknowledged", "in_progress"] {
            let ok = post_form(&app, &at("transition"), &cm, &format!("_csrf={csrf}&to={to}")).await;
            assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
        }
        let bad = post_form(&app, &at("transition"), &cm, &format!("_csrf={csrf}&to=resolved")).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
        assert_error_under(&bad.text, "measures", "处理措施");
        let cause = "刹车片 <批次> 问题";
        let bad = post_form(
            &app,
            &at("form"),
            &cm,
            &format!(
                "_csrf={csrf}&responsible={}&root_cause={}&sign_off=1",
                enc("王强"),
                enc(cause)
            ),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
        assert_error_under(&bad.text, "measures", "处理措施");
        assert_kept(&bad.text, "responsible", "王强");
        assert_kept(&bad.text, "root_cause", cause);
        let bad = post_form(
            &app,
            &at("pause"),
            &cm,
            &format!("_csrf={csrf}&reason=holiday&note={}", enc("等客户 回电")),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
        assert_error_under(&bad.text, "pause-reason", "暂停原因");
        assert_kept(&bad.text, "note", "等客户 回电");
        app.cleanup().await;
    }
}
