//! Fixtures of the import tests: a dealer with an information maintainer, files in a
//! temporary folder, owner lists of any length, and running an import to its end.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use crate::capabilities::accounts::data::orgs::NewOrg;
use crate::capabilities::accounts::data::users::NewUser;
use crate::capabilities::archive::data::import::{ImportKind, ImportOptions, ImportRecord};
use crate::{stmt, Principal, Store};
use chrono::{TimeZone, Utc};
use dcrc_domain::{OrgKind, Role, TestClock, Vin};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

pub async fn setup(db: crate::Db) -> (Store, Principal, i64) {
    setup_with_clock(db).await.0
}

pub async fn setup_with_clock(db: crate::Db) -> ((Store, Principal, i64), Arc<TestClock>) {
    let clock = Arc::new(TestClock::new(Utc.with_ymd_and_hms(2026, 11, 23, 1, 0, 0).unwrap()));
    let store = Store::new(db, clock.clone());
    store
        .initialise(&crate::testing::system(), "长城汽车", "root", "root-password")
        .await
        .unwrap();
    let root = store.test_user("root").await.unwrap();
    let dealer = store
        .create_org(
            &root,
            NewOrg {
                name: "A店".into(),
                kind: OrgKind::Dealer,
                parent_id: Some(root.org_id),
                code: None,
            },
        )
        .await
        .unwrap();
    let user = NewUser {
        username: "info".into(),
        password: "test-secret-1".into(),
        display_name: "信息员".into(),
        org_id: dealer.id,
        roles: vec![Role::InfoMaintainer],
        locale: None,
    };
    store.create_user(&root, user).await.unwrap();
    (
        (store.clone(), store.test_user("info").await.unwrap(), dealer.id),
        clock,
    )
}

pub fn vin(n: u32) -> String {
    let mut raw = [0u8; 17];
    raw.copy_from_slice(format!("LGWEF4A50P{:07}", n).as_bytes());
    Vin::with_check_digit(raw).unwrap().as_str().to_string()
}

pub fn file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dcrc-import-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::File::create(&path).unwrap().write_all(bytes).unwrap();
    path
}

pub fn rand_suffix() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64
}

/// A DMS owner list: one row per vehicle with its owner.
pub fn owner_list(rows: u32) -> String {
    let mut s = String::from("客户编号,客户姓名,手机号,车架号,车牌号,车型,开票日期,交车日期\n");
    for i in 1..=rows {
        s.push_str(&format!(
            "C{i:05},客户{i},{},{},粤A{:05},哈弗H6,2023/5/{},2023年5月{}日\n",
            13_700_000_000u64 + u64::from(i),
            vin(i),
            i % 100_000,
            1 + i % 28,
            1 + i % 28
        ));
    }
    s
}

pub async fn run(
    store: &Store,
    who: &Principal,
    dealer: i64,
    kind: ImportKind,
    path: &std::path::Path,
    dry_run: bool,
) -> ImportRecord {
    let import = store.start_import(who, kind, dealer, "file", dry_run).await.unwrap();
    store
        .run_import(
            who,
            import.id,
            path,
            &ImportOptions {
                dry_run,
                ..ImportOptions::default()
            },
            &|_| {},
        )
        .await
        .unwrap()
}

pub fn reconciles(r: &ImportRecord) -> bool {
    r.rows_read == r.rows_inserted + r.rows_updated + r.rows_unchanged + r.rows_rejected
}

pub async fn count(store: &Store, table: &str) -> i64 {
    store
        .raw_db()
        .fetch_one(&stmt(format!("SELECT COUNT(*) AS n FROM {table}")))
        .await
        .unwrap()
        .i64("n")
        .unwrap()
}
