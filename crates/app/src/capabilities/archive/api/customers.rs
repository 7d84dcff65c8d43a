//! `/api/v1/customers`: the archive's customers, their timeline, phones, consents and the
//! audited reveal of personal data.

use crate::capabilities::archive::data::customer_edit::Revealed;
use crate::capabilities::archive::data::customer_search::{CustomerFilter, CustomerSummary};
use crate::capabilities::archive::data::customers::{ConsentInput, Customer, CustomerPatch, NewCustomer};
use crate::capabilities::archive::data::timeline::TimelineEvent;
use crate::capabilities::archive::data::types::PhoneStatus;
use crate::core::http::error::ApiResult;
use crate::core::http::extract::{ApiJson, ApiQuery, ApiUser};
use crate::core::page::Page;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::NaiveDate;
use serde::Deserialize;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// The search box: name fragment, full phone or its last 4 digits, plate fragment, VIN prefix or last 6–8 characters.
    pub q: Option<String>,
    pub org_id: Option<i64>,
    pub province: Option<String>,
    pub city: Option<String>,
    /// Model of a vehicle owned now.
    pub model: Option<String>,
    pub attribute: Option<String>,
    pub tag: Option<String>,
    pub membership_level: Option<String>,
    /// Customers with a number in this contact status (`wrong_number`, `empty_number`, `not_owner`, `powered_off`).
    pub phone_status: Option<String>,
    pub last_visit_from: Option<NaiveDate>,
    pub last_visit_to: Option<NaiveDate>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

impl From<ListQuery> for CustomerFilter {
    fn from(q: ListQuery) -> Self {
        CustomerFilter {
            q: q.q,
            org_id: q.org_id,
            province: q.province,
            city: q.city,
            model: q.model,
            attribute: q.attribute,
            tag: q.tag,
            membership_level: q.membership_level,
            phone_status: q.phone_status,
            last_visit_from: q.last_visit_from,
            last_visit_to: q.last_visit_to,
            cursor: q.cursor,
            limit: q.limit,
        }
    }
}

/// Search customers in scope.
#[utoipa::path(get, path = "/api/v1/customers", tag = "customers", params(ListQuery), responses((status = 200, body = Page<CustomerSummary>)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<CustomerSummary>>> {
    Ok(Json(state.store.search_customers(&me, &q.into()).await?))
}

/// Creates a customer; a phone number another customer of the dealer has answers 409
/// `duplicate_customer` with `existing_id` unless `allow_duplicate` is set.
#[utoipa::path(post, path = "/api/v1/customers", tag = "customers", request_body = NewCustomer,
    responses((status = 201, body = Customer), (status = 409, body = crate::core::http::error::Problem), (status = 422, body = crate::core::http::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiJson(body): ApiJson<NewCustomer>,
) -> ApiResult<(StatusCode, Json<Customer>)> {
    Ok((StatusCode::CREATED, Json(state.store.create_customer(&me, body).await?)))
}

/// A customer: profile, masked phones, consents, vehicles, loyalty.
#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "customers", params(("id" = i64, Path)),
    responses((status = 200, body = Customer), (status = 404, body = crate::core::http::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Customer>> {
    Ok(Json(state.store.get_customer(&me, id).await?))
}

/// Changes a customer.
#[utoipa::path(patch, path = "/api/v1/customers/{id}", tag = "customers", params(("id" = i64, Path)), request_body = CustomerPatch,
    responses((status = 200, body = Customer), (status = 404, body = crate::core::http::error::Problem), (status = 422, body = crate::core::http::error::Problem)))]
pub async fn update(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<CustomerPatch>,
) -> ApiResult<Json<Customer>> {
    Ok(Json(state.store.update_customer(&me, id, body).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TimelineQuery {
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// Every event of the customer, newest first.
#[utoipa::path(get, path = "/api/v1/customers/{id}/timeline", tag = "customers", params(("id" = i64, Path), TimelineQuery),
    responses((status = 200, body = Page<TimelineEvent>), (status = 404, body = crate::core::http::error::Problem)))]
pub async fn timeline(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path(id): Path<i64>,
    ApiQuery(q): ApiQuery<TimelineQuery>,
) -> ApiResult<Json<Page<TimelineEvent>>> {
    Ok(Json(
        state
            .store
            .customer_timeline(&me, id, q.cursor.as_deref(), q.limit)
            .await?,
    ))
}

/// The customer's full phone numbers and ID number, for roles that contact customers. Audited.
#[utoipa::path(post, path = "/api/v1/customers/{id}/reveal", tag = "customers", params(("id" = i64, Path)),
    responses((status = 200, body = Revealed), (status = 403, body = crate::core::http::error::Problem), (status = 404, body = crate::core::http::error::Problem)))]
pub async fn reveal(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Revealed>> {
    Ok(Json(state.store.reveal_customer(&me, id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhoneStatusChange {
    pub status: PhoneStatus,
}

/// Records what a call taught about a number (wrong number, empty number, not the owner, powered off, valid).
#[utoipa::path(patch, path = "/api/v1/customers/{id}/phones/{phone_id}", tag = "customers", params(("id" = i64, Path), ("phone_id" = i64, Path)), request_body = PhoneStatusChange,
    responses((status = 200, body = Customer), (status = 404, body = crate::core::http::error::Problem)))]
pub async fn phone_status(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path((id, phone_id)): Path<(i64, i64)>,
    ApiJson(body): ApiJson<PhoneStatusChange>,
) -> ApiResult<Json<Customer>> {
    Ok(Json(
        state.store.set_phone_status(&me, id, phone_id, body.status).await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentChange {
    pub consents: Vec<ConsentInput>,
}

/// Records consent decisions: grants and withdrawals take effect at once.
#[utoipa::path(post, path = "/api/v1/customers/{id}/consents", tag = "customers", params(("id" = i64, Path)), request_body = ConsentChange,
    responses((status = 200, body = Customer), (status = 404, body = crate::core::http::error::Problem), (status = 422, body = crate::core::http::error::Problem)))]
pub async fn consents(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ConsentChange>,
) -> ApiResult<Json<Customer>> {
    Ok(Json(state.store.record_consents(&me, id, &body.consents).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `xlsx` (default) or `csv` (UTF-8 with BOM).
    pub format: Option<crate::capabilities::archive::api::export_files::ExportFormat>,
    /// Unmasked phone numbers; needs the right to export personal data.
    pub personal: Option<bool>,
    pub q: Option<String>,
    pub org_id: Option<i64>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub model: Option<String>,
    pub attribute: Option<String>,
    pub tag: Option<String>,
    pub membership_level: Option<String>,
    pub last_visit_from: Option<NaiveDate>,
    pub last_visit_to: Option<NaiveDate>,
}

impl ExportQuery {
    pub fn filter(&self) -> CustomerFilter {
        CustomerFilter {
            q: self.q.clone(),
            org_id: self.org_id,
            province: self.province.clone(),
            city: self.city.clone(),
            model: self.model.clone(),
            attribute: self.attribute.clone(),
            tag: self.tag.clone(),
            membership_level: self.membership_level.clone(),
            phone_status: None,
            last_visit_from: self.last_visit_from,
            last_visit_to: self.last_visit_to,
            cursor: None,
            limit: None,
        }
    }
}

/// The customers matching the filters as a streamed XLSX or CSV file. Audited with its row count.
#[utoipa::path(get, path = "/api/v1/customers/export", tag = "customers", params(ExportQuery),
    responses((status = 200, description = "XLSX or CSV file"), (status = 403, body = crate::core::http::error::Problem)))]
pub async fn export(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> ApiResult<axum::response::Response> {
    crate::capabilities::archive::api::export_files::export_customers(
        &state,
        &me,
        q.filter(),
        q.format.unwrap_or_default(),
        q.personal.unwrap_or(false),
    )
    .await
}
