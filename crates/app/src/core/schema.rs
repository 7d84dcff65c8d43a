//! What a database's schema is, described the same way on both backends, so a test can
//! prove the SQLite and PostgreSQL migrations build the same thing: every column with its
//! kind of type and whether it may be NULL, every index with its columns and uniqueness,
//! every trigger.

use crate::core::db::{stmt, Backend, Db};
use crate::core::error::StoreError;

/// One column: table, column, type kind (`integer`, `text`, `boolean`, `real`), NOT NULL.
pub type Column = (String, String, &'static str, bool);
/// One index: table, name, unique, and the columns it covers: the leading column first,
/// then the others sorted, without `id` (SQLite covers with key columns and the rowid what
/// PostgreSQL covers with `INCLUDE`, so only this much is comparable).
pub type Index = (String, String, bool, Vec<String>);

/// A schema, sorted.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Schema {
    pub columns: Vec<Column>,
    pub indexes: Vec<Index>,
    /// Table and event (`INSERT`, `UPDATE`, `DELETE`) of every trigger: SQLite needs one
    /// trigger per event where PostgreSQL has one for several.
    pub triggers: Vec<(String, String)>,
}

/// The kind of a declared (SQLite) or catalogued (PostgreSQL) type.
fn kind(declared: &str) -> &'static str {
    let t = declared.to_ascii_lowercase();
    if t.contains("int") || t.contains("serial") {
        "integer"
    } else if t.contains("bool") {
        "boolean"
    } else if t.contains("real") || t.contains("double") || t.contains("float") || t.contains("numeric") {
        "real"
    } else {
        "text"
    }
}

fn covered(columns: &[String]) -> Vec<String> {
    let Some((first, rest)) = columns.split_first() else {
        return Vec::new();
    };
    let mut rest: Vec<String> = rest.iter().filter(|c| *c != "id" && *c != first).cloned().collect();
    rest.sort();
    rest.dedup();
    std::iter::once(first.clone()).chain(rest).collect()
}

/// Whether a table is our bookkeeping rather than the product's schema.
fn ours(table: &str) -> bool {
    !table.starts_with("sqlite_") && table != "schema_migrations"
}

pub async fn describe(db: &Db) -> Result<Schema, StoreError> {
    let mut s = Schema::default();
    match db.backend() {
        Backend::Sqlite => {
            for r in db
                .fetch_all(&stmt(
                    "SELECT m.name AS t, p.name AS c, p.type AS ty, p.\"notnull\" AS nn, p.pk AS pk \
                    FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table'",
                ))
                .await?
            {
                let table = r.text("t")?;
                if ours(&table) {
                    // A primary key column is never NULL, whatever it was declared.
                    let not_null = r.i64("nn")? != 0 || r.i64("pk")? != 0;
                    s.columns.push((table, r.text("c")?, kind(&r.text("ty")?), not_null));
                }
            }
            for r in db
                .fetch_all(&stmt("SELECT m.tbl_name AS t, m.name AS i, l.\"unique\" AS u FROM sqlite_master m, pragma_index_list(m.tbl_name) l \
                    WHERE m.type = 'index' AND m.sql IS NOT NULL AND l.name = m.name"))
                .await?
            {
                let name = r.text("i")?;
                let columns = db
                    .fetch_all(&stmt("SELECT name FROM pragma_index_info($1) ORDER BY seqno").bind(name.as_str()))
                    .await?
                    .iter()
                    .map(|c| c.opt_text("name").map(|n| n.unwrap_or_else(|| "(expression)".into())))
                    .collect::<Result<Vec<_>, _>>()?;
                s.indexes.push((r.text("t")?, name, r.i64("u")? != 0, columns));
            }
            for r in db
                .fetch_all(&stmt(
                    "SELECT tbl_name AS t, sql FROM sqlite_master WHERE type = 'trigger'",
                ))
                .await?
            {
                let sql = r.text("sql")?.to_ascii_uppercase();
                for event in ["INSERT", "UPDATE", "DELETE"] {
                    if sql.contains(&format!(" {event} ON ")) || sql.contains(&format!(" {event} OF ")) {
                        s.triggers.push((r.text("t")?, event.to_string()));
                    }
                }
            }
        }
        Backend::Postgres => {
            for r in db
                .fetch_all(&stmt("SELECT table_name::text AS t, column_name::text AS c, data_type::text AS ty, is_nullable::text AS n \
                    FROM information_schema.columns WHERE table_schema = current_schema()"))
                .await?
            {
                let table = r.text("t")?;
                if ours(&table) {
                    s.columns.push((table, r.text("c")?, kind(&r.text("ty")?), r.text("n")? == "NO"));
                }
            }
            // Indexes created by CREATE INDEX (not those behind PRIMARY KEY / UNIQUE
            // constraints, which SQLite names automatically), key and INCLUDE columns.
            for r in db
                .fetch_all(&stmt("SELECT t.relname::text AS t, i.relname::text AS i, x.indisunique AS u, \
                    array_to_string(ARRAY(SELECT COALESCE(a.attname::text, '(expression)') FROM unnest(x.indkey) WITH ORDINALITY k(attnum, ord) \
                          LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum ORDER BY k.ord), ',') AS cols \
                    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid \
                    JOIN pg_namespace n ON n.oid = t.relnamespace \
                    WHERE n.nspname = current_schema() AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"))
                .await?
            {
                let cols: Vec<String> = r.text("cols")?.split(',').map(str::to_string).collect();
                s.indexes.push((r.text("t")?, r.text("i")?, r.bool("u")?, cols));
            }
            for r in db
                .fetch_all(&stmt("SELECT event_object_table::text AS t, event_manipulation::text AS e FROM information_schema.triggers \
                    WHERE trigger_schema = current_schema()"))
                .await?
            {
                s.triggers.push((r.text("t")?, r.text("e")?));
            }
        }
    }
    s.columns.sort();
    for (_, _, _, columns) in &mut s.indexes {
        *columns = covered(columns);
    }
    s.indexes.sort();
    s.triggers.sort();
    s.triggers.dedup();
    Ok(s)
}
