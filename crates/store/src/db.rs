//! One SQL text, two databases. [`Db`] wraps either a SQLite or a PostgreSQL pool; queries
//! are written once with `$1` parameters and bound from [`Value`]s, and rows are read
//! through [`Row`]. The few real dialect differences live in [`crate::dialect`].

use crate::error::StoreError;
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

/// A bound parameter. Nulls are typed so PostgreSQL accepts them for any column.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(Option<i64>),
    Text(Option<String>),
    Bool(Option<bool>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(Some(v))
    }
}
impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Self {
        Value::Int(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(Some(v))
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(Some(v.to_string()))
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(Some(v))
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(Some(v.clone()))
    }
}
impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Self {
        Value::Text(v)
    }
}
impl From<Option<&str>> for Value {
    fn from(v: Option<&str>) -> Self {
        Value::Text(v.map(str::to_string))
    }
}

/// A query: SQL text in the common dialect plus its parameters.
#[derive(Debug, Clone)]
pub struct Query {
    sql: String,
    args: Vec<Value>,
    /// The SQLite form, made on first use: see [`sqlite_form`].
    sqlite: std::sync::OnceLock<(String, Vec<usize>)>,
}

/// Starts a query.
pub fn q(sql: impl Into<String>) -> Query {
    Query {
        sql: sql.into(),
        args: Vec::new(),
        sqlite: std::sync::OnceLock::new(),
    }
}

/// Rewrites `$n` placeholders as anonymous `?` and lists which argument each one takes.
/// SQLite looks numbered and named parameters up in a list, linearly, for every bind, so a
/// statement with thousands of `$n` (a multi-row INSERT) took quadratic time to bind;
/// anonymous parameters are bound by position.
fn sqlite_form(sql: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(sql.len());
    let mut order = Vec::new();
    let mut chars = sql.char_indices().peekable();
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    while let Some((_, c)) = chars.next() {
        match quote {
            Some(qc) => {
                if c == qc {
                    quote = None;
                }
                out.push(c);
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                out.push(c);
            }
            None if c == '$' && !(prev.is_alphanumeric() || prev == '_') => {
                let mut n = 0usize;
                let mut digits = 0;
                while let Some((_, d)) = chars.peek().copied().filter(|(_, d)| d.is_ascii_digit()) {
                    n = n * 10 + (d as usize - '0' as usize);
                    digits += 1;
                    chars.next();
                }
                if digits == 0 || n == 0 {
                    out.push(c);
                } else {
                    out.push('?');
                    order.push(n - 1);
                }
            }
            None => out.push(c),
        }
        prev = c;
    }
    (out, order)
}

impl Query {
    pub fn bind(mut self, value: impl Into<Value>) -> Self {
        self.args.push(value.into());
        self
    }

    /// Adds a parameter and returns its placeholder (`$n`), for queries built piece by piece.
    pub fn param(&mut self, value: impl Into<Value>) -> String {
        self.args.push(value.into());
        format!("${}", self.args.len())
    }

    pub fn push_sql(&mut self, sql: &str) {
        self.sql.push_str(sql);
    }

    pub fn sql(&self) -> &str {
        &self.sql
    }
}

fn sqlite_query(query: &Query) -> sqlx::query::Query<'_, Sqlite, sqlx::sqlite::SqliteArguments<'_>> {
    let (sql, order) = query.sqlite.get_or_init(|| sqlite_form(&query.sql));
    let mut x = sqlx::query(sql);
    for v in order.iter().filter_map(|i| query.args.get(*i)) {
        x = match v {
            Value::Int(i) => x.bind(*i),
            Value::Text(s) => x.bind(s.as_deref()),
            Value::Bool(b) => x.bind(*b),
        };
    }
    x
}

fn pg_query(query: &Query) -> sqlx::query::Query<'_, Postgres, sqlx::postgres::PgArguments> {
    let mut x = sqlx::query(&query.sql);
    for v in &query.args {
        x = match v {
            Value::Int(i) => x.bind(*i),
            Value::Text(s) => x.bind(s.as_deref()),
            Value::Bool(b) => x.bind(*b),
        };
    }
    x
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

impl Row {
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

    /// Whether the database answers.
    pub async fn ping(&self) -> bool {
        self.fetch_optional(&q("SELECT 1 AS one")).await.is_ok()
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
    use super::{redact_url, sqlite_form};

    #[test]
    fn placeholders_become_positional_in_the_order_they_appear() {
        let (sql, order) =
            sqlite_form("UPDATE t SET a = $2, b = '$1 costs' WHERE c = $1 AND d = $2 AND e = \"x$3\" AND f = $10");
        assert_eq!(
            sql,
            "UPDATE t SET a = ?, b = '$1 costs' WHERE c = ? AND d = ? AND e = \"x$3\" AND f = ?"
        );
        assert_eq!(order, vec![1, 0, 1, 9]);
        assert_eq!(sqlite_form("SELECT price$1 FROM t").1, Vec::<usize>::new());
    }

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
