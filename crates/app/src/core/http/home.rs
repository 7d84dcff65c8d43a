//! The home page: each person's work and today's numbers. Every capability contributes
//! panels for the people it serves ([`crate::core::registry::Capability::home`]); the
//! page shows them in order, each figure linking to the list behind it.

use crate::core::http::extract::WebUser;
use crate::core::http::layout::{render, role_keys, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use std::future::Future;
use std::pin::Pin;

/// One number on a panel, linking to what it counts.
pub struct Figure {
    pub id: String,
    pub label: String,
    pub value: String,
    pub href: String,
    /// `ok`, `warn`, `danger` or empty.
    pub tone: &'static str,
}

/// One line of a panel's list (the next task, an open complaint …).
pub struct PanelLine {
    pub text: String,
    pub href: String,
    pub note: String,
    pub tone: &'static str,
}

/// A block of the home page.
pub struct Panel {
    /// Position on the page (lower first).
    pub order: u16,
    pub id: &'static str,
    pub title: String,
    pub figures: Vec<Figure>,
    pub lines: Vec<PanelLine>,
    /// A chart or table drawn by the panel's capability (escaped there).
    pub html: String,
    /// (label, href) of the pages to go on to.
    pub links: Vec<(String, String)>,
    /// Shown when the panel has nothing to list.
    pub empty: String,
}

impl Panel {
    pub fn new(order: u16, id: &'static str, title: String) -> Self {
        Panel {
            order,
            id,
            title,
            figures: Vec::new(),
            lines: Vec::new(),
            html: String::new(),
            links: Vec::new(),
            empty: String::new(),
        }
    }

    pub fn figure(mut self, id: &str, label: String, value: impl ToString, href: String, tone: &'static str) -> Self {
        self.figures.push(Figure {
            id: id.into(),
            label,
            value: value.to_string(),
            href,
            tone,
        });
        self
    }

    pub fn link(mut self, label: String, href: impl Into<String>) -> Self {
        self.links.push((label, href.into()));
        self
    }
}

/// A capability's panels for the signed-in person (none when it has nothing for them).
pub type HomePanels =
    for<'a> fn(&'a AppState, &'a crate::Principal) -> Pin<Box<dyn Future<Output = Vec<Panel>> + Send + 'a>>;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    l: Layout,
    display_name: String,
    org_name: String,
    org_kind_key: String,
    role_keys: Vec<String>,
    today: String,
    panels: Vec<Panel>,
}

pub async fn page(State(state): State<AppState>, WebUser(me): WebUser) -> Response {
    let mut panels = Vec::new();
    for capability in crate::core::registry::installed() {
        if let Some(home) = capability.home {
            panels.extend(home(&state, &me).await);
        }
    }
    panels.sort_by_key(|p| p.order);
    let l = Layout::new(Some(&me), "/");
    let today = crate::core::http::layout::plan_date(&l.t, state.store.clock.today());
    let page = HomePage {
        display_name: me.display_name.clone(),
        org_name: me.org_name.clone(),
        org_kind_key: format!("kind.{}", me.org_kind.as_str()),
        role_keys: role_keys(me.roles()),
        today,
        panels,
        l,
    };
    render(StatusCode::OK, &page)
}
