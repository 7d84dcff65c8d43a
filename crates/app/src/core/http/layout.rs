//! Server-rendered pages. Every page is an askama template extending `base.html`; the
//! layout carries the translator, the signed-in user's navigation and notices.

pub use crate::core::http::form::FormData;
use crate::core::http::{api_docs, home};
use crate::core::registry::{Capability, NavEntry};

use crate::core::http::error::ApiError;
use crate::core::http::extract::LANG_COOKIE;
use crate::core::http::i18n::{self, Tr};
use crate::AppState;
use crate::{Principal, StoreError};
use askama::Template;
use axum::extract::Query;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};
use dcrc_domain::{Lang, Role};
use serde::Deserialize;

/// The core's pages and every capability's, with the not-found page behind them.
pub fn router(capabilities: &[&Capability]) -> Router<AppState> {
    let mut r = Router::new()
        .route("/", get(home::page))
        .route("/lang", get(switch_language))
        .route("/api/docs", get(api_docs::page))
        .route("/assets/app.css", get(stylesheet))
        .route("/assets/app.js", get(script));
    for capability in capabilities {
        r = (capability.pages)(r);
    }
    r.fallback(not_found)
}

/// A navigation entry of the signed-in user.
pub struct NavItem {
    pub key: &'static str,
    pub href: &'static str,
}

/// What the layout shows of the signed-in user.
pub struct NavUser {
    pub display_name: String,
    pub org_name: String,
    pub csrf: String,
    pub nav: Vec<NavItem>,
}

/// A message at the top of a page.
pub struct Notice {
    pub kind: &'static str,
    pub text: String,
}

/// What every page template receives.
pub struct Layout {
    pub t: Tr,
    pub me: Option<NavUser>,
    pub path: String,
    /// The current path, URL-encoded, for the language switch to come back to.
    pub next: String,
    pub notices: Vec<Notice>,
}

/// The core's own entries: home first, the API documentation last.
const CORE_NAV: &[NavEntry] = &[
    NavEntry {
        key: "nav.home",
        href: "/",
        order: 0,
        visible: |_| true,
    },
    NavEntry {
        key: "nav.api_docs",
        href: "/api/docs",
        order: 95,
        visible: |_| true,
    },
];

/// Every navigation entry: the core's and the capabilities'.
pub fn nav_entries(capabilities: &[&Capability]) -> Vec<&'static NavEntry> {
    let mut all: Vec<&'static NavEntry> = CORE_NAV.iter().collect();
    for capability in capabilities {
        all.extend(capability.nav.iter());
    }
    all.sort_by_key(|e| e.order);
    all
}

/// The navigation a user sees: the entries of the pages that work for them.
pub fn nav_for(p: &Principal) -> Vec<NavItem> {
    static SORTED: std::sync::OnceLock<Vec<&'static NavEntry>> = std::sync::OnceLock::new();
    SORTED
        .get_or_init(|| nav_entries(crate::core::registry::installed()))
        .iter()
        .filter(|e| (e.visible)(p))
        .map(|e| NavItem {
            key: e.key,
            href: e.href,
        })
        .collect()
}

impl Layout {
    pub fn new(me: Option<&Principal>, path: &str) -> Self {
        Layout {
            t: Tr(i18n::current()),
            me: me.map(|p| NavUser {
                display_name: p.display_name.clone(),
                org_name: p.org_name.clone(),
                csrf: p.csrf_token.clone(),
                nav: nav_for(p),
            }),
            path: path.to_string(),
            next: url_encode(path),
            notices: Vec::new(),
        }
    }

    pub fn notice(mut self, kind: &'static str, text: String) -> Self {
        self.notices.push(Notice { kind, text });
        self
    }

    /// Notices for an error from the store, in the page's language.
    pub fn error(mut self, e: &ApiError) -> Self {
        let problem = e.problem(self.t.0);
        if problem.errors.is_empty() {
            self.notices.push(Notice {
                kind: "error",
                text: problem.title,
            });
        } else {
            for f in problem.errors {
                self.notices.push(Notice {
                    kind: "error",
                    text: format!("{}: {}", f.field, f.message),
                });
            }
        }
        self
    }
}

/// Renders a template as an HTML response.
pub fn render(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    l: Layout,
    title: String,
    detail: String,
}

/// A full error page for a store error (404 for anything out of scope).
pub fn error_page(me: Option<&Principal>, e: StoreError) -> Response {
    let api: ApiError = e.into();
    let problem = api.problem(i18n::current());
    render(
        api.status,
        &ErrorPage {
            l: Layout::new(me, "/"),
            title: problem.title,
            detail: problem.detail,
        },
    )
}

/// Unknown addresses: a problem body under `/api`, a page elsewhere.
async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError::not_found().into_response()
    } else {
        error_page(None, StoreError::NotFound)
    }
}

/// The answer to a form whose CSRF token does not match.
pub fn csrf_failed(me: Option<&Principal>) -> Response {
    let api = ApiError::new(StatusCode::FORBIDDEN, "csrf_failed");
    let problem = api.problem(i18n::current());
    render(
        StatusCode::FORBIDDEN,
        &ErrorPage {
            l: Layout::new(me, "/"),
            title: problem.title,
            detail: problem.detail,
        },
    )
}

#[derive(Deserialize)]
struct LangQuery {
    to: String,
    next: Option<String>,
}

/// The language switch: remembers the choice in a cookie and goes back.
async fn switch_language(Query(q): Query<LangQuery>) -> Response {
    let lang = Lang::from_tag(&q.to).unwrap_or_default();
    let next = safe_next(q.next.as_deref());
    let cookie = format!("{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax", lang.code());
    ([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response()
}

async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("assets/app.js"),
    )
        .into_response()
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("assets/app.css"),
    )
        .into_response()
}

/// Only local paths may be redirected to: a path on this site (`/…`, never `//host`,
/// `/\\host` or a scheme), without control characters (a tab or newline would let a
/// browser read `/\t/evil.example` as `//evil.example`, or split the header). Anything
/// else is `/`; non-ASCII (a search for 王) is percent-encoded so the header is valid.
pub fn safe_next(next: Option<&str>) -> String {
    let Some(n) = next else { return "/".into() };
    let mut chars = n.chars();
    let local = chars.next() == Some('/') && !matches!(chars.next(), Some('/' | '\\'));
    if !local
        || n.chars()
            .any(|c| c.is_control() || c == '\\' || c.is_whitespace() && c != ' ')
    {
        return "/".into();
    }
    let mut out = String::with_capacity(n.len());
    for b in n.bytes() {
        if b.is_ascii_graphic() {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Percent-encodes a string for a query parameter.
pub fn url_encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// An instant as Shanghai local time, `2026-11-23 09:30`.
pub fn local_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&dcrc_domain::clock::shanghai())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// A rate in basis points as `90.00%`.
/// Basis points as a percentage, `93.75%`; `—` when there is nothing to divide.
pub fn percent(bp: impl std::borrow::Borrow<Option<i64>>) -> String {
    bp.borrow()
        .map(|b| format!("{}.{:02}%", b / 100, b % 100))
        .unwrap_or_else(|| "—".into())
}

/// Translation keys of roles, for display.
pub fn role_keys(roles: &[Role]) -> Vec<String> {
    roles.iter().map(|r| format!("role.{}", r.as_str())).collect()
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_redirects() {
        assert_eq!(safe_next(Some("/admin/users")), "/admin/users");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(None), "/");
        // Decoded from `next=/%09/evil.example`: browsers drop the tab and go off-site.
        assert_eq!(safe_next(Some("/\t/evil.example")), "/");
        assert_eq!(safe_next(Some("/\r\nSet-Cookie: x=1")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(Some("/x\\y")), "/");
        assert_eq!(
            safe_next(Some("/customers?q=王 五")),
            "/customers?q=%E7%8E%8B%20%E4%BA%94"
        );
    }
}
