pub mod board;
pub mod files;
pub mod home;
pub mod intake;
pub mod list;
pub mod stats;

use crate::core::registry::PageRouter;
use axum::routing::{get, post};

/// This capability's pages.
pub fn routes(r: PageRouter) -> PageRouter {
    r.route("/complaints", get(list::board).post(intake::create))
        .route("/complaints/new", get(intake::new_page))
        .route("/complaints/board.xlsx", get(list::board_xlsx))
        .route("/complaints/stats", get(stats::stats))
        .route("/complaints/stats.xlsx", get(stats::stats_xlsx))
        .route("/complaints/{id}", get(board::page))
        .route(
            "/complaints/{id}/attachments",
            post(files::upload).layer(axum::extract::DefaultBodyLimit::max(
                crate::capabilities::complaints::api::complaints::ATTACHMENT_LIMIT,
            )),
        )
        .route("/complaints/{id}/attachments/{aid}", get(files::download))
        .route("/complaints/{id}/{action}", get(files::form_file).post(board::act))
}
