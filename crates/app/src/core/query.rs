//! Query texts and their parameters: written once with `$1` placeholders and bound from
//! [`Value`]s, rewritten to positional `?` for SQLite.

use sqlx::{Postgres, Sqlite};

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
pub fn stmt(sql: impl Into<String>) -> Query {
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

    /// Puts the statement inside `before … after` (a subquery), keeping its parameters.
    pub fn wrap(&mut self, before: &str, after: &str) {
        self.sql = format!("{before}{}{after}", self.sql);
    }
}

pub(crate) fn sqlite_query(query: &Query) -> sqlx::query::Query<'_, Sqlite, sqlx::sqlite::SqliteArguments<'_>> {
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

pub(crate) fn pg_query(query: &Query) -> sqlx::query::Query<'_, Postgres, sqlx::postgres::PgArguments> {
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

#[cfg(test)]
mod tests {
    use super::sqlite_form;

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
}
