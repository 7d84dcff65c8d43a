//! Duplicates and merging: customers sharing a number, and the merge of one into another.

use crate::capabilities::archive::data::merge::{DuplicateGroup, MergeResult};
use crate::core::http::error::ApiResult;
use crate::core::http::extract::{ApiJson, ApiUser};
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct DuplicateList {
    pub items: Vec<DuplicateGroup>,
    pub next_cursor: Option<String>,
}

/// Customers in scope who share a phone number with another customer of their dealer.
#[utoipa::path(get, path = "/api/v1/customers/duplicates", tag = "customers", responses((status = 200, body = DuplicateList)))]
pub async fn duplicates(State(state): State<AppState>, ApiUser(me): ApiUser) -> ApiResult<Json<DuplicateList>> {
    Ok(Json(DuplicateList {
        items: state.store.duplicate_groups(&me, 200).await?,
        next_cursor: None,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// The customer to merge into this one; it is kept as a pointer to this one.
    pub from: i64,
    /// `true` to preview what would move without changing anything.
    #[serde(default)]
    pub dry_run: bool,
}

/// Merges another customer of the same dealer into this one: phones, consents, vehicles and every history record move; audited.
#[utoipa::path(post, path = "/api/v1/customers/{id}/merge", tag = "customers", params(("id" = i64, Path)), request_body = MergeRequest,
    responses((status = 200, body = MergeResult), (status = 404, body = crate::core::http::error::Problem), (status = 422, body = crate::core::http::error::Problem)))]
pub async fn merge(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<MergeRequest>,
) -> ApiResult<Json<MergeResult>> {
    Ok(Json(
        state.store.merge_customers(&me, id, body.from, body.dry_run).await?,
    ))
}
