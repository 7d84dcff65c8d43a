//! Fresh databases for tests: a SQLite file always, and a PostgreSQL schema of its own
//! when `DCRC_TEST_POSTGRES_URL` is set (CI sets it), so every storage test runs on both.

use crate::core::db::{stmt, Db, DbOptions};
use crate::core::error::Result;
use crate::migrate;
use std::path::PathBuf;

/// A database made for one test; call [`TestDb::cleanup`] at the end.
pub struct TestDb {
    pub db: Db,
    pub name: &'static str,
    sqlite_file: Option<PathBuf>,
    pg: Option<(String, String)>,
}

fn unique_suffix() -> String {
    let mut buf = [0u8; 8];
    let _ = getrandom::fill(&mut buf);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// Every database the tests should run on: SQLite, plus PostgreSQL when configured.
pub async fn test_databases() -> Result<Vec<TestDb>> {
    let mut out = vec![sqlite().await?];
    if let Ok(url) = std::env::var("DCRC_TEST_POSTGRES_URL") {
        if !url.is_empty() {
            out.push(postgres(&url).await?);
        }
    }
    Ok(out)
}

/// A migrated SQLite database in a new temporary file.
pub async fn sqlite() -> Result<TestDb> {
    let path = std::env::temp_dir().join(format!("dcrc-test-{}.db", unique_suffix()));
    let db = Db::connect(
        &format!("sqlite://{}", path.display()),
        &DbOptions {
            max_connections: 4,
            pg_schema: None,
        },
    )
    .await?;
    migrate(&db, 0).await?;
    Ok(TestDb {
        db,
        name: "sqlite",
        sqlite_file: Some(path),
        pg: None,
    })
}

/// A migrated PostgreSQL schema of its own.
pub async fn postgres(url: &str) -> Result<TestDb> {
    let t = postgres_empty(url).await?;
    migrate(&t.db, 0).await?;
    Ok(t)
}

/// A PostgreSQL schema of its own with nothing in it (not even migrations).
pub async fn postgres_empty(url: &str) -> Result<TestDb> {
    let schema = format!("t_{}", unique_suffix());
    let admin = Db::connect(
        url,
        &DbOptions {
            max_connections: 1,
            pg_schema: None,
        },
    )
    .await?;
    admin.execute(&stmt(format!("CREATE SCHEMA {schema}"))).await?;
    admin.close().await;
    let db = Db::connect(
        url,
        &DbOptions {
            max_connections: 5,
            pg_schema: Some(schema.clone()),
        },
    )
    .await?;
    Ok(TestDb {
        db,
        name: "postgres",
        sqlite_file: None,
        pg: Some((url.to_string(), schema)),
    })
}

impl TestDb {
    /// A second, independent pool on the same PostgreSQL schema (another instance of the
    /// application, as far as the database can tell); `None` on SQLite.
    pub async fn connect_again(&self) -> Option<Db> {
        let (url, schema) = self.pg.as_ref()?;
        Db::connect(
            url,
            &DbOptions {
                max_connections: 5,
                pg_schema: Some(schema.clone()),
            },
        )
        .await
        .ok()
    }

    /// Closes the pools and removes the file or schema.
    pub async fn cleanup(self) {
        self.db.close().await;
        if let Some(path) = self.sqlite_file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
        if let Some((url, schema)) = self.pg {
            if let Ok(admin) = Db::connect(
                &url,
                &DbOptions {
                    max_connections: 1,
                    pg_schema: None,
                },
            )
            .await
            {
                let _ = admin.execute(&stmt(format!("DROP SCHEMA {schema} CASCADE"))).await;
                admin.close().await;
            }
        }
    }
}
