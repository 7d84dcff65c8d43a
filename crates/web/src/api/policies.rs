//! `/api/v1/policies`: an organisation's effective callback policy, its preset choice and
//! overrides; `/api/v1/calendar/{year}`: public holidays and make-up working days.

use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiQuery, ApiUser};
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;
use dcrc_store::callbacks::policy::{CalendarDay, EffectivePolicy, PolicySetting};
use serde::Deserialize;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PolicyQuery {
    /// An organisation in scope; the caller's own by default.
    pub org_id: Option<i64>,
}

/// The effective policy of an organisation and what it sets itself.
#[utoipa::path(get, path = "/api/v1/policies", tag = "callbacks", params(PolicyQuery),
    responses((status = 200, body = EffectivePolicy), (status = 404, body = crate::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiQuery(q): ApiQuery<PolicyQuery>,
) -> ApiResult<Json<EffectivePolicy>> {
    let org = q.org_id.unwrap_or(me.org_id);
    Ok(Json(state.store.effective_policy(&me, org).await?))
}

/// Sets an organisation's preset and overrides (a JSON merge patch over the policy).
#[utoipa::path(put, path = "/api/v1/policies/{org_id}", tag = "callbacks", params(("org_id" = i64, Path)),
    request_body = PolicySetting,
    responses((status = 200, body = EffectivePolicy), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn set(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path(org_id): Path<i64>,
    ApiJson(body): ApiJson<PolicySetting>,
) -> ApiResult<Json<EffectivePolicy>> {
    Ok(Json(state.store.set_policy(&me, org_id, body).await?))
}

/// A year's public holidays and make-up working days.
#[utoipa::path(get, path = "/api/v1/calendar/{year}", tag = "callbacks", params(("year" = i32, Path)),
    responses((status = 200, body = Vec<CalendarDay>)))]
pub async fn calendar(
    State(state): State<AppState>,
    ApiUser(_me): ApiUser,
    Path(year): Path<i32>,
) -> ApiResult<Json<Vec<CalendarDay>>> {
    Ok(Json(state.store.calendar_year(year).await?))
}

/// Replaces a year's entries (a newly published schedule, or a correction).
#[utoipa::path(put, path = "/api/v1/calendar/{year}", tag = "callbacks", params(("year" = i32, Path)),
    request_body = Vec<CalendarDay>,
    responses((status = 200, body = Vec<CalendarDay>), (status = 422, body = crate::error::Problem)))]
pub async fn set_calendar(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path(year): Path<i32>,
    ApiJson(body): ApiJson<Vec<CalendarDay>>,
) -> ApiResult<Json<Vec<CalendarDay>>> {
    Ok(Json(state.store.set_calendar_year(&me, year, body).await?))
}
