//! DCRC: a small core (database, scope, audit, jobs, events, HTTP layout) and the
//! capabilities built on it, each in its own folder under `capabilities/`. This file
//! assembles them into the application.

pub mod api;
pub mod capabilities;
pub mod core;
pub mod test_db;
#[cfg(test)]
mod testing;
#[cfg(test)]
mod tests;

pub use crate::core::access::System;
pub use crate::core::db::{stmt, Backend, Db, DbOptions, Row, Tx, Value};
pub use crate::core::error::{Result, StoreError};
pub use crate::core::principal::{Principal, Scope};
pub use crate::core::store::{AuthPolicy, Store, RETRIES};

use crate::core::migrate::Migration;

impl Store {
    /// The storage service over `db`, reading time from `clock`, with every capability
    /// installed (their navigation, events and jobs).
    pub fn new(db: Db, clock: dcrc_domain::SharedClock) -> Self {
        crate::core::registry::install(capabilities::ALL);
        let mut store = Self::build(db, clock);
        store.search_walk_above = capabilities::archive::data::customer_search::SPARSE;
        store
    }
}

/// Every migration: the core's and each capability's.
pub fn migrations() -> Vec<&'static Migration> {
    let mut all: Vec<&'static Migration> = crate::core::migrate::CORE.iter().collect();
    for capability in capabilities::ALL {
        all.extend(capability.migrations.iter());
    }
    all.sort_by_key(|m| m.version);
    all
}

/// Applies every migration not yet applied; returns the versions it applied.
pub async fn migrate(db: &Db, now_ms: i64) -> Result<Vec<i64>> {
    crate::core::migrate::migrate(db, now_ms, migrations()).await
}

/// The latest migration version this build knows.
pub fn latest_migration() -> i64 {
    crate::core::migrate::latest_version(&migrations())
}

use axum::http::HeaderName;
use axum::Router;
use dcrc_domain::TestClock;
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
    let (api_router, openapi) = crate::api::router(options.test_clock.is_some());
    let state = AppState {
        store,
        test_clock: options.test_clock,
        secure_cookies: options.secure_cookies,
        metrics_token: options.metrics_token.clone(),
        metrics: crate::core::http::middleware::metrics_handle(),
        openapi: Arc::new(openapi),
    };
    let api = api_router
        .layer(axum::middleware::from_fn(
            crate::core::http::middleware::problem_for_bare_errors,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(
            options.body_limit.unwrap_or(1024 * 1024),
        ));
    let mut app = Router::new()
        .merge(api)
        .merge(
            crate::core::http::layout::router(capabilities::ALL).layer(axum::middleware::from_fn_with_state(
                state.clone(),
                crate::core::http::layout::page_errors,
            )),
        )
        .with_state(state);
    if options.secure_cookies {
        app = app.layer(axum::middleware::from_fn(crate::core::http::middleware::secure_cookies));
    }
    app
        .layer(axum::middleware::from_fn(crate::core::http::middleware::security_headers))
        .layer(axum::middleware::from_fn(crate::core::http::flash::carry))
        .layer(axum::middleware::from_fn(crate::core::http::middleware::track_metrics))
        .layer(axum::middleware::from_fn_with_state(
            options.request_timeout.unwrap_or(crate::core::http::middleware::REQUEST_TIMEOUT),
            crate::core::http::middleware::deadline,
        ))
        .layer(axum::middleware::from_fn(crate::core::http::middleware::request_language))
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
