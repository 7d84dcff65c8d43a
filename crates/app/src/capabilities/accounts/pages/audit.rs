//! The audit log page.

use crate::core::audit::AuditFilter;
use crate::core::http::extract::WebUser;
use crate::core::http::layout::{local_time, render, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

pub struct Row {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "capabilities/accounts/templates/audit.html")]
struct AuditPage {
    l: Layout,
    entries: Vec<Row>,
    pager: crate::core::http::paging::Pager,
}

#[derive(Deserialize)]
pub struct PageQuery {
    cursor: Option<String>,
    /// The cursors that led here (for 上一页).
    #[serde(default)]
    trail: String,
}

/// An entry's detail as "名称：A店新 · 编码：D-A1": each key by its field label where one
/// exists, text values as they are, yes/no for flags, a nested record in brackets
/// ("修改后：（名称：A店新 · …）"), anything else as compact JSON.
fn detail_text(t: &crate::core::http::i18n::Tr, detail: &serde_json::Value) -> String {
    let Some(map) = detail.as_object() else {
        return if detail.is_null() {
            String::new()
        } else {
            detail.to_string()
        };
    };
    let sep = if t.is_en() { ": " } else { "：" };
    map.iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| {
            let key = format!("label.{k}");
            let name = if crate::core::http::i18n::has(t.0, &key) {
                t.get(&key)
            } else {
                k.replace('_', " ")
            };
            let value = match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Bool(b) => t.get(if *b { "common.yes" } else { "common.no" }),
                serde_json::Value::Object(_) => format!("（{}）", detail_text(t, v)),
                // A list of codes (roles …) by their labels where they have one.
                serde_json::Value::Array(items) => items
                    .iter()
                    .map(|i| match i.as_str() {
                        Some(code) if crate::core::http::i18n::has(t.0, &format!("role.{code}")) => {
                            t.get(&format!("role.{code}"))
                        }
                        Some(text) => text.to_string(),
                        None => i.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join("、"),
                other => other.to_string(),
            };
            format!("{name}{sep}{value}")
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

pub async fn page(State(state): State<AppState>, WebUser(me): WebUser, Query(q): Query<PageQuery>) -> Response {
    let page = match state
        .store
        .list_audit(
            &me,
            &AuditFilter {
                cursor: q.cursor.clone(),
                limit: Some(100),
                ..AuditFilter::default()
            },
        )
        .await
    {
        Ok(p) => p,
        Err(e) => return crate::core::http::layout::error_page(Some(&me), e),
    };
    let t = crate::core::http::i18n::Tr(crate::core::http::i18n::current());
    // Actions and records by their labels; a code without one stays readable.
    let label = |prefix: &str, code: &str| {
        let key = format!("{prefix}.{code}");
        if crate::core::http::i18n::has(t.0, &key) {
            t.get(&key)
        } else {
            code.replace('_', " ")
        }
    };
    let entries = page
        .items
        .into_iter()
        .map(|e| Row {
            at: local_time(e.at),
            actor: e.actor_name,
            action: label("audit.do", &e.action),
            entity: match e.entity_id {
                Some(id) => format!("{} #{id}", label("audit.on", &e.entity)),
                None => label("audit.on", &e.entity),
            },
            detail: detail_text(&t, &e.detail),
        })
        .collect::<Vec<Row>>();
    let pager = crate::core::http::paging::Pager::new(
        "/admin/audit",
        q.cursor.as_deref(),
        &q.trail,
        page.next_cursor.as_deref(),
        entries.len(),
        100,
    );
    render(
        StatusCode::OK,
        &AuditPage {
            l: Layout::new(Some(&me), "/admin/audit"),
            entries,
            pager,
        },
    )
}
