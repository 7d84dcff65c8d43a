//! Middleware: the request's language, Prometheus metrics, problem bodies for errors
//! raised below the handlers, request ids, tracing, timeouts and compression.

use crate::core::http::error::{status_code_problem, PROBLEM_JSON};
use crate::core::http::extract::{cookie, LANG_COOKIE};
use crate::core::http::i18n::{RequestLang, REQUEST_LANG};
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
    let lang = crate::core::http::i18n::current();
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

/// The policy every HTML page is served with: nothing from elsewhere, no inline script
/// or style, no framing by other sites.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Security headers: every answer is `nosniff`; HTML pages also get the CSP, no framing,
/// no referrer to other sites, and `no-store`, because every page behind the login may
/// show personal data and must not stay in a shared computer's cache.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    let h = response.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    if html {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            header::HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
        h.insert(header::X_FRAME_OPTIONS, header::HeaderValue::from_static("DENY"));
        h.insert(header::REFERRER_POLICY, header::HeaderValue::from_static("same-origin"));
        h.insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    }
    response
}

/// Marks every cookie `Secure` (behind HTTPS, `--secure-cookies`), whichever page set it.
pub async fn secure_cookies(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let cookies: Vec<header::HeaderValue> = response.headers().get_all(header::SET_COOKIE).iter().cloned().collect();
    if cookies.is_empty() {
        return response;
    }
    let h = response.headers_mut();
    h.remove(header::SET_COOKIE);
    for c in cookies {
        let text = c.to_str().unwrap_or_default();
        let secured = if text.to_ascii_lowercase().contains("; secure") {
            c.clone()
        } else {
            header::HeaderValue::from_str(&format!("{text}; Secure")).unwrap_or(c.clone())
        };
        h.append(header::SET_COOKIE, secured);
    }
    response
}

/// How long a request may take, reading its body included; uploads instead may take as
/// long as they need while data keeps arriving, with at most this long between chunks.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
pub const UPLOAD_IDLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

fn timeout_problem() -> Response {
    let status = axum::http::StatusCode::REQUEST_TIMEOUT;
    let mut r = (
        status,
        axum::Json(status_code_problem(status).problem(crate::core::http::i18n::current())),
    )
        .into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, header::HeaderValue::from_static(PROBLEM_JSON));
    r
}

/// A request body that fails when no data arrives for [`UPLOAD_IDLE_TIMEOUT`].
fn idle_limited(body: axum::body::Body) -> axum::body::Body {
    use futures_util::StreamExt;
    use std::future::Future;
    use std::task::Poll;
    let mut stream = body.into_data_stream();
    let mut idle = Box::pin(tokio::time::sleep(UPLOAD_IDLE_TIMEOUT));
    let mut done = false;
    axum::body::Body::from_stream(futures_util::stream::poll_fn(move |cx| {
        if done {
            return Poll::Ready(None);
        }
        match stream.poll_next_unpin(cx) {
            Poll::Ready(Some(item)) => {
                idle.as_mut().reset(tokio::time::Instant::now() + UPLOAD_IDLE_TIMEOUT);
                Poll::Ready(Some(item))
            }
            Poll::Ready(None) => {
                done = true;
                Poll::Ready(None)
            }
            Poll::Pending => match idle.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    done = true;
                    let stalled = std::io::Error::new(std::io::ErrorKind::TimedOut, "no data for 30 s");
                    Poll::Ready(Some(Err(axum::Error::new(stalled))))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }))
}

/// The request deadline (`limit`, [`REQUEST_TIMEOUT`] unless configured) for everything but multipart uploads, which
/// get an idle timeout on their body instead; a timeout answers a problem, never an
/// empty response.
pub async fn deadline(
    axum::extract::State(limit): axum::extract::State<std::time::Duration>,
    request: Request,
    next: Next,
) -> Response {
    let upload = request
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"multipart/form-data"));
    if upload {
        let (parts, body) = request.into_parts();
        return next.run(Request::from_parts(parts, idle_limited(body))).await;
    }
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => timeout_problem(),
    }
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
