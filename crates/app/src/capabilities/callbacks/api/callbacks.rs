//! `/api/v1/callbacks`: callback tasks, the caller's queue, calls (attempts), reassignment,
//! supervisors' load and statistics.

use crate::capabilities::callbacks::data::stats::{CallbackStats, StatsQuery};
use crate::capabilities::callbacks::data::supervise::{AgentLoad, Reassign};
use crate::capabilities::callbacks::data::work::{CloseTask, TaskFilter};
use crate::capabilities::callbacks::data::{CallbackTask, NewAttempt, TaskDetail};
use crate::core::http::error::ApiResult;
use crate::core::http::extract::{ApiJson, ApiQuery, ApiUser};
use crate::core::page::Page;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;

/// Tasks in scope, filtered; keyset-paginated by id.
#[utoipa::path(get, path = "/api/v1/callbacks", tag = "callbacks", params(TaskFilter),
    responses((status = 200, body = Page<CallbackTask>)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiQuery(f): ApiQuery<TaskFilter>,
) -> ApiResult<Json<Page<CallbackTask>>> {
    Ok(Json(state.store.list_callbacks(&me, &f).await?))
}

/// The caller's queue for today: overdue first, then due, by deadline and priority.
#[utoipa::path(get, path = "/api/v1/callbacks/queue", tag = "callbacks",
    responses((status = 200, body = Vec<CallbackTask>)))]
pub async fn queue(State(state): State<AppState>, ApiUser(me): ApiUser) -> ApiResult<Json<Vec<CallbackTask>>> {
    Ok(Json(state.store.my_queue(&me).await?))
}

/// One task with its calls, the script and its questions.
#[utoipa::path(get, path = "/api/v1/callbacks/{id}", tag = "callbacks", params(("id" = i64, Path)),
    responses((status = 200, body = TaskDetail), (status = 404, body = crate::core::http::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<TaskDetail>> {
    Ok(Json(state.store.get_callback(&me, id).await?))
}

/// Records a call and applies its consequence (retry, close, phone status, follow-ups).
#[utoipa::path(post, path = "/api/v1/callbacks/{id}/attempts", tag = "callbacks", params(("id" = i64, Path)),
    request_body = NewAttempt,
    responses((status = 201, body = TaskDetail), (status = 404, body = crate::core::http::error::Problem),
        (status = 409, body = crate::core::http::error::Problem), (status = 422, body = crate::core::http::error::Problem)))]
pub async fn attempt(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<NewAttempt>,
) -> ApiResult<(StatusCode, Json<TaskDetail>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.store.record_attempt(&me, id, body).await?),
    ))
}

/// Closes a task without a call: a follow-up done, or a task cancelled by a supervisor.
#[utoipa::path(post, path = "/api/v1/callbacks/{id}/close", tag = "callbacks", params(("id" = i64, Path)),
    request_body = CloseTask,
    responses((status = 200, body = TaskDetail), (status = 404, body = crate::core::http::error::Problem),
        (status = 409, body = crate::core::http::error::Problem), (status = 422, body = crate::core::http::error::Problem)))]
pub async fn close(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<CloseTask>,
) -> ApiResult<Json<TaskDetail>> {
    Ok(Json(state.store.close_callback(&me, id, body).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Reassigned {
    pub reassigned: u64,
}

/// Gives open tasks to another agent of their dealer (supervisors).
#[utoipa::path(post, path = "/api/v1/callbacks/reassign", tag = "callbacks", request_body = Reassign,
    responses((status = 200, body = Reassigned), (status = 422, body = crate::core::http::error::Problem)))]
pub async fn reassign(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiJson(body): ApiJson<Reassign>,
) -> ApiResult<Json<Reassigned>> {
    let reassigned = state.store.reassign_callbacks(&me, body).await?;
    Ok(Json(Reassigned { reassigned }))
}

/// Every agent's open, due-today and overdue tasks in scope (supervisors).
#[utoipa::path(get, path = "/api/v1/callbacks/load", tag = "callbacks",
    responses((status = 200, body = Vec<AgentLoad>)))]
pub async fn load(State(state): State<AppState>, ApiUser(me): ApiUser) -> ApiResult<Json<Vec<AgentLoad>>> {
    Ok(Json(state.store.callback_load(&me).await?))
}

/// Tasks due, done on time and late, overdue, outcomes, invalid contacts, the normative
/// callback rate with its compliance flag and the callback rate, by day/week/month and by
/// agent or dealer.
#[utoipa::path(get, path = "/api/v1/callbacks/stats", tag = "callbacks", params(StatsQuery),
    responses((status = 200, body = CallbackStats), (status = 422, body = crate::core::http::error::Problem)))]
pub async fn stats(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> ApiResult<Json<CallbackStats>> {
    Ok(Json(state.store.callback_stats(&me, &q).await?))
}
