//! Storage contract tests. Each runs on SQLite, and on PostgreSQL too when
//! `DCRC_TEST_POSTGRES_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use crate::capabilities::accounts::data::orgs::{NewOrg, OrgFilter};
use crate::capabilities::accounts::data::users::NewUser;
use crate::core::auth::{LoginError, TokenKind};
use crate::test_db::{self, test_databases};
use crate::{stmt, Store, StoreError};
use chrono::{TimeZone, Utc};
use dcrc_domain::{OrgKind, Role, TestClock};
use std::sync::Arc;

fn clock() -> Arc<TestClock> {
    Arc::new(TestClock::new(Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap()))
}

async fn admin_store(db: crate::Db, clock: Arc<TestClock>) -> (Store, crate::Principal) {
    let store = Store::new(db, clock);
    store
        .initialise(&crate::testing::system(), "长城汽车", "root", "root-password")
        .await
        .unwrap();
    let admin = store.test_user("root").await.unwrap();
    (store, admin)
}

/// The entries of `a` missing from `b`.
fn diff<T: PartialEq + std::fmt::Debug>(a: &[T], b: &[T]) -> Vec<String> {
    a.iter().filter(|x| !b.contains(x)).map(|x| format!("{x:?}")).collect()
}

#[tokio::test]
async fn both_schemas_have_the_same_columns_types_indexes_and_triggers() {
    let sqlite = test_db::sqlite().await.unwrap();
    let lite = crate::core::schema::describe(&sqlite.db).await.unwrap();
    assert!(lite
        .columns
        .iter()
        .any(|(t, c, ty, nn)| t == "users" && c == "password_hash" && *ty == "text" && *nn));
    assert!(lite.indexes.iter().any(|(t, _, _, _)| t == "customer_phones"));
    assert!(!lite.triggers.is_empty());
    if let Ok(url) = std::env::var("DCRC_TEST_POSTGRES_URL") {
        let pg = test_db::postgres(&url).await.unwrap();
        let other = crate::core::schema::describe(&pg.db).await.unwrap();
        assert_eq!(
            (diff(&lite.columns, &other.columns), diff(&other.columns, &lite.columns)),
            (Vec::<String>::new(), Vec::<String>::new()),
            "columns: only in SQLite / only in PostgreSQL"
        );
        assert_eq!(
            (diff(&lite.indexes, &other.indexes), diff(&other.indexes, &lite.indexes)),
            (Vec::<String>::new(), Vec::<String>::new()),
            "indexes: only in SQLite / only in PostgreSQL"
        );
        assert_eq!(
            (
                diff(&lite.triggers, &other.triggers),
                diff(&other.triggers, &lite.triggers)
            ),
            (Vec::<String>::new(), Vec::<String>::new()),
            "triggers: only in SQLite / only in PostgreSQL"
        );
        pg.cleanup().await;
    }
    sqlite.cleanup().await;
}

#[tokio::test]
async fn migrate_is_idempotent() {
    for t in test_databases().await.unwrap() {
        let again = crate::migrate(&t.db, 0).await.unwrap();
        assert!(again.is_empty(), "{}", t.name);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn init_refuses_an_initialised_database() {
    for t in test_databases().await.unwrap() {
        let (store, _) = admin_store(t.db.clone(), clock()).await;
        let again = store
            .initialise(&crate::testing::system(), "Other", "other", "other-password")
            .await;
        assert!(
            matches!(
                again,
                Err(StoreError::Conflict {
                    code: "already_initialised",
                    ..
                })
            ),
            "{}",
            t.name
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_dealer_user_sees_only_their_dealer() {
    for t in test_databases().await.unwrap() {
        let (store, admin) = admin_store(t.db.clone(), clock()).await;
        let brand = admin.org_id;
        let mk = |name: &str, kind, parent| NewOrg {
            name: name.into(),
            kind,
            parent_id: Some(parent),
            code: None,
        };
        let region = store
            .create_org(&admin, mk("华南大区", OrgKind::Region, brand))
            .await
            .unwrap();
        let a = store
            .create_org(&admin, mk("A店", OrgKind::Dealer, region.id))
            .await
            .unwrap();
        let b = store
            .create_org(&admin, mk("B店", OrgKind::Dealer, region.id))
            .await
            .unwrap();
        store
            .create_user(
                &admin,
                NewUser {
                    username: "a.admin".into(),
                    password: "test-secret-a".into(),
                    display_name: "A管理员".into(),
                    org_id: a.id,
                    roles: vec![Role::Admin],
                    locale: None,
                },
            )
            .await
            .unwrap();
        let a_admin = store.test_user("a.admin").await.unwrap();
        let seen = store.list_orgs(&a_admin, &OrgFilter::default()).await.unwrap();
        assert_eq!(
            seen.items.iter().map(|o| o.id).collect::<Vec<_>>(),
            vec![a.id],
            "{}",
            t.name
        );
        assert!(matches!(
            store.get_org(a_admin.scope(), b.id).await,
            Err(StoreError::NotFound)
        ));
        // Creating a user in another dealer: the dealer does not exist for them.
        let r = store
            .create_user(
                &a_admin,
                NewUser {
                    username: "intruder".into(),
                    password: "test-secret-x".into(),
                    display_name: "x".into(),
                    org_id: b.id,
                    roles: vec![Role::CallbackAgent],
                    locale: None,
                },
            )
            .await;
        assert!(matches!(r, Err(StoreError::NotFound)), "{}", t.name);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn the_audit_log_cannot_be_edited() {
    for t in test_databases().await.unwrap() {
        let (store, _) = admin_store(t.db.clone(), clock()).await;
        let n = store
            .raw_db()
            .fetch_one(&stmt("SELECT COUNT(*) AS n FROM audit_log"))
            .await
            .unwrap()
            .i64("n")
            .unwrap();
        assert!(n >= 2);
        assert!(
            store
                .raw_db()
                .execute(&stmt("UPDATE audit_log SET action = 'x'"))
                .await
                .is_err(),
            "{}",
            t.name
        );
        assert!(
            store.raw_db().execute(&stmt("DELETE FROM audit_log")).await.is_err(),
            "{}",
            t.name
        );
        let after = store
            .raw_db()
            .fetch_one(&stmt("SELECT COUNT(*) AS n FROM audit_log"))
            .await
            .unwrap()
            .i64("n")
            .unwrap();
        assert_eq!(n, after);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn repeated_failures_lock_the_account_until_the_clock_moves_on() {
    for t in test_databases().await.unwrap() {
        let clock = clock();
        let (store, _) = admin_store(t.db.clone(), clock.clone()).await;
        for _ in 0..5 {
            assert!(matches!(
                store.login("root", "wrong", TokenKind::Api, None).await,
                Err(LoginError::BadCredentials)
            ));
        }
        // Locked: even the right password is refused.
        assert!(
            matches!(
                store.login("root", "root-password", TokenKind::Api, None).await,
                Err(LoginError::Locked(_))
            ),
            "{}",
            t.name
        );
        clock.advance(chrono::Duration::minutes(16));
        let ok = store.login("root", "root-password", TokenKind::Api, None).await;
        assert!(ok.is_ok(), "{}", t.name);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn tokens_expire_and_revoke() {
    for t in test_databases().await.unwrap() {
        let clock = clock();
        let (store, _) = admin_store(t.db.clone(), clock.clone()).await;
        let Ok(login) = store.login("root", "root-password", TokenKind::Api, None).await else {
            panic!("login")
        };
        assert!(store
            .authenticate(&login.token, TokenKind::Api, None)
            .await
            .unwrap()
            .is_some());
        // A bearer token is not a session cookie.
        assert!(store
            .authenticate(&login.token, TokenKind::Web, None)
            .await
            .unwrap()
            .is_none());
        clock.advance(chrono::Duration::hours(13));
        assert!(
            store
                .authenticate(&login.token, TokenKind::Api, None)
                .await
                .unwrap()
                .is_none(),
            "{}",
            t.name
        );
        let Ok(login) = store.login("root", "root-password", TokenKind::Api, None).await else {
            panic!("login")
        };
        store.logout(&login.principal).await.unwrap();
        assert!(store
            .authenticate(&login.token, TokenKind::Api, None)
            .await
            .unwrap()
            .is_none());
        t.cleanup().await;
    }
}

#[tokio::test]
async fn jobs_run_once_per_key_and_only_when_due() {
    for t in test_databases().await.unwrap() {
        let clock = clock();
        let store = Store::new(t.db.clone(), clock.clone());
        let due = store.now_ms() + 60_000;
        assert!(store
            .enqueue_job("demo", "k1", due, &serde_json::json!({}))
            .await
            .unwrap()
            .is_some());
        assert!(store
            .enqueue_job("demo", "k1", due, &serde_json::json!({}))
            .await
            .unwrap()
            .is_none());
        assert!(store.claim_jobs(10).await.unwrap().is_empty());
        clock.advance(chrono::Duration::minutes(2));
        let jobs = store.claim_jobs(10).await.unwrap();
        assert_eq!(jobs.len(), 1, "{}", t.name);
        assert!(
            store.claim_jobs(10).await.unwrap().is_empty(),
            "a claimed job is not handed out twice"
        );
        assert!(store.finish_job(&jobs[0]).await.unwrap());
        assert_eq!(store.job_counts().await.unwrap(), vec![("done".to_string(), 1)]);
        t.cleanup().await;
    }
}

/// A lease holds while it is valid, even against a second instance; once it expires (the
/// worker died) another instance takes the job over, and the first can no longer record
/// an outcome or renew.
#[tokio::test]
async fn a_valid_lease_cannot_be_taken_and_an_expired_one_is_taken_over() {
    for t in test_databases().await.unwrap() {
        let clock = clock();
        let first = Store::new(t.db.clone(), clock.clone());
        let second = match t.connect_again().await {
            Some(db) => Store::new(db, clock.clone()),
            None => first.clone(),
        };
        first
            .enqueue_job("demo", "lease", first.now_ms(), &serde_json::json!({}))
            .await
            .unwrap();
        let held = first.claim_jobs(10).await.unwrap().remove(0);
        clock.advance(chrono::Duration::milliseconds(crate::core::jobs::LEASE_MS - 1_000));
        assert!(
            second.claim_jobs(10).await.unwrap().is_empty(),
            "{}: taken while valid",
            t.name
        );
        assert!(first.renew_lease(&held).await.unwrap());
        clock.advance(chrono::Duration::milliseconds(crate::core::jobs::LEASE_MS - 1_000));
        assert!(
            second.claim_jobs(10).await.unwrap().is_empty(),
            "{}: renewed lease taken",
            t.name
        );
        clock.advance(chrono::Duration::milliseconds(2_000));
        let taken = second.claim_jobs(10).await.unwrap();
        assert_eq!(taken.len(), 1, "{}: an expired lease is taken over", t.name);
        assert_eq!(taken[0].attempts, 2);
        assert!(!first.renew_lease(&held).await.unwrap(), "{}", t.name);
        assert!(
            !first.finish_job(&held).await.unwrap(),
            "{}: the old holder cannot finish",
            t.name
        );
        assert!(second.finish_job(&taken[0]).await.unwrap());
        t.cleanup().await;
    }
}

/// A page's reads never queue behind a write in progress (on SQLite the single writer
/// connection is busy for a whole import batch): they run on the readers.
#[tokio::test]
async fn reads_do_not_wait_for_a_write_in_progress() {
    for t in test_databases().await.unwrap() {
        let (store, admin) = admin_store(t.db.clone(), clock()).await;
        let mut writing = t.db.begin().await.unwrap();
        writing
            .execute(&stmt("INSERT INTO settings (key, value) VALUES ('busy', 'yes')"))
            .await
            .unwrap();
        let read = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            store.effective_policy(&admin, admin.org_id),
        )
        .await;
        assert!(matches!(read, Ok(Ok(_))), "{}: the read waited for the writer", t.name);
        drop(writing);
        t.cleanup().await;
    }
}
