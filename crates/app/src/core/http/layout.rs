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
use dcrc_domain::{Lang, Role};
use serde::Deserialize;

/// The core's pages and every capability's, with the not-found page behind them.
pub fn router(capabilities: &[&Capability]) -> Router<AppState> {
    let mut r = Router::new()
        .route("/", get(home::page))
        .route("/lang", get(switch_language))
        .route("/api/docs", get(api_docs::page))
        .route("/assets/app.css", get(stylesheet))
        .route("/assets/app.js", get(script))
        .route("/favicon.svg", get(favicon))
        .route("/favicon.ico", get(favicon));
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
        // For whoever connects other systems: the administrators.
        visible: |p| p.can(dcrc_domain::Permission::ManageUsers),
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
        let lang = i18n::current();
        let notices = crate::core::http::flash::take()
            .and_then(|f| f.text(lang))
            .map(|text| Notice { kind: "success", text })
            .into_iter()
            .collect();
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
            notices,
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
            // A field is named by its label, never by its key.
            for f in problem.errors {
                let key = format!("label.{}", f.field.split(['[', '.']).next().unwrap_or_default());
                // `days[1].kind` is the second line of the list.
                let line = line_of(&self.t, &f.field);
                let text = if i18n::has(self.t.0, &key) {
                    let sep = if self.t.is_en() { ": " } else { "：" };
                    let label = self.t.get(&key);
                    match line {
                        Some(line) => format!("{label} {line}{sep}{}", f.message),
                        None => format!("{label}{sep}{}", f.message),
                    }
                } else {
                    f.message
                };
                self.notices.push(Notice { kind: "error", text });
            }
        }
        self
    }
}

/// "第 2 行" for a field of the second line of a list (`days[1].kind`), else nothing.
pub fn line_of(t: &i18n::Tr, field: &str) -> Option<String> {
    field
        .split_once('[')
        .and_then(|(_, rest)| rest.split_once(']'))
        .and_then(|(n, _)| n.parse::<usize>().ok())
        .map(|n| t.fmt("label.line", "n", &(n + 1).to_string()))
}

// The display formats live in `format`; pages reach them here as before.
pub use crate::core::http::format::{grouped, local_time, percent, phone_display, plan_date, plan_time, yuan};

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
    error_page_for(me, e.into())
}

/// A full error page for an API error, with each field named by its label.
pub fn error_page_for(me: Option<&Principal>, api: ApiError) -> Response {
    if !api.fields.is_empty() {
        let l = Layout::new(me, "/").error(&api);
        let detail = l.notices.iter().map(|n| n.text.clone()).collect::<Vec<_>>().join("；");
        let title = api.problem(i18n::current()).title;
        return render(
            api.status,
            &ErrorPage {
                l: Layout::new(me, "/"),
                title,
                detail,
            },
        );
    }
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

/// Unknown addresses: a problem body under `/api`, a page elsewhere (with the
/// navigation of whoever is signed in).
async fn not_found(
    axum::extract::State(state): axum::extract::State<AppState>,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError::not_found().into_response()
    } else {
        let me = signed_in(&state, &headers).await;
        error_page(me.as_ref(), StoreError::NotFound)
    }
}

/// The person signed in on this browser, if any (for pages that also serve visitors).
pub async fn signed_in(state: &AppState, headers: &axum::http::HeaderMap) -> Option<Principal> {
    let token = crate::core::http::extract::cookie(headers, crate::core::http::extract::SESSION_COOKIE)?;
    let me = state
        .store
        .authenticate(token, crate::core::auth::TokenKind::Web, None)
        .await
        .ok()
        .flatten()?;
    i18n::set_user_lang(me.locale);
    Some(me)
}

/// Errors the framework answers on its own for a page (an id that is not a number, a
/// wrong method, a body too large) become the page's error page in the reader's
/// language, with the navigation, instead of a bare English line.
pub async fn page_errors(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    let headers = request.headers().clone();
    let response = next.run(request).await;
    let status = response.status();
    let bare = !response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if !(status.is_client_error() || status.is_server_error()) || !bare {
        return response;
    }
    let me = signed_in(&state, &headers).await;
    let api = if status == StatusCode::BAD_REQUEST {
        ApiError::new(status, "bad_address")
    } else {
        crate::core::http::error::status_code_problem(status)
    };
    let problem = api.problem(i18n::current());
    render(
        status,
        &ErrorPage {
            l: Layout::new(me.as_ref(), "/"),
            title: problem.title,
            detail: problem.detail,
        },
    )
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

async fn favicon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("assets/favicon.svg"),
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

/// An XLSX workbook as a download named `file_name`.
pub fn xlsx_download(file_name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// Translation keys of roles, for display.
pub fn role_keys(roles: &[Role]) -> Vec<String> {
    roles.iter().map(|r| format!("role.{}", r.as_str())).collect()
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn money_and_phones_read_the_chinese_way() {
        assert_eq!(super::yuan(Some(32_300_000)), "¥323,000.00");
        assert_eq!(super::yuan(Some(5)), "¥0.05");
        assert_eq!(super::yuan(Some(-123_456_789)), "-¥1,234,567.89");
        assert_eq!(super::yuan(None), "—");
        assert_eq!(super::phone_display("18947694978"), "189 4769 4978");
        assert_eq!(super::phone_display("057188776655"), "057188776655");
    }

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
