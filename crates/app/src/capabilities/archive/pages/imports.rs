//! The import pages: upload a file, watch its progress, read its reconciliation and the
//! rows it rejected (downloadable as XLSX).

use crate::capabilities::archive::api::imports::{errors_xlsx_response, receive};
use crate::capabilities::archive::data::import::{ImportKind, ImportRecord};
use crate::core::http::extract::WebUser;
use crate::core::http::layout::{local_time, render, Layout};
use crate::core::http::paging::At;
use crate::AppState;
use crate::Principal;
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use dcrc_domain::Permission;

pub struct ImportRow {
    pub id: i64,
    pub file_name: String,
    pub dry_run: bool,
    pub kind_key: String,
    pub status_key: String,
    pub rows_read: i64,
    pub rows_inserted: i64,
    pub rows_updated: i64,
    pub rows_unchanged: i64,
    pub rows_rejected: i64,
    pub created: String,
}

#[derive(Template)]
#[template(path = "capabilities/archive/templates/imports.html")]
struct ImportsPage {
    l: Layout,
    csrf: String,
    can_import: bool,
    kinds: Vec<(&'static str, String)>,
    dealers: Vec<(i64, String)>,
    imports: Vec<ImportRow>,
    pager: crate::core::http::paging::Pager,
}

fn kind_key(k: ImportKind) -> String {
    format!("import.kind.{}", k.as_str())
}

async fn show(
    state: &AppState,
    me: &Principal,
    at: &At,
    status: StatusCode,
    error: Option<crate::core::http::error::ApiError>,
) -> Response {
    let page = match state.store.list_imports(me, at.cursor.as_deref(), Some(PER_PAGE)).await {
        Ok(p) => p,
        Err(e) => return crate::core::http::layout::error_page(Some(me), e),
    };
    let mut pager = at.pager("/imports", page.next_cursor.as_deref(), page.items.len(), 100);
    if let Ok(n) = state.store.count_imports(me).await {
        pager = pager.with_total(n);
    }
    let imports = page.items;
    let dealers = super::customers::dealers(state, me).await;
    let mut layout = Layout::new(Some(me), "/imports");
    if let Some(e) = &error {
        layout = layout.error(e);
    }
    let view = ImportsPage {
        l: layout,
        csrf: me.csrf_token.clone(),
        can_import: me.can(Permission::ImportData),
        kinds: ImportKind::ALL.iter().map(|k| (k.as_str(), kind_key(*k))).collect(),
        dealers,
        pager,
        imports: imports
            .into_iter()
            .map(|i| ImportRow {
                id: i.id,
                file_name: i.file_name,
                dry_run: i.dry_run,
                kind_key: kind_key(i.kind),
                status_key: format!("import.status.{}", i.status),
                rows_read: i.rows_read,
                rows_inserted: i.rows_inserted,
                rows_updated: i.rows_updated,
                rows_unchanged: i.rows_unchanged,
                rows_rejected: i.rows_rejected,
                created: local_time(i.created_at),
            })
            .collect(),
    };
    render(status, &view)
}

/// Imports per page of the list.
const PER_PAGE: i64 = 100;

pub async fn list(State(state): State<AppState>, WebUser(me): WebUser, Query(at): Query<At>) -> Response {
    show(&state, &me, &at, StatusCode::OK, None).await
}

pub async fn upload(State(state): State<AppState>, WebUser(me): WebUser, multipart: Multipart) -> Response {
    let upload = match receive(&state, &me, multipart).await {
        Ok(u) => u,
        Err(e) => return show(&state, &me, &At::default(), e.status, Some(e)).await,
    };
    if upload.fields.get("_csrf").map(String::as_str) != Some(me.csrf_token.as_str()) {
        return crate::core::http::layout::csrf_failed(Some(&me));
    }
    if upload
        .fields
        .get("kind")
        .and_then(|k| ImportKind::parse(k.trim()))
        .is_none()
    {
        let e = crate::core::http::error::ApiError::field("kind", "required");
        return show(&state, &me, &At::default(), e.status, Some(e)).await;
    }
    // The columns are checked on the next page before anything is imported.
    super::import_mapping::show(&state, &me, upload, None, Vec::new()).await
}

#[derive(Template)]
#[template(path = "capabilities/archive/templates/import.html")]
struct ImportPage {
    l: Layout,
    i: ImportRecord,
    running: bool,
    status_key: String,
    kind_key: String,
    errors: Vec<(i64, String, String, String)>,
}

pub async fn page(State(state): State<AppState>, WebUser(me): WebUser, Path(id): Path<i64>) -> Response {
    let (import, errors) = match (
        state.store.get_import(&me, id).await,
        state.store.import_errors(&me, id).await,
    ) {
        (Ok(i), Ok(e)) => (crate::capabilities::archive::api::imports::localized(i), e),
        (Err(e), _) | (_, Err(e)) => return crate::core::http::layout::error_page(Some(&me), e),
    };
    let layout = Layout::new(Some(&me), "/imports");
    let errors = errors
        .into_iter()
        .take(500)
        .map(|e| (e.row, e.column, e.value, layout.t.get(&format!("field.{}", e.code))))
        .collect();
    let view = ImportPage {
        running: import.status == "running",
        status_key: format!("import.status.{}", import.status),
        kind_key: kind_key(import.kind),
        l: layout,
        i: import,
        errors,
    };
    render(StatusCode::OK, &view)
}

pub async fn errors_xlsx(State(state): State<AppState>, WebUser(me): WebUser, Path(id): Path<i64>) -> Response {
    match errors_xlsx_response(&state, &me, id).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}
