//! The one list of the data that belongs to a customer. Merging two customers, erasing
//! one under PIPL and the personal-data export all read [`CUSTOMER_TABLES`]; a test
//! (`tests/customer_data.rs`) fails when a table with a `customer_id` column is missing
//! here, so a new capability cannot forget its data in any of the three.

use crate::db::{q, Tx};
use crate::error::Result;

/// What merging `from` into `into` does with a table's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnMerge {
    /// The rows move to the survivor.
    Move,
    /// Numbers the survivor already has are dropped; the others move (not primary).
    Phones,
    /// Maintained by triggers from the customer row (search suffixes): nothing to do.
    Derived,
}

/// What erasing a customer does with a table's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnErase {
    /// The rows are deleted (they are personal on their own: phone numbers).
    Delete,
    /// The rows stay for the dealer's statistics; the listed SQL `SET` clause clears
    /// their free text, which may name or describe the person.
    Clear(&'static str),
    /// The rows stay as they are (not personal on their own: a sale, a repair order).
    Keep,
}

/// A table that holds a customer's data, found by its `customer_id` column.
#[derive(Debug, Clone, Copy)]
pub struct CustomerTable {
    pub table: &'static str,
    pub merge: OnMerge,
    pub erase: OnErase,
    /// Whether the personal-data export lists its rows (derived tables are not data).
    pub export: bool,
    /// Tables whose rows hang off this table's rows (`<column> = <this>.id`), exported
    /// with them: a complaint's history, pauses and attachments.
    pub children: &'static [(&'static str, &'static str)],
    /// What the table adds to the customer timeline: SELECTs returning (kind, id, day,
    /// vehicle_id, t1, t2, t3, n1) for customer `$1`, joined by `UNION ALL`.
    pub timeline: &'static [&'static str],
}

const fn table(table: &'static str, merge: OnMerge, erase: OnErase) -> CustomerTable {
    CustomerTable {
        table,
        merge,
        erase,
        export: true,
        children: &[],
        timeline: &[],
    }
}

/// Every table with a `customer_id` column.
pub const CUSTOMER_TABLES: &[CustomerTable] = &[
    table("customer_phones", OnMerge::Phones, OnErase::Delete),
    table("consents", OnMerge::Move, OnErase::Keep),
    CustomerTable {
        timeline: &[
            "SELECT 'ownership_start' AS kind, w.id, w.start_date AS day, w.vehicle_id, v.vin AS t1, v.model AS t2, v.plate AS t3, CAST(NULL AS BIGINT) AS n1 \
     FROM ownerships w JOIN vehicles v ON v.id = w.vehicle_id WHERE w.customer_id = $1",
            "SELECT 'ownership_end' AS kind, w.id, w.end_date AS day, w.vehicle_id, v.vin AS t1, v.model AS t2, v.plate AS t3, CAST(NULL AS BIGINT) AS n1 \
     FROM ownerships w JOIN vehicles v ON v.id = w.vehicle_id WHERE w.customer_id = $1 AND w.end_date IS NOT NULL",
        ],
        ..table("ownerships", OnMerge::Move, OnErase::Keep)
    },
    CustomerTable {
        timeline: &[
            "SELECT 'sale' AS kind, s.id, COALESCE(s.delivery_date, s.contract_date, '') AS day, s.vehicle_id, s.consultant_name AS t1, v.model AS t2, v.plate AS t3, s.amount_fen AS n1 \
     FROM sales s JOIN vehicles v ON v.id = s.vehicle_id WHERE s.customer_id = $1",
        ],
        ..table("sales", OnMerge::Move, OnErase::Keep)
    },
    CustomerTable {
        timeline: &[
            "SELECT 'repair_order' AS kind, r.id, r.opened_on AS day, r.vehicle_id, r.kind AS t1, r.fault_description AS t2, r.advisor_name AS t3, r.total_fen AS n1 \
     FROM repair_orders r WHERE r.customer_id = $1",
        ],
        ..table("repair_orders", OnMerge::Move, OnErase::Keep)
    },
    CustomerTable {
        timeline: &[
            "SELECT 'insurance_policy' AS kind, p.id, p.start_date AS day, p.vehicle_id, p.insurer AS t1, p.kind AS t2, p.expiry_date AS t3, p.premium_fen AS n1 \
     FROM insurance_policies p WHERE p.customer_id = $1",
        ],
        ..table("insurance_policies", OnMerge::Move, OnErase::Keep)
    },
    table("callback_tasks", OnMerge::Move, OnErase::Keep),
    table(
        "callback_attempts",
        OnMerge::Move,
        OnErase::Clear("note = NULL, answers = '{}'"),
    ),
    CustomerTable {
        timeline: &[
            "SELECT 'complaint' AS kind, k.id, k.filed_on AS day, k.vehicle_id, k.title AS t1, k.state AS t2, k.tier AS t3, CAST(NULL AS BIGINT) AS n1 \
     FROM complaints k WHERE k.customer_id = $1",
        ],
        children: &[
            ("complaint_events", "complaint_id"),
            ("complaint_pauses", "complaint_id"),
            ("complaint_attachments", "complaint_id"),
        ],
        ..table(
            "complaints",
            OnMerge::Move,
            OnErase::Clear("description = '', customer_agreement = NULL"),
        )
    },
    CustomerTable {
        export: false,
        ..table("name_suffixes", OnMerge::Derived, OnErase::Keep)
    },
];

/// The timeline's sources, table by table.
pub(crate) fn timeline_sources() -> Vec<&'static str> {
    CUSTOMER_TABLES
        .iter()
        .flat_map(|t| t.timeline.iter().copied())
        .collect()
}

/// Moves every row of `from` onto `into`; returns (table, rows moved) for each table.
pub(crate) async fn merge_rows(tx: &mut Tx, into: i64, from: i64) -> Result<Vec<(&'static str, u64)>> {
    let mut moved = Vec::new();
    for t in CUSTOMER_TABLES {
        let n = match t.merge {
            OnMerge::Derived => continue,
            OnMerge::Move => {
                tx.execute(
                    &q(format!(
                        "UPDATE {} SET customer_id = $1 WHERE customer_id = $2",
                        t.table
                    ))
                    .bind(into)
                    .bind(from),
                )
                .await?
            }
            OnMerge::Phones => {
                tx.execute(
                    &q("DELETE FROM customer_phones WHERE customer_id = $2 \
                        AND digits IN (SELECT digits FROM customer_phones WHERE customer_id = $1)")
                    .bind(into)
                    .bind(from),
                )
                .await?;
                tx.execute(
                    &q("UPDATE customer_phones SET customer_id = $1, is_primary = FALSE WHERE customer_id = $2")
                        .bind(into)
                        .bind(from),
                )
                .await?
            }
        };
        moved.push((t.table, n));
    }
    Ok(moved)
}

/// Applies erasure to every table; returns (table, rows affected).
pub(crate) async fn erase_rows(tx: &mut Tx, id: i64) -> Result<Vec<(&'static str, u64)>> {
    let mut done = Vec::new();
    for t in CUSTOMER_TABLES {
        let sql = match t.erase {
            OnErase::Keep => continue,
            OnErase::Delete => format!("DELETE FROM {} WHERE customer_id = $1", t.table),
            OnErase::Clear(set) => format!("UPDATE {} SET {set} WHERE customer_id = $1", t.table),
        };
        done.push((t.table, tx.execute(&q(sql).bind(id)).await?));
    }
    Ok(done)
}

/// Every row of every exported table of a customer, as JSON, table by table.
pub(crate) async fn export_rows(tx: &mut Tx, id: i64) -> Result<serde_json::Map<String, serde_json::Value>> {
    let mut out = serde_json::Map::new();
    for t in CUSTOMER_TABLES.iter().filter(|t| t.export) {
        let rows = tx
            .fetch_all(&q(format!("SELECT * FROM {} WHERE customer_id = $1 ORDER BY id", t.table)).bind(id))
            .await?;
        out.insert(
            t.table.to_string(),
            serde_json::Value::Array(rows.iter().map(|r| r.to_json()).collect()),
        );
        for (child, column) in t.children {
            let rows = tx
                .fetch_all(
                    &q(format!(
                        "SELECT * FROM {child} WHERE {column} IN (SELECT id FROM {} WHERE customer_id = $1) ORDER BY id",
                        t.table
                    ))
                    .bind(id),
                )
                .await?;
            out.insert(
                child.to_string(),
                serde_json::Value::Array(rows.iter().map(|r| r.to_json()).collect()),
            );
        }
    }
    Ok(out)
}
