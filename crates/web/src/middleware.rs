//! Middleware: the request's language, Prometheus metrics, problem bodies for errors
//! raised below the handlers, request ids, tracing, timeouts and compression.

use crate::error::{status_code_problem, PROBLEM_JSON};
use crate::extract::{cookie, LANG_COOKIE};
use crate::i18n::{RequestLang, REQUEST_LANG};
use axum::extract::{MatchedPath, Request};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use dcrc_domain::Lang;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::cell::Cell;
use std::sync::OnceLock;
use std::time::Instant;

/// Resolves the request's language and holds it for everything the request runs.
pub async fn request_language(request: Request, next: Next) -> Response {
    let explicit = cookie(request.headers(), LANG_COOKIE)
        .and_then(Lang::from_tag)
        .or_else(|| {
            request
                .headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        });
    let lang = RequestLang {
        explicit,
        user: Cell::new(None),
    };
    let mut response = REQUEST_LANG.scope(lang, next.run(request)).await;
    response.headers_mut().insert(
        header::VARY,
        header::HeaderValue::from_static("Accept-Language, Cookie"),
    );
    response
}

/// Gives every error response under `/api` a problem body, including the ones axum and
/// tower produce on their own (unknown method, body too large, timeout).
pub async fn problem_for_bare_errors(request: Request, next: Next) -> Response {
    let lang = crate::i18n::current();
    let response = next.run(request).await;
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if (status.is_client_error() || status.is_server_error()) && !is_problem {
        let problem = status_code_problem(status).problem(lang);
        let mut replaced = (status, axum::Json(problem)).into_response();
        replaced
            .headers_mut()
            .insert(header::CONTENT_TYPE, header::HeaderValue::from_static(PROBLEM_JSON));
        if let Some(allow) = response.headers().get(header::ALLOW) {
            replaced.headers_mut().insert(header::ALLOW, allow.clone());
        }
        return replaced;
    }
    response
}

/// The process-wide Prometheus recorder (installed once; tests build many apps).
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets(&[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0])
                .unwrap_or_else(|_| PrometheusBuilder::new());
            match builder.install_recorder() {
                Ok(handle) => handle,
                Err(_) => PrometheusBuilder::new().build_recorder().handle(),
            }
        })
        .clone()
}

/// Counts requests and times them by route template (never by raw path, which would
/// put ids into label values).
pub async fn track_metrics(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = request.method().to_string();
    let start = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(start.elapsed().as_secs_f64());
    response
}
