//! `/api/v1/complaints`: filing, lists (the board's order), one complaint with its history,
//! transitions, pausing and resuming the clocks, the handling form, and notifications to
//! the organisations above a dealer.

use crate::capabilities::complaints::data::attachments::Attachment;
use crate::capabilities::complaints::data::flow::{PauseInput, TransitionInput};
use crate::capabilities::complaints::data::intake::{ComplaintFilter, NewComplaint};
use crate::capabilities::complaints::data::penalties::{Penalty, PenaltyDecision};
use crate::capabilities::complaints::data::stats::{ComplaintStats, ComplaintStatsQuery};
use crate::capabilities::complaints::data::sweep::Notification;
use crate::capabilities::complaints::data::{Complaint, ComplaintDetail, HandlingForm};
use crate::core::http::error::ApiResult;
use crate::core::http::extract::{ApiJson, ApiQuery, ApiUser};
use crate::core::page::Page;
use crate::AppState;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

/// Complaints in scope, filtered: open ones first by the deadline nearest to running out.
#[utoipa::path(get, path = "/api/v1/complaints", tag = "complaints", params(ComplaintFilter),
    responses((status = 200, body = Page<Complaint>)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiQuery(f): ApiQuery<ComplaintFilter>,
) -> ApiResult<Json<Page<Complaint>>> {
    Ok(Json(state.store.list_complaints(&me, &f).await?))
}

/// Files a complaint at the customer's dealer and starts its clocks.
#[utoipa::path(post, path = "/api/v1/complaints", tag = "complaints", request_body = NewComplaint,
    responses((status = 201, body = Complaint), (status = 422, body = crate::core::http::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiJson(body): ApiJson<NewComplaint>,
) -> ApiResult<(StatusCode, Json<Complaint>)> {
    Ok((StatusCode::CREATED, Json(state.store.file_complaint(&me, body).await?)))
}

/// One complaint with its clocks, pauses and history.
#[utoipa::path(get, path = "/api/v1/complaints/{id}", tag = "complaints", params(("id" = i64, Path)),
    responses((status = 200, body = ComplaintDetail), (status = 404, body = crate::core::http::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<ComplaintDetail>> {
    Ok(Json(state.store.get_complaint(&me, id).await?))
}

/// Moves a complaint to another state (`acknowledged` is the first response; `resolved`
/// asks the customer by a closure callback).
#[utoipa::path(post, path = "/api/v1/complaints/{id}/transitions", tag = "complaints", params(("id" = i64, Path)),
    request_body = TransitionInput,
    responses((status = 200, body = ComplaintDetail), (status = 404, body = crate::core::http::error::Problem),
        (status = 409, body = crate::core::http::error::Problem), (status = 422, body = crate::core::http::error::Problem)))]
pub async fn transition(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<TransitionInput>,
) -> ApiResult<Json<ComplaintDetail>> {
    Ok(Json(state.store.transition_complaint(&me, id, body).await?))
}

/// Pauses the running clocks for one of the policy's reasons.
#[utoipa::path(post, path = "/api/v1/complaints/{id}/pause", tag = "complaints", params(("id" = i64, Path)),
    request_body = PauseInput,
    responses((status = 200, body = ComplaintDetail), (status = 409, body = crate::core::http::error::Problem),
        (status = 422, body = crate::core::http::error::Problem)))]
pub async fn pause(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<PauseInput>,
) -> ApiResult<Json<ComplaintDetail>> {
    Ok(Json(state.store.pause_complaint(&me, id, body).await?))
}

/// Ends the running pause.
#[utoipa::path(post, path = "/api/v1/complaints/{id}/resume", tag = "complaints", params(("id" = i64, Path)),
    responses((status = 200, body = ComplaintDetail), (status = 409, body = crate::core::http::error::Problem)))]
pub async fn resume(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<ComplaintDetail>> {
    Ok(Json(state.store.resume_complaint(&me, id).await?))
}

/// The handling form and whether to sign it off.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FormInput {
    #[serde(default)]
    pub responsible: Option<String>,
    #[serde(default)]
    pub root_cause: Option<String>,
    #[serde(default)]
    pub measures: Option<String>,
    #[serde(default)]
    pub customer_agreement: Option<String>,
    #[serde(default)]
    pub sign_off: bool,
}

/// Saves the handling form (处理单); `sign_off` signs it as the caller.
#[utoipa::path(put, path = "/api/v1/complaints/{id}/form", tag = "complaints", params(("id" = i64, Path)),
    request_body = FormInput,
    responses((status = 200, body = ComplaintDetail), (status = 422, body = crate::core::http::error::Problem)))]
pub async fn form(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<FormInput>,
) -> ApiResult<Json<ComplaintDetail>> {
    let form = HandlingForm {
        responsible: body.responsible,
        root_cause: body.root_cause,
        measures: body.measures,
        customer_agreement: body.customer_agreement,
    };
    Ok(Json(
        state.store.save_complaint_form(&me, id, form, body.sign_off).await?,
    ))
}

/// Major complaints and escalations addressed to the caller's organisation.
#[utoipa::path(get, path = "/api/v1/complaints/notifications", tag = "complaints",
    responses((status = 200, body = Vec<Notification>)))]
pub async fn notifications(State(state): State<AppState>, ApiUser(me): ApiUser) -> ApiResult<Json<Vec<Notification>>> {
    Ok(Json(state.store.complaint_notifications(&me).await?))
}

/// Counts by category, tier, channel, dealer and staff; first responses and closures on
/// time; time to close (mean, 90th percentile); reopen rate; open complaints by age.
#[utoipa::path(get, path = "/api/v1/complaints/stats", tag = "complaints", params(ComplaintStatsQuery),
    responses((status = 200, body = ComplaintStats), (status = 422, body = crate::core::http::error::Problem)))]
pub async fn stats(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiQuery(q): ApiQuery<ComplaintStatsQuery>,
) -> ApiResult<Json<ComplaintStats>> {
    Ok(Json(state.store.complaint_stats(&me, &q).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PenaltyFilter {
    /// `proposed`, `confirmed` or `waived`.
    pub state: Option<String>,
}

/// Zero-tolerance penalties of the dealers in scope, newest first.
#[utoipa::path(get, path = "/api/v1/penalties", tag = "complaints", params(PenaltyFilter),
    responses((status = 200, body = Vec<Penalty>)))]
pub async fn penalties(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiQuery(f): ApiQuery<PenaltyFilter>,
) -> ApiResult<Json<Vec<Penalty>>> {
    Ok(Json(state.store.list_penalties(&me, f.state.as_deref()).await?))
}

/// Confirms or waives (with a note) a proposed penalty; brand staff.
#[utoipa::path(post, path = "/api/v1/penalties/{id}/decision", tag = "complaints", params(("id" = i64, Path)),
    request_body = PenaltyDecision,
    responses((status = 200, body = Penalty), (status = 404, body = crate::core::http::error::Problem),
        (status = 409, body = crate::core::http::error::Problem), (status = 422, body = crate::core::http::error::Problem)))]
pub async fn decide_penalty(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<PenaltyDecision>,
) -> ApiResult<Json<Penalty>> {
    Ok(Json(state.store.decide_penalty(&me, id, body).await?))
}

/// Largest accepted attachment upload (recordings up to 50 MB, with the form around it).
pub const ATTACHMENT_LIMIT: usize = 51 * 1024 * 1024;

/// The multipart form of an attachment (documentation only).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct AttachmentUpload {
    /// JPEG, PNG or WebP (≤ 10 MB), PDF (≤ 20 MB), MP3, WAV, M4A or AMR (≤ 50 MB); the type
    /// is read from the content.
    #[schema(format = Binary, value_type = String)]
    file: Vec<u8>,
}

/// Reads the `file` field of a multipart form: (file name, bytes).
pub async fn read_file(mut multipart: Multipart) -> Result<(String, Vec<u8>), crate::core::http::error::ApiError> {
    let bad =
        |reason: String| crate::core::http::error::ApiError::field("file", "invalid_value").with("reason", reason);
    while let Some(field) = multipart.next_field().await.map_err(|e| bad(e.body_text()))? {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("file").to_string();
            let bytes = field.bytes().await.map_err(|e| bad(e.body_text()))?;
            return Ok((name, bytes.to_vec()));
        }
    }
    Err(crate::core::http::error::ApiError::field("file", "required"))
}

/// Attaches a photo, recording or scanned form to a complaint.
#[utoipa::path(post, path = "/api/v1/complaints/{id}/attachments", tag = "complaints", params(("id" = i64, Path)),
    request_body(content = AttachmentUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = Attachment), (status = 404, body = crate::core::http::error::Problem),
        (status = 422, body = crate::core::http::error::Problem)))]
pub async fn attach(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> ApiResult<(StatusCode, Json<Attachment>)> {
    state.store.may_attach(&me, id).await?;
    let (name, bytes) = read_file(multipart).await?;
    Ok((
        StatusCode::CREATED,
        Json(state.store.attach_to_complaint(&me, id, &name, &bytes).await?),
    ))
}

/// Downloads an attachment (audited).
#[utoipa::path(get, path = "/api/v1/complaints/{id}/attachments/{attachment_id}", tag = "complaints",
    params(("id" = i64, Path), ("attachment_id" = i64, Path)),
    responses((status = 200, description = "the file"), (status = 404, body = crate::core::http::error::Problem)))]
pub async fn attachment(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path((id, attachment_id)): Path<(i64, i64)>,
) -> ApiResult<axum::response::Response> {
    let (a, bytes) = state.store.complaint_attachment_file(&me, id, attachment_id).await?;
    Ok(file_response(&a, bytes))
}

/// A stored file as a download, its name encoded for any browser (RFC 6266 / 5987).
pub fn file_response(a: &Attachment, bytes: Vec<u8>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let encoded: String = a
        .file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b".-_".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    (
        [
            (axum::http::header::CONTENT_TYPE, a.content_type.clone()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"attachment-{}\"; filename*=UTF-8''{encoded}",
                    a.id
                ),
            ),
            (axum::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        bytes,
    )
        .into_response()
}
