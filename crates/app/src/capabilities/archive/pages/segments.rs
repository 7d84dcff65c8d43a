//! Saved customer segments (客户分类) with live counts.

use crate::capabilities::archive::data::segments::{NewSegment, SegmentFilter};
use crate::core::http::error::ApiError;
use crate::core::http::extract::WebUser;
use crate::core::http::form::Posted;
use crate::core::http::form_view::FormView;
use crate::core::http::layout::{render, url_encode, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

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
    form: FormView,
}

/// The customer list's query string for a segment: every criterion the count used.
fn search_query(f: &SegmentFilter) -> String {
    let date = |d: &Option<chrono::NaiveDate>| d.map(|d| d.to_string());
    [
        ("q", f.q.clone()),
        ("province", f.province.clone()),
        ("city", f.city.clone()),
        ("model", f.model.clone()),
        ("tag", f.tag.clone()),
        ("attribute", f.attribute.clone()),
        ("membership", f.membership_level.clone()),
        ("visit_from", date(&f.last_visit_from)),
        ("visit_to", date(&f.last_visit_to)),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| format!("{k}={}", url_encode(&v))))
    .collect::<Vec<_>>()
    .join("&")
}

pub async fn segments(State(state): State<AppState>, WebUser(me): WebUser) -> Response {
    show(&state, &me, StatusCode::OK, None).await
}

/// The list with the new-segment form: empty, or what was typed with the refusal's errors.
async fn show(
    state: &AppState,
    me: &crate::Principal,
    status: StatusCode,
    refused: Option<(FormView, ApiError)>,
) -> Response {
    let list = match state.store.list_segments(me).await {
        Ok(l) => l,
        Err(e) => return crate::core::http::layout::error_page(Some(me), e),
    };
    let segments = list
        .into_iter()
        .map(|s| SegmentRow {
            query: search_query(&s.filter),
            name: s.name,
            count: s.count,
            by: s.created_by,
        })
        .collect();
    let l = Layout::new(Some(me), "/segments");
    let labels: &[(&str, &str)] = &[("name", "seg.name")];
    let form = match refused {
        Some((kept, e)) => kept.labelled(&l.t, labels).with_error(&e, |f| f.to_string()),
        None => FormView::new().labelled(&l.t, labels),
    };
    render(
        status,
        &SegmentsPage {
            l,
            csrf: me.csrf_token.clone(),
            segments,
            form,
        },
    )
}

pub async fn create_segment(State(state): State<AppState>, Posted(me, form): Posted) -> Response {
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
        Ok(seg) => crate::core::http::flash::redirect(
            "/segments",
            crate::core::http::flash::Flash::new("done.segment.created")
                .with("name", seg.name)
                .with("count", seg.count),
        ),
        Err(e) => {
            let api: ApiError = e.into();
            show(&state, &me, api.status, Some((FormView::submitted(&form), api))).await
        }
    }
}
