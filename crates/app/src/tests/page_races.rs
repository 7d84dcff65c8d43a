//! Races on the pages' own writes, with real parallel browsers-worth of posts: on each
//! database and, on PostgreSQL, over two instances sharing it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use crate::capabilities::archive::data::customers::{NewCustomer, PhoneInput};
use crate::testing::web::live::{post_page_burst, post_pages_at_once, tally};
use crate::testing::web::pages::{get, hidden, web_login};
use crate::testing::web::TestApp;

const CLIENTS: usize = 12;

/// Twelve maintainers each replace a different customer's wrong number with the same new
/// one at the same moment: one customer gets it, the others are told who has it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_replacement_number_lands_on_one_customer() {
    for app in TestApp::all(false).await {
        let srv = app.servers().await;
        let admin = app.store.test_user("a.admin").await.unwrap();
        let mut targets = Vec::new();
        for i in 0..CLIENTS {
            let c = NewCustomer {
                org_id: Some(app.fx.dealer_a),
                name: format!("换号客户{i:02}"),
                phones: vec![PhoneInput {
                    number: format!("1370000{i:04}"),
                    status: None,
                }],
                ..NewCustomer::default()
            };
            let c = app.store.create_customer(&admin, c).await.unwrap();
            targets.push((c.id, c.phones[0].id));
        }
        let session = web_login(&app, "a.admin").await;
        let csrf = hidden(&get(&app, "/customers", &session).await.text, "_csrf");
        // One post per customer, all at once: each to its own customer's number.
        let posts: Vec<(String, String)> = targets
            .iter()
            .map(|(cid, pid)| {
                (
                    format!("/customers/{cid}/phones/{pid}"),
                    format!("_csrf={csrf}&status=wrong_number&replacement=13911112222"),
                )
            })
            .collect();
        let answers = post_pages_at_once(&srv, &session, &posts).await;
        assert_eq!(tally(&answers), vec![(303, 1), (409, CLIENTS - 1)], "{}", app.db_name);
        let holders = app
            .store
            .raw_db()
            .fetch_one(
                &crate::stmt("SELECT COUNT(*) AS n FROM customer_phones WHERE org_id = $1 AND digits = '13911112222'")
                    .bind(app.fx.dealer_a),
            )
            .await
            .unwrap()
            .i64("n")
            .unwrap();
        assert_eq!(
            holders, 1,
            "{}: one customer of the dealer holds the number",
            app.db_name
        );
        app.cleanup().await;
    }
}

/// A mapping confirmed twelve times at once (double clicks, tabs, two instances): one
/// import, the other confirmations told the file was already submitted.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_staged_upload_confirmed_at_once_is_imported_once() {
    for app in TestApp::all(false).await {
        let srv = app.servers().await;
        let session = web_login(&app, "a.admin").await;
        let csrf = hidden(&get(&app, "/imports", &session).await.text, "_csrf");
        let csv = "姓名,手机\n并发导入,13822229999\n";
        let page = app
            .upload_page(
                "/imports",
                &session,
                &[("_csrf", &csrf), ("kind", "customers")],
                "race.csv",
                csv.as_bytes(),
            )
            .await;
        let token = hidden(&page.text, "token");
        let who = app.store.test_user("a.admin").await.unwrap();
        let before = app.store.count_imports(&who).await.unwrap();
        let body = format!(
            "_csrf={csrf}&token={token}&file_name=race.csv&kind=customers&header.0=%E5%A7%93%E5%90%8D&col.0=name&header.1=%E6%89%8B%E6%9C%BA&col.1=phone"
        );
        let answers = post_page_burst(&srv, CLIENTS, "/imports/confirm", &session, &body).await;
        assert_eq!(tally(&answers), vec![(303, 1), (409, CLIENTS - 1)], "{}", app.db_name);
        assert!(answers
            .iter()
            .all(|(s, page)| *s == 303 || page.contains("This file was already submitted")));
        assert_eq!(
            app.store.count_imports(&who).await.unwrap(),
            before + 1,
            "{}",
            app.db_name
        );
        app.cleanup().await;
    }
}

/// Staged uploads nobody confirmed are removed after a day; claimed ones never are.
#[test]
fn stale_staged_uploads_are_removed() {
    use crate::capabilities::archive::api::imports::{remove_stale_uploads, STAGED_FOR};
    let dir = std::env::temp_dir().join("dcrc-uploads");
    std::fs::create_dir_all(&dir).unwrap();
    let day_and_more = std::time::SystemTime::now() - STAGED_FOR - std::time::Duration::from_secs(60);
    let old = dir.join("dcrc_stale-test-file");
    let claimed = dir.join("claimed_stale-test-file");
    let fresh = dir.join("dcrc_fresh-test-file");
    for (path, at) in [
        (&old, Some(day_and_more)),
        (&claimed, Some(day_and_more)),
        (&fresh, None),
    ] {
        let f = std::fs::File::create(path).unwrap();
        if let Some(at) = at {
            f.set_modified(at).unwrap();
        }
    }
    assert!(remove_stale_uploads(STAGED_FOR) >= 1);
    assert!(!old.exists(), "a day-old staged upload is gone");
    assert!(claimed.exists() && fresh.exists(), "claimed and fresh files stay");
    let _ = std::fs::remove_file(claimed);
    let _ = std::fs::remove_file(fresh);
}
