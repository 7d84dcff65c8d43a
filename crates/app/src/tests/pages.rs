//! The server-rendered pages: login with CSRF, session cookies, language, scope.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use crate::testing::web as common;

use axum::http::{header, StatusCode};
use common::pages::{cookie_value, get, hidden, post_form, web_login};
use common::{TestApp, PW};

#[tokio::test]
async fn anonymous_visitors_are_sent_to_login_and_the_login_form_needs_its_csrf_token() {
    for app in TestApp::all(false).await {
        let r = get(&app, "/admin/users", "").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.headers[header::LOCATION], "/login?next=%2Fadmin%2Fusers");
        let r = post_form(&app, "/login", "", &format!("username=root&password={PW}")).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "no CSRF token, no login");
        assert!(cookie_value(&r, "dcrc_session").is_none());
        app.cleanup().await;
    }
}

#[tokio::test]
async fn login_page_speaks_both_languages_and_wrong_passwords_are_explained() {
    for app in TestApp::all(false).await {
        let zh = get(&app, "/login", "").await;
        assert!(zh.text.contains("登录") && zh.text.contains("lang=\"zh-CN\""));
        let en = get(&app, "/login", "dcrc_lang=en").await;
        assert!(en.text.contains("Log in") && en.text.contains("lang=\"en\""));
        let r = get(&app, "/lang?to=en&next=%2Flogin", "").await;
        assert_eq!(r.headers[header::LOCATION], "/login");
        assert_eq!(cookie_value(&r, "dcrc_lang").as_deref(), Some("en"));
        let page = get(&app, "/login", "").await;
        let c = cookie_value(&page, "dcrc_login_csrf").unwrap();
        let r = post_form(
            &app,
            "/login",
            &format!("dcrc_login_csrf={c}"),
            &format!("_csrf={}&username=root&password=wrong", hidden(&page.text, "_csrf")),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(r.text.contains("用户名或密码错误"));
        app.cleanup().await;
    }
}

#[tokio::test]
async fn a_dealer_user_sees_only_their_dealer_in_the_admin_pages() {
    for app in TestApp::all(false).await {
        let session = web_login(&app, "a.admin").await;
        let home = get(&app, "/", &session).await;
        assert_eq!(home.status, StatusCode::OK);
        assert!(home.text.contains("A管理员") && home.text.contains("A店"));
        let orgs = get(&app, "/admin/orgs", &session).await;
        assert!(orgs.text.contains("A店"));
        assert!(
            !orgs.text.contains("SECRET") && !orgs.text.contains("中汽南方"),
            "{}",
            app.db_name
        );
        let users = get(&app, "/admin/users", &session).await;
        assert!(users.text.contains("a.agent") && !users.text.contains("b.admin"));
        // Deactivating B's user through the form: B does not exist for A.
        let csrf = hidden(&users.text, "_csrf");
        let r = post_form(
            &app,
            &format!("/admin/users/{}/active", app.fx.user_b),
            &session,
            &format!("_csrf={csrf}&active=false"),
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        app.cleanup().await;
    }
}

#[tokio::test]
async fn forms_create_records_and_reject_forged_posts() {
    for app in TestApp::all(false).await {
        let session = web_login(&app, "root").await;
        let page = get(&app, "/admin/orgs", &session).await;
        let csrf = hidden(&page.text, "_csrf");
        let r = post_form(
            &app,
            "/admin/orgs",
            &session,
            &format!(
                "name=%E5%A4%A9%E6%B2%B3%E4%BA%8C%E5%BA%97&kind=dealer&parent_id={}&code=",
                app.fx.group
            ),
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "a post without the session's CSRF token is refused"
        );
        let r = post_form(
            &app,
            "/admin/orgs",
            &session,
            &format!(
                "_csrf={csrf}&name=%E5%A4%A9%E6%B2%B3%E4%BA%8C%E5%BA%97&kind=dealer&parent_id={}&code=",
                app.fx.group
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        assert!(get(&app, "/admin/orgs", &session).await.text.contains("天河二店"));
        // A bad form re-renders with the field named.
        let r = post_form(
            &app,
            "/admin/users",
            &session,
            &format!(
                "_csrf={csrf}&username=x&display_name=&password=1&org_id={}&roles=callback_agent",
                app.fx.dealer_a
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("username") && r.text.contains("display_name"));
        let r = post_form(&app, "/admin/users", &session, &format!("_csrf={csrf}&username=new.agent&display_name=%E6%96%B0&password=long+enough&org_id={}&roles=callback_agent&roles=info_maintainer", app.fx.dealer_a)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let users = get(&app, "/admin/users", &session).await;
        assert!(users.text.contains("new.agent") && users.text.contains("信息维护员"));
        // Logging out ends the session.
        let r = post_form(&app, "/logout", &session, &format!("_csrf={csrf}")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(get(&app, "/", &session).await.status, StatusCode::SEE_OTHER);
        app.cleanup().await;
    }
}

#[tokio::test]
async fn the_api_docs_page_lists_every_operation_and_loads_nothing_from_outside() {
    for app in TestApp::all(false).await {
        let session = web_login(&app, "a.agent").await;
        let r = get(&app, "/api/docs", &session).await;
        assert!(r.text.contains("/api/v1/users/{id}") && r.text.contains("/api/v1/auth/login"));
        for page in ["/api/docs", "/", "/account"] {
            let html = get(&app, page, &session).await.text;
            assert!(
                !html.contains("http://") && !html.contains("https://") && !html.contains("src=\"//"),
                "{page} refers outside"
            );
        }
        // The agent's navigation has no admin entries.
        let home = get(&app, "/", &session).await.text;
        assert!(!home.contains("/admin/audit") && !home.contains("/admin/users"));
        assert_eq!(get(&app, "/admin/audit", &session).await.status, StatusCode::FORBIDDEN);
        app.cleanup().await;
    }
}

#[tokio::test]
async fn an_administrator_edits_a_users_roles_and_an_orgs_name() {
    for app in TestApp::all(false).await {
        let session = web_login(&app, "a.admin").await;
        let users = get(&app, "/admin/users", &session).await;
        let csrf = hidden(&users.text, "_csrf");
        let agent_id = app.store.test_user("a.agent").await.unwrap().user_id;
        let form = get(&app, &format!("/admin/users/{agent_id}"), &session).await;
        assert!(
            form.text.contains("value=\"callback_agent\" checked"),
            "current roles are ticked"
        );
        let body = format!("_csrf={csrf}&display_name=%E5%91%A8%E6%95%8F&org_id={}&roles=callback_agent&roles=info_maintainer&password=", app.fx.dealer_a);
        let r = post_form(&app, &format!("/admin/users/{agent_id}"), &session, &body).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let agent = app.store.test_user("a.agent").await.unwrap();
        assert_eq!(agent.display_name, "周敏");
        assert_eq!(
            agent.roles(),
            vec![dcrc_domain::Role::CallbackAgent, dcrc_domain::Role::InfoMaintainer]
        );
        // Editing B's user: B does not exist for A.
        assert_eq!(
            get(&app, &format!("/admin/users/{}", app.fx.user_b), &session)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let r = post_form(
            &app,
            &format!("/admin/orgs/{}", app.fx.dealer_a),
            &session,
            &format!("_csrf={csrf}&name=A%E5%BA%97%E6%96%B0&code=D-A1"),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        assert!(get(&app, "/admin/orgs", &session).await.text.contains("A店新"));
        // The audit log reads the change by its labels, not as JSON.
        let audit = get(&app, "/admin/audit", &session).await.text;
        assert!(
            audit.contains("修改后：（") && audit.contains("名称：A店新") && audit.contains("编码：D-A1"),
            "{audit}"
        );
        assert!(
            audit.contains("角色：回访员、信息维护员"),
            "roles by their labels: {audit}"
        );
        assert!(!audit.contains(r#"{"after""#), "{audit}");
        app.cleanup().await;
    }
}

#[tokio::test]
async fn the_customer_pages_search_show_360_and_reveal_with_audit() {
    for app in TestApp::all(false).await {
        let session = web_login(&app, "a.agent").await;
        let list = get(&app, "/customers?q=", &session).await;
        assert!(
            list.text.contains("A客户") && !list.text.contains("SECRET"),
            "{}",
            app.db_name
        );
        let found = get(&app, "/customers?q=4444", &session).await;
        assert!(found.text.contains("139****4444"));
        // Filters: last visit range (A客户 last came on 2025-09-01) and model.
        assert!(!get(&app, "/customers?visit_from=2025-10-01", &session)
            .await
            .text
            .contains("A客户"));
        let hit = get(
            &app,
            "/customers?visit_from=2025-08-01&visit_to=2025-12-31&model=%E5%93%88%E5%BC%97H6",
            &session,
        )
        .await;
        assert!(hit.text.contains("A客户") && hit.text.contains("details class=\"filters\" open"));
        let page = get(&app, &format!("/customers/{}", app.fx.customer_a), &session).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.text.contains("139****4444") && !page.text.contains("13933334444"),
            "masked by default"
        );
        assert!(page.text.contains("data-kind=\"repair_order\"") && page.text.contains("哈弗H6"));
        let csrf = hidden(&page.text, "_csrf");
        let shown = post_form(
            &app,
            &format!("/customers/{}/reveal", app.fx.customer_a),
            &session,
            &format!("_csrf={csrf}"),
        )
        .await;
        assert!(
            shown.text.contains("href=\"tel:13933334444\""),
            "revealed with click-to-call"
        );
        assert_eq!(
            get(&app, &format!("/customers/{}", app.fx.customer_b), &session)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        // A new customer through the form; a second with the same number points to the first.
        let r = post_form(
            &app,
            "/customers/new",
            &session,
            &format!("_csrf={csrf}&name=%E5%AD%99%E4%B8%83&phone=13800138000&tags=VIP"),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let r = post_form(
            &app,
            "/customers/new",
            &session,
            &format!("_csrf={csrf}&name=%E5%AD%99%E4%B8%83&phone=138-0013-8000"),
        )
        .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.text.contains("/customers/") && r.text.contains("客户已存在"));
        let n = app
            .store
            .raw_db()
            .fetch_one(&crate::stmt(
                "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'reveal'",
            ))
            .await
            .unwrap()
            .i64("n")
            .unwrap();
        assert_eq!(n, 1);
        app.cleanup().await;
    }
}

#[tokio::test]
async fn upkeep_pages_merge_duplicates_save_segments_and_erase_on_request() {
    for app in TestApp::all(false).await {
        let root = app.store.test_user("root").await.unwrap();
        let cm = crate::capabilities::accounts::data::users::NewUser {
            username: "a.cm".into(),
            password: PW.into(),
            display_name: "客户经理".into(),
            org_id: app.fx.dealer_a,
            roles: vec![dcrc_domain::Role::CustomerManager],
            locale: None,
        };
        app.store.create_user(&root, cm).await.unwrap();
        let who = app.store.test_user("a.cm").await.unwrap();
        let mut twin = crate::capabilities::archive::data::customers::NewCustomer {
            name: "A客户（重复）".into(),
            phones: vec![crate::capabilities::archive::data::customers::PhoneInput {
                number: "13933334444".into(),
                status: None,
            }],
            ..Default::default()
        };
        twin.allow_duplicate = true;
        let twin = app.store.create_customer(&who, twin).await.unwrap();
        let session = web_login(&app, "a.cm").await;
        let dups = get(&app, "/customers/duplicates", &session).await;
        assert!(
            dups.text.contains("139****4444") && dups.text.contains("A客户（重复）"),
            "{}",
            app.db_name
        );
        let preview = get(
            &app,
            &format!("/customers/{}/merge?from={}", app.fx.customer_a, twin.id),
            &session,
        )
        .await;
        assert_eq!(preview.status, StatusCode::OK);
        assert!(preview.text.contains("id=\"merge-preview\""));
        let csrf = hidden(&preview.text, "_csrf");
        let r = post_form(
            &app,
            &format!("/customers/{}/merge", app.fx.customer_a),
            &session,
            &format!("_csrf={csrf}&from={}", twin.id),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(!get(&app, "/customers/duplicates", &session)
            .await
            .text
            .contains("A客户（重复）"));
        // Segments: saved with a live count.
        let r = post_form(
            &app,
            "/segments",
            &session,
            &format!("_csrf={csrf}&name=H6%E8%BD%A6%E4%B8%BB&model=%E5%93%88%E5%BC%97H6"),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let segs = get(&app, "/segments", &session).await;
        assert!(
            segs.text.contains("H6车主") && segs.text.contains("<td class=\"count\">1</td>"),
            "{}",
            segs.text
        );
        // Consent withdrawal from the 360 page, then erasure on request.
        let r = post_form(
            &app,
            &format!("/customers/{}/consents", app.fx.customer_a),
            &session,
            &format!("_csrf={csrf}&purpose=marketing&granted=false"),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(!app
            .store
            .may_contact(
                &app.store.test_user("a.admin").await.unwrap(),
                app.fx.customer_a,
                crate::capabilities::archive::data::types::ConsentPurpose::Marketing
            )
            .await
            .unwrap());
        let json = get(
            &app,
            &format!("/customers/{}/personal-data", app.fx.customer_a),
            &session,
        )
        .await;
        assert!(json.text.contains("13933334444"));
        let r = post_form(
            &app,
            &format!("/customers/{}/erase", app.fx.customer_a),
            &session,
            &format!("_csrf={csrf}"),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "without the confirmation nothing is erased");
        let r = post_form(
            &app,
            &format!("/customers/{}/erase", app.fx.customer_a),
            &session,
            &format!("_csrf={csrf}&confirm=yes"),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let page = get(&app, &format!("/customers/{}", app.fx.customer_a), &session).await;
        assert!(page.text.contains("已匿名客户") && !page.text.contains("139****4444"));
        app.cleanup().await;
    }
}
