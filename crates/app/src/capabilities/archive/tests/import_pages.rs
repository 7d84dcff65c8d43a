//! The import page: the upload leads to a form that shows each column with the field it
//! was recognised as and the first rows; a column left without a required field is
//! named before anything starts; the confirmed mapping is what the import uses.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use crate::testing::web::pages::{get, hidden, post_form, web_login};
use crate::testing::web::TestApp;
use axum::http::StatusCode;

fn selected(page: &str, column: usize) -> String {
    let select = page.split(&format!(r#"name="col.{column}""#)).nth(1).unwrap();
    let select = select.split("</select>").next().unwrap();
    select
        .split("<option value=\"")
        .skip(1)
        .find(|o| o.contains(" selected>"))
        .map(|o| o.split('"').next().unwrap().to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_columns_are_checked_on_a_form_before_the_import_starts() {
    for app in TestApp::all(false).await {
        let session = web_login(&app, "a.admin").await;
        let csrf = hidden(&get(&app, "/imports", &session).await.text, "_csrf");
        let csv = "车主,联系方式,备注\n孙悦,13822220001,老客户\n钱多,13822220002,\n";
        let page = app
            .upload_page(
                "/imports",
                &session,
                &[("_csrf", &csrf), ("kind", "customers")],
                "owners.csv",
                csv.as_bytes(),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        assert!(page.text.contains(r#"id="import-mapping""#), "{}", page.text);
        // 车主 is recognised as the name; the others wait for the user; samples are shown.
        assert_eq!(selected(&page.text, 0), "name");
        assert_eq!(selected(&page.text, 1), "");
        assert!(page.text.contains("13822220001"), "the first rows are shown");
        let mut token = hidden(&page.text, "token");

        // Without a number (or customer no.) nothing can be stored: refused, named.
        let confirm = |token: &str, mapping: &str| {
            format!("_csrf={csrf}&token={token}&file_name=owners.csv&kind=customers&header.0=%E8%BD%A6%E4%B8%BB&col.0=name&header.1=%E8%81%94%E7%B3%BB%E6%96%B9%E5%BC%8F&col.1={mapping}&header.2=%E5%A4%87%E6%B3%A8&col.2=")
        };
        let refused = post_form(&app, "/imports/confirm", &session, &confirm(&token, "")).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text);
        assert!(refused.text.contains("缺少必需的列"), "{}", refused.text);
        assert!(
            refused.text.contains(r#"id="import-mapping""#),
            "the form again, the file kept"
        );
        // The token is spent; the form carries the file's new one.
        assert_ne!(hidden(&refused.text, "token"), token);
        token = hidden(&refused.text, "token");

        // 联系方式 mapped to the mobile number by the user: the import runs with it.
        let started = post_form(&app, "/imports/confirm", &session, &confirm(&token, "phone")).await;
        assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.text);
        let location = started.headers["location"].to_str().unwrap().to_string();
        let id: i64 = location.trim_start_matches("/imports/").parse().unwrap();
        let who = app.store.test_user("a.admin").await.unwrap();
        let mut import = app.store.get_import(&who, id).await.unwrap();
        for _ in 0..500 {
            if import.status != "running" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            import = app.store.get_import(&who, id).await.unwrap();
        }
        assert_eq!((import.status.as_str(), import.rows_inserted), ("done", 2));
        // The browser brings the confirmation back with the redirect.
        let flash = started.headers["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let shown = get(&app, &location, &format!("{session}; {flash}")).await;
        assert!(shown.text.contains("导入已开始"), "the confirmation: {}", shown.text);

        // A used or made-up token starts nothing, and says why.
        let again = post_form(&app, "/imports/confirm", &session, &confirm(&token, "phone")).await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        assert!(again.text.contains("这个文件已提交导入"), "{}", again.text);
        let forged = post_form(
            &app,
            "/imports/confirm",
            &session,
            &format!("_csrf={csrf}&token=..%2F..%2Fetc%2Fpasswd&kind=customers"),
        )
        .await;
        assert_eq!(forged.status, StatusCode::CONFLICT);

        // A template per kind, whose headers the import recognises.
        let template = get(&app, "/imports/template/repair-orders.xlsx", &session).await;
        assert_eq!(template.status, StatusCode::OK);
        assert!(template.bytes.starts_with(b"PK"));
        app.cleanup().await;
    }
}
