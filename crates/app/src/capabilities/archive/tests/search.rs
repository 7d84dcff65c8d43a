//! The search box at volume, on both databases: a fragment matching more customers than
//! are fetched by id walks customers in id order and pages exactly like a rare one; the
//! name and plate indexes follow edits; nothing outside the caller's scope appears.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use crate::testing::store as common;

use crate::capabilities::archive::data::customer_search::CustomerFilter;
use crate::capabilities::archive::data::customers::CustomerPatch;
use crate::capabilities::archive::data::import::{ImportKind, ImportOptions};
use crate::test_db::test_databases;
use crate::{Principal, Store};
use common::{vin, world};
use std::collections::HashSet;

/// Every id the search finds, page by page.
async fn all_pages(store: &Store, who: &Principal, text: &str) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .search_customers(
                who,
                &CustomerFilter {
                    q: Some(text.into()),
                    cursor: cursor.clone(),
                    limit: Some(100),
                    ..CustomerFilter::default()
                },
            )
            .await
            .unwrap();
        ids.extend(page.items.iter().map(|c| c.id));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return ids,
        }
    }
}

#[tokio::test]
async fn common_and_rare_fragments_page_through_every_match_in_scope() {
    for t in test_databases().await.unwrap() {
        let mut w = world(t.db.clone()).await;
        // Walk customers above 1,000 matches (the production threshold, stated so the
        // 1,200 customers below keep exercising both ways).
        w.store.search_walk_above = 1_000;
        let root = w.store.test_user("root").await.unwrap();
        // 1,200 customers of dealer A: every one a 王, every tenth a 王小…, each with a car.
        let mut csv = String::from("客户姓名,手机号,车架号,车牌号\n");
        for i in 0..1_200u32 {
            let name = if i % 10 == 0 {
                format!("王小{i}")
            } else {
                format!("王{i}")
            };
            csv.push_str(&format!(
                "{name},{},{},粤B{:05}\n",
                13_900_000_000u64 + u64::from(i),
                vin(&format!("{:08}", 10_000_000 + i)),
                i
            ));
        }
        let path = std::env::temp_dir().join(format!("dcrc-search-{}-{}.csv", std::process::id(), t.name));
        std::fs::write(&path, csv).unwrap();
        let import = w
            .store
            .start_import(&root, ImportKind::Customers, w.agent.org_id, "s.csv", false)
            .await
            .unwrap();
        let done = w
            .store
            .run_import(&root, import.id, &path, &ImportOptions::default(), &|_| {})
            .await
            .unwrap();
        let errors = w.store.import_errors(&root, import.id).await.unwrap();
        assert_eq!(done.rows_inserted, 1_200, "{} {:?} {:?}", t.name, done, errors.first());
        // Dealer B has a 王 too, never visible to A's agent.
        w.store
            .create_customer(&w.other, common::customer("王小明", "13700000001"))
            .await
            .unwrap();

        let everyone = all_pages(&w.store, &w.agent, "王").await;
        assert_eq!(everyone.len(), 1_200, "the common fragment walks ({})", t.name);
        assert!(everyone.windows(2).all(|p| p[0] < p[1]), "in id order, no repeats");
        let few = all_pages(&w.store, &w.agent, "王小").await;
        assert_eq!(few.len(), 120, "the rare fragment is fetched by id ({})", t.name);
        let everyone: HashSet<i64> = everyone.into_iter().collect();
        assert!(few.iter().all(|id| everyone.contains(id)));
        // Plates: a fragment in every plate, and a rare one.
        assert_eq!(all_pages(&w.store, &w.agent, "粤B0").await.len(), 1_200, "{}", t.name);
        assert_eq!(all_pages(&w.store, &w.agent, "0123").await.len(), 1, "{}", t.name);
        assert_eq!(
            all_pages(&w.store, &w.staff, "王小").await.len(),
            121,
            "the brand sees both"
        );

        // A new name replaces the old one in the index.
        let id = few[0];
        w.store
            .update_customer(
                &root,
                id,
                CustomerPatch {
                    name: Some("Zhao Lei".into()),
                    ..CustomerPatch::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(all_pages(&w.store, &w.agent, "王小").await.len(), 119, "{}", t.name);
        assert_eq!(
            all_pages(&w.store, &w.agent, "zhao").await,
            vec![id],
            "names match regardless of case"
        );
        t.cleanup().await;
        let _ = std::fs::remove_file(&path);
    }
}
