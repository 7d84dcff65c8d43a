//! `/api/v1/workshop/*` and `/api/v1/appointments`.

use crate::capabilities::workshop::data::appointments::{Appointment, AppointmentState, NewAppointment};
use crate::capabilities::workshop::data::setup::{Bay, NewBay, NewTechnician, Technician};
use crate::core::http::error::{ApiResult, Problem};
use crate::core::http::extract::{ApiJson, ApiQuery, ApiUser};
use crate::core::registry::ApiRouter;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa_axum::routes;

/// The schema of this capability's section of the policy document (`workshop`).
#[derive(utoipa::OpenApi)]
#[openapi(components(schemas(crate::capabilities::workshop::rules::policy::WorkshopPolicy)))]
struct PolicySchema;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DealerQuery {
    /// The dealer; the caller's own when omitted.
    pub org_id: Option<i64>,
}

/// The bays (工位) of a dealer's workshop.
#[utoipa::path(get, path = "/api/v1/workshop/bays", tag = "workshop", params(DealerQuery),
    responses((status = 200, body = Vec<Bay>), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn list_bays(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiQuery(q): ApiQuery<DealerQuery>,
) -> ApiResult<Json<Vec<Bay>>> {
    Ok(Json(state.store.list_bays(&me, q.org_id).await?))
}

/// Adds a bay.
#[utoipa::path(post, path = "/api/v1/workshop/bays", tag = "workshop", request_body = NewBay,
    responses((status = 201, body = Bay), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_bay(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiJson(body): ApiJson<NewBay>,
) -> ApiResult<(StatusCode, Json<Bay>)> {
    Ok((StatusCode::CREATED, Json(state.store.create_bay(&me, body).await?)))
}

/// The technicians of a dealer's workshop with their skills.
#[utoipa::path(get, path = "/api/v1/workshop/technicians", tag = "workshop", params(DealerQuery),
    responses((status = 200, body = Vec<Technician>), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn list_technicians(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiQuery(q): ApiQuery<DealerQuery>,
) -> ApiResult<Json<Vec<Technician>>> {
    Ok(Json(state.store.list_technicians(&me, q.org_id).await?))
}

/// Adds a technician.
#[utoipa::path(post, path = "/api/v1/workshop/technicians", tag = "workshop", request_body = NewTechnician,
    responses((status = 201, body = Technician), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_technician(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiJson(body): ApiJson<NewTechnician>,
) -> ApiResult<(StatusCode, Json<Technician>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.store.create_technician(&me, body).await?),
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DayQuery {
    /// The dealer; the caller's own when omitted.
    pub org_id: Option<i64>,
    /// The business day (Asia/Shanghai), `YYYY-MM-DD`.
    pub day: chrono::NaiveDate,
}

/// A dealer's appointments of one day, by start time.
#[utoipa::path(get, path = "/api/v1/appointments", tag = "workshop", params(DayQuery),
    responses((status = 200, body = Vec<Appointment>), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn list_appointments(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiQuery(q): ApiQuery<DayQuery>,
) -> ApiResult<Json<Vec<Appointment>>> {
    Ok(Json(state.store.list_appointments(&me, q.org_id, q.day).await?))
}

/// Books an appointment against the workshop's capacity. When it does not fit: 409 with
/// `code: "no_capacity"`, the reason in the detail and `next_slots: [{start, end}]`.
#[utoipa::path(post, path = "/api/v1/appointments", tag = "workshop", request_body = NewAppointment,
    responses((status = 201, body = Appointment), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "`no_capacity` (with `next_slots`)", body = Problem), (status = 422, body = Problem)))]
pub async fn book(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiJson(body): ApiJson<NewAppointment>,
) -> ApiResult<(StatusCode, Json<Appointment>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.store.book_appointment(&me, body).await?),
    ))
}

/// One appointment.
#[utoipa::path(get, path = "/api/v1/appointments/{id}", tag = "workshop", params(("id" = i64, Path)),
    responses((status = 200, body = Appointment), (status = 404, body = Problem)))]
pub async fn get(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Appointment>> {
    Ok(Json(state.store.get_appointment(&me, id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StateChange {
    /// `arrived`, `no_show` or `cancelled`.
    pub to: AppointmentState,
}

/// Records the customer's arrival, a no-show or a cancellation (only of a booked one).
#[utoipa::path(post, path = "/api/v1/appointments/{id}/state", tag = "workshop", params(("id" = i64, Path)), request_body = StateChange,
    responses((status = 200, body = Appointment), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn set_state(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<StateChange>,
) -> ApiResult<Json<Appointment>> {
    Ok(Json(state.store.set_appointment_state(&me, id, body.to).await?))
}

pub fn routes(r: ApiRouter) -> ApiRouter {
    r.merge(utoipa_axum::router::OpenApiRouter::with_openapi(
        <PolicySchema as utoipa::OpenApi>::openapi(),
    ))
    .routes(routes!(list_bays, create_bay))
    .routes(routes!(list_technicians, create_technician))
    .routes(routes!(list_appointments, book))
    .routes(routes!(get))
    .routes(routes!(set_state))
}
