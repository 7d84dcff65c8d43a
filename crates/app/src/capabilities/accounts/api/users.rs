//! `/api/v1/users`: accounts and roles.

use crate::capabilities::accounts::data::users::{NewUser, User, UserFilter, UserPatch};
use crate::core::http::error::ApiResult;
use crate::core::http::extract::{ApiJson, ApiQuery, ApiUser};
use crate::core::page::Page;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use dcrc_domain::Role;
use serde::Deserialize;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub org_id: Option<i64>,
    pub role: Option<Role>,
    pub active: Option<bool>,
    /// Substring of username or name.
    pub q: Option<String>,
    pub cursor: Option<String>,
    /// 1–200, default 50.
    pub limit: Option<i64>,
}

/// Users in the caller's scope.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(ListQuery), responses((status = 200, body = Page<User>)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<User>>> {
    let filter = UserFilter {
        org_id: q.org_id,
        role: q.role,
        active: q.active,
        q: q.q,
        cursor: q.cursor,
        limit: q.limit,
    };
    Ok(Json(state.store.list_users(&me, &filter).await?))
}

/// Creates a user in an organisation in scope.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUser,
    responses((status = 201, body = User), (status = 404, body = crate::core::http::error::Problem), (status = 409, body = crate::core::http::error::Problem), (status = 422, body = crate::core::http::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiJson(body): ApiJson<NewUser>,
) -> ApiResult<(StatusCode, Json<User>)> {
    Ok((StatusCode::CREATED, Json(state.store.create_user(&me, body).await?)))
}

/// One user.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = User), (status = 404, body = crate::core::http::error::Problem)))]
pub async fn get(State(state): State<AppState>, ApiUser(me): ApiUser, Path(id): Path<i64>) -> ApiResult<Json<User>> {
    Ok(Json(state.store.get_user(&me, id).await?))
}

/// Changes a user: name, organisation, roles, language, active, or a password reset.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)), request_body = UserPatch,
    responses((status = 200, body = User), (status = 404, body = crate::core::http::error::Problem), (status = 422, body = crate::core::http::error::Problem)))]
pub async fn update(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<UserPatch>,
) -> ApiResult<Json<User>> {
    Ok(Json(state.store.update_user(&me, id, body).await?))
}

/// Deactivates a user (kept for history) and ends their sessions and tokens.
#[utoipa::path(delete, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = User), (status = 404, body = crate::core::http::error::Problem)))]
pub async fn deactivate(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<User>> {
    Ok(Json(
        state
            .store
            .update_user(
                &me,
                id,
                UserPatch {
                    active: Some(false),
                    ..UserPatch::default()
                },
            )
            .await?,
    ))
}
