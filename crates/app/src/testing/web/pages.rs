//! Helpers for the server-rendered pages: form posts with cookies, hidden fields, and
//! logging in through the login form.
#![allow(dead_code)]

use super::{Resp, TestApp, PW};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};

pub fn cookie_value(resp: &Resp, name: &str) -> Option<String> {
    resp.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(|c| {
            c.split(';')
                .next()
                .unwrap_or("")
                .split_once('=')
                .map(|(_, v)| v.to_string())
                .unwrap_or_default()
        })
}

pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).map(|i| i + marker.len()).expect("hidden field");
    html[start..].split('"').next().unwrap_or("").to_string()
}

pub async fn get(app: &TestApp, path: &str, cookies: &str) -> Resp {
    let req = Request::builder()
        .uri(path)
        .header(header::COOKIE, cookies)
        .body(Body::empty())
        .unwrap();
    app.send(req).await
}

pub async fn post_form(app: &TestApp, path: &str, cookies: &str, form: &str) -> Resp {
    let req = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::COOKIE, cookies)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form.to_string()))
        .unwrap();
    app.send(req).await
}

/// Logs in through the login form and returns the session cookie header value.
pub async fn web_login(app: &TestApp, username: &str) -> String {
    let page = get(app, "/login", "").await;
    let csrf_cookie = cookie_value(&page, "dcrc_login_csrf").expect("login csrf cookie");
    let csrf = hidden(&page.text, "_csrf");
    let r = post_form(
        app,
        "/login",
        &format!("dcrc_login_csrf={csrf_cookie}"),
        &format!("_csrf={csrf}&next=%2F&username={username}&password={PW}"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let set = r
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("dcrc_session="))
        .unwrap()
        .to_string();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax"), "{set}");
    format!("dcrc_session={}", cookie_value(&r, "dcrc_session").unwrap())
}
