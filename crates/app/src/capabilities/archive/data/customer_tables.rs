//! Merging, erasing and exporting a customer's rows and building the timeline, over every
//! capability's declared customer tables ([`crate::core::customer_tables`]).

use crate::core::customer_tables::{registered, table, CustomerTable, OnErase, OnMerge};
use crate::core::db::{stmt, Tx};
use crate::core::error::Result;

/// The archive's own tables with a customer.
pub const TABLES: &[CustomerTable] = &[
    table("customer_phones", OnMerge::Phones, OnErase::Delete),
    CustomerTable {
        timeline: &["SELECT 'consent' AS kind, k.id, k.day, CAST(NULL AS BIGINT) AS vehicle_id, k.purpose AS t1, \
     CASE WHEN k.granted THEN 'granted' ELSE 'withdrawn' END AS t2, k.recorded_by AS t3, CAST(NULL AS BIGINT) AS n1 \
     FROM consents k WHERE k.customer_id = $1 AND k.day IS NOT NULL"],
        ..table("consents", OnMerge::Move, OnErase::Keep)
    },
    CustomerTable {
        timeline: &["SELECT 'phone_status' AS kind, s.id, s.day, CAST(NULL AS BIGINT) AS vehicle_id, s.status AS t1, \
     s.source AS t2, s.actor AS t3, CAST(s.last4 AS BIGINT) AS n1 \
     FROM phone_status_changes s WHERE s.customer_id = $1"],
        ..table("phone_status_changes", OnMerge::Move, OnErase::Delete)
    },
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
    CustomerTable {
        export: false,
        ..table("name_suffixes", OnMerge::Derived, OnErase::Keep)
    },
];

/// The timeline's sources, table by table.
pub(crate) fn timeline_sources() -> Vec<&'static str> {
    registered().flat_map(|t| t.timeline.iter().copied()).collect()
}

/// Moves every row of `from` onto `into`; returns (table, rows moved) for each table.
pub(crate) async fn merge_rows(tx: &mut Tx, into: i64, from: i64) -> Result<Vec<(&'static str, u64)>> {
    let mut moved = Vec::new();
    for t in registered() {
        let n = match t.merge {
            OnMerge::Derived => continue,
            OnMerge::Move => {
                tx.execute(
                    &stmt(format!(
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
                    &stmt(
                        "DELETE FROM customer_phones WHERE customer_id = $2 \
                        AND digits IN (SELECT digits FROM customer_phones WHERE customer_id = $1)",
                    )
                    .bind(into)
                    .bind(from),
                )
                .await?;
                tx.execute(
                    &stmt("UPDATE customer_phones SET customer_id = $1, is_primary = FALSE WHERE customer_id = $2")
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
    for t in registered() {
        let sql = match t.erase {
            OnErase::Keep => continue,
            OnErase::Delete => format!("DELETE FROM {} WHERE customer_id = $1", t.table),
            OnErase::Clear(set) => format!("UPDATE {} SET {set} WHERE customer_id = $1", t.table),
        };
        done.push((t.table, tx.execute(&stmt(sql).bind(id)).await?));
    }
    Ok(done)
}

/// Every row of every exported table of a customer, as JSON, table by table.
pub(crate) async fn export_rows(tx: &mut Tx, id: i64) -> Result<serde_json::Map<String, serde_json::Value>> {
    let mut out = serde_json::Map::new();
    for t in registered().filter(|t| t.export) {
        let rows = tx
            .fetch_all(&stmt(format!("SELECT * FROM {} WHERE customer_id = $1 ORDER BY id", t.table)).bind(id))
            .await?;
        out.insert(
            t.table.to_string(),
            serde_json::Value::Array(rows.iter().map(|r| r.to_json()).collect()),
        );
        for (child, column) in t.children {
            let rows = tx
                .fetch_all(
                    &stmt(format!(
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
