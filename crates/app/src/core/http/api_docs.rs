//! The API documentation page, rendered on the server from the OpenAPI document: no
//! scripts and nothing loaded from elsewhere.

use crate::core::http::extract::WebUser;
use crate::core::http::layout::{render, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use utoipa::openapi::path::Operation;
use utoipa::openapi::{RefOr, Required};

pub struct Op {
    pub anchor: String,
    pub method: &'static str,
    pub path: String,
    pub summary: String,
    pub params: Vec<String>,
    pub body: Option<String>,
    pub responses: Vec<String>,
}

#[derive(Template)]
#[template(path = "api_docs.html")]
struct ApiDocsPage {
    l: Layout,
    ops: Vec<Op>,
}

fn schema_name<T>(r: &RefOr<T>) -> String {
    match r {
        RefOr::Ref(r) => r.ref_location.rsplit('/').next().unwrap_or("").to_string(),
        RefOr::T(_) => "inline".to_string(),
    }
}

fn describe(method: &'static str, path: &str, op: &Operation) -> Op {
    let params = op
        .parameters
        .iter()
        .flatten()
        .map(|p| {
            format!(
                "{}{}",
                p.name,
                if matches!(p.required, Required::True) { "*" } else { "" }
            )
        })
        .collect();
    let body = op
        .request_body
        .as_ref()
        .and_then(|b| b.content.get("application/json"))
        .and_then(|c| c.schema.as_ref())
        .map(schema_name);
    let responses = op.responses.responses.keys().cloned().collect();
    let summary = [op.summary.clone(), op.description.clone()]
        .into_iter()
        .flatten()
        .next()
        .unwrap_or_default();
    Op {
        anchor: format!("{method}-{}", path.replace(['/', '{', '}'], "-")),
        method,
        path: path.to_string(),
        summary,
        params,
        body,
        responses,
    }
}

/// Every operation of the document, in path order.
pub fn operations(doc: &utoipa::openapi::OpenApi) -> Vec<Op> {
    let mut ops = Vec::new();
    for (path, item) in &doc.paths.paths {
        let methods: [(&'static str, &Option<Operation>); 5] = [
            ("get", &item.get),
            ("post", &item.post),
            ("put", &item.put),
            ("patch", &item.patch),
            ("delete", &item.delete),
        ];
        for (method, op) in methods {
            if let Some(op) = op {
                ops.push(describe(method, path, op));
            }
        }
    }
    ops
}

pub async fn page(State(state): State<AppState>, WebUser(me): WebUser) -> Response {
    render(
        StatusCode::OK,
        &ApiDocsPage {
            l: Layout::new(Some(&me), "/api/docs"),
            ops: operations(&state.openapi),
        },
    )
}
