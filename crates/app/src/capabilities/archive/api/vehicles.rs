//! `/api/v1/vehicles`: vehicles, owners over time, mileage.

use crate::capabilities::archive::data::vehicles::{NewMileage, NewVehicle, OwnerChange, Vehicle};
use crate::core::http::error::ApiResult;
use crate::core::http::extract::{ApiJson, ApiQuery, ApiUser};
use crate::core::page::Page;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// VIN (full, prefix, or last 6–8 characters) or plate fragment.
    pub q: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// Vehicles in scope.
#[utoipa::path(get, path = "/api/v1/vehicles", tag = "vehicles", params(ListQuery), responses((status = 200, body = Page<Vehicle>)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<Vehicle>>> {
    Ok(Json(
        state
            .store
            .list_vehicles(&me, q.q.as_deref(), q.cursor.as_deref(), q.limit)
            .await?,
    ))
}

/// Creates a vehicle. A China-built VIN (starting with `L`) must carry a correct check
/// digit; other VINs with a wrong one need `accept_vin_check_warning` and the right role.
#[utoipa::path(post, path = "/api/v1/vehicles", tag = "vehicles", request_body = NewVehicle,
    responses((status = 201, body = Vehicle), (status = 409, body = crate::core::http::error::Problem), (status = 422, body = crate::core::http::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiJson(body): ApiJson<NewVehicle>,
) -> ApiResult<(StatusCode, Json<Vehicle>)> {
    Ok((StatusCode::CREATED, Json(state.store.create_vehicle(&me, body).await?)))
}

/// A vehicle with its owners and mileage readings.
#[utoipa::path(get, path = "/api/v1/vehicles/{id}", tag = "vehicles", params(("id" = i64, Path)),
    responses((status = 200, body = Vehicle), (status = 404, body = crate::core::http::error::Problem)))]
pub async fn get(State(state): State<AppState>, ApiUser(me): ApiUser, Path(id): Path<i64>) -> ApiResult<Json<Vehicle>> {
    Ok(Json(state.store.get_vehicle(&me, id).await?))
}

/// Hands the vehicle to another customer of the dealer from a date on; history is kept.
#[utoipa::path(post, path = "/api/v1/vehicles/{id}/owner", tag = "vehicles", params(("id" = i64, Path)), request_body = OwnerChange,
    responses((status = 200, body = Vehicle), (status = 404, body = crate::core::http::error::Problem), (status = 422, body = crate::core::http::error::Problem)))]
pub async fn change_owner(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<OwnerChange>,
) -> ApiResult<Json<Vehicle>> {
    Ok(Json(state.store.change_owner(&me, id, body).await?))
}

/// Adds a mileage reading.
#[utoipa::path(post, path = "/api/v1/vehicles/{id}/mileage", tag = "vehicles", params(("id" = i64, Path)), request_body = NewMileage,
    responses((status = 200, body = Vehicle), (status = 404, body = crate::core::http::error::Problem), (status = 422, body = crate::core::http::error::Problem)))]
pub async fn mileage(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<NewMileage>,
) -> ApiResult<Json<Vehicle>> {
    Ok(Json(state.store.record_mileage(&me, id, body).await?))
}
