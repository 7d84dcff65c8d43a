//! What an import tells the truth about: files past a limit fail naming it and leave the
//! reconciliation whole; the same file twice reports nothing changed the second time.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use crate::testing::store as common;

use crate::capabilities::archive::data::import::ImportKind;
use crate::test_db::test_databases;
use common::imports::*;

#[tokio::test]
async fn files_past_a_limit_fail_naming_it_and_store_nothing() {
    for t in test_databases().await.unwrap() {
        let (store, who, dealer) = setup(t.db.clone()).await;
        // 1,001 columns in a CSV header.
        let header: Vec<String> = (0..1001).map(|i| format!("c{i}")).collect();
        let path = file("wide.csv", format!("{}\n", header.join(",")).as_bytes());
        let r = run(&store, &who, dealer, ImportKind::Customers, &path, false).await;
        assert_eq!(r.status, "failed");
        assert_eq!(r.message_code.as_deref(), Some("file.limit.columns"), "{}", t.name);
        assert_eq!(r.message_params["max"], "1000");
        // A record of 2 MB after good rows: the good batch is not stored half, the failure
        // names the row.
        let mut body = String::from("姓名,手机\n王五,13900005555\n");
        body.push_str(&"x".repeat(2 * 1024 * 1024));
        let path = file("long.csv", body.as_bytes());
        let r = run(&store, &who, dealer, ImportKind::Customers, &path, false).await;
        assert_eq!(r.status, "failed");
        assert_eq!(r.message_code.as_deref(), Some("file.limit.record_bytes"), "{}", t.name);
        assert_eq!(r.message_params["row"], "3");
        assert_eq!(
            r.rows_read,
            r.rows_inserted + r.rows_updated + r.rows_unchanged + r.rows_rejected
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn the_same_file_twice_reports_nothing_new_the_second_time() {
    for t in test_databases().await.unwrap() {
        let (store, who, dealer) = setup(t.db.clone()).await;
        // The same person twice, the number written two ways (the second row adds a
        // vehicle), and a plain row.
        let body = format!(
            "客户姓名,手机号,车架号,车型,交车日期,地址\n王五,139 0000 5555,{},坦克300,2024-05-06,\n王小五,+86 13900005555,{},哈弗H6,2024-06-07,天河路1号\n赵六,13900006666,{},哈弗H9,2024-07-08,\n",
            vin(701),
            vin(702),
            vin(703)
        );
        let path = file("owners.csv", body.as_bytes());
        let first = run(&store, &who, dealer, ImportKind::Customers, &path, false).await;
        assert_eq!(first.rows_read, 3, "{}: {first:?}", t.name);
        // The second row of 王五 kept the first row's name and added the address.
        let found = store
            .search_customers(&who, &Default::default())
            .await
            .unwrap()
            .items
            .into_iter()
            .find(|c| c.name.starts_with('王'))
            .unwrap();
        assert_eq!(found.name, "王五");
        let again = run(&store, &who, dealer, ImportKind::Customers, &path, false).await;
        assert_eq!(
            (again.rows_inserted, again.rows_updated, again.rows_unchanged),
            (0, 0, 3),
            "{}: {again:?}",
            t.name
        );
        t.cleanup().await;
    }
}
