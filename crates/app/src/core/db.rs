//! One SQL text, two databases. [`Db`] wraps either a SQLite or a PostgreSQL pool; queries
//! are written once with `$1` parameters and bound from [`Value`]s, and rows are read
//! through [`Row`]. The few real dialect differences live in [`crate::core::dialect`].

use crate::core::error::StoreError;
use crate::core::query::{pg_query, sqlite_query};
pub use crate::core::query::{stmt, Query, Value};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
use sqlx::{Postgres, Row as _, Sqlite};
use std::str::FromStr;
use std::time::Duration;

/// Which database engine a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection pool on one of the two supported databases.
#[derive(Clone, Debug)]
pub enum Db {
    /// SQLite in WAL mode: several readers, and one writer connection so that write
    /// transactions queue instead of failing with `SQLITE_BUSY`.
    Sqlite {
        read: sqlx::SqlitePool,
        write: sqlx::SqlitePool,
    },
    Postgres(sqlx::PgPool),
}

/// A result row from either database.
pub enum Row {
    Sqlite(SqliteRow),
    Pg(PgRow),
}

macro_rules! getter {
    ($name:ident, $ty:ty) => {
        pub fn $name(&self, col: &str) -> Result<$ty, StoreError> {
            Ok(match self {
                Row::Sqlite(r) => r.try_get::<$ty, _>(col)?,
                Row::Pg(r) => r.try_get::<$ty, _>(col)?,
            })
        }
    };
}

/// The first of the listed types that decodes column `$i` of `$row`, as JSON (a NULL
/// decodes as any type, and gives `null`).
macro_rules! column_json {
    ($row:expr, $i:expr, $($ty:ty),+) => {
        'found: {
            $(
                if let Ok(v) = $row.try_get::<Option<$ty>, _>($i) {
                    break 'found serde_json::json!(v);
                }
            )+
            serde_json::Value::Null
        }
    };
}

impl Row {
    /// Every column as JSON (numbers, text, booleans, null), for the personal-data export.
    pub fn to_json(&self) -> serde_json::Value {
        use sqlx::Column as _;
        let mut out = serde_json::Map::new();
        match self {
            Row::Sqlite(r) => {
                for (i, c) in r.columns().iter().enumerate() {
                    out.insert(c.name().to_string(), column_json!(r, i, i64, f64, String));
                }
            }
            Row::Pg(r) => {
                for (i, c) in r.columns().iter().enumerate() {
                    out.insert(c.name().to_string(), column_json!(r, i, i64, i32, bool, String, f64));
                }
            }
        }
        serde_json::Value::Object(out)
    }

    getter!(i64, i64);
    getter!(opt_i64, Option<i64>);
    getter!(text, String);
    getter!(opt_text, Option<String>);
    getter!(bool, bool);
}

/// Executes queries on a pool or inside a transaction; implemented by [`Db`] and [`Tx`].
enum Exec<'a> {
    SqlitePool(&'a sqlx::SqlitePool),
    PgPool(&'a sqlx::PgPool),
    SqliteConn(&'a mut sqlx::SqliteConnection),
    PgConn(&'a mut sqlx::PgConnection),
}

impl Exec<'_> {
    async fn fetch_all(self, query: &Query) -> Result<Vec<Row>, StoreError> {
        Ok(match self {
            Exec::SqlitePool(p) => sqlite_query(query)
                .fetch_all(p)
                .await?
                .into_iter()
                .map(Row::Sqlite)
                .collect(),
            Exec::SqliteConn(c) => sqlite_query(query)
                .fetch_all(c)
                .await?
                .into_iter()
                .map(Row::Sqlite)
                .collect(),
            Exec::PgPool(p) => pg_query(query).fetch_all(p).await?.into_iter().map(Row::Pg).collect(),
            Exec::PgConn(c) => pg_query(query).fetch_all(c).await?.into_iter().map(Row::Pg).collect(),
        })
    }

    async fn fetch_optional(self, query: &Query) -> Result<Option<Row>, StoreError> {
        Ok(match self {
            Exec::SqlitePool(p) => sqlite_query(query).fetch_optional(p).await?.map(Row::Sqlite),
            Exec::SqliteConn(c) => sqlite_query(query).fetch_optional(c).await?.map(Row::Sqlite),
            Exec::PgPool(p) => pg_query(query).fetch_optional(p).await?.map(Row::Pg),
            Exec::PgConn(c) => pg_query(query).fetch_optional(c).await?.map(Row::Pg),
        })
    }

    async fn execute(self, query: &Query) -> Result<u64, StoreError> {
        Ok(match self {
            Exec::SqlitePool(p) => sqlite_query(query).execute(p).await?.rows_affected(),
            Exec::SqliteConn(c) => sqlite_query(query).execute(c).await?.rows_affected(),
            Exec::PgPool(p) => pg_query(query).execute(p).await?.rows_affected(),
            Exec::PgConn(c) => pg_query(query).execute(c).await?.rows_affected(),
        })
    }
}

/// Query methods of [`Tx`].
macro_rules! query_methods {
    () => {
        pub async fn fetch_all(&mut self, query: &Query) -> Result<Vec<Row>, StoreError> {
            self.exec().fetch_all(query).await
        }

        pub async fn fetch_optional(&mut self, query: &Query) -> Result<Option<Row>, StoreError> {
            self.exec().fetch_optional(query).await
        }

        pub async fn fetch_one(&mut self, query: &Query) -> Result<Row, StoreError> {
            self.exec()
                .fetch_optional(query)
                .await?
                .ok_or(StoreError::NotFound)
        }

        pub async fn execute(&mut self, query: &Query) -> Result<u64, StoreError> {
            self.exec().execute(query).await
        }
    };
}

/// Connection options beyond the URL.
#[derive(Debug, Clone)]
pub struct DbOptions {
    pub max_connections: u32,
    /// PostgreSQL only: the schema to use (tests use one schema per test).
    pub pg_schema: Option<String>,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            max_connections: 10,
            pg_schema: None,
        }
    }
}

impl Db {
    /// Connects to `sqlite://path`, `sqlite:path` or `postgres://…` / `postgresql://…`.
    pub async fn connect(url: &str, options: &DbOptions) -> Result<Db, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            // JIT compilation pays off for long analytical queries, not for the short
            // lookups of a CRM: on a 10,000-row search it added 15 ms of compilation.
            // Custom plans always: the same search text runs with ranges that match ten
            // rows or a hundred thousand, and after five runs PostgreSQL's generic plan
            // (chosen without the values) turned 5 ms searches into 220 ms ones.
            let mut opts =
                PgConnectOptions::from_str(url)?.options([("jit", "off"), ("plan_cache_mode", "force_custom_plan")]);
            if let Some(schema) = &options.pg_schema {
                opts = opts.options([("search_path", schema.as_str())]);
            }
            let pool = PgPoolOptions::new()
                .max_connections(options.max_connections)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await?;
            Ok(Db::Postgres(pool))
        } else if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            let write = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(opts.clone())
                .await?;
            let read = SqlitePoolOptions::new()
                .max_connections(options.max_connections.max(1))
                .connect_with(opts.read_only(true))
                .await?;
            Ok(Db::Sqlite { read, write })
        } else {
            Err(StoreError::BadUrl)
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite { .. } => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    fn reader(&self) -> Exec<'_> {
        match self {
            Db::Sqlite { read, .. } => Exec::SqlitePool(read),
            Db::Postgres(p) => Exec::PgPool(p),
        }
    }

    fn writer(&self) -> Exec<'_> {
        match self {
            Db::Sqlite { write, .. } => Exec::SqlitePool(write),
            Db::Postgres(p) => Exec::PgPool(p),
        }
    }

    /// Reads (on SQLite, from the read-only pool).
    pub async fn fetch_all(&self, query: &Query) -> Result<Vec<Row>, StoreError> {
        self.reader().fetch_all(query).await
    }

    pub async fn fetch_optional(&self, query: &Query) -> Result<Option<Row>, StoreError> {
        self.reader().fetch_optional(query).await
    }

    pub async fn fetch_one(&self, query: &Query) -> Result<Row, StoreError> {
        self.reader().fetch_optional(query).await?.ok_or(StoreError::NotFound)
    }

    /// One auto-committed write.
    pub async fn execute(&self, query: &Query) -> Result<u64, StoreError> {
        self.writer().execute(query).await
    }

    /// One auto-committed write that returns rows (`RETURNING`).
    pub async fn write_returning(&self, query: &Query) -> Result<Vec<Row>, StoreError> {
        self.writer().fetch_all(query).await
    }

    /// Starts a transaction; nothing it writes is visible until [`Tx::commit`], and
    /// dropping it uncommitted rolls everything back.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(match self {
            Db::Sqlite { write, .. } => Tx::Sqlite(write.begin().await?),
            Db::Postgres(p) => Tx::Pg(p.begin().await?),
        })
    }

    /// Starts a read-only transaction on the readers (on SQLite the read-only pool, so a
    /// page view never queues behind the single writer, e.g. an import batch; on
    /// PostgreSQL `READ ONLY`): one consistent snapshot for reads that span several
    /// queries. Everything taking a [`Tx`] can read through it; a write fails.
    pub async fn read(&self) -> Result<Tx, StoreError> {
        Ok(match self {
            Db::Sqlite { read, .. } => Tx::Sqlite(read.begin().await?),
            Db::Postgres(p) => {
                let mut tx = p.begin().await?;
                sqlx::query("SET TRANSACTION READ ONLY").execute(&mut *tx).await?;
                Tx::Pg(tx)
            }
        })
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> bool {
        self.fetch_optional(&stmt("SELECT 1 AS one")).await.is_ok()
    }

    /// Pool statistics for `/metrics`: (connections open, idle).
    pub fn pool_stats(&self) -> (u32, usize) {
        match self {
            Db::Sqlite { read, write } => (read.size() + write.size(), read.num_idle() + write.num_idle()),
            Db::Postgres(p) => (p.size(), p.num_idle()),
        }
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite { read, write } => {
                read.close().await;
                write.close().await;
            }
            Db::Postgres(p) => p.close().await,
        }
    }

    /// Executes a script of several statements (migrations).
    pub(crate) async fn raw_script(tx: &mut Tx, sql: &str) -> Result<(), StoreError> {
        match tx {
            Tx::Sqlite(t) => {
                sqlx::raw_sql(sql).execute(&mut **t).await?;
            }
            Tx::Pg(t) => {
                sqlx::raw_sql(sql).execute(&mut **t).await?;
            }
        }
        Ok(())
    }
}

/// A database transaction.
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Pg(sqlx::Transaction<'static, Postgres>),
}

impl Tx {
    fn exec(&mut self) -> Exec<'_> {
        match self {
            Tx::Sqlite(t) => Exec::SqliteConn(t),
            Tx::Pg(t) => Exec::PgConn(t),
        }
    }

    query_methods!();

    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Pg(_) => Backend::Postgres,
        }
    }

    /// Locks a row for the rest of the transaction (`SELECT … FOR UPDATE` on PostgreSQL;
    /// SQLite's single writer connection already serialises write transactions). Returns
    /// whether the row exists. Take locks on several rows of a table in ascending id
    /// order, so two transactions never wait on each other.
    pub async fn lock_row(&mut self, table: &'static str, id: i64) -> Result<bool, StoreError> {
        let lock = crate::core::dialect::for_update(self.backend(), None);
        let sql = format!("SELECT id FROM {table} WHERE id = $1{lock}");
        Ok(self.fetch_optional(&stmt(sql).bind(id)).await?.is_some())
    }

    /// Serialises the transactions that take the same key (a PostgreSQL transaction-level
    /// advisory lock; nothing on SQLite, whose writer is single). For uniqueness that no
    /// constraint can express, such as one customer per phone number per dealer.
    pub async fn lock_key(&mut self, key: &str) -> Result<(), StoreError> {
        if self.backend() == Backend::Postgres {
            use sha2::Digest;
            let digest = sha2::Sha256::digest(key.as_bytes());
            let mut eight = [0u8; 8];
            eight.copy_from_slice(&digest[..8]);
            self.execute(&stmt("SELECT pg_advisory_xact_lock($1)").bind(i64::from_le_bytes(eight)))
                .await?;
        }
        Ok(())
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Pg(t) => t.commit().await?,
        }
        Ok(())
    }
}

/// The URL with any password replaced by `***`, for logs.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, tail) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            if userinfo.contains(':') {
                format!("{scheme}://{user}:***@{host}{tail}")
            } else {
                format!("{scheme}://{user}@{host}{tail}")
            }
        }
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://dcrc:s3cr3t@db:5432/dcrc"),
            "postgres://dcrc:***@db:5432/dcrc"
        );
        assert_eq!(redact_url("postgres://dcrc@db/dcrc"), "postgres://dcrc@db/dcrc");
        assert_eq!(redact_url("sqlite://dcrc.db"), "sqlite://dcrc.db");
        assert_eq!(redact_url("postgres://u:p@ss@h/db"), "postgres://u:***@h/db");
    }
}
