//! The list pages say how many rows they hold and page both ways.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use crate::capabilities::archive::data::customers::{NewCustomer, PhoneInput};
use crate::testing::web::pages::{get, web_login};
use crate::testing::web::TestApp;
use axum::http::StatusCode;

/// The address of the link with `id` on the page.
fn link(page: &str, id: &str) -> Option<String> {
    let at = page.find(&format!(r#"id="{id}""#))?;
    let tag_start = page[..at].rfind("<a ")?;
    let href = page[tag_start..].split("href=\"").nth(1)?.split('"').next()?;
    Some(href.replace("&amp;", "&"))
}

#[tokio::test]
async fn list_pages_show_their_totals_and_page_both_ways() {
    for app in TestApp::all(false).await {
        let admin = app.store.test_user("a.admin").await.unwrap();
        for i in 0..55 {
            let c = NewCustomer {
                org_id: Some(app.fx.dealer_a),
                name: format!("翻页客户{i:02}"),
                phones: vec![PhoneInput {
                    number: format!("1390000{i:04}"),
                    status: None,
                }],
                ..NewCustomer::default()
            };
            app.store.create_customer(&admin, c).await.unwrap();
        }
        let session = web_login(&app, "a.admin").await;
        let total = app.store.count_customers(&admin, &Default::default()).await.unwrap();
        assert!(total > 55);
        let first = get(&app, "/customers", &session).await;
        assert_eq!(first.status, StatusCode::OK);
        assert!(
            first.text.contains(&format!("第 1–50 条，共 {total} 条")),
            "{}",
            first.text
        );
        assert!(
            link(&first.text, "page-prev").is_none(),
            "no way back from the first page"
        );
        let next = link(&first.text, "page-next").expect("a next page");
        let second = get(&app, &next, &session).await;
        assert!(
            second.text.contains(&format!("第 51–{total} 条，共 {total} 条")),
            "{}",
            second.text
        );
        assert!(link(&second.text, "page-next").is_none());
        let back = link(&second.text, "page-prev").expect("a way back");
        let again = get(&app, &back, &session).await;
        assert!(again.text.contains("第 1–50 条"), "back on the first page");

        // A search narrows the total with it; nothing found says so.
        let found = get(&app, "/customers?q=%E7%BF%BB%E9%A1%B5%E5%AE%A2%E6%88%B707", &session).await;
        assert!(found.text.contains("第 1–1 条，共 1 条"), "{}", found.text);
        let none = get(&app, "/customers?city=%E4%B8%8D%E5%AD%98%E5%9C%A8", &session).await;
        assert!(none.text.contains("没有符合条件的记录"), "{}", none.text);

        // The user and import lists count theirs too.
        let users = get(&app, "/admin/users", &session).await;
        let n = app.store.count_users(&admin).await.unwrap();
        assert!(users.text.contains(&format!("共 {n} 条")), "{}", users.text);
        let imports = get(&app, "/imports", &session).await;
        let n = app.store.count_imports(&admin).await.unwrap();
        assert!(
            imports.text.contains(&format!("共 {n} 条")) || (n == 0 && imports.text.contains("没有符合条件的记录")),
            "{}",
            imports.text
        );
        app.cleanup().await;
    }
}
