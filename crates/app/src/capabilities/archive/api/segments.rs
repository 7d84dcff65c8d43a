//! `/api/v1/segments`: saved customer segments (客户分类) with live counts.

use crate::capabilities::archive::data::segments::{NewSegment, Segment};
use crate::core::http::error::ApiResult;
use crate::core::http::extract::{ApiJson, ApiUser};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct SegmentList {
    pub items: Vec<Segment>,
    pub next_cursor: Option<String>,
}

/// Segments of the caller's organisation and the ones above it, each with its live count.
#[utoipa::path(get, path = "/api/v1/segments", tag = "segments", responses((status = 200, body = SegmentList)))]
pub async fn list(State(state): State<AppState>, ApiUser(me): ApiUser) -> ApiResult<Json<SegmentList>> {
    Ok(Json(SegmentList {
        items: state.store.list_segments(&me).await?,
        next_cursor: None,
    }))
}

/// Saves a segment for the caller's organisation.
#[utoipa::path(post, path = "/api/v1/segments", tag = "segments", request_body = NewSegment,
    responses((status = 201, body = Segment), (status = 422, body = crate::core::http::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiJson(body): ApiJson<NewSegment>,
) -> ApiResult<(StatusCode, Json<Segment>)> {
    Ok((StatusCode::CREATED, Json(state.store.create_segment(&me, body).await?)))
}

#[utoipa::path(get, path = "/api/v1/segments/{id}", tag = "segments", params(("id" = i64, Path)),
    responses((status = 200, body = Segment), (status = 404, body = crate::core::http::error::Problem)))]
pub async fn get(State(state): State<AppState>, ApiUser(me): ApiUser, Path(id): Path<i64>) -> ApiResult<Json<Segment>> {
    Ok(Json(state.store.get_segment(&me, id).await?))
}

/// Deletes a segment of the caller's own organisation.
#[utoipa::path(delete, path = "/api/v1/segments/{id}", tag = "segments", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::core::http::error::Problem)))]
pub async fn delete(State(state): State<AppState>, ApiUser(me): ApiUser, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    state.store.delete_segment(&me, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
