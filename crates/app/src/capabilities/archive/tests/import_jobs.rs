//! Imports are durable jobs: a worker that dies mid-import leaves a job that the
//! scheduler (of any instance) runs again once its lease expires — on both databases.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use crate::capabilities::archive::data::import::ImportKind;
use crate::capabilities::archive::jobs::{ImportJob, IMPORT};
use crate::test_db::test_databases;
use crate::testing::store as common;
use common::imports::*;

#[tokio::test]
async fn an_import_whose_worker_died_is_run_again_and_completes() {
    for t in test_databases().await.unwrap() {
        let ((store, who, dealer), clock) = setup_with_clock(t.db.clone()).await;
        let path = file("owners.csv", owner_list(40).as_bytes());
        let import = store
            .start_import(&who, ImportKind::Customers, dealer, "owners.csv", false)
            .await
            .unwrap();
        let job = ImportJob {
            import_id: import.id,
            username: who.username.clone(),
            path: path.to_string_lossy().into_owned(),
            dry_run: false,
            mapping: Default::default(),
        };
        store
            .enqueue_job(
                IMPORT.name,
                &job.key(),
                store.now_ms(),
                &serde_json::to_value(&job).unwrap(),
            )
            .await
            .unwrap()
            .unwrap();
        // A worker claims the job and dies before it starts.
        assert_eq!(store.claim_jobs(10).await.unwrap().len(), 1);
        assert_eq!(
            crate::core::scheduler::run_due(&store).await.unwrap(),
            0,
            "{}: the lease holds",
            t.name
        );
        assert_eq!(store.get_import(&who, import.id).await.unwrap().status, "running");
        // Three minutes later the lease and the heartbeat are stale: the job runs again
        // (the interrupted-import check leaves an import that still has its job alone).
        clock.advance(chrono::Duration::minutes(3));
        assert_eq!(crate::core::scheduler::run_due(&store).await.unwrap(), 1, "{}", t.name);
        let done = store.get_import(&who, import.id).await.unwrap();
        assert_eq!(
            (done.status.as_str(), done.rows_read, done.rows_inserted),
            ("done", 40, 40),
            "{}",
            t.name
        );
        assert!(reconciles(&done));
        assert!(!path.exists(), "{}: the file is removed once the job is done", t.name);
        assert_eq!(count(&store, "customers").await, 40);
        t.cleanup().await;
    }
}

/// An import job that keeps failing is retried with backoff, then given up: the import
/// is failed as interrupted and its file removed.
#[tokio::test]
async fn an_import_job_that_keeps_failing_is_given_up_cleanly() {
    for t in test_databases().await.unwrap() {
        let ((store, who, dealer), clock) = setup_with_clock(t.db.clone()).await;
        let path = file("owners.csv", owner_list(5).as_bytes());
        let import = store
            .start_import(&who, ImportKind::Customers, dealer, "owners.csv", false)
            .await
            .unwrap();
        // Started by a user who is gone by the time it runs: every attempt fails.
        let job = ImportJob {
            import_id: import.id,
            username: "nobody-anymore".into(),
            path: path.to_string_lossy().into_owned(),
            dry_run: false,
            mapping: Default::default(),
        };
        store
            .enqueue_job(
                IMPORT.name,
                &job.key(),
                store.now_ms(),
                &serde_json::to_value(&job).unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(crate::core::scheduler::run_due(&store).await.unwrap(), 1);
        assert_eq!(
            crate::core::scheduler::run_due(&store).await.unwrap(),
            0,
            "{}: backing off",
            t.name
        );
        clock.advance(chrono::Duration::seconds(31));
        assert_eq!(
            crate::core::scheduler::run_due(&store).await.unwrap(),
            1,
            "{}: second attempt after 30 s",
            t.name
        );
        clock.advance(chrono::Duration::seconds(31));
        assert_eq!(
            crate::core::scheduler::run_due(&store).await.unwrap(),
            0,
            "{}: the third waits 60 s",
            t.name
        );
        clock.advance(chrono::Duration::seconds(30));
        assert_eq!(crate::core::scheduler::run_due(&store).await.unwrap(), 1);
        let failed = store.get_import(&who, import.id).await.unwrap();
        assert_eq!(failed.status, "failed", "{}", t.name);
        assert!(!path.exists(), "{}", t.name);
        assert_eq!(
            store.job_counts().await.unwrap(),
            vec![("failed".to_string(), 1)],
            "{}",
            t.name
        );
        t.cleanup().await;
    }
}
