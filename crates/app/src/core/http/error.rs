//! The API's one error type, rendered as `application/problem+json` (RFC 9457) with a
//! stable snake_case `code`, texts in the request's language and per-field errors.
//! Server errors are logged once here and never described to the client.

use crate::core::http::i18n;
use crate::StoreError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use dcrc_domain::{FieldError, Invalid};
use serde::Serialize;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error the API reports.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub params: Vec<(&'static str, String)>,
    pub fields: Vec<FieldError>,
    /// For `duplicate_customer`: the customer who already has the number.
    pub existing_id: Option<i64>,
    /// For `no_capacity`: the next times that would fit.
    pub next_slots: Vec<crate::core::error::TimeSlot>,
}

/// One field's problem as sent to clients.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProblemField {
    /// The input field, as a dotted path (`roles[1]`, `parent_id`).
    pub field: String,
    /// Stable snake_case code, e.g. `required`, `length`, `unknown_value`.
    pub code: String,
    /// The problem in the request's language.
    pub message: String,
}

/// The error body of every failed API call.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable snake_case code clients may branch on.
    pub code: String,
    /// Per-field problems for `validation_failed`; empty otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
    /// For `duplicate_customer`: the id of the customer who already has the number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub existing_id: Option<i64>,
    /// For `no_capacity`: the next free times, earliest first (may be empty).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_slots: Option<Vec<crate::core::error::TimeSlot>>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str) -> Self {
        Self {
            status,
            code,
            params: Vec::new(),
            fields: Vec::new(),
            existing_id: None,
            next_slots: Vec::new(),
        }
    }

    pub fn with(mut self, name: &'static str, value: impl ToString) -> Self {
        self.params.push((name, value.to_string()));
        self
    }

    pub fn unauthenticated() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated")
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found")
    }

    pub fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal")
    }

    pub fn invalid(fields: Vec<FieldError>) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "validation_failed",
            params: Vec::new(),
            fields,
            existing_id: None,
            next_slots: Vec::new(),
        }
    }

    pub fn field(field: &str, code: &'static str) -> Self {
        Self::invalid(vec![FieldError::new(field, code)])
    }

    /// The problem body in a language.
    pub fn problem(&self, lang: dcrc_domain::Lang) -> Problem {
        let key = format!("problem.{}", self.code);
        let (title_key, detail_key) = if i18n::has(lang, &key) {
            (key.clone(), format!("{key}.detail"))
        } else {
            ("problem.conflict".to_string(), "problem.conflict.detail".to_string())
        };
        // A parameter named `…_key` is a string key, shown in the reader's language.
        let mut params: Vec<(&'static str, String)> = self
            .params
            .iter()
            .map(|(k, v)| {
                if k.ends_with("_key") && i18n::has(lang, v) {
                    (*k, i18n::translate(lang, v))
                } else {
                    (*k, v.clone())
                }
            })
            .collect();
        params.push(("status", self.status.as_u16().to_string()));
        Problem {
            type_: format!("urn:dcrc:problem:{}", self.code),
            title: i18n::tf(lang, &title_key, &params),
            status: self.status.as_u16(),
            detail: i18n::tf(lang, &detail_key, &params),
            code: self.code.to_string(),
            errors: self
                .fields
                .iter()
                .map(|f| ProblemField {
                    field: f.field.clone(),
                    code: f.code.to_string(),
                    message: i18n::tf(lang, &format!("field.{}", f.code), &f.params),
                })
                .collect(),
            existing_id: self.existing_id,
            next_slots: (self.code == "no_capacity").then(|| self.next_slots.clone()),
        }
    }
}

/// A problem response for a bare status (used for errors raised below the handlers:
/// unknown routes, wrong methods, body limits, timeouts).
pub fn status_code_problem(status: StatusCode) -> ApiError {
    let code = match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNAUTHORIZED => "unauthenticated",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::SERVICE_UNAVAILABLE => "service_unavailable",
        s if s.is_server_error() => "internal",
        _ => "http_error",
    };
    ApiError::new(status, code)
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = self.problem(i18n::current());
        let mut response = (self.status, axum::Json(body)).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        response
    }
}

impl From<Invalid> for ApiError {
    fn from(e: Invalid) -> Self {
        ApiError::invalid(e.0)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::not_found(),
            StoreError::Invalid(inv) => inv.into(),
            StoreError::Conflict { code, field: _ } => ApiError::new(StatusCode::CONFLICT, code),
            StoreError::Duplicate { existing_id } => {
                let mut e = ApiError::new(StatusCode::CONFLICT, "duplicate_customer");
                e.existing_id = Some(existing_id);
                e
            }
            StoreError::NoCapacity { reason, next_slots } => {
                let mut e = ApiError::new(StatusCode::CONFLICT, "no_capacity")
                    .with("reason", reason)
                    .with("reason_key", format!("capacity.{reason}"));
                e.next_slots = next_slots;
                e
            }
            StoreError::Forbidden => ApiError::new(StatusCode::FORBIDDEN, "forbidden"),
            e if e.is_retryable() => {
                tracing::warn!(error = %e, "transaction gave way to a concurrent one");
                ApiError::new(StatusCode::CONFLICT, "concurrent_update")
            }
            StoreError::Db(sqlx_err) if is_unavailable(&sqlx_err) => {
                tracing::error!(error = %sqlx_err, "database unavailable");
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "service_unavailable")
            }
            other => {
                tracing::error!(error = %other, "internal error");
                ApiError::internal()
            }
        }
    }
}

fn is_unavailable(e: &crate::core::error::SqlxError) -> bool {
    matches!(
        e,
        crate::core::error::SqlxError::PoolTimedOut
            | crate::core::error::SqlxError::Io(_)
            | crate::core::error::SqlxError::PoolClosed
    )
}

pub type ApiResult<T> = Result<T, ApiError>;
