//! Upserting a history record by its key columns.

use super::resolve::Upsert;
use crate::core::db::{stmt, Query, Tx, Value};
use crate::core::error::Result;

/// Finds a record by its key columns; inserts it, updates it, or leaves it alone.
pub(crate) async fn upsert_record(
    tx: &mut Tx,
    now: i64,
    table: &str,
    keys: &[(&str, Value)],
    cols: &[(&'static str, Value)],
) -> Result<Upsert> {
    let mut find = stmt(format!("SELECT * FROM {table} WHERE 1 = 1"));
    for (k, v) in keys {
        let p = find.param(v.clone());
        find.push_sql(&format!(" AND {k} = {p}"));
    }
    find.push_sql(" ORDER BY id LIMIT 1");
    if let Some(row) = tx.fetch_optional(&find).await? {
        let id = row.i64("id")?;
        let mut update = stmt(format!("UPDATE {table} SET id = id"));
        let mut changed = false;
        for (col, v) in cols {
            let same = match v {
                Value::Int(i) => row.opt_i64(col)? == *i,
                Value::Text(t) => row.opt_text(col)? == *t,
                Value::Bool(b) => Some(row.bool(col)?) == *b,
            };
            if !same {
                let p = update.param(v.clone());
                update.push_sql(&format!(", {col} = {p}"));
                changed = true;
            }
        }
        if !changed {
            return Ok(Upsert::Same(id));
        }
        let p = update.param(id);
        update.push_sql(&format!(" WHERE id = {p}"));
        tx.execute(&update).await?;
        return Ok(Upsert::Changed(id));
    }
    let mut names: Vec<&str> = keys.iter().map(|(k, _)| *k).collect();
    names.extend(
        cols.iter()
            .map(|(k, _)| *k)
            .filter(|k| !keys.iter().any(|(kk, _)| kk == k)),
    );
    names.push("created_at");
    let mut insert: Query = stmt("");
    let mut placeholders = Vec::new();
    for (k, v) in keys {
        let _ = k;
        placeholders.push(insert.param(v.clone()));
    }
    for (k, v) in cols {
        if !keys.iter().any(|(kk, _)| kk == k) {
            placeholders.push(insert.param(v.clone()));
        }
    }
    placeholders.push(insert.param(now));
    insert.push_sql(&format!(
        "INSERT INTO {table} ({}) VALUES ({}) RETURNING id",
        names.join(", "),
        placeholders.join(", ")
    ));
    Ok(Upsert::Created(tx.fetch_one(&insert).await?.i64("id")?))
}
