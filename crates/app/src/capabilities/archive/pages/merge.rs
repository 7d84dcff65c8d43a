//! Duplicate customers, the merge preview and the merge.

use crate::core::http::extract::WebUser;
use crate::core::http::form::Posted;
use crate::core::http::layout::{render, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

pub struct Group {
    pub phone_masked: String,
    pub members: Vec<(i64, String)>,
    /// (into, from) for the merge preview link.
    pub merge: Option<(i64, i64)>,
}

#[derive(Template)]
#[template(path = "capabilities/archive/templates/duplicates.html")]
struct DuplicatesPage {
    l: Layout,
    groups: Vec<Group>,
}

pub async fn duplicates(State(state): State<AppState>, WebUser(me): WebUser) -> Response {
    let groups = match state.store.duplicate_groups(&me, 200).await {
        Ok(g) => g,
        Err(e) => return crate::core::http::layout::error_page(Some(&me), e),
    };
    let groups = groups
        .into_iter()
        .map(|g| Group {
            merge: (g.customer_ids.len() >= 2).then(|| (g.customer_ids[0], g.customer_ids[1])),
            members: g.customer_ids.into_iter().zip(g.names).collect(),
            phone_masked: g.phone_masked,
        })
        .collect();
    render(
        StatusCode::OK,
        &DuplicatesPage {
            l: Layout::new(Some(&me), "/customers/duplicates"),
            groups,
        },
    )
}

#[derive(Template)]
#[template(path = "capabilities/archive/templates/merge.html")]
struct MergePage {
    l: Layout,
    csrf: String,
    into: i64,
    from: i64,
    into_name: String,
    from_name: String,
    moved: Vec<(String, u64)>,
}

#[derive(Deserialize)]
pub struct FromQuery {
    from: i64,
}

/// The merge preview: the same merge, rolled back, showing what would move.
pub async fn merge_preview(
    State(state): State<AppState>,
    WebUser(me): WebUser,
    Path(into): Path<i64>,
    Query(q): Query<FromQuery>,
) -> Response {
    let from_name = match state.store.get_customer(&me, q.from).await {
        Ok(c) => c.name,
        Err(e) => return crate::core::http::layout::error_page(Some(&me), e),
    };
    match state.store.merge_customers(&me, into, q.from, true).await {
        Ok(r) => {
            let moved = r
                .moved
                .iter()
                .filter(|(_, n)| **n > 0)
                .map(|(table, n)| (format!("dup.moved.{table}"), *n))
                .collect();
            let page = MergePage {
                l: Layout::new(Some(&me), "/customers/duplicates"),
                csrf: me.csrf_token.clone(),
                into,
                from: q.from,
                into_name: r.customer.name,
                from_name,
                moved,
            };
            render(StatusCode::OK, &page)
        }
        Err(e) => crate::core::http::layout::error_page(Some(&me), e),
    }
}

pub async fn merge(State(state): State<AppState>, Path(into): Path<i64>, Posted(me, form): Posted) -> Response {
    let Some(from) = form.get("from").and_then(|f| f.parse().ok()) else {
        return crate::core::http::layout::error_page(Some(&me), crate::StoreError::NotFound);
    };
    match state.store.merge_customers(&me, into, from, false).await {
        Ok(_) => Redirect::to(&format!("/customers/{into}")).into_response(),
        Err(e) => crate::core::http::layout::error_page(Some(&me), e),
    }
}
