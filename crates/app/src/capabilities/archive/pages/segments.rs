//! Saved customer segments (客户分类) with live counts.

use crate::capabilities::archive::data::segments::{NewSegment, SegmentFilter};
use crate::core::http::extract::WebUser;
use crate::core::http::layout::{render, url_encode, FormData, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

pub struct SegmentRow {
    pub name: String,
    pub count: i64,
    pub by: String,
    pub query: String,
}

#[derive(Template)]
#[template(path = "capabilities/archive/templates/segments.html")]
struct SegmentsPage {
    l: Layout,
    csrf: String,
    segments: Vec<SegmentRow>,
}

pub async fn segments(State(state): State<AppState>, WebUser(me): WebUser) -> Response {
    let list = match state.store.list_segments(&me).await {
        Ok(l) => l,
        Err(e) => return crate::core::http::layout::error_page(Some(&me), e),
    };
    let segments = list
        .into_iter()
        .map(|s| {
            let f = &s.filter;
            let v = |o: &Option<String>| url_encode(o.as_deref().unwrap_or(""));
            SegmentRow {
                query: format!(
                    "q={}&city={}&model={}&tag={}",
                    v(&f.q),
                    v(&f.city),
                    v(&f.model),
                    v(&f.tag)
                ),
                name: s.name,
                count: s.count,
                by: s.created_by,
            }
        })
        .collect();
    render(
        StatusCode::OK,
        &SegmentsPage {
            l: Layout::new(Some(&me), "/segments"),
            csrf: me.csrf_token.clone(),
            segments,
        },
    )
}

pub async fn create_segment(State(state): State<AppState>, WebUser(me): WebUser, form: FormData) -> Response {
    if !form.csrf_ok(&me) {
        return crate::core::http::layout::csrf_failed(Some(&me));
    }
    let opt = |k: &str| form.get(k).map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
    let filter = SegmentFilter {
        q: opt("q"),
        city: opt("city"),
        model: opt("model"),
        tag: opt("tag"),
        membership_level: opt("membership_level"),
        ..SegmentFilter::default()
    };
    match state
        .store
        .create_segment(
            &me,
            NewSegment {
                name: form.text("name"),
                filter,
            },
        )
        .await
    {
        Ok(_) => Redirect::to("/segments").into_response(),
        Err(e) => crate::core::http::layout::error_page(Some(&me), e),
    }
}
