//! Streaming exports of customer lists to CSV (UTF-8 with BOM, so Excel opens it) and
//! XLSX. Numbers are masked unless the caller may export personal data and asks to;
//! every export is audited with the number of rows it delivered.

use crate::capabilities::archive::data::customer_search::CustomerFilter;
use crate::capabilities::archive::data::export_batches::EXPORT_COLUMNS;
use crate::core::audit::{Actor, Event};
use crate::core::http::error::ApiResult;
use crate::core::http::i18n::{self, Tr};
use crate::AppState;
use crate::Principal;
use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use dcrc_domain::Permission;
use tokio::sync::mpsc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    #[default]
    Xlsx,
    Csv,
}

const BATCH: i64 = 1_000;

/// Starts an export and answers with a streamed body.
pub async fn export_customers(
    state: &AppState,
    me: &Principal,
    filter: CustomerFilter,
    format: ExportFormat,
    personal: bool,
) -> ApiResult<Response> {
    state.store.authorize(me, Permission::ViewCustomers, "customer").await?;
    if personal {
        state
            .store
            .authorize(me, Permission::ExportPersonal, "customer")
            .await?;
    }
    let t = Tr(i18n::current());
    let headers: Vec<String> = EXPORT_COLUMNS.iter().map(|k| t.get(k)).collect();
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let (store, who) = (state.store.clone(), me.clone());
    tokio::spawn(async move {
        let mut rows = 0i64;
        let mut after = 0i64;
        let mut sheet = match format {
            ExportFormat::Xlsx => {
                let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
                dcrc_io::write::XlsxSheet::new("customers", &refs).ok()
            }
            ExportFormat::Csv => {
                let mut first = dcrc_io::write::UTF8_BOM.to_vec();
                first.extend_from_slice(dcrc_io::write::csv_line(&headers).as_bytes());
                if tx.send(Ok(Bytes::from(first))).await.is_err() {
                    return;
                }
                None
            }
        };
        loop {
            let batch = match store.export_batch(&who, &filter, after, BATCH, personal).await {
                Ok(b) => b,
                Err(e) => {
                    tracing::error!(error = %e, "export failed");
                    let _ = tx.send(Err(std::io::Error::other("export failed"))).await;
                    return;
                }
            };
            let Some(last) = batch.last() else { break };
            after = last.id;
            rows += batch.len() as i64;
            match sheet.as_mut() {
                Some(s) => {
                    for r in &batch {
                        if s.push(&r.cells()).is_err() {
                            let _ = tx.send(Err(std::io::Error::other("export failed"))).await;
                            return;
                        }
                    }
                }
                None => {
                    let chunk: String = batch.iter().map(|r| dcrc_io::write::csv_line(&r.cells())).collect();
                    if tx.send(Ok(Bytes::from(chunk))).await.is_err() {
                        break;
                    }
                }
            }
            if (batch.len() as i64) < BATCH {
                break;
            }
        }
        if let Some(s) = sheet {
            match tokio::task::spawn_blocking(move || s.finish()).await {
                Ok(Ok(bytes)) => {
                    for chunk in bytes.chunks(256 * 1024) {
                        if tx.send(Ok(Bytes::copy_from_slice(chunk))).await.is_err() {
                            break;
                        }
                    }
                }
                _ => {
                    let _ = tx.send(Err(std::io::Error::other("export failed"))).await;
                }
            }
        }
        let detail = serde_json::json!({ "rows": rows, "format": format, "personal": personal, "q": filter.q });
        let event = Event {
            action: "export",
            entity: "customer",
            entity_id: None,
            org_id: Some(who.org_id),
            detail,
        };
        if let Err(e) = store.audit(&Actor::from(&who), event).await {
            tracing::error!(error = %e, "could not audit an export");
        }
    });
    // A stream that may be polled again after its end (compression does so): an `unfold`
    // panics then, `poll_recv` answers `None` again.
    let mut rx = rx;
    let stream = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    let (content_type, ext) = match format {
        ExportFormat::Xlsx => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        ExportFormat::Csv => ("text/csv; charset=utf-8", "csv"),
    };
    let day = state.store.clock.today().format("%Y%m%d");
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"customers-{day}.{ext}\""),
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}
