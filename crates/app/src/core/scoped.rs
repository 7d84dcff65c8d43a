//! Reading one business row by id, only inside the caller's scope. Every "get by id" of a
//! record that belongs to an organisation goes through here, so the scope check is written
//! once.

use crate::core::db::{stmt, Row};
use crate::core::error::{Result, StoreError};
use crate::core::principal::Principal;
use crate::Store;

impl Store {
    /// `SELECT {columns} FROM {table} {alias}` joined to its organisation, for row `id`,
    /// when that organisation is in the caller's scope; `NotFound` otherwise. `extra` adds
    /// conditions on the row (e.g. ` AND c.merged_into IS NULL`).
    pub(crate) async fn scoped_row(
        &self,
        who: &Principal,
        table: &str,
        alias: &str,
        columns: &str,
        id: i64,
        extra: &str,
    ) -> Result<Row> {
        let sql = format!(
            "SELECT {columns} FROM {table} {alias} JOIN orgs o ON o.id = {alias}.org_id WHERE {alias}.id = $1 AND o.path LIKE $2{extra}"
        );
        self.db
            .fetch_optional(&stmt(sql).bind(id).bind(who.scope().like_pattern()))
            .await?
            .ok_or(StoreError::NotFound)
    }
}

/// Loads row `id` of `table` inside `tx`, only when its organisation is in the caller's
/// scope, and locks it for the rest of the transaction (`NotFound` otherwise). A write
/// that needs a record in scope takes it from here, in its own transaction, so nothing
/// can change between the check and the write.
pub async fn lock_in_scope(
    tx: &mut crate::core::db::Tx,
    who: &Principal,
    table: &str,
    columns: &str,
    id: i64,
    extra: &str,
) -> Result<Row> {
    let lock = crate::core::dialect::for_update(tx.backend(), Some("r"));
    let sql = format!(
        "SELECT {columns} FROM {table} r JOIN orgs o ON o.id = r.org_id WHERE r.id = $1 AND o.path LIKE $2{extra}{lock}"
    );
    tx.fetch_optional(&stmt(sql).bind(id).bind(who.scope().like_pattern()))
        .await?
        .ok_or(StoreError::NotFound)
}
