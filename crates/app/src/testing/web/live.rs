//! A test application served on a real TCP port, a second instance of it on the same
//! PostgreSQL schema, and a minimal HTTP/1.1 client, for tests with real parallel clients.
#![allow(dead_code)]

use super::TestApp;
use serde_json::Value;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Serves `router` on 127.0.0.1 (a free port) until the test ends; returns the address.
pub async fn serve(router: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await;
    });
    addr
}

impl TestApp {
    /// This app on a real port.
    pub async fn live(&self) -> SocketAddr {
        serve(self.router.clone()).await
    }

    /// A second, independent instance (its own pool and scheduler state) on the same
    /// PostgreSQL schema, served on its own port; `None` on SQLite.
    /// This app served live, plus a second instance on the same database where the
    /// database allows one (PostgreSQL): the servers a race is spread over.
    pub async fn servers(&self) -> Vec<SocketAddr> {
        let mut s = vec![self.live().await];
        if let Some(second) = self.second_instance().await {
            s.push(second);
        }
        s
    }

    pub async fn second_instance(&self) -> Option<SocketAddr> {
        let db = self.db.as_ref()?.connect_again().await?;
        let store = crate::Store::new(db, self.clock.clone());
        let router = crate::app(
            store,
            crate::AppOptions {
                test_clock: None,
                secure_cookies: false,
                metrics_token: None,
                request_timeout: None,
                body_limit: Some(64 * 1024),
            },
        );
        Some(serve(router).await)
    }
}

/// One HTTP/1.1 request on a fresh connection; (status, JSON body or `Null`).
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (u16, Value) {
    let body = body.map(Value::to_string).unwrap_or_default();
    let auth = token
        .map(|t| format!("authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let headers = format!("content-type: application/json\r\n{auth}");
    let (status, text) = send(addr, method, path, &headers, &body).await;
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A page's form posted on a fresh connection with the session cookie; (status, page).
pub async fn post_page(addr: SocketAddr, path: &str, cookie: &str, body: &str) -> (u16, String) {
    let headers = format!("content-type: application/x-www-form-urlencoded\r\ncookie: {cookie}\r\n");
    send(addr, "POST", path, &headers, body).await
}

/// `n` copies of a page's form posted at once, spread over the servers in turn.
pub async fn post_page_burst(
    servers: &[SocketAddr],
    n: usize,
    path: &str,
    cookie: &str,
    body: &str,
) -> Vec<(u16, String)> {
    let posts = vec![(path.to_string(), body.to_string()); n];
    post_pages_at_once(servers, cookie, &posts).await
}

/// Each (path, body) posted once, all at once, spread over the servers in turn.
pub async fn post_pages_at_once(
    servers: &[SocketAddr],
    cookie: &str,
    posts: &[(String, String)],
) -> Vec<(u16, String)> {
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(posts.len()));
    let mut tasks = Vec::new();
    for (i, (path, body)) in posts.iter().enumerate() {
        let (addr, path, cookie, body, start) = (
            servers[i % servers.len()],
            path.to_string(),
            cookie.to_string(),
            body.clone(),
            start.clone(),
        );
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            post_page(addr, &path, &cookie, &body).await
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.expect("client task"));
    }
    out
}

/// Sends one request and reads the whole answer (de-chunked); (status, body text).
async fn send(addr: SocketAddr, method: &str, path: &str, headers: &str, body: &str) -> (u16, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\naccept-language: en\r\n{headers}content-length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).await.expect("write");
    s.write_all(body.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.expect("read");
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        let mut out = String::new();
        let mut rest = rest;
        while let Some((size, tail)) = rest.split_once("\r\n") {
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if n == 0 || tail.len() < n {
                break;
            }
            out.push_str(&tail[..n]);
            rest = tail.get(n + 2..).unwrap_or("");
        }
        out
    } else {
        rest.to_string()
    };
    (status, body)
}

/// Sends `n` copies of a request at once (each on its own connection and task), spread
/// over the given servers in turn; the statuses and bodies in completion order.
pub async fn burst(
    servers: &[SocketAddr],
    n: usize,
    method: &'static str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Vec<(u16, Value)> {
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(n));
    let mut tasks = Vec::new();
    for i in 0..n {
        let (addr, path, token, body, start) = (
            servers[i % servers.len()],
            path.to_string(),
            token.to_string(),
            body.clone(),
            start.clone(),
        );
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            request(addr, method, &path, Some(&token), body.as_ref()).await
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.expect("client task"));
    }
    out
}

/// How many answers had each status, e.g. `[(201, 1), (409, 19)]`.
pub fn tally<B>(answers: &[(u16, B)]) -> Vec<(u16, usize)> {
    let mut t: Vec<(u16, usize)> = Vec::new();
    for (s, _) in answers {
        match t.iter_mut().find(|(k, _)| k == s) {
            Some((_, n)) => *n += 1,
            None => t.push((*s, 1)),
        }
    }
    t.sort();
    t
}
