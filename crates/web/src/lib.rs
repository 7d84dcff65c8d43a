//! The DCRC web layer: the JSON API (with its OpenAPI document), the server-rendered
//! pages, authentication, errors and the middleware around them.

pub mod api;
pub mod error;
pub mod export;
pub mod extract;
pub mod i18n;
pub mod middleware;
pub mod pages;
pub mod scheduler;

use axum::http::HeaderName;
use axum::Router;
use dcrc_domain::TestClock;
use dcrc_store::Store;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};

/// Shared state of every request.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// Present only under `dcrc serve --test-clock`: the clock tests may set.
    pub test_clock: Option<Arc<TestClock>>,
    /// Mark cookies `Secure` (when served over HTTPS).
    pub secure_cookies: bool,
    /// `/metrics` needs this bearer token when set, else a loopback client.
    pub metrics_token: Option<String>,
    pub metrics: PrometheusHandle,
    pub openapi: Arc<utoipa::openapi::OpenApi>,
}

/// Options for building the application.
#[derive(Clone, Default)]
pub struct AppOptions {
    pub test_clock: Option<Arc<TestClock>>,
    pub secure_cookies: bool,
    pub metrics_token: Option<String>,
    /// How long a request may take (default 30 s); tests shorten it.
    pub request_timeout: Option<std::time::Duration>,
    /// Largest accepted request body, in bytes (default 1 MiB).
    pub body_limit: Option<usize>,
}

/// Builds the whole application.
pub fn app(store: Store, options: AppOptions) -> Router {
    let (api_router, openapi) = api::router(options.test_clock.is_some());
    let state = AppState {
        store,
        test_clock: options.test_clock,
        secure_cookies: options.secure_cookies,
        metrics_token: options.metrics_token.clone(),
        metrics: middleware::metrics_handle(),
        openapi: Arc::new(openapi),
    };
    let api = api_router
        .layer(axum::middleware::from_fn(middleware::problem_for_bare_errors))
        .layer(axum::extract::DefaultBodyLimit::max(
            options.body_limit.unwrap_or(1024 * 1024),
        ));
    let mut app = Router::new().merge(api).merge(pages::router()).with_state(state);
    if options.secure_cookies {
        app = app.layer(axum::middleware::from_fn(middleware::secure_cookies));
    }
    app
        .layer(axum::middleware::from_fn(middleware::security_headers))
        .layer(axum::middleware::from_fn(middleware::track_metrics))
        .layer(axum::middleware::from_fn_with_state(
            options.request_timeout.unwrap_or(middleware::REQUEST_TIMEOUT),
            middleware::deadline,
        ))
        .layer(axum::middleware::from_fn(middleware::request_language))
        .layer(
            tower::ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(
                    HeaderName::from_static(REQUEST_ID),
                    MakeRequestUuid,
                ))
                // Spans name the method and path only: a query may hold a phone number.
                .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(
                    |req: &axum::http::Request<axum::body::Body>| {
                        tracing::debug_span!("request", method = %req.method(), path = %req.uri().path())
                    },
                ))
                .layer(PropagateRequestIdLayer::new(HeaderName::from_static(REQUEST_ID)))
                .layer(tower_http::compression::CompressionLayer::new()),
        )
}

const REQUEST_ID: &str = "x-request-id";
