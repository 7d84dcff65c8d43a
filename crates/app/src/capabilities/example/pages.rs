//! `/example` (test builds only): how many notes the caller's scope holds.

use crate::core::http::extract::WebUser;
use crate::core::http::layout::{render, Layout};
use crate::core::registry::PageRouter;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;

#[derive(Template)]
#[template(path = "capabilities/example/templates/notes.html")]
struct NotesPage {
    l: Layout,
    count: i64,
}

async fn page(State(state): State<AppState>, WebUser(me): WebUser) -> Response {
    let count = state
        .store
        .access(&me)
        .fetch_one(
            &crate::stmt(
                "SELECT COUNT(*) AS n FROM example_notes n JOIN orgs o ON o.id = n.org_id WHERE o.path LIKE $1",
            )
            .bind(me.scope().like_pattern()),
        )
        .await
        .and_then(|r| r.i64("n"))
        .unwrap_or(0);
    render(
        StatusCode::OK,
        &NotesPage {
            l: Layout::new(Some(&me), "/example"),
            count,
        },
    )
}

pub fn routes(r: PageRouter) -> PageRouter {
    r.route("/example", get(page))
}
