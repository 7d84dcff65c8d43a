//! Schema migrations, one set per backend, each applied once in its own transaction under a
//! lock, with a checksum that refuses a database whose history was changed.

use crate::core::db::{stmt, Backend, Db, Tx};
use crate::core::error::StoreError;

/// One schema change, for both databases.
pub struct Migration {
    /// Its number: unique across the core and every capability, applied in order.
    pub version: i64,
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
    /// Data in the common SQL subset, loaded after the schema on both backends.
    pub data: &'static str,
}

/// The core's own migrations (the platform tables; 0011 also holds the integrity changes
/// made before capabilities had their own migrations).
pub const CORE: &[Migration] = &[
    Migration {
        version: 1,
        name: "platform",
        sqlite: include_str!("migrations/sqlite/0001_platform.sql"),
        postgres: include_str!("migrations/postgres/0001_platform.sql"),
        data: "",
    },
    Migration {
        version: 11,
        name: "integrity",
        sqlite: include_str!("migrations/sqlite/0011_integrity.sql"),
        postgres: include_str!("migrations/postgres/0011_integrity.sql"),
        data: "",
    },
    Migration {
        version: 12,
        name: "policies",
        sqlite: include_str!("migrations/sqlite/0012_policies.sql"),
        postgres: include_str!("migrations/postgres/0012_policies.sql"),
        data: "",
    },
    Migration {
        version: 13,
        name: "job_leases",
        sqlite: include_str!("migrations/sqlite/0013_job_leases.sql"),
        postgres: include_str!("migrations/postgres/0013_job_leases.sql"),
        data: "",
    },
];

/// The key of the advisory lock every instance takes before it looks at or changes the
/// schema (PostgreSQL; SQLite's single writer serialises them anyway).
const MIGRATION_LOCK: i64 = 0x4443_5243_4d49_4752; // "DCRCMIGR"

impl Migration {
    fn sql(&self, backend: Backend) -> &'static str {
        match backend {
            Backend::Sqlite => self.sqlite,
            Backend::Postgres => self.postgres,
        }
    }

    /// SHA-256 of what this backend runs for it (schema and data), in hex.
    pub fn checksum(&self, backend: Backend) -> String {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(self.sql(backend).as_bytes());
        h.update(b"\0");
        h.update(self.data.as_bytes());
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Starts a transaction holding the migration lock.
async fn locked(db: &Db) -> Result<Tx, StoreError> {
    let mut tx = db.begin().await?;
    if db.backend() == Backend::Postgres {
        tx.execute(&stmt("SELECT pg_advisory_xact_lock($1)").bind(MIGRATION_LOCK))
            .await?;
    }
    Ok(tx)
}

/// Creates the bookkeeping table (and, on a database from before checksums, its
/// `checksum` column).
async fn bookkeeping(db: &Db) -> Result<(), StoreError> {
    let mut tx = locked(db).await?;
    tx.execute(&stmt("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL, checksum TEXT)")).await?;
    let has_checksum = match db.backend() {
        Backend::Sqlite => tx
            .fetch_optional(&stmt("SELECT name FROM pragma_table_info('schema_migrations') WHERE name = 'checksum'"))
            .await?
            .is_some(),
        Backend::Postgres => tx
            .fetch_optional(&stmt("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'schema_migrations' AND column_name = 'checksum'"))
            .await?
            .is_some(),
    };
    if !has_checksum {
        tx.execute(&stmt("ALTER TABLE schema_migrations ADD COLUMN checksum TEXT"))
            .await?;
    }
    tx.commit().await
}

/// Refuses a database whose applied migrations differ from this build's: one changed
/// after it was applied (checksum), or one this build does not know (a newer build ran).
/// Migrations recorded before checksums existed get theirs now.
async fn verify(db: &Db, migrations: &[&'static Migration]) -> Result<(), StoreError> {
    let mut tx = locked(db).await?;
    let rows = tx
        .fetch_all(&stmt(
            "SELECT version, name, checksum FROM schema_migrations ORDER BY version",
        ))
        .await?;
    for r in &rows {
        let version = r.i64("version")?;
        let Some(m) = migrations.iter().find(|m| m.version == version) else {
            return Err(StoreError::Internal(format!(
                "the database has migration {version} ({}), which this build does not know: a newer DCRC ran on it",
                r.text("name")?
            )));
        };
        let expected = m.checksum(db.backend());
        match r.opt_text("checksum")? {
            Some(found) if found != expected => {
                return Err(StoreError::Internal(format!(
                "migration {version} ({}) was changed after it was applied (checksum {found}, this build {expected})",
                m.name
            )))
            }
            Some(_) => {}
            None => {
                tx.execute(
                    &stmt("UPDATE schema_migrations SET checksum = $1 WHERE version = $2")
                        .bind(expected)
                        .bind(version),
                )
                .await?;
            }
        }
    }
    tx.commit().await
}

/// Applies every migration not yet applied, in version order, each in its own
/// transaction under the migration lock (so instances starting together on one
/// PostgreSQL apply each exactly once); returns the versions it applied.
pub async fn migrate(db: &Db, now_ms: i64, migrations: Vec<&'static Migration>) -> Result<Vec<i64>, StoreError> {
    bookkeeping(db).await?;
    verify(db, &migrations).await?;
    let mut migrations = migrations;
    migrations.sort_by_key(|m| m.version);
    let mut applied = Vec::new();
    for m in migrations {
        let mut tx = locked(db).await?;
        let done = tx
            .fetch_optional(&stmt("SELECT version FROM schema_migrations WHERE version = $1").bind(m.version))
            .await?;
        if done.is_some() {
            continue;
        }
        Db::raw_script(&mut tx, m.sql(db.backend())).await?;
        if !m.data.is_empty() {
            Db::raw_script(&mut tx, m.data).await?;
        }
        tx.execute(
            &stmt("INSERT INTO schema_migrations (version, name, applied_at, checksum) VALUES ($1, $2, $3, $4)")
                .bind(m.version)
                .bind(m.name)
                .bind(now_ms)
                .bind(m.checksum(db.backend())),
        )
        .await?;
        tx.commit().await?;
        tracing::info!(version = m.version, name = m.name, "applied migration");
        applied.push(m.version);
    }
    Ok(applied)
}

/// The latest of these migrations' versions.
pub fn latest_version(migrations: &[&Migration]) -> i64 {
    migrations.iter().map(|m| m.version).max().unwrap_or(0)
}
