//! `/api/v1/test/clock`: only under `dcrc serve --test-clock`. Setting the clock runs
//! every job that has become due before answering, so tests see the consequences at once.

use crate::core::http::error::{ApiError, ApiResult};
use crate::core::http::extract::ApiJson;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use dcrc_domain::Clock;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct ClockBody {
    /// RFC 3339, e.g. `2026-11-23T09:00:00+08:00`.
    pub now: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ClockState {
    pub now: DateTime<Utc>,
    /// Jobs run because they became due (only on PUT).
    pub jobs_run: usize,
}

fn test_clock(state: &AppState) -> ApiResult<&std::sync::Arc<dcrc_domain::TestClock>> {
    state.test_clock.as_ref().ok_or_else(ApiError::not_found)
}

/// The test clock's time.
#[utoipa::path(get, path = "/api/v1/test/clock", tag = "test", security(()), responses((status = 200, body = ClockState)))]
pub async fn get(State(state): State<AppState>) -> ApiResult<Json<ClockState>> {
    Ok(Json(ClockState {
        now: test_clock(&state)?.now(),
        jobs_run: 0,
    }))
}

/// Sets the test clock and runs every job due by then.
#[utoipa::path(put, path = "/api/v1/test/clock", tag = "test", security(()), request_body = ClockBody,
    responses((status = 200, body = ClockState), (status = 422, body = crate::core::http::error::Problem)))]
pub async fn set(State(state): State<AppState>, ApiJson(body): ApiJson<ClockBody>) -> ApiResult<Json<ClockState>> {
    let clock = test_clock(&state)?;
    let now = DateTime::parse_from_rfc3339(body.now.trim())
        .map_err(|_| ApiError::field("now", "invalid_datetime"))?
        .with_timezone(&Utc);
    clock.set(now);
    let jobs_run = crate::core::scheduler::run_due(&state.store).await?;
    Ok(Json(ClockState {
        now: clock.now(),
        jobs_run,
    }))
}
