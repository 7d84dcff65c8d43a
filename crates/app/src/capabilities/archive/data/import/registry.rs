//! The imports table: registering an import, reading it and its row errors, finishing it,
//! and marking imports a crash interrupted.

use super::{ImportError, ImportKind, ImportRecord, Tally};
use crate::core::access::Authority;
use crate::core::db::{stmt, Row};
use crate::core::error::{Result, StoreError};
use crate::core::page::{self, Page};
use crate::core::principal::Principal;
use crate::Store;
use dcrc_domain::clock::ms_to_time;
use dcrc_domain::Permission;

/// An import without a job whose heartbeat (written after every batch) is older than this
/// is treated as interrupted.
const STALE_MS: i64 = 2 * 60_000;

fn import_from_row(r: &Row) -> Result<ImportRecord> {
    let stored = r.opt_text("message")?;
    let (message_code, message_params) = stored.as_deref().map(super::decode_message).unwrap_or_default();
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
        message: stored.filter(|_| message_code.is_none()),
        message_code,
        message_params,
        created_by: r.text("created_by")?,
        created_at: ms_to_time(r.i64("created_at")?),
        finished_at: r.opt_i64("finished_at")?.map(ms_to_time),
    })
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
            .access(who)
            .write_returning(
                &stmt("INSERT INTO imports (org_id, kind, file_name, status, dry_run, created_by, created_at, heartbeat_at) \
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

    /// How many imports are in the caller's scope (the import list's total).
    pub async fn count_imports(&self, who: &Principal) -> Result<i64> {
        self.authorize(who, Permission::ViewCustomers, "import").await?;
        let mut query = stmt("SELECT COUNT(*) AS n FROM imports i JOIN orgs o ON o.id = i.org_id WHERE o.path LIKE $1");
        query.param(who.scope().like_pattern());
        self.access(who).fetch_one(&query).await?.i64("n")
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
        let mut query = stmt("SELECT i.* FROM imports i JOIN orgs o ON o.id = i.org_id WHERE o.path LIKE $1");
        query.param(who.scope().like_pattern());
        if let Some(c) = cursor {
            let p = query.param(c);
            query.push_sql(&format!(" AND i.id < {p}"));
        }
        let p = query.param(limit + 1);
        query.push_sql(&format!(" ORDER BY i.id DESC LIMIT {p}"));
        let items = self
            .access(who)
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
        let rows = self.access(who).fetch_all(&stmt("SELECT row_no, column_name, value, code, raw FROM import_errors WHERE import_id = $1 ORDER BY row_no, id").bind(id)).await?;
        rows.iter()
            .map(|r| {
                Ok(ImportError {
                    row: r.i64("row_no")?,
                    column: r.text("column_name")?,
                    value: r.text("value")?,
                    code: r.text("code")?,
                    raw: r
                        .opt_text("raw")?
                        .and_then(|raw| serde_json::from_str(&raw).ok())
                        .unwrap_or_default(),
                })
            })
            .collect()
    }

    /// The file's own headers, as the import read them (none for imports before 0016).
    pub async fn import_headers(&self, who: &Principal, id: i64) -> Result<Vec<String>> {
        self.get_import(who, id).await?;
        let row = self
            .access(who)
            .fetch_one(&stmt("SELECT headers FROM imports WHERE id = $1").bind(id))
            .await?;
        Ok(row
            .opt_text("headers")?
            .and_then(|h| serde_json::from_str(&h).ok())
            .unwrap_or_default())
    }

    pub(super) async fn finish_import(
        &self,
        who: &impl Authority,
        id: i64,
        status: &str,
        message: Option<String>,
        t: &Tally,
    ) -> Result<()> {
        self.access(who)
            .execute(
                &stmt("UPDATE imports SET status = $1, message = $2, rows_read = $3, rows_inserted = $4, rows_updated = $5, rows_unchanged = $6, \
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

    /// Records where a running import's uploaded file lies, so that the file is removed
    /// even if the process dies before the import ends.
    pub async fn set_import_upload(&self, who: &impl Authority, id: i64, path: &str) -> Result<()> {
        self.access(who)
            .execute(
                &stmt("UPDATE imports SET upload_path = $1 WHERE id = $2")
                    .bind(path)
                    .bind(id),
            )
            .await?;
        Ok(())
    }

    /// Marks imports whose worker stopped (process killed) as failed and removes their
    /// uploaded files; their committed batches stay, and running the same file again
    /// completes the rest. Run at start-up and on every scheduler tick.
    pub async fn mark_interrupted_imports(&self, who: &impl Authority) -> Result<u64> {
        let now = self.now_ms();
        let cutoff = now - STALE_MS;
        let rows = self
            .access(who)
            .write_returning(
                &stmt(
                    "UPDATE imports SET status = 'failed', message = 'import.interrupted', finished_at = $1 \
                    WHERE status = 'running' AND heartbeat_at < $2 AND NOT EXISTS (SELECT 1 FROM jobs j \
                    WHERE j.idempotency_key = 'archive.import:' || CAST(imports.id AS TEXT) AND j.state IN ('pending', 'running')) \
                    RETURNING upload_path",
                )
                .bind(now)
                .bind(cutoff),
            )
            .await?;
        for r in &rows {
            if let Some(path) = r.opt_text("upload_path")? {
                let _ = std::fs::remove_file(path);
            }
        }
        Ok(rows.len() as u64)
    }
}
