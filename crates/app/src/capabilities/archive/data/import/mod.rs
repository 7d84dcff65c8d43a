//! Imports from DMS exports and spreadsheets. A file is read as a stream, rows are applied
//! in batches of [`BATCH_ROWS`], each batch one transaction (rolled back in a dry run), so an
//! interrupted import leaves no half-written batch and re-running it changes only what is
//! still missing: rows are matched by source record id, VIN, normalised phone and the
//! records' natural keys. Every import ends with a reconciliation:
//! rows read = inserted + updated + unchanged + rejected.

mod bulk;
mod cells;
mod record;
mod registry;
pub mod resolve;
pub mod row;
mod statistics;

use crate::core::audit::{Actor, Event};
use crate::core::db::stmt;
use crate::core::error::Result;
use crate::core::principal::Principal;
use crate::Store;
use chrono::{DateTime, Utc};
use dcrc_domain::{FieldError, Invalid};
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
    pub(crate) fn required_columns(self) -> &'static [&'static [Field]] {
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
    /// Why a failed import stopped (file unreadable or past a limit, a required column
    /// missing, interrupted), in the request's language.
    pub message: Option<String>,
    /// The same as a stable code (`file.limit.columns`, `file.missing_columns`,
    /// `import.interrupted` …) with its parameters (`row`, `max`, `columns` …).
    pub message_code: Option<String>,
    pub message_params: std::collections::BTreeMap<String, String>,
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
    /// The whole original row (its cells in the file's column order).
    #[serde(skip)]
    pub raw: Vec<String>,
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
#[derive(Default)]
pub(super) struct Tally {
    pub read: i64,
    pub inserted: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub rejected: i64,
}

impl Store {
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
                self.finish_import(who, id, "failed", Some(failure_of(&e, None)), &tally)
                    .await?;
                return self.get_import(who, id).await;
            }
        };
        let map = match ColumnMap::new(&headers, &options.mapping) {
            Ok(m) => m,
            Err(unknown) => {
                self.finish_import(
                    who,
                    id,
                    "failed",
                    Some(encode_message("file.unknown_mapping_field", &[("field", unknown.0)])),
                    &tally,
                )
                .await?;
                return self.get_import(who, id).await;
            }
        };
        // The file's own headers, for the error file's rows (bounded like the cells).
        let kept_headers: Vec<String> = headers
            .iter()
            .take(200)
            .map(|h| h.chars().take(200).collect())
            .collect();
        self.access(who)
            .execute(
                &stmt("UPDATE imports SET headers = $1 WHERE id = $2")
                    .bind(serde_json::to_string(&kept_headers).unwrap_or_default())
                    .bind(id),
            )
            .await?;
        let missing: Vec<&str> = import
            .kind
            .required_columns()
            .iter()
            .filter(|any| !any.iter().any(|f| map.has(*f)))
            .map(|any| any[0].name())
            .collect();
        if !missing.is_empty() {
            self.finish_import(
                who,
                id,
                "failed",
                Some(encode_message(
                    "file.missing_columns",
                    &[("columns", missing.join(", "))],
                )),
                &tally,
            )
            .await?;
            return self.get_import(who, id).await;
        }
        let today = self.clock.today();
        let mut row_no: i64 = 1;
        let mut failure = None;
        // Customers this import has written: a later row of the same file for one of
        // them only fills what is still empty, so two rows of one person that disagree
        // (a name written two ways) do not overwrite each other on every run.
        let mut claimed: std::collections::HashSet<i64> = std::collections::HashSet::new();
        'batches: loop {
            let mut batch = Vec::with_capacity(BATCH_ROWS);
            while batch.len() < BATCH_ROWS {
                match reader.next_record() {
                    Some(Ok(r)) => {
                        row_no += 1;
                        batch.push((row_no, r));
                    }
                    Some(Err(e)) => {
                        failure = Some(failure_of(&e, Some(row_no + 1)));
                        break;
                    }
                    None => break,
                }
            }
            if batch.is_empty() {
                break 'batches;
            }
            let mut errors: Vec<(i64, RowError, String)> = Vec::new();
            let batch_inserted = tally.inserted;
            let now = self.now_ms();
            let mut tx = self.access(who).begin().await?;
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
                            claimed.extend(pending.flush(&mut tx, now, today, import.org_id).await?);
                        }
                        let at = row::At {
                            now,
                            today,
                            kind: import.kind,
                            org_id: import.org_id,
                        };
                        row::store(&mut tx, &at, &map, record, &p, &mut claimed).await?
                    }
                };
                match outcome {
                    Outcome::Inserted => tally.inserted += 1,
                    Outcome::Updated => tally.updated += 1,
                    Outcome::Unchanged => tally.unchanged += 1,
                    Outcome::Rejected(errs) => {
                        tally.rejected += 1;
                        let raw: Vec<String> = record.iter().take(200).map(|c| c.chars().take(200).collect()).collect();
                        let raw = serde_json::to_string(&raw).unwrap_or_default();
                        errors.extend(errs.into_iter().map(|e| (n, e, raw.clone())));
                    }
                }
            }
            if let Some(pending) = pending.as_mut() {
                claimed.extend(pending.flush(&mut tx, now, today, import.org_id).await?);
            }
            if options.dry_run {
                drop(tx);
            } else {
                tx.commit().await?;
            }
            let mut tx = self.access(who).begin().await?;
            for (n, e, raw) in &errors {
                tx.execute(
                    &stmt("INSERT INTO import_errors (import_id, row_no, column_name, value, code, raw) VALUES ($1, $2, $3, $4, $5, $6)")
                        .bind(id)
                        .bind(*n)
                        .bind(&e.column)
                        .bind(e.value.chars().take(200).collect::<String>())
                        .bind(e.code)
                        .bind(raw.as_str()),
                )
                .await?;
            }
            tx.execute(
                &stmt("UPDATE imports SET rows_read = $1, rows_inserted = $2, rows_updated = $3, rows_unchanged = $4, rows_rejected = $5, heartbeat_at = $6 WHERE id = $7")
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
            if !options.dry_run {
                self.refresh_statistics_during_load(who, batch_inserted, tally.inserted)
                    .await?;
            }
            on_progress(tally.read);
            if failure.is_some() || batch.len() < BATCH_ROWS {
                break;
            }
        }
        if !options.dry_run {
            self.refresh_statistics_after_load(who, tally.inserted).await;
        }
        let status = if failure.is_some() { "failed" } else { "done" };
        self.finish_import(who, id, status, failure, &tally).await?;
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
}

/// A stored failure: `code|name=value|…` (values never contain `|`).
pub(crate) fn encode_message(code: &str, params: &[(&str, String)]) -> String {
    let mut out = code.to_string();
    for (k, v) in params {
        out.push('|');
        out.push_str(k);
        out.push('=');
        out.push_str(&v.replace('|', "/"));
    }
    out
}

/// The code and parameters of a stored failure; older free-text messages have no code.
pub(crate) fn decode_message(stored: &str) -> (Option<String>, std::collections::BTreeMap<String, String>) {
    let mut parts = stored.split('|');
    let code = parts.next().unwrap_or_default();
    if stored == "interrupted" {
        return (Some("import.interrupted".into()), Default::default());
    }
    if !code.starts_with("file.") && !code.starts_with("import.") {
        return (None, Default::default());
    }
    let params = parts
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    (Some(code.to_string()), params)
}

/// Why reading a file failed, as a stored message naming the limit or defect (and row).
fn failure_of(e: &dcrc_io::IoError, row: Option<i64>) -> String {
    let mut params = Vec::new();
    if let Some(r) = row {
        params.push(("row", r.to_string()));
    }
    match e {
        dcrc_io::IoError::Limit(l) => params.push(("max", l.value(&dcrc_io::limits::Limits::default()).to_string())),
        other => params.push(("reason", other.to_string())),
    }
    encode_message(&e.code(), &params)
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
