//! Liveness, readiness and metrics.

use crate::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "operations", security(()), responses((status = 200, description = "alive", body = String)))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers.
#[utoipa::path(get, path = "/readyz", tag = "operations", security(()), responses((status = 200, description = "ready", body = String), (status = 503, description = "database unreachable")))]
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    if state.store.db.ping().await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
    }
}

/// Prometheus metrics: request counts and latencies by route, database pool, jobs.
#[utoipa::path(get, path = "/metrics", tag = "operations", security(()), responses((status = 200, description = "Prometheus text format", body = String)))]
pub async fn metrics(State(state): State<AppState>, parts: axum::http::request::Parts) -> axum::response::Response {
    let allowed = match &state.metrics_token {
        Some(token) => parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|t| crate::core::secret::token_hash(t) == crate::core::secret::token_hash(token)),
        // In-process callers (tests) have no address; network callers must be local.
        None => parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .is_none_or(|c| c.0.ip().is_loopback()),
    };
    if !allowed {
        return crate::core::http::error::ApiError::new(axum::http::StatusCode::FORBIDDEN, "forbidden").into_response();
    }
    let (open, idle) = state.store.db.pool_stats();
    metrics::gauge!("db_pool_connections").set(f64::from(open));
    metrics::gauge!("db_pool_idle_connections").set(idle as f64);
    if let Ok(counts) = state.store.job_counts().await {
        for (job_state, n) in counts {
            metrics::gauge!("jobs", "state" => job_state).set(n as f64);
        }
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}
