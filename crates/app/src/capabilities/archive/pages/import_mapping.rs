//! The import's column-mapping step: after the upload the page shows each column of the
//! file with the field it was recognised as (a form, not JSON) and the first rows, and
//! the import starts when the user confirms. Also the downloadable template per kind.

use crate::capabilities::archive::api::imports::{launch, Upload};
use crate::capabilities::archive::data::import::ImportKind;
use crate::core::http::error::ApiError;
use crate::core::http::extract::WebUser;
use crate::core::http::flash::{self, Flash};
use crate::core::http::form::Posted;
use crate::core::http::i18n::Tr;
use crate::core::http::layout::{render, Layout};
use crate::AppState;
use crate::Principal;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use dcrc_io::columns::{ColumnMap, Field};
use std::collections::HashMap;

/// How many rows of the file the mapping step shows.
const PREVIEW_ROWS: usize = 5;

pub struct ColumnRow {
    pub index: usize,
    pub header: String,
    pub field: String,
    pub samples: Vec<String>,
}

#[derive(Template)]
#[template(path = "capabilities/archive/templates/import_mapping.html")]
struct MappingPage {
    l: Layout,
    csrf: String,
    token: String,
    file_name: String,
    kind: String,
    kind_key: String,
    dealer_id: String,
    dry_run: bool,
    columns: Vec<ColumnRow>,
    fields: Vec<(String, String)>,
    errors: Vec<String>,
}

fn field_options(t: &Tr) -> Vec<(String, String)> {
    Field::all()
        .map(|f| (f.name().to_string(), t.get(&format!("import.field.{}", f.name()))))
        .collect()
}

/// The file's headers and first rows.
fn preview(upload: &Upload) -> Result<(Vec<String>, Vec<Vec<String>>), dcrc_io::IoError> {
    let (headers, mut reader, _) = dcrc_io::table::open(&upload.path)?;
    let mut rows = Vec::new();
    while rows.len() < PREVIEW_ROWS {
        match reader.next_record() {
            Some(Ok(r)) => rows.push(r),
            Some(Err(e)) => return Err(e),
            None => break,
        }
    }
    Ok((headers, rows))
}

/// Shows the mapping form for a received upload (kept for the confirming request).
pub async fn show(
    state: &AppState,
    me: &Principal,
    upload: Upload,
    chosen: Option<&HashMap<String, String>>,
    errors: Vec<String>,
) -> Response {
    let _ = state;
    let l = Layout::new(Some(me), "/imports");
    let (headers, rows) = match preview(&upload) {
        Ok(p) => p,
        Err(e) => {
            let api = ApiError::field("file", "invalid_value").with("reason", e.to_string());
            return crate::core::http::layout::error_page_for(Some(me), api);
        }
    };
    let map = ColumnMap::new(&headers, chosen.unwrap_or(&HashMap::new())).unwrap_or_default();
    let columns = headers
        .iter()
        .enumerate()
        .map(|(i, h)| ColumnRow {
            index: i,
            header: h.clone(),
            field: map.field_at(i).map(|f| f.name().to_string()).unwrap_or_default(),
            samples: rows
                .iter()
                .filter_map(|r| r.get(i).cloned())
                .filter(|v| !v.trim().is_empty())
                .collect(),
        })
        .collect();
    let kind = upload.fields.get("kind").cloned().unwrap_or_default();
    let view = MappingPage {
        csrf: me.csrf_token.clone(),
        file_name: upload.file_name.clone(),
        kind_key: format!(
            "import.kind.{}",
            ImportKind::parse(&kind).map(|k| k.as_str()).unwrap_or("customers")
        ),
        kind,
        dealer_id: upload.fields.get("dealer_id").cloned().unwrap_or_default(),
        dry_run: upload.fields.get("dry_run").is_some_and(|v| v == "true"),
        fields: field_options(&l.t),
        columns,
        errors,
        token: upload.stage(),
        l,
    };
    let status = if view.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(status, &view)
}

/// Starts the import with the confirmed mapping.
pub async fn confirm(State(state): State<AppState>, Posted(me, form): Posted) -> Response {
    let mut fields: HashMap<String, String> = HashMap::new();
    for key in ["kind", "dealer_id", "dry_run"] {
        if let Some(v) = form.get(key).filter(|v| !v.is_empty()) {
            fields.insert(key.into(), v.to_string());
        }
    }
    // Each column's choice, by its header as written ("" = do not import).
    let mut mapping = HashMap::new();
    let mut i = 0;
    while let Some(header) = form.get(&format!("header.{i}")) {
        mapping.insert(header.trim().to_string(), form.text(&format!("col.{i}")));
        i += 1;
    }
    let Some(upload) = Upload::staged(&form.text("token"), form.text("file_name"), fields.clone()) else {
        // Already confirmed (a second click, another tab) or never uploaded here.
        let e = crate::core::http::error::ApiError::new(StatusCode::CONFLICT, "upload_already_used");
        return crate::core::http::layout::error_page_for(Some(&me), e);
    };
    // Columns without which no row can be stored are named before anything starts.
    let t = Tr(crate::core::http::i18n::current());
    if let Some(kind) = fields.get("kind").and_then(|k| ImportKind::parse(k)) {
        let chosen: Vec<Field> = mapping.values().filter_map(|v| Field::parse(v)).collect();
        let missing: Vec<String> = kind
            .required_columns()
            .iter()
            .filter(|any| !any.iter().any(|f| chosen.contains(f)))
            .map(|any| {
                any.iter()
                    .map(|f| t.get(&format!("import.field.{}", f.name())))
                    .collect::<Vec<_>>()
                    .join(" / ")
            })
            .collect();
        if !missing.is_empty() {
            let message = t.fmt("import.map.missing", "columns", &missing.join("；"));
            return show(&state, &me, upload, Some(&mapping), vec![message]).await;
        }
    }
    let mut upload = upload;
    upload
        .fields
        .insert("mapping".into(), serde_json::to_string(&mapping).unwrap_or_default());
    let file = upload.file_name.clone();
    match launch(&state, &me, upload).await {
        Ok(import) => flash::redirect(
            &format!("/imports/{}", import.id),
            Flash::new("done.import.started").with("file", file),
        ),
        Err(e) => crate::core::http::layout::error_page_for(Some(&me), e),
    }
}

/// The fields a template of each kind carries, in order.
fn template_fields(kind: ImportKind) -> &'static [Field] {
    use Field::*;
    match kind {
        ImportKind::Customers => &[
            CustomerSourceId,
            Name,
            Phone,
            Phone2,
            Gender,
            IdNumber,
            Province,
            City,
            District,
            Address,
            Membership,
            Tags,
            Vin,
            Plate,
            Brand,
            Model,
            PurchaseDate,
        ],
        ImportKind::Vehicles => &[
            Vin,
            Plate,
            Brand,
            Model,
            Trim,
            Colour,
            PurchaseDate,
            Mileage,
            CustomerSourceId,
            Name,
            Phone,
        ],
        ImportKind::Sales => &[
            SourceId,
            Vin,
            Plate,
            Model,
            CustomerSourceId,
            Name,
            Phone,
            Consultant,
            ContractDate,
            DeliveryDate,
            Amount,
        ],
        ImportKind::RepairOrders => &[
            RoNumber,
            Vin,
            Plate,
            Name,
            Phone,
            OpenedOn,
            DeliveredOn,
            RepairKind,
            Mileage,
            Advisor,
            FaultDescription,
            FaultCode,
            Labour,
            Parts,
            Total,
        ],
        ImportKind::Insurance => &[
            PolicyNumber,
            Vin,
            Plate,
            Name,
            Phone,
            Insurer,
            PolicyKind,
            StartDate,
            ExpiryDate,
            Premium,
        ],
    }
}

/// An empty workbook with the headers of one import kind.
pub async fn template(WebUser(_me): WebUser, Path(kind): Path<String>) -> Response {
    let Some(kind) = ImportKind::parse(kind.trim_end_matches(".xlsx")) else {
        return crate::core::http::layout::error_page(None, crate::StoreError::NotFound);
    };
    let headers: Vec<&str> = template_fields(kind).iter().map(|f| f.default_header()).collect();
    match dcrc_io::write::XlsxSheet::new("import", &headers).and_then(|s| s.finish()) {
        Ok(bytes) => crate::core::http::layout::xlsx_download(&format!("dcrc-{}-template.xlsx", kind.as_str()), bytes),
        Err(_) => crate::core::http::layout::error_page(None, crate::StoreError::Internal("xlsx".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_header_is_recognised_as_its_field() {
        for kind in ImportKind::ALL {
            let headers: Vec<String> = template_fields(kind)
                .iter()
                .map(|f| f.default_header().to_string())
                .collect();
            let map = ColumnMap::new(&headers, &HashMap::new()).unwrap();
            for (i, f) in template_fields(kind).iter().enumerate() {
                assert_eq!(map.field_at(i), Some(*f), "{kind:?} {}", headers[i]);
            }
            for required in kind.required_columns() {
                assert!(
                    required.iter().any(|f| map.has(*f)),
                    "{kind:?} template has {required:?}"
                );
            }
        }
    }
}
