//! Server-rendered pages. Every page is an askama template extending `base.html`; the
//! layout carries the translator, the signed-in user's navigation and notices.

mod account;
mod admin_audit;
mod admin_orgs;
mod admin_users;
mod api_docs;
mod callback_policy;
mod callback_stats;
mod callbacks;
mod complaint_files;
mod complaint_stats;
mod complaints;
mod customer;
mod customer_tools;
mod customers;
mod form;
mod home;
mod imports;
mod login;

pub use form::FormData;

use crate::error::ApiError;
use crate::extract::LANG_COOKIE;
use crate::i18n::{self, Tr};
use crate::AppState;
use askama::Template;
use axum::extract::Query;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Utc};
use dcrc_domain::{Lang, Permission, Role};
use dcrc_store::{Principal, StoreError};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home::page))
        .route("/login", get(login::page).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/lang", get(switch_language))
        .route("/admin/orgs", get(admin_orgs::page).post(admin_orgs::create))
        .route("/admin/orgs/{id}", get(admin_orgs::edit_page).post(admin_orgs::save))
        .route("/admin/orgs/{id}/active", post(admin_orgs::set_active))
        .route("/admin/users", get(admin_users::page).post(admin_users::create))
        .route("/admin/users/{id}", get(admin_users::edit_page).post(admin_users::save))
        .route("/admin/users/{id}/active", post(admin_users::set_active))
        .route("/admin/audit", get(admin_audit::page))
        .route("/customers", get(customers::list))
        .route("/customers/export", get(customers::export))
        .route("/customers/duplicates", get(customer_tools::duplicates))
        .route(
            "/customers/{id}/merge",
            get(customer_tools::merge_preview).post(customer_tools::merge),
        )
        .route(
            "/segments",
            get(customer_tools::segments).post(customer_tools::create_segment),
        )
        .route("/customers/new", get(customers::new_page).post(customers::create))
        .route("/customers/{id}", get(customer::page))
        .route("/customers/{id}/reveal", post(customer::reveal))
        .route("/customers/{id}/consents", post(customer::consent))
        .route("/customers/{id}/personal-data", get(customer::personal_data))
        .route("/customers/{id}/erase", post(customer::erase))
        .route(
            "/imports",
            get(imports::list)
                .post(imports::upload)
                .layer(axum::extract::DefaultBodyLimit::max(crate::api::UPLOAD_LIMIT)),
        )
        .route("/imports/{id}", get(imports::page))
        .route("/imports/{id}/errors.xlsx", get(imports::errors_xlsx))
        .route("/callbacks", get(callbacks::queue))
        .route("/callbacks/team", get(callback_stats::team))
        .route("/callbacks/team/reassign", post(callback_stats::reassign))
        .route("/callbacks/stats", get(callback_stats::stats))
        .route(
            "/callbacks/policy",
            get(callback_policy::page).post(callback_policy::save),
        )
        .route("/callbacks/calendar", post(callback_policy::save_calendar))
        .route("/callbacks/stats.xlsx", get(callback_stats::stats_xlsx))
        .route("/complaints", get(complaints::board).post(complaints::create))
        .route("/complaints/new", get(complaints::new_page))
        .route("/complaints/stats", get(complaint_stats::stats))
        .route("/complaints/stats.xlsx", get(complaint_stats::stats_xlsx))
        .route("/complaints/{id}", get(complaints::page))
        .route(
            "/complaints/{id}/attachments",
            post(complaint_files::upload).layer(axum::extract::DefaultBodyLimit::max(
                crate::api::complaints::ATTACHMENT_LIMIT,
            )),
        )
        .route("/complaints/{id}/attachments/{aid}", get(complaint_files::download))
        .route(
            "/complaints/{id}/{action}",
            get(complaint_files::form_file).post(complaints::act),
        )
        .route("/callbacks/{id}", get(callbacks::page))
        .route("/callbacks/{id}/reveal", post(callbacks::reveal))
        .route("/callbacks/{id}/attempts", post(callbacks::attempt))
        .route("/account", get(account::page))
        .route("/account/password", post(account::change_password))
        .route("/account/locale", post(account::set_locale))
        .route("/account/tokens", post(account::create_token))
        .route("/account/tokens/{id}/revoke", post(account::revoke_token))
        .route("/api/docs", get(api_docs::page))
        .route("/assets/app.css", get(stylesheet))
        .route("/assets/app.js", get(script))
        .fallback(not_found)
}

/// A navigation entry; modules not built yet are shown but disabled.
pub struct NavItem {
    pub key: &'static str,
    pub href: &'static str,
    pub enabled: bool,
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

/// The navigation a user sees: the modules of their roles.
pub fn nav_for(p: &Principal) -> Vec<NavItem> {
    let mut nav = vec![NavItem {
        key: "nav.home",
        href: "/",
        enabled: true,
    }];
    if p.can(Permission::ViewCustomers) {
        nav.push(NavItem {
            key: "nav.customers",
            href: "/customers",
            enabled: true,
        });
        nav.push(NavItem {
            key: "nav.imports",
            href: "/imports",
            enabled: true,
        });
        nav.push(NavItem {
            key: "nav.segments",
            href: "/segments",
            enabled: true,
        });
    }
    if p.can(Permission::WorkCallbacks) || p.can(Permission::ViewCallbackStats) {
        nav.push(NavItem {
            key: "nav.callbacks",
            href: if p.can(Permission::WorkCallbacks) {
                "/callbacks"
            } else {
                "/callbacks/stats"
            },
            enabled: true,
        });
    }
    if p.can(Permission::ViewCustomers) {
        nav.push(NavItem {
            key: "nav.complaints",
            href: "/complaints",
            enabled: true,
        });
    }
    for key in ["nav.surveys", "nav.reports"] {
        nav.push(NavItem {
            key,
            href: "#",
            enabled: false,
        });
    }
    if p.can(Permission::ViewDirectory) {
        nav.push(NavItem {
            key: "nav.orgs",
            href: "/admin/orgs",
            enabled: true,
        });
        nav.push(NavItem {
            key: "nav.users",
            href: "/admin/users",
            enabled: true,
        });
    }
    if p.can(Permission::ReadAudit) {
        nav.push(NavItem {
            key: "nav.audit",
            href: "/admin/audit",
            enabled: true,
        });
    }
    nav.push(NavItem {
        key: "nav.account",
        href: "/account",
        enabled: true,
    });
    nav.push(NavItem {
        key: "nav.api_docs",
        href: "/api/docs",
        enabled: true,
    });
    nav
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
        include_str!("../../assets/app.js"),
    )
        .into_response()
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/app.css"),
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
