//! `/api/v1/audit`: reading the audit log (admins and brand staff).

use crate::core::audit::{AuditEntry, AuditFilter};
use crate::core::http::error::ApiResult;
use crate::core::http::extract::{ApiQuery, ApiUser};
use crate::core::page::Page;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub action: Option<String>,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub actor_user_id: Option<i64>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// Audit entries of the organisations in scope, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(ListQuery),
    responses((status = 200, body = Page<AuditEntry>), (status = 403, body = crate::core::http::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<AuditEntry>>> {
    let filter = AuditFilter {
        action: q.action,
        entity: q.entity,
        entity_id: q.entity_id,
        actor_user_id: q.actor_user_id,
        cursor: q.cursor,
        limit: q.limit,
    };
    Ok(Json(state.store.list_audit(&me, &filter).await?))
}
