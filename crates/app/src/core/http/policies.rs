//! `/api/v1/policies`: an organisation's effective policy document (every capability's
//! section), its preset choice and overrides.

use crate::core::http::error::ApiResult;
use crate::core::http::extract::{ApiJson, ApiQuery, ApiUser};
use crate::core::policy::{EffectivePolicy, PolicySetting};
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;
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
    responses((status = 200, body = EffectivePolicy), (status = 404, body = crate::core::http::error::Problem)))]
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
    responses((status = 200, body = EffectivePolicy), (status = 404, body = crate::core::http::error::Problem),
        (status = 409, body = crate::core::http::error::Problem), (status = 422, body = crate::core::http::error::Problem)))]
pub async fn set(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path(org_id): Path<i64>,
    ApiJson(body): ApiJson<PolicySetting>,
) -> ApiResult<Json<EffectivePolicy>> {
    Ok(Json(state.store.set_policy(&me, org_id, body).await?))
}
