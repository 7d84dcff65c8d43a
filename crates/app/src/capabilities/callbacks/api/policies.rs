//! `/api/v1/calendar/{year}`: public holidays and make-up working days.

use crate::capabilities::callbacks::data::policy::CalendarDay;
use crate::core::http::error::ApiResult;
use crate::core::http::extract::{ApiJson, ApiUser};
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;

/// A year's public holidays and make-up working days.
#[utoipa::path(get, path = "/api/v1/calendar/{year}", tag = "callbacks", params(("year" = i32, Path)),
    responses((status = 200, body = Vec<CalendarDay>)))]
pub async fn calendar(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path(year): Path<i32>,
) -> ApiResult<Json<Vec<CalendarDay>>> {
    Ok(Json(state.store.calendar_year(&me, year).await?))
}

/// Replaces a year's entries (a newly published schedule, or a correction).
#[utoipa::path(put, path = "/api/v1/calendar/{year}", tag = "callbacks", params(("year" = i32, Path)),
    request_body = Vec<CalendarDay>,
    responses((status = 200, body = Vec<CalendarDay>), (status = 422, body = crate::core::http::error::Problem)))]
pub async fn set_calendar(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path(year): Path<i32>,
    ApiJson(body): ApiJson<Vec<CalendarDay>>,
) -> ApiResult<Json<Vec<CalendarDay>>> {
    Ok(Json(state.store.set_calendar_year(&me, year, body).await?))
}
