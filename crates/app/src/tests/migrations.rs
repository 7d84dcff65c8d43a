//! Migrations: recorded with checksums, refused when history changed, applied once when
//! several instances start together on a fresh PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use crate::stmt;
use crate::test_db::{self, test_databases};

#[tokio::test]
async fn a_changed_or_unknown_migration_stops_the_start() {
    for t in test_databases().await.unwrap() {
        let recorded =
            t.db.fetch_all(&stmt(
                "SELECT version, checksum FROM schema_migrations ORDER BY version",
            ))
            .await
            .unwrap();
        assert_eq!(recorded.len(), crate::migrations().len(), "{}", t.name);
        for r in &recorded {
            assert_eq!(r.opt_text("checksum").unwrap().map(|c| c.len()), Some(64), "{}", t.name);
        }
        // A database migrated before checksums existed gets them, and starts.
        t.db.execute(&stmt("UPDATE schema_migrations SET checksum = NULL"))
            .await
            .unwrap();
        assert!(crate::migrate(&t.db, 0).await.unwrap().is_empty(), "{}", t.name);
        let filled =
            t.db.fetch_one(&stmt(
                "SELECT COUNT(*) AS n FROM schema_migrations WHERE checksum IS NULL",
            ))
            .await
            .unwrap();
        assert_eq!(filled.i64("n").unwrap(), 0, "{}", t.name);
        // A migration edited after it was applied is refused, naming it.
        t.db.execute(&stmt(
            "UPDATE schema_migrations SET checksum = 'edited' WHERE version = 2",
        ))
        .await
        .unwrap();
        let e = crate::migrate(&t.db, 0).await.unwrap_err().to_string();
        assert!(e.contains("migration 2 (archive) was changed"), "{}: {e}", t.name);
        t.db.execute(&stmt("UPDATE schema_migrations SET checksum = NULL WHERE version = 2"))
            .await
            .unwrap();
        // So is a database a newer build has migrated.
        t.db.execute(&stmt(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 0)",
        ))
        .await
        .unwrap();
        let e = crate::migrate(&t.db, 0).await.unwrap_err().to_string();
        assert!(e.contains("9999 (future)"), "{}: {e}", t.name);
        t.cleanup().await;
    }
}

/// Four instances start at the same moment on one empty PostgreSQL schema: every
/// migration is applied exactly once and every instance comes up.
#[tokio::test]
async fn instances_starting_together_migrate_a_fresh_database_once() {
    let Ok(url) = std::env::var("DCRC_TEST_POSTGRES_URL") else {
        return;
    };
    let t = test_db::postgres_empty(&url).await.unwrap();
    let mut dbs = Vec::new();
    for _ in 0..4 {
        dbs.push(t.connect_again().await.unwrap());
    }
    // Four pools interleaving on one runtime: each waits on the database, not on the others.
    let (a, b, c, d) = tokio::join!(
        crate::migrate(&dbs[0], 0),
        crate::migrate(&dbs[1], 0),
        crate::migrate(&dbs[2], 0),
        crate::migrate(&dbs[3], 0)
    );
    let mut applied = Vec::new();
    for r in [a, b, c, d] {
        applied.extend(r.expect("every instance starts"));
    }
    for db in dbs {
        db.close().await;
    }
    applied.sort();
    let all: Vec<i64> = crate::migrations().iter().map(|m| m.version).collect();
    assert_eq!(applied, all, "each migration applied once, by one of the instances");
    let n =
        t.db.fetch_one(&stmt("SELECT COUNT(*) AS n FROM schema_migrations"))
            .await
            .unwrap();
    assert_eq!(n.i64("n").unwrap(), all.len() as i64);
    t.cleanup().await;
}
