//! Schema migrations, one set per backend, applied in order inside a transaction each.

use crate::db::{q, Backend, Db};
use crate::error::StoreError;

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
    /// Data in the common SQL subset, loaded after the schema on both backends.
    data: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "platform",
        sqlite: include_str!("../migrations/sqlite/0001_platform.sql"),
        postgres: include_str!("../migrations/postgres/0001_platform.sql"),
        data: "",
    },
    Migration {
        version: 2,
        name: "archive",
        sqlite: include_str!("../migrations/sqlite/0002_archive.sql"),
        postgres: include_str!("../migrations/postgres/0002_archive.sql"),
        data: "",
    },
    Migration {
        version: 3,
        name: "imports",
        sqlite: include_str!("../migrations/sqlite/0003_imports.sql"),
        postgres: include_str!("../migrations/postgres/0003_imports.sql"),
        data: "",
    },
    Migration {
        version: 4,
        name: "segments",
        sqlite: include_str!("../migrations/sqlite/0004_segments.sql"),
        postgres: include_str!("../migrations/postgres/0004_segments.sql"),
        data: "",
    },
    Migration {
        version: 5,
        name: "search_indexes",
        sqlite: include_str!("../migrations/sqlite/0005_search_indexes.sql"),
        postgres: include_str!("../migrations/postgres/0005_search_indexes.sql"),
        data: "",
    },
    Migration {
        version: 6,
        name: "search_suffixes",
        sqlite: include_str!("../migrations/sqlite/0006_search_suffixes.sql"),
        postgres: include_str!("../migrations/postgres/0006_search_suffixes.sql"),
        data: "",
    },
    Migration {
        version: 7,
        name: "callbacks",
        sqlite: include_str!("../migrations/sqlite/0007_callbacks.sql"),
        postgres: include_str!("../migrations/postgres/0007_callbacks.sql"),
        data: include_str!("../migrations/common/0007_calendar_2025_2026.sql"),
    },
    Migration {
        version: 8,
        name: "covering_search_indexes",
        sqlite: include_str!("../migrations/sqlite/0008_covering_search_indexes.sql"),
        postgres: include_str!("../migrations/postgres/0008_covering_search_indexes.sql"),
        data: "",
    },
    Migration {
        version: 9,
        name: "current_owner_index",
        sqlite: include_str!("../migrations/sqlite/0009_current_owner_index.sql"),
        postgres: include_str!("../migrations/postgres/0009_current_owner_index.sql"),
        data: "",
    },
    Migration {
        version: 10,
        name: "complaints",
        sqlite: include_str!("../migrations/sqlite/0010_complaints.sql"),
        postgres: include_str!("../migrations/postgres/0010_complaints.sql"),
        data: "",
    },
    Migration {
        version: 11,
        name: "integrity",
        sqlite: include_str!("../migrations/sqlite/0011_integrity.sql"),
        postgres: include_str!("../migrations/postgres/0011_integrity.sql"),
        data: "",
    },
];

/// Applies every migration not yet applied; returns the versions it applied.
pub async fn migrate(db: &Db, now_ms: i64) -> Result<Vec<i64>, StoreError> {
    db.execute(&q("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)")).await?;
    let mut applied = Vec::new();
    for m in MIGRATIONS {
        let mut tx = db.begin().await?;
        let done = tx
            .fetch_optional(&q("SELECT version FROM schema_migrations WHERE version = $1").bind(m.version))
            .await?;
        if done.is_some() {
            continue;
        }
        let sql = match db.backend() {
            Backend::Sqlite => m.sqlite,
            Backend::Postgres => m.postgres,
        };
        Db::raw_script(&mut tx, sql).await?;
        if !m.data.is_empty() {
            Db::raw_script(&mut tx, m.data).await?;
        }
        tx.execute(
            &q("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
                .bind(m.version)
                .bind(m.name)
                .bind(now_ms),
        )
        .await?;
        tx.commit().await?;
        tracing::info!(version = m.version, name = m.name, "applied migration");
        applied.push(m.version);
    }
    Ok(applied)
}

/// The latest migration version this build knows.
pub fn latest_version() -> i64 {
    MIGRATIONS.iter().map(|m| m.version).max().unwrap_or(0)
}

/// Every table and its columns, sorted: used to prove both schemas match.
pub async fn schema_columns(db: &Db) -> Result<Vec<(String, String)>, StoreError> {
    let sql = match db.backend() {
        Backend::Sqlite => {
            "SELECT m.name AS table_name, p.name AS column_name FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY 1, 2"
        }
        Backend::Postgres => {
            "SELECT table_name::text AS table_name, column_name::text AS column_name FROM information_schema.columns \
             WHERE table_schema = current_schema() ORDER BY 1, 2"
        }
    };
    let rows = db.fetch_all(&q(sql)).await?;
    rows.iter()
        .map(|r| Ok((r.text("table_name")?, r.text("column_name")?)))
        .collect()
}
