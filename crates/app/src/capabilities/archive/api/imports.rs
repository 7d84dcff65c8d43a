//! `/api/v1/imports`: upload a file (multipart: `file`, `kind`, `dealer_id`, optional
//! `dry_run` and `mapping`), then follow its progress and reconciliation.

use crate::capabilities::archive::api::UPLOAD_LIMIT;
use crate::capabilities::archive::data::import::{parse_kind, ImportError, ImportOptions, ImportRecord};
use crate::core::http::error::{ApiError, ApiResult};
use crate::core::http::extract::{ApiQuery, ApiUser};
use crate::core::page::Page;
use crate::AppState;
use crate::Principal;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use dcrc_domain::FieldError;
use serde::Deserialize;
use std::collections::HashMap;
use std::path::PathBuf;
use tokio::io::AsyncWriteExt;

/// The multipart form of an upload (documentation only; the handler reads it as a stream).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ImportUpload {
    /// CSV (UTF-8, UTF-8 with BOM, GBK/GB18030) or XLSX.
    #[schema(format = Binary, value_type = String)]
    file: Vec<u8>,
    /// `customers`, `vehicles`, `sales`, `repair-orders` or `insurance`.
    kind: String,
    dealer_id: i64,
    /// `true` to see what would happen without storing anything.
    dry_run: Option<bool>,
    /// JSON object: header as written → field name (`""` ignores the column).
    mapping: Option<String>,
}

/// The import with its failure, if any, in the request's language.
pub fn localized(mut import: ImportRecord) -> ImportRecord {
    if let Some(code) = &import.message_code {
        let lang = crate::core::http::i18n::current();
        let params: Vec<(&str, String)> = import
            .message_params
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        let mut text = crate::core::http::i18n::tf(lang, &format!("importfail.{code}"), &params);
        if let Some(row) = import.message_params.get("row") {
            text = format!(
                "{} {text}",
                crate::core::http::i18n::tf(lang, "import.row_prefix", &[("row", row.clone())])
            );
        }
        import.message = Some(text);
    }
    import
}

/// A received upload, stored in a temporary file until the import has run. The file is
/// removed when this is dropped (a rejected or aborted upload) unless an import took it.
pub struct Upload {
    pub path: PathBuf,
    pub file_name: String,
    pub fields: HashMap<String, String>,
    kept: bool,
}

impl Drop for Upload {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn upload_dir() -> PathBuf {
    std::env::temp_dir().join("dcrc-uploads")
}

/// A staged upload nobody confirmed is removed after this long (the mapping page is
/// meant to be finished in one sitting).
pub const STAGED_FOR: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Removes the staged uploads older than `age` that were never confirmed; how many. Only
/// files waiting for their mapping (`dcrc_…`) are touched, never one claimed by an import.
pub fn remove_stale_uploads(age: std::time::Duration) -> usize {
    let Ok(dir) = std::fs::read_dir(upload_dir()) else {
        return 0;
    };
    dir.flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("dcrc_"))
        .filter(|e| {
            e.metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|elapsed| elapsed > age)
        })
        .filter(|e| std::fs::remove_file(e.path()).is_ok())
        .count()
}

impl Upload {
    /// Keeps the file for a second request (the column-mapping step); returns its token.
    pub fn stage(mut self) -> String {
        // A claimed file sent back to its form waits under a new staging name (the old
        // token is spent), where the clean-up finds it if it is never confirmed.
        let claimed = self
            .path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("claimed_"));
        if claimed {
            if let Ok(token) = crate::core::secret::new_token() {
                let staged = upload_dir().join(token);
                if std::fs::rename(&self.path, &staged).is_ok() {
                    self.path = staged;
                }
            }
        }
        self.kept = true;
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default()
    }

    /// The file kept by [`Upload::stage`], if the token names one: only our own random
    /// tokens are accepted (never a path).
    pub fn staged(token: &str, file_name: String, fields: HashMap<String, String>) -> Option<Upload> {
        if token.len() < 16 || !token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return None;
        }
        // The file is claimed by renaming it: of two confirmations at once (a double
        // click, two tabs) exactly one gets it; the other finds nothing to import.
        let staged = upload_dir().join(token);
        let claimed = upload_dir().join(format!("claimed_{}", crate::core::secret::new_token().ok()?));
        std::fs::rename(&staged, &claimed).ok()?;
        Some(Upload {
            path: claimed,
            file_name,
            fields,
            kept: false,
        })
    }
}

/// The largest file a principal may upload for an import: the information maintainer and
/// administrators load whole DMS exports, managers smaller lists.
pub fn upload_limit(me: &Principal) -> u64 {
    use dcrc_domain::Role;
    if me
        .roles()
        .iter()
        .any(|r| matches!(r, Role::InfoMaintainer | Role::Admin))
    {
        UPLOAD_LIMIT as u64
    } else {
        100 * 1024 * 1024
    }
}

/// Streams a multipart upload to a temporary file; other fields are kept as text. The
/// permission is checked before a byte is written, and the file never grows past the
/// caller's limit.
pub async fn receive(state: &AppState, me: &Principal, mut multipart: Multipart) -> ApiResult<Upload> {
    state
        .store
        .authorize(me, dcrc_domain::Permission::ImportData, "import")
        .await?;
    let limit = upload_limit(me);
    let mut fields = HashMap::new();
    let mut file: Option<Upload> = None;
    let bad = |reason: String| ApiError::field("file", "invalid_value").with("reason", reason);
    while let Some(mut field) = multipart.next_field().await.map_err(|e| bad(e.body_text()))? {
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("upload").to_string();
            tokio::fs::create_dir_all(upload_dir())
                .await
                .map_err(|_| ApiError::internal())?;
            let path = upload_dir().join(crate::core::secret::new_token().map_err(|_| ApiError::internal())?);
            let mut out = tokio::fs::File::create(&path).await.map_err(|_| ApiError::internal())?;
            // From here on the guard removes the file however this request ends.
            let upload = Upload {
                path,
                file_name,
                fields: HashMap::new(),
                kept: false,
            };
            let mut written: u64 = 0;
            while let Some(chunk) = field.chunk().await.map_err(|e| bad(e.body_text()))? {
                written += chunk.len() as u64;
                if written > limit {
                    return Err(
                        ApiError::field("file", "file_too_large").with("max", format!("{} MiB", limit / (1024 * 1024)))
                    );
                }
                out.write_all(&chunk).await.map_err(|_| ApiError::internal())?;
            }
            out.flush().await.map_err(|_| ApiError::internal())?;
            file = Some(upload);
        } else {
            fields.insert(name, field.text().await.map_err(|e| bad(e.body_text()))?);
        }
    }
    let mut upload = file.ok_or_else(|| ApiError::field("file", "required"))?;
    upload.fields = fields;
    Ok(upload)
}

/// Registers the import and its durable job, and starts the job at once; the temporary
/// file is removed when the job is done or given up.
pub async fn launch(state: &AppState, me: &Principal, mut upload: Upload) -> ApiResult<ImportRecord> {
    let (import, options) = prepare(state, me, &upload).await?;
    let path_text = upload.path.to_string_lossy().to_string();
    state.store.set_import_upload(me, import.id, &path_text).await?;
    upload.kept = true;
    let job = crate::capabilities::archive::jobs::ImportJob {
        import_id: import.id,
        username: me.username.clone(),
        path: path_text,
        dry_run: options.dry_run,
        mapping: options.mapping.clone(),
    };
    let payload = serde_json::to_value(&job).map_err(|_| ApiError::internal())?;
    let now = state.store.now_ms();
    if let Some(job_id) = state
        .store
        .enqueue_job(
            crate::capabilities::archive::jobs::IMPORT.name,
            &job.key(),
            now,
            &payload,
        )
        .await?
    {
        crate::core::scheduler::start_now(&state.store, job_id);
    }
    Ok(import)
}

async fn prepare(state: &AppState, me: &Principal, upload: &Upload) -> ApiResult<(ImportRecord, ImportOptions)> {
    let mut errors = Vec::new();
    let kind = match upload.fields.get("kind") {
        Some(k) => parse_kind(k.trim()).map_err(|e| errors.extend(e.0)).ok(),
        None => {
            errors.push(FieldError::new("kind", "required"));
            None
        }
    };
    let dealer_id = match upload.fields.get("dealer_id").map(|d| d.trim().parse::<i64>()) {
        Some(Ok(id)) => Some(id),
        Some(Err(_)) => {
            errors.push(FieldError::new("dealer_id", "wrong_type").with(
                "expected",
                crate::core::http::i18n::translate(crate::core::http::i18n::current(), "type.integer"),
            ));
            None
        }
        None if me.org_kind == dcrc_domain::OrgKind::Dealer => Some(me.org_id),
        None => {
            errors.push(FieldError::new("dealer_id", "required"));
            None
        }
    };
    let dry_run = matches!(
        upload
            .fields
            .get("dry_run")
            .map(|v| v.trim().to_ascii_lowercase())
            .as_deref(),
        Some("true" | "1" | "on" | "yes")
    );
    let mapping: HashMap<String, String> =
        match upload.fields.get("mapping").map(|m| m.trim()).filter(|m| !m.is_empty()) {
            Some(m) => serde_json::from_str(m).unwrap_or_else(|_| {
                errors
                    .push(FieldError::new("mapping", "invalid_value").with("reason", "JSON object of header → field"));
                HashMap::new()
            }),
            None => HashMap::new(),
        };
    let (Some(kind), Some(dealer_id), true) = (kind, dealer_id, errors.is_empty()) else {
        return Err(ApiError::invalid(errors));
    };
    let import = state
        .store
        .start_import(me, kind, dealer_id, &upload.file_name, dry_run)
        .await?;
    Ok((import, ImportOptions { dry_run, mapping }))
}

/// Uploads a file and starts importing it; answers at once with the import (status `running`).
#[utoipa::path(post, path = "/api/v1/imports", tag = "imports", request_body(content = ImportUpload, content_type = "multipart/form-data"),
    responses((status = 202, body = ImportRecord), (status = 404, body = crate::core::http::error::Problem), (status = 422, body = crate::core::http::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    multipart: Multipart,
) -> ApiResult<(StatusCode, Json<ImportRecord>)> {
    let upload = receive(&state, &me, multipart).await?;
    Ok((StatusCode::ACCEPTED, Json(launch(&state, &me, upload).await?)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// Imports in scope, newest first.
#[utoipa::path(get, path = "/api/v1/imports", tag = "imports", params(ListQuery), responses((status = 200, body = Page<ImportRecord>)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<ImportRecord>>> {
    let mut page = state.store.list_imports(&me, q.cursor.as_deref(), q.limit).await?;
    page.items = page.items.into_iter().map(localized).collect();
    Ok(Json(page))
}

/// An import's status and reconciliation: rows_read = inserted + updated + unchanged + rejected.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ImportStatus {
    #[serde(flatten)]
    pub import: ImportRecord,
    /// The rejected cells with a message in the request's language.
    pub errors: Vec<ImportErrorView>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ImportErrorView {
    pub row: i64,
    pub column: String,
    pub value: String,
    pub code: String,
    pub message: String,
}

fn view(e: ImportError) -> ImportErrorView {
    let message = crate::core::http::i18n::translate(crate::core::http::i18n::current(), &format!("field.{}", e.code));
    ImportErrorView {
        row: e.row,
        column: e.column,
        value: e.value,
        code: e.code,
        message,
    }
}

#[utoipa::path(get, path = "/api/v1/imports/{id}", tag = "imports", params(("id" = i64, Path)),
    responses((status = 200, body = ImportStatus), (status = 404, body = crate::core::http::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<ImportStatus>> {
    let import = localized(state.store.get_import(&me, id).await?);
    let errors = state
        .store
        .import_errors(&me, id)
        .await?
        .into_iter()
        .take(1000)
        .map(view)
        .collect();
    Ok(Json(ImportStatus { import, errors }))
}

/// The rejected rows as an XLSX workbook (row, column, value, reason).
pub async fn errors_xlsx_response(state: &AppState, me: &Principal, id: i64) -> ApiResult<Response> {
    let errors = state.store.import_errors(me, id).await?;
    let file_headers = state.store.import_headers(me, id).await?;
    let t = crate::core::http::i18n::Tr(crate::core::http::i18n::current());
    let bytes = if file_headers.is_empty() {
        // Imports from before the original rows were kept: one line per rejected cell.
        let headers = [
            t.get("import.col.row"),
            t.get("import.col.column"),
            t.get("import.col.value"),
            t.get("import.col.reason"),
        ];
        let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
        let mut sheet = dcrc_io::write::XlsxSheet::new("errors", &header_refs).map_err(|_| ApiError::internal())?;
        for e in errors {
            let reason = t.get(&format!("field.{}", e.code));
            sheet
                .push(&[e.row.to_string(), e.column, e.value, reason])
                .map_err(|_| ApiError::internal())?;
        }
        sheet.finish().map_err(|_| ApiError::internal())?
    } else {
        rejected_rows_workbook(&t, &file_headers, errors)?
    };
    Ok(crate::core::http::layout::xlsx_download(
        &format!("import-{id}-errors.xlsx"),
        bytes,
    ))
}

/// One line per rejected row: the original cells under the file's own headers (so the
/// file can be fixed and loaded again), then what was wrong and the row's number.
fn rejected_rows_workbook(
    t: &crate::core::http::i18n::Tr,
    file_headers: &[String],
    errors: Vec<crate::capabilities::archive::data::import::ImportError>,
) -> ApiResult<Vec<u8>> {
    let mut headers: Vec<String> = file_headers.to_vec();
    headers.push(t.get("import.col.reason"));
    headers.push(t.get("import.col.row"));
    let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut sheet = dcrc_io::write::XlsxSheet::new("errors", &refs).map_err(|_| ApiError::internal())?;
    let sep = if t.is_en() { ": " } else { "：" };
    let mut i = 0;
    while i < errors.len() {
        let row = errors[i].row;
        let mut reasons = Vec::new();
        let mut cells = errors[i].raw.clone();
        while i < errors.len() && errors[i].row == row {
            let e = &errors[i];
            reasons.push(format!("{}{sep}{}", e.column, t.get(&format!("field.{}", e.code))));
            i += 1;
        }
        cells.resize(file_headers.len(), String::new());
        cells.push(reasons.join("；"));
        cells.push(row.to_string());
        sheet.push(&cells).map_err(|_| ApiError::internal())?;
    }
    sheet.finish().map_err(|_| ApiError::internal())
}

/// The rejected rows of an import as an XLSX workbook.
#[utoipa::path(get, path = "/api/v1/imports/{id}/errors.xlsx", tag = "imports", params(("id" = i64, Path)),
    responses((status = 200, description = "XLSX workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 404, body = crate::core::http::error::Problem)))]
pub async fn errors_xlsx(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    errors_xlsx_response(&state, &me, id).await
}
