//! The login page, logging in and out of the web UI.

use crate::core::auth::{LoginError, TokenKind};
use crate::core::http::extract::{client_ip, cookie, LANG_COOKIE, SESSION_COOKIE};
use crate::core::http::form::Posted;
use crate::core::http::layout::{render, safe_next, FormData, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// Cookie for the login form's CSRF token (double submit: there is no session yet).
const LOGIN_CSRF_COOKIE: &str = "dcrc_login_csrf";

#[derive(Template)]
#[template(path = "capabilities/accounts/templates/login.html")]
struct LoginPage {
    l: Layout,
    csrf: String,
    next: String,
    username: String,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

fn login_page(status: StatusCode, layout: Layout, next: String, username: String) -> Response {
    let csrf = crate::core::secret::new_token().unwrap_or_default();
    let cookie = format!("{LOGIN_CSRF_COOKIE}={csrf}; Path=/login; HttpOnly; SameSite=Strict");
    let mut response = render(
        status,
        &LoginPage {
            l: layout,
            csrf,
            next,
            username,
        },
    );
    if let Ok(v) = cookie.parse() {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

pub async fn page(Query(q): Query<NextQuery>) -> Response {
    login_page(
        StatusCode::OK,
        Layout::new(None, "/login"),
        safe_next(q.next.as_deref()),
        String::new(),
    )
}

pub async fn submit(State(state): State<AppState>, parts: Parts, form: FormData) -> Response {
    let next = safe_next(form.get("next"));
    let layout = Layout::new(None, "/login");
    let expected = cookie(&parts.headers, LOGIN_CSRF_COOKIE);
    if expected.is_none() || expected != form.get("_csrf") {
        return crate::core::http::layout::csrf_failed(None);
    }
    let username = form.text("username");
    match state
        .store
        .login(&username, &form.text("password"), TokenKind::Web, client_ip(&parts))
        .await
    {
        Ok(login) => {
            let secure = if state.secure_cookies { "; Secure" } else { "" };
            let max_age = (login.expires_at - state.store.clock.now()).num_seconds().max(0);
            let mut headers = HeaderMap::new();
            let session = format!(
                "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}",
                login.token
            );
            if let Ok(v) = session.parse() {
                headers.append(header::SET_COOKIE, v);
            }
            if let Some(lang) = login.principal.locale {
                if let Ok(v) = format!("{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax", lang.code()).parse()
                {
                    headers.append(header::SET_COOKIE, v);
                }
            }
            (headers, Redirect::to(&next)).into_response()
        }
        Err(LoginError::BadCredentials) => {
            let text = layout.t.get("login.failed");
            login_page(StatusCode::UNAUTHORIZED, layout.notice("error", text), next, username)
        }
        Err(LoginError::Locked(until)) => {
            let text = layout
                .t
                .fmt("login.locked", "until", &crate::core::http::layout::local_time(until));
            login_page(
                StatusCode::TOO_MANY_REQUESTS,
                layout.notice("error", text),
                next,
                username,
            )
        }
        Err(LoginError::Store(e)) => crate::core::http::layout::error_page(None, e),
    }
}

pub async fn logout(State(state): State<AppState>, Posted(me, _form): Posted) -> Response {
    if let Err(e) = state.store.logout(&me).await {
        return crate::core::http::layout::error_page(Some(&me), e);
    }
    let clear = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    ([(header::SET_COOKIE, clear)], Redirect::to("/login")).into_response()
}
