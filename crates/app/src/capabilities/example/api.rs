//! `/api/v1/example/notes` (test builds only).

use crate::capabilities::example::data::{ExampleNote, NewExampleNote};
use crate::core::http::error::ApiResult;
use crate::core::http::extract::{ApiJson, ApiQuery, ApiUser};
use crate::core::registry::ApiRouter;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa_axum::routes;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct NotesQuery {
    pub customer_id: i64,
}

/// A customer's notes.
#[utoipa::path(get, path = "/api/v1/example/notes", tag = "example", params(NotesQuery),
    responses((status = 200, body = Vec<ExampleNote>), (status = 404, body = crate::core::http::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiQuery(q): ApiQuery<NotesQuery>,
) -> ApiResult<Json<Vec<ExampleNote>>> {
    Ok(Json(state.store.example_notes(&me, q.customer_id).await?))
}

/// Adds a note.
#[utoipa::path(post, path = "/api/v1/example/notes", tag = "example", request_body = NewExampleNote,
    responses((status = 201, body = ExampleNote), (status = 404, body = crate::core::http::error::Problem), (status = 422, body = crate::core::http::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiJson(body): ApiJson<NewExampleNote>,
) -> ApiResult<(StatusCode, Json<ExampleNote>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.store.add_example_note(&me, body).await?),
    ))
}

pub fn routes(r: ApiRouter) -> ApiRouter {
    r.routes(routes!(list, create))
}
