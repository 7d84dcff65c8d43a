//! A complaint's files: attachments uploaded from its page and downloaded by users who see
//! it, and the handling form as PDF or XLSX.

use crate::capabilities::complaints::data::ComplaintDetail;
use crate::capabilities::complaints::pages::board::{categories, category_label, show};
use crate::core::http::extract::WebUser;
use crate::core::http::layout::{local_time, Layout};
use crate::AppState;
use crate::StoreError;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};

/// Attaches the uploaded file (multipart with `_csrf`); back to the complaint.
pub async fn upload(
    State(state): State<AppState>,
    WebUser(me): WebUser,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> Response {
    if let Err(e) = state.store.may_attach(&me, id).await {
        return crate::core::http::layout::error_page(Some(&me), e);
    }
    let mut csrf = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Ok(Some(field)) = multipart.next_field().await {
        match field.name() {
            Some("_csrf") => csrf = field.text().await.unwrap_or_default(),
            Some("file") => {
                let name = field.file_name().unwrap_or("file").to_string();
                match field.bytes().await {
                    Ok(b) => file = Some((name, b.to_vec())),
                    Err(_) => break,
                }
            }
            _ => {}
        }
    }
    if csrf != me.csrf_token {
        return crate::core::http::layout::csrf_failed(Some(&me));
    }
    let (name, bytes) = file.unwrap_or_default();
    match state.store.attach_to_complaint(&me, id, &name, &bytes).await {
        Ok(_) => Redirect::to(&format!("/complaints/{id}")).into_response(),
        Err(StoreError::NotFound) => crate::core::http::layout::error_page(Some(&me), StoreError::NotFound),
        Err(e) => show(&state, &me, id, Some(e.into())).await,
    }
}

/// Downloads an attachment of a complaint the user sees.
pub async fn download(
    State(state): State<AppState>,
    WebUser(me): WebUser,
    Path((id, aid)): Path<(i64, i64)>,
) -> Response {
    match state.store.complaint_attachment_file(&me, id, aid).await {
        Ok((a, bytes)) => crate::capabilities::complaints::api::complaints::file_response(&a, bytes),
        Err(e) => crate::core::http::layout::error_page(Some(&me), e),
    }
}

/// The handling form's fields in the page's language: (label, value).
fn form_fields(l: &Layout, d: &ComplaintDetail, labels: &[(String, String)]) -> Vec<(String, String)> {
    let c = &d.complaint;
    let t = |k: &str| l.t.get(k);
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    vec![
        (t("complaints.dealer"), c.org_name.clone()),
        (t("customers.name"), format!("{} {}", c.customer_name, opt(&c.plate))),
        (t("complaints.filed"), local_time(c.filed_at)),
        (
            t("complaints.channel"),
            t(&format!("complaint.channel.{}", c.channel.as_str())),
        ),
        (t("complaints.category"), category_label(c, labels)),
        (t("complaints.tier"), t(&format!("complaint.tier.{}", c.tier.as_str()))),
        (
            t("complaints.state"),
            t(&format!("complaint.state.{}", c.state.as_str())),
        ),
        (t("complaints.staff"), opt(&c.staff_name)),
        (t("complaints.description"), c.description.clone()),
        (t("complaints.responsible"), opt(&c.form.responsible)),
        (t("complaints.root_cause"), opt(&c.form.root_cause)),
        (t("complaints.measures"), opt(&c.form.measures)),
        (t("complaints.agreement"), opt(&c.form.customer_agreement)),
        (
            t("complaints.signed"),
            c.signed_off_at.map(local_time).unwrap_or_default(),
        ),
        (
            t("complaints.first_response"),
            c.first_response_at.map(local_time).unwrap_or_default(),
        ),
        (
            t("complaints.closed_at"),
            c.closed_at.map(local_time).unwrap_or_default(),
        ),
    ]
}

fn file_download(content_type: &str, file_name: String, bytes: Vec<u8>) -> Response {
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_string()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// The handling form as a PDF (`form.pdf`) or an XLSX workbook (`form.xlsx`).
pub async fn form_file(
    State(state): State<AppState>,
    WebUser(me): WebUser,
    Path((id, file)): Path<(i64, String)>,
) -> Response {
    let d = match state.store.get_complaint(&me, id).await {
        Ok(d) => d,
        Err(e) => return crate::core::http::layout::error_page(Some(&me), e),
    };
    let labels = categories(&state, &me).await;
    let l = Layout::new(Some(&me), "/complaints");
    let title = format!("{} #{} · {}", l.t.get("complaints.form"), id, d.complaint.title);
    let fields = form_fields(&l, &d, &labels);
    match file.as_str() {
        "form.pdf" => {
            let mut lines = vec![dcrc_io::pdf::Line::Title(title.clone()), dcrc_io::pdf::Line::Gap];
            lines.extend(fields.into_iter().map(|(k, v)| dcrc_io::pdf::Line::Field(k, v)));
            lines.push(dcrc_io::pdf::Line::Gap);
            lines.push(dcrc_io::pdf::Line::Field(
                l.t.get("complaints.signature"),
                "______________________".into(),
            ));
            file_download(
                "application/pdf",
                format!("complaint-{id}.pdf"),
                dcrc_io::pdf::document(&title, &lines),
            )
        }
        "form.xlsx" => {
            let (what, value) = (l.t.get("cstats.what"), l.t.get("cstats.value"));
            let sheet =
                dcrc_io::write::XlsxSheet::new("complaint", &[what.as_str(), value.as_str()]).and_then(|mut s| {
                    s.push(&[l.t.get("complaints.complaint"), title.clone()])?;
                    for (k, v) in fields {
                        s.push(&[k, v])?;
                    }
                    s.finish()
                });
            match sheet {
                Ok(bytes) => file_download(
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    format!("complaint-{id}.xlsx"),
                    bytes,
                ),
                Err(_) => crate::core::http::layout::error_page(Some(&me), StoreError::Internal("xlsx".into())),
            }
        }
        _ => crate::core::http::layout::error_page(Some(&me), StoreError::NotFound),
    }
}
