//! `/api/v1/sales`, `/api/v1/repair-orders`, `/api/v1/insurance-policies`: history records.

use crate::capabilities::archive::data::history::{HistoryFilter, InsurancePolicy, RepairOrder, Sale};
use crate::core::http::error::ApiResult;
use crate::core::http::extract::{ApiJson, ApiQuery, ApiUser};
use crate::core::page::Page;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub customer_id: Option<i64>,
    pub vehicle_id: Option<i64>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

impl From<ListQuery> for HistoryFilter {
    fn from(q: ListQuery) -> Self {
        HistoryFilter {
            customer_id: q.customer_id,
            vehicle_id: q.vehicle_id,
            cursor: q.cursor,
            limit: q.limit,
        }
    }
}

/// Vehicle sales in scope.
#[utoipa::path(get, path = "/api/v1/sales", tag = "history", params(ListQuery), responses((status = 200, body = Page<Sale>)))]
pub async fn list_sales(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<Sale>>> {
    Ok(Json(state.store.list_sales(&me, &q.into()).await?))
}

/// Records a sale; its delivery date makes the customer the vehicle's owner from that day.
#[utoipa::path(post, path = "/api/v1/sales", tag = "history", request_body = Sale,
    responses((status = 201, body = Sale), (status = 404, body = crate::core::http::error::Problem), (status = 422, body = crate::core::http::error::Problem)))]
pub async fn create_sale(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiJson(body): ApiJson<Sale>,
) -> ApiResult<(StatusCode, Json<Sale>)> {
    Ok((StatusCode::CREATED, Json(state.store.create_sale(&me, body).await?)))
}

/// Repair orders in scope.
#[utoipa::path(get, path = "/api/v1/repair-orders", tag = "history", params(ListQuery), responses((status = 200, body = Page<RepairOrder>)))]
pub async fn list_repair_orders(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<RepairOrder>>> {
    Ok(Json(state.store.list_repair_orders(&me, &q.into()).await?))
}

/// Records a repair order (its mileage joins the vehicle's readings).
#[utoipa::path(post, path = "/api/v1/repair-orders", tag = "history", request_body = RepairOrder,
    responses((status = 201, body = RepairOrder), (status = 404, body = crate::core::http::error::Problem), (status = 422, body = crate::core::http::error::Problem)))]
pub async fn create_repair_order(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiJson(body): ApiJson<RepairOrder>,
) -> ApiResult<(StatusCode, Json<RepairOrder>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.store.create_repair_order(&me, body).await?),
    ))
}

/// Insurance policies in scope.
#[utoipa::path(get, path = "/api/v1/insurance-policies", tag = "history", params(ListQuery), responses((status = 200, body = Page<InsurancePolicy>)))]
pub async fn list_insurance_policies(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<InsurancePolicy>>> {
    Ok(Json(state.store.list_insurance_policies(&me, &q.into()).await?))
}

/// Records an insurance policy.
#[utoipa::path(post, path = "/api/v1/insurance-policies", tag = "history", request_body = InsurancePolicy,
    responses((status = 201, body = InsurancePolicy), (status = 404, body = crate::core::http::error::Problem), (status = 422, body = crate::core::http::error::Problem)))]
pub async fn create_insurance_policy(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiJson(body): ApiJson<InsurancePolicy>,
) -> ApiResult<(StatusCode, Json<InsurancePolicy>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.store.create_insurance_policy(&me, body).await?),
    ))
}
