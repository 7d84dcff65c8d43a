//! The few places where SQLite and PostgreSQL need different SQL.

use crate::core::db::Backend;

/// Claims due jobs atomically. On PostgreSQL `FOR UPDATE SKIP LOCKED` lets several
/// `dcrc` instances claim different jobs without waiting for each other; SQLite has a
/// single writer, so the plain sub-select is already exclusive.
pub fn claim_jobs_sql(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => {
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_until = $2, lease_token = $4 \
             WHERE id IN (SELECT id FROM jobs WHERE (state = 'pending' OR (state = 'running' AND locked_until < $1)) \
             AND run_at <= $1 ORDER BY run_at, id LIMIT $3 FOR UPDATE SKIP LOCKED) \
             RETURNING id, kind, idempotency_key, run_at, payload, attempts"
        }
        Backend::Sqlite => {
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_until = $2, lease_token = $4 \
             WHERE id IN (SELECT id FROM jobs WHERE (state = 'pending' OR (state = 'running' AND locked_until < $1)) \
             AND run_at <= $1 ORDER BY run_at, id LIMIT $3) \
             RETURNING id, kind, idempotency_key, run_at, payload, attempts"
        }
    }
}

/// The clause that locks the rows a `SELECT` reads until the transaction ends: `FOR
/// UPDATE` (of the table alias `of`, when the query joins others) on PostgreSQL; nothing
/// on SQLite, whose single writer connection already serialises write transactions.
pub fn for_update(backend: Backend, of: Option<&str>) -> String {
    match (backend, of) {
        (Backend::Postgres, Some(alias)) => format!(" FOR UPDATE OF {alias}"),
        (Backend::Postgres, None) => " FOR UPDATE".into(),
        (Backend::Sqlite, _) => String::new(),
    }
}

/// Case-insensitive `LIKE`.
pub fn ilike(backend: Backend) -> &'static str {
    match backend {
        // SQLite's LIKE is already case-insensitive for ASCII.
        Backend::Sqlite => "LIKE",
        Backend::Postgres => "ILIKE",
    }
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
pub fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_escape_escapes_wildcards() {
        assert_eq!(super::like_escape("a%b_c\\"), "a\\%b\\_c\\\\");
    }
}
