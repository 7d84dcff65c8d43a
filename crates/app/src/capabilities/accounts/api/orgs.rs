//! `/api/v1/orgs`: the organisation tree.

use crate::capabilities::accounts::data::orgs::{NewOrg, Org, OrgFilter, OrgPatch};
use crate::core::http::error::ApiResult;
use crate::core::http::extract::{ApiJson, ApiQuery, ApiUser};
use crate::core::page::Page;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use dcrc_domain::OrgKind;
use serde::Deserialize;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub kind: Option<OrgKind>,
    pub parent_id: Option<i64>,
    pub active: Option<bool>,
    /// Substring of name or code.
    pub q: Option<String>,
    pub cursor: Option<String>,
    /// 1–200, default 50.
    pub limit: Option<i64>,
}

/// Organisations in the caller's scope.
#[utoipa::path(get, path = "/api/v1/orgs", tag = "orgs", params(ListQuery), responses((status = 200, body = Page<Org>)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<Org>>> {
    let filter = OrgFilter {
        kind: q.kind,
        parent_id: q.parent_id,
        active: q.active,
        q: q.q,
        cursor: q.cursor,
        limit: q.limit,
    };
    Ok(Json(state.store.list_orgs(&me, &filter).await?))
}

/// Creates an organisation under a parent in scope.
#[utoipa::path(post, path = "/api/v1/orgs", tag = "orgs", request_body = NewOrg,
    responses((status = 201, body = Org), (status = 404, body = crate::core::http::error::Problem), (status = 422, body = crate::core::http::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiJson(body): ApiJson<NewOrg>,
) -> ApiResult<(StatusCode, Json<Org>)> {
    Ok((StatusCode::CREATED, Json(state.store.create_org(&me, body).await?)))
}

/// One organisation.
#[utoipa::path(get, path = "/api/v1/orgs/{id}", tag = "orgs", params(("id" = i64, Path)),
    responses((status = 200, body = Org), (status = 404, body = crate::core::http::error::Problem)))]
pub async fn get(State(state): State<AppState>, ApiUser(me): ApiUser, Path(id): Path<i64>) -> ApiResult<Json<Org>> {
    Ok(Json(state.store.get_org(me.scope(), id).await?))
}

/// Changes an organisation (name, code, active).
#[utoipa::path(patch, path = "/api/v1/orgs/{id}", tag = "orgs", params(("id" = i64, Path)), request_body = OrgPatch,
    responses((status = 200, body = Org), (status = 404, body = crate::core::http::error::Problem), (status = 409, body = crate::core::http::error::Problem)))]
pub async fn update(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<OrgPatch>,
) -> ApiResult<Json<Org>> {
    Ok(Json(state.store.update_org(&me, id, body).await?))
}

/// Deactivates an organisation (kept for history; it must have no active children or users).
#[utoipa::path(delete, path = "/api/v1/orgs/{id}", tag = "orgs", params(("id" = i64, Path)),
    responses((status = 200, body = Org), (status = 404, body = crate::core::http::error::Problem), (status = 409, body = crate::core::http::error::Problem)))]
pub async fn deactivate(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Org>> {
    Ok(Json(
        state
            .store
            .update_org(
                &me,
                id,
                OrgPatch {
                    active: Some(false),
                    ..OrgPatch::default()
                },
            )
            .await?,
    ))
}
