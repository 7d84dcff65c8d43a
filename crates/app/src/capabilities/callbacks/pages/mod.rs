pub mod call;
pub mod charts;
pub mod home;
pub mod policy;
pub mod queue;
pub mod stats;

use crate::core::registry::PageRouter;
use axum::routing::{get, post};

/// This capability's pages.
pub fn routes(r: PageRouter) -> PageRouter {
    r.route("/callbacks", get(queue::queue))
        .route("/callbacks/team", get(stats::team))
        .route("/callbacks/team/reassign", post(stats::reassign))
        .route("/callbacks/stats", get(stats::stats))
        .route("/callbacks/policy", get(policy::page).post(policy::save))
        .route("/callbacks/calendar", post(policy::save_calendar))
        .route("/callbacks/stats.xlsx", get(stats::stats_xlsx))
        .route("/callbacks/{id}", get(call::page))
        .route("/callbacks/{id}/reveal", post(call::reveal))
        .route("/callbacks/{id}/attempts", post(call::attempt))
}
