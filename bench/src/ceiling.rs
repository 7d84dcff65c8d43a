//! The database's own speed for the rows an owner-list import writes: the same customers,
//! phones, vehicles and ownerships, into the same tables with the same indexes, in a fresh
//! database of their own, written the fastest plain way each database offers (SQLite: one
//! transaction of prepared 500-row INSERTs; PostgreSQL: `COPY`). No lookups, no
//! validation, ids chosen by the writer.

use crate::{name, phone, plate, vin, FileRow};
use dcrc_app::Db;
use std::time::Instant;

/// A row's column texts (`None` is NULL).
type Cells = Vec<Option<String>>;

/// A table and the text of its columns for one file row (`None`: the row adds none).
struct Table {
    name: &'static str,
    columns: &'static [&'static str],
    row: fn(org: &str, k: usize, r: &FileRow) -> Option<Cells>,
}

const NOW: &str = "1795000000000";

fn s(v: &str) -> Option<String> {
    Some(v.to_string())
}

const TABLES: [Table; 4] = [
    Table {
        name: "customers",
        columns: &["id", "org_id", "kind", "name", "created_at", "updated_at"],
        row: |org, _, r| {
            r.first_of_customer.then(|| {
                vec![
                    s(&r.customer.to_string()),
                    s(org),
                    s("person"),
                    s(&name(r.customer)),
                    s(NOW),
                    s(NOW),
                ]
            })
        },
    },
    Table {
        name: "customer_phones",
        columns: &[
            "id",
            "customer_id",
            "org_id",
            "digits",
            "kind",
            "last4",
            "status",
            "is_primary",
            "created_at",
            "updated_at",
        ],
        row: |org, _, r| {
            let p = phone(r.customer);
            let c = r.customer.to_string();
            r.first_of_customer.then(|| {
                vec![
                    s(&c),
                    s(&c),
                    s(org),
                    s(&p),
                    s("mobile"),
                    s(&p[7..]),
                    s("valid"),
                    s("true"),
                    s(NOW),
                    s(NOW),
                ]
            })
        },
    },
    Table {
        name: "vehicles",
        columns: &[
            "id",
            "org_id",
            "vin",
            "vin_rev",
            "vin_check_overridden",
            "plate",
            "model",
            "delivery_date",
            "created_at",
            "updated_at",
        ],
        row: |org, k, r| {
            let v = vin(r.vehicle);
            Some(vec![
                s(&(k + 1).to_string()),
                s(org),
                s(&v),
                Some(v.chars().rev().collect()),
                s("false"),
                s(&plate(r.vehicle)),
                s("哈弗H6"),
                s("2024-05-01"),
                s(NOW),
                s(NOW),
            ])
        },
    },
    Table {
        name: "ownerships",
        columns: &["id", "vehicle_id", "customer_id", "org_id", "start_date", "created_at"],
        row: |org, k, r| {
            let id = (k + 1).to_string();
            Some(vec![
                s(&id),
                s(&id),
                s(&r.customer.to_string()),
                s(org),
                s("2024-05-01"),
                s(NOW),
            ])
        },
    },
];

/// Writes the file's rows into a migrated, empty database; returns file rows per second.
pub async fn measure(db: &Db, org: i64, file: &[FileRow]) -> anyhow::Result<f64> {
    let org = org.to_string();
    let started = Instant::now();
    match db {
        Db::Sqlite { write, .. } => {
            let mut tx = write.begin().await?;
            for t in &TABLES {
                let mut rows = file
                    .iter()
                    .enumerate()
                    .filter_map(|(k, r)| (t.row)(&org, k, r))
                    .peekable();
                while rows.peek().is_some() {
                    let chunk: Vec<Cells> = rows.by_ref().take(500).collect();
                    let tuple = format!("({})", vec!["?"; t.columns.len()].join(", "));
                    let sql = format!(
                        "INSERT INTO {} ({}) VALUES {}",
                        t.name,
                        t.columns.join(", "),
                        vec![tuple.as_str(); chunk.len()].join(", ")
                    );
                    let mut query = sqlx::query(&sql);
                    for row in &chunk {
                        for (col, v) in t.columns.iter().zip(row) {
                            query = match (*col, v) {
                                ("is_primary" | "vin_check_overridden", Some(b)) => query.bind(b == "true"),
                                (c, Some(n)) if c == "id" || c.ends_with("_id") || c.ends_with("_at") => {
                                    query.bind(n.parse::<i64>()?)
                                }
                                (_, v) => query.bind(v.clone()),
                            };
                        }
                    }
                    query.execute(&mut *tx).await?;
                }
            }
            tx.commit().await?;
        }
        Db::Postgres(pool) => {
            let mut conn = pool.acquire().await?;
            for t in &TABLES {
                let mut copy = conn
                    .copy_in_raw(&format!(
                        "COPY {} ({}) FROM STDIN WITH (FORMAT text)",
                        t.name,
                        t.columns.join(", ")
                    ))
                    .await?;
                let mut buf = String::new();
                for row in file.iter().enumerate().filter_map(|(k, r)| (t.row)(&org, k, r)) {
                    let cells: Vec<&str> = row.iter().map(|v| v.as_deref().unwrap_or("\\N")).collect();
                    buf.push_str(&cells.join("\t"));
                    buf.push('\n');
                    if buf.len() > 1 << 20 {
                        copy.send(buf.as_bytes()).await?;
                        buf.clear();
                    }
                }
                copy.send(buf.as_bytes()).await?;
                copy.finish().await?;
            }
        }
    }
    Ok(file.len() as f64 / started.elapsed().as_secs_f64())
}
