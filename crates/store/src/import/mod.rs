//! Imports from DMS exports and spreadsheets. A file is read as a stream, rows are applied
//! in batches of 2,000, each batch one transaction (rolled back in a dry run), so an
//! interrupted import leaves no half-written batch and re-running it changes only what is
//! still missing: rows are matched by source record id, VIN, normalised phone and the
//! records' natural keys. Every import ends with a reconciliation:
//! rows read = inserted + updated + unchanged + rejected.

mod bulk;
mod cells;
mod record;
pub mod resolve;
pub mod row;

use crate::audit::{Actor, Event};
use crate::db::{q, Backend, Row};
use crate::error::{Result, StoreError};
use crate::orgs::ms_to_time;
use crate::page::{self, Page};
use crate::principal::Principal;
use crate::Store;
use chrono::{DateTime, Utc};
use dcrc_domain::{FieldError, Invalid, Permission};
use dcrc_io::columns::{ColumnMap, Field};
use row::{Outcome, RowError};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ImportKind {
    /// Owners, optionally with their vehicle on the same row (the usual DMS owner list).
    Customers,
    Vehicles,
    Sales,
    RepairOrders,
    Insurance,
}

impl ImportKind {
    pub const ALL: [ImportKind; 5] = [
        ImportKind::Customers,
        ImportKind::Vehicles,
        ImportKind::Sales,
        ImportKind::RepairOrders,
        ImportKind::Insurance,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Customers => "customers",
            ImportKind::Vehicles => "vehicles",
            ImportKind::Sales => "sales",
            ImportKind::RepairOrders => "repair-orders",
            ImportKind::Insurance => "insurance",
        }
    }

    pub fn parse(s: &str) -> Option<ImportKind> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s || k.as_str().replace('-', "_") == s)
    }

    /// Columns without which no row of the file can be stored: each inner list needs one.
    fn required_columns(self) -> &'static [&'static [Field]] {
        match self {
            ImportKind::Customers => &[
                &[Field::Name, Field::CustomerSourceId],
                &[Field::Phone, Field::Phone2, Field::CustomerSourceId],
            ],
            ImportKind::Vehicles => &[&[Field::Vin]],
            ImportKind::Sales => &[
                &[Field::Vin],
                &[Field::Phone, Field::CustomerSourceId, Field::Name],
                &[Field::DeliveryDate, Field::ContractDate, Field::PurchaseDate],
            ],
            ImportKind::RepairOrders => &[&[Field::Vin], &[Field::OpenedOn]],
            ImportKind::Insurance => &[
                &[Field::Vin],
                &[Field::Insurer],
                &[Field::StartDate],
                &[Field::ExpiryDate],
            ],
        }
    }
}

/// One import and its reconciliation.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportRecord {
    pub id: i64,
    pub org_id: i64,
    pub kind: ImportKind,
    pub file_name: String,
    /// `running`, `done` or `failed`.
    pub status: String,
    pub dry_run: bool,
    pub rows_read: i64,
    pub rows_inserted: i64,
    pub rows_updated: i64,
    pub rows_unchanged: i64,
    pub rows_rejected: i64,
    /// Why a failed import stopped (file unreadable, a required column missing, interrupted).
    pub message: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// A rejected cell.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportError {
    /// The row number as a spreadsheet shows it (the header is row 1).
    pub row: i64,
    pub column: String,
    pub value: String,
    pub code: String,
}

/// How to run an import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub dry_run: bool,
    /// Header (as written) → field name, overriding recognition; `""` ignores a column.
    pub mapping: HashMap<String, String>,
}

/// Rows per batch; each batch is one transaction. Every commit writes each index page the
/// batch touched, and at a million customers a batch of 2,000 rows touched ~35,000 pages
/// of the suffix and key indexes (143 MB per commit on SQLite); larger batches share pages.
pub const BATCH_ROWS: usize = 10_000;

/// A row of a batch, parsed or with its problems.
type ParsedRow = std::result::Result<row::Parsed, Vec<RowError>>;
/// An import whose heartbeat is older than this is treated as interrupted.
const STALE_MS: i64 = 10 * 60_000;

fn import_from_row(r: &Row) -> Result<ImportRecord> {
    Ok(ImportRecord {
        id: r.i64("id")?,
        org_id: r.i64("org_id")?,
        kind: ImportKind::parse(&r.text("kind")?).unwrap_or(ImportKind::Customers),
        file_name: r.text("file_name")?,
        status: r.text("status")?,
        dry_run: r.bool("dry_run")?,
        rows_read: r.i64("rows_read")?,
        rows_inserted: r.i64("rows_inserted")?,
        rows_updated: r.i64("rows_updated")?,
        rows_unchanged: r.i64("rows_unchanged")?,
        rows_rejected: r.i64("rows_rejected")?,
        message: r.opt_text("message")?,
        created_by: r.text("created_by")?,
        created_at: ms_to_time(r.i64("created_at")?),
        finished_at: r.opt_i64("finished_at")?.map(ms_to_time),
    })
}

#[derive(Default)]
struct Tally {
    read: i64,
    inserted: i64,
    updated: i64,
    unchanged: i64,
    rejected: i64,
}

impl Store {
    /// Registers an import for a dealer in scope; [`Store::run_import`] then processes the file.
    pub async fn start_import(
        &self,
        who: &Principal,
        kind: ImportKind,
        dealer_id: i64,
        file_name: &str,
        dry_run: bool,
    ) -> Result<ImportRecord> {
        self.authorize(who, Permission::ImportData, "import").await?;
        let dealer = self.dealer_for(who, Some(dealer_id)).await?;
        let now = self.now_ms();
        let name: String = file_name.chars().take(200).collect();
        let row = self
            .db
            .write_returning(
                &q("INSERT INTO imports (org_id, kind, file_name, status, dry_run, created_by, created_at, heartbeat_at) \
                    VALUES ($1, $2, $3, 'running', $4, $5, $6, $6) RETURNING id")
                .bind(dealer.id)
                .bind(kind.as_str())
                .bind(&name)
                .bind(dry_run)
                .bind(&who.username)
                .bind(now),
            )
            .await?;
        let id = row.first().ok_or(StoreError::NotFound)?.i64("id")?;
        self.get_import(who, id).await
    }

    pub async fn get_import(&self, who: &Principal, id: i64) -> Result<ImportRecord> {
        self.authorize(who, Permission::ViewCustomers, "import").await?;
        import_from_row(&self.scoped_row(who, "imports", "i", "i.*", id, "").await?)
    }

    pub async fn list_imports(
        &self,
        who: &Principal,
        cursor: Option<&str>,
        limit: Option<i64>,
    ) -> Result<Page<ImportRecord>> {
        self.authorize(who, Permission::ViewCustomers, "import").await?;
        let limit = page::limit(limit);
        let cursor = page::decode_cursor(cursor)?;
        let mut query = q("SELECT i.* FROM imports i JOIN orgs o ON o.id = i.org_id WHERE o.path LIKE $1");
        query.param(who.scope.like_pattern());
        if let Some(c) = cursor {
            let p = query.param(c);
            query.push_sql(&format!(" AND i.id < {p}"));
        }
        let p = query.param(limit + 1);
        query.push_sql(&format!(" ORDER BY i.id DESC LIMIT {p}"));
        let items = self
            .db
            .fetch_all(&query)
            .await?
            .iter()
            .map(import_from_row)
            .collect::<Result<Vec<_>>>()?;
        Ok(page::paginate(items, limit, |i| i.id))
    }

    /// The rejected cells of an import, in row order.
    pub async fn import_errors(&self, who: &Principal, id: i64) -> Result<Vec<ImportError>> {
        self.get_import(who, id).await?;
        let rows = self.db.fetch_all(&q("SELECT row_no, column_name, value, code FROM import_errors WHERE import_id = $1 ORDER BY row_no, id").bind(id)).await?;
        rows.iter()
            .map(|r| {
                Ok(ImportError {
                    row: r.i64("row_no")?,
                    column: r.text("column_name")?,
                    value: r.text("value")?,
                    code: r.text("code")?,
                })
            })
            .collect()
    }

    async fn finish_import(&self, id: i64, status: &str, message: Option<String>, t: &Tally) -> Result<()> {
        self.db
            .execute(
                &q("UPDATE imports SET status = $1, message = $2, rows_read = $3, rows_inserted = $4, rows_updated = $5, rows_unchanged = $6, \
                    rows_rejected = $7, heartbeat_at = $8, finished_at = $8 WHERE id = $9")
                .bind(status)
                .bind(message)
                .bind(t.read)
                .bind(t.inserted)
                .bind(t.updated)
                .bind(t.unchanged)
                .bind(t.rejected)
                .bind(self.now_ms())
                .bind(id),
            )
            .await?;
        Ok(())
    }

    /// Processes the file of a registered import to the end; `on_progress` is told the
    /// rows read after each batch.
    pub async fn run_import(
        &self,
        who: &Principal,
        id: i64,
        path: &Path,
        options: &ImportOptions,
        on_progress: &(dyn Fn(i64) + Sync),
    ) -> Result<ImportRecord> {
        let import = self.get_import(who, id).await?;
        let mut tally = Tally::default();
        let (headers, mut reader, _) = match dcrc_io::table::open(path) {
            Ok(t) => t,
            Err(e) => {
                self.finish_import(id, "failed", Some(e.to_string()), &tally).await?;
                return self.get_import(who, id).await;
            }
        };
        let map = match ColumnMap::new(&headers, &options.mapping) {
            Ok(m) => m,
            Err(unknown) => {
                self.finish_import(
                    id,
                    "failed",
                    Some(format!("mapping names an unknown field: {}", unknown.0)),
                    &tally,
                )
                .await?;
                return self.get_import(who, id).await;
            }
        };
        let missing: Vec<&str> = import
            .kind
            .required_columns()
            .iter()
            .filter(|any| !any.iter().any(|f| map.has(*f)))
            .map(|any| any[0].name())
            .collect();
        if !missing.is_empty() {
            self.finish_import(
                id,
                "failed",
                Some(format!("missing column(s): {}", missing.join(", "))),
                &tally,
            )
            .await?;
            return self.get_import(who, id).await;
        }
        let today = self.clock.today();
        let mut row_no: i64 = 1;
        let mut failure = None;
        'batches: loop {
            let mut batch = Vec::with_capacity(BATCH_ROWS);
            while batch.len() < BATCH_ROWS {
                match reader.next_record() {
                    Some(Ok(r)) => {
                        row_no += 1;
                        batch.push((row_no, r));
                    }
                    Some(Err(e)) => {
                        failure = Some(format!("row {}: {e}", row_no + 1));
                        break;
                    }
                    None => break,
                }
            }
            if batch.is_empty() {
                break 'batches;
            }
            let mut errors: Vec<(i64, RowError)> = Vec::new();
            let batch_inserted = tally.inserted;
            let now = self.now_ms();
            let mut tx = self.db.begin().await?;
            let parsed: Vec<(i64, &Vec<String>, ParsedRow)> = batch
                .iter()
                .map(|(n, record)| (*n, record, row::parse(import.kind, &map, record)))
                .collect();
            // Owner lists take the fast path for rows that are new throughout.
            let mut pending = if import.kind == ImportKind::Customers {
                let valid: Vec<&row::Parsed> = parsed.iter().filter_map(|(_, _, p)| p.as_ref().ok()).collect();
                Some(bulk::Pending::new(
                    bulk::known_keys(&mut tx, import.org_id, &valid).await?,
                ))
            } else {
                None
            };
            for (n, record, p) in parsed {
                tally.read += 1;
                let offered = match (p, pending.as_mut()) {
                    (Err(errs), _) => Ok(Outcome::Rejected(errs)),
                    (Ok(p), Some(pending)) => pending.offer(p),
                    (Ok(p), None) => Err(Box::new(p)),
                };
                let outcome = match offered {
                    Ok(outcome) => outcome,
                    Err(p) => {
                        if let Some(pending) = pending.as_mut() {
                            pending.flush(&mut tx, now, today, import.org_id).await?;
                        }
                        row::store(&mut tx, now, today, import.kind, import.org_id, &map, record, &p).await?
                    }
                };
                match outcome {
                    Outcome::Inserted => tally.inserted += 1,
                    Outcome::Updated => tally.updated += 1,
                    Outcome::Unchanged => tally.unchanged += 1,
                    Outcome::Rejected(errs) => {
                        tally.rejected += 1;
                        errors.extend(errs.into_iter().map(|e| (n, e)));
                    }
                }
            }
            if let Some(pending) = pending.as_mut() {
                pending.flush(&mut tx, now, today, import.org_id).await?;
            }
            if options.dry_run {
                drop(tx);
            } else {
                tx.commit().await?;
            }
            let mut tx = self.db.begin().await?;
            for (n, e) in &errors {
                tx.execute(
                    &q("INSERT INTO import_errors (import_id, row_no, column_name, value, code) VALUES ($1, $2, $3, $4, $5)")
                        .bind(id)
                        .bind(*n)
                        .bind(&e.column)
                        .bind(e.value.chars().take(200).collect::<String>())
                        .bind(e.code),
                )
                .await?;
            }
            tx.execute(
                &q("UPDATE imports SET rows_read = $1, rows_inserted = $2, rows_updated = $3, rows_unchanged = $4, rows_rejected = $5, heartbeat_at = $6 WHERE id = $7")
                    .bind(tally.read)
                    .bind(tally.inserted)
                    .bind(tally.updated)
                    .bind(tally.unchanged)
                    .bind(tally.rejected)
                    .bind(self.now_ms())
                    .bind(id),
            )
            .await?;
            tx.commit().await?;
            // PostgreSQL plans the batch lookups from table statistics; refresh them as the
            // tables grow tenfold during a large load, or it keeps planning for empty tables.
            let before = batch_inserted;
            if self.db.backend() == Backend::Postgres && !options.dry_run && crossed_decade(before, tally.inserted) {
                self.db
                    .execute(&q("ANALYZE customers, customer_phones, vehicles, ownerships"))
                    .await?;
            }
            on_progress(tally.read);
            if failure.is_some() || batch.len() < BATCH_ROWS {
                break;
            }
        }
        // After a large load the planner's statistics are stale; refresh them so searches
        // keep using their indexes. On PostgreSQL also VACUUM, which marks the new pages
        // all-visible: until autovacuum gets to them, every index-only scan of the search
        // (suffix and VIN ranges) fetched each row from the heap as well.
        if !options.dry_run && tally.inserted >= 10_000 {
            let sql = match self.db.backend() {
                Backend::Postgres => {
                    "VACUUM (ANALYZE) customers, customer_phones, vehicles, ownerships, name_suffixes, plate_suffixes"
                }
                Backend::Sqlite => "ANALYZE",
            };
            if let Err(e) = self.db.execute(&q(sql)).await {
                tracing::warn!(error = %e, "ANALYZE after import failed");
            }
        }
        let status = if failure.is_some() { "failed" } else { "done" };
        self.finish_import(id, status, failure, &tally).await?;
        let detail = serde_json::json!({
            "kind": import.kind, "file": import.file_name, "dry_run": options.dry_run, "rows_read": tally.read,
            "inserted": tally.inserted, "updated": tally.updated, "unchanged": tally.unchanged, "rejected": tally.rejected,
        });
        self.audit(
            &Actor::from(who),
            Event::on("import", "import", id, import.org_id, detail),
        )
        .await?;
        self.get_import(who, id).await
    }

    /// Marks imports whose worker stopped (process killed) as failed; their committed
    /// batches stay, and running the same file again completes the rest.
    pub async fn mark_interrupted_imports(&self) -> Result<u64> {
        let cutoff = self.now_ms() - STALE_MS;
        self.db
            .execute(&q("UPDATE imports SET status = 'failed', message = 'interrupted', finished_at = $1 WHERE status = 'running' AND heartbeat_at < $2").bind(self.now_ms()).bind(cutoff))
            .await
    }
}

/// Whether growing from `before` to `after` rows passed one batch, ten, a hundred …
fn crossed_decade(before: i64, after: i64) -> bool {
    let mut mark = BATCH_ROWS as i64;
    while mark <= after {
        if before < mark {
            return true;
        }
        mark *= 10;
    }
    false
}

/// Validates the parts of an import request the store does not see.
pub fn parse_kind(kind: &str) -> std::result::Result<ImportKind, Invalid> {
    ImportKind::parse(kind).ok_or_else(|| {
        let allowed = ImportKind::ALL
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        Invalid(vec![FieldError::new("kind", "unknown_value").with("allowed", allowed)])
    })
}

#[cfg(test)]
mod tests {
    use super::{crossed_decade, BATCH_ROWS};

    #[test]
    fn statistics_are_refreshed_at_each_tenfold_growth() {
        let b = BATCH_ROWS as i64;
        assert!(!crossed_decade(0, b - 1));
        assert!(crossed_decade(0, b));
        assert!(!crossed_decade(b, 10 * b - 1));
        assert!(crossed_decade(9 * b, 10 * b));
        assert!(crossed_decade(99 * b, 100 * b + 500));
        assert!(!crossed_decade(100 * b + 500, 101 * b + 500));
    }
}
