//! The PIPL requests: personal data export and erasure.

use crate::capabilities::archive::data::customers::Customer;
use crate::core::http::error::ApiResult;
use crate::core::http::extract::ApiUser;
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;

/// Everything held about the customer, unmasked, for an access or portability request (PIPL art. 45). Audited.
#[utoipa::path(get, path = "/api/v1/customers/{id}/personal-data", tag = "customers", params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 403, body = crate::core::http::error::Problem), (status = 404, body = crate::core::http::error::Problem)))]
pub async fn personal_data(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(state.store.customer_personal_data(&me, id).await?))
}

/// Erases the customer on request (PIPL art. 47): personal fields anonymised, history kept for statistics, every consent withdrawn. Irreversible; audited.
#[utoipa::path(post, path = "/api/v1/customers/{id}/erase", tag = "customers", params(("id" = i64, Path)),
    responses((status = 200, body = Customer), (status = 403, body = crate::core::http::error::Problem), (status = 404, body = crate::core::http::error::Problem)))]
pub async fn erase(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Customer>> {
    Ok(Json(state.store.erase_customer(&me, id).await?))
}
