//! Hardening: security headers on pages, safe redirects, dates in range, uploads refused
//! before a byte is written, `/metrics` only for the local machine or a token, timeouts
//! answered as problems, malformed filters answered 4xx.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use crate::testing::web as common;

use axum::http::{header, Method, StatusCode};
use common::live::request;
use common::pages::{get, web_login};
use common::TestApp;
use serde_json::json;

#[tokio::test]
async fn pages_carry_security_headers_and_redirect_only_home() {
    for app in TestApp::all(false).await {
        let session = web_login(&app, "a.agent").await;
        for path in ["/", "/customers", "/callbacks", "/login"] {
            let r = get(&app, path, &session).await;
            let csp = r.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
            assert!(
                csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
                "{path}"
            );
            assert_eq!(r.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
            assert_eq!(
                r.headers[header::CACHE_CONTROL],
                "no-store",
                "{path}: pages show personal data"
            );
        }
        assert!(
            !get(&app, "/", &session).await.text.contains("onclick="),
            "no inline script"
        );
        for evil in [
            "/%09/evil.example",
            "//evil.example",
            "/%5Cevil.example",
            "/%0d%0aSet-Cookie:%20x=1",
        ] {
            let r = get(&app, &format!("/lang?to=en&next={evil}"), &session).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{evil}: {}", r.text);
            assert_eq!(r.headers[header::LOCATION], "/", "{evil}");
        }
        app.cleanup().await;
    }
}

#[tokio::test]
async fn dates_out_of_range_and_bad_filters_are_refused() {
    for app in TestApp::all(false).await {
        let root = app.login("root").await;
        let (c, v) = (app.fx.customer_a, app.fx.vehicle_a);
        for (opened, field) in [
            ("0000-01-01", None),
            ("1899-12-31", Some("opened_on")),
            ("9999-12-31", Some("opened_on")),
        ] {
            let body = json!({"customer_id": c, "vehicle_id": v, "opened_on": opened, "kind": "repair"});
            let r = app
                .call(Method::POST, "/api/v1/repair-orders", Some(&root), Some(body))
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{opened}: {}", r.text);
            if let Some(f) = field {
                assert_eq!(r.json()["errors"][0]["field"], f, "{}", r.text);
                assert_eq!(r.json()["errors"][0]["code"], "date_range");
            }
        }
        let cm = app.login("b.cm").await;
        let filed = json!({"customer_id": app.fx.customer_b, "channel": "phone", "category": "service_attitude", "tier": "general",
            "title": "旧事", "description": "1970 年的投诉", "filed_at": "1970-01-02T00:00:00Z"});
        let r = app
            .call(Method::POST, "/api/v1/complaints", Some(&cm), Some(filed))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert!(r.text.contains("too_long_ago"), "{}", r.text);
        let r = app
            .call(Method::GET, "/api/v1/vehicles?q=ABCDEFGHIJ/", Some(&root), None)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.json()["items"], json!([]), "nothing can match");
        app.cleanup().await;
    }
}

#[tokio::test]
async fn uploads_are_refused_before_a_byte_is_stored() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    for app in TestApp::all(false).await {
        let agent = app.login("a.agent").await;
        let r = app
            .upload(
                &agent,
                &[("kind", "customers")],
                "owners.csv",
                "姓名,手机\n王五,13900005555\n".as_bytes(),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
        // The refusal comes before the body is read: a 10 MB upload of which only the
        // first bytes are sent is answered at once, not after the rest would arrive.
        let addr = app.live().await;
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        let head = format!(
            "POST /api/v1/imports HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {agent}\r\ncontent-type: multipart/form-data; boundary=B\r\ncontent-length: 10000000\r\nconnection: close\r\n\r\n--B\r\ncontent-disposition: form-data; name=\"file\"; filename=\"x.csv\"\r\n\r\n"
        );
        s.write_all(head.as_bytes()).await.unwrap();
        let mut first = [0u8; 12];
        let answered = tokio::time::timeout(std::time::Duration::from_secs(3), s.read_exact(&mut first)).await;
        assert!(answered.is_ok(), "{}: the server waited for the body", app.db_name);
        assert_eq!(&first, b"HTTP/1.1 403", "{}", app.db_name);
        app.cleanup().await;
    }
}

#[tokio::test]
async fn metrics_need_the_token_when_one_is_set() {
    let app = TestApp::all(false).await.into_iter().next().unwrap();
    let router = crate::app(
        app.store.clone(),
        crate::AppOptions {
            metrics_token: Some("scrape-secret".into()),
            ..Default::default()
        },
    );
    let addr = common::live::serve(router).await;
    assert_eq!(
        request(addr, "GET", "/metrics", None, None).await.0,
        403,
        "loopback alone is not enough"
    );
    assert_eq!(request(addr, "GET", "/metrics", Some("wrong"), None).await.0, 403);
    assert_eq!(
        request(addr, "GET", "/metrics", Some("scrape-secret"), None).await.0,
        200
    );
    app.cleanup().await;
}

#[tokio::test]
async fn metrics_are_for_the_local_machine() {
    let app = TestApp::all(false).await.into_iter().next().unwrap();
    // Over the network from 127.0.0.1: allowed.
    let addr = app.live().await;
    let (status, _) = request(addr, "GET", "/metrics", None, None).await;
    assert_eq!(status, 200);
    app.cleanup().await;
}

#[tokio::test]
async fn an_upload_cut_off_midway_leaves_no_file() {
    use tokio::io::AsyncWriteExt;
    let app = TestApp::all(false).await.into_iter().next().unwrap();
    let addr = app.live().await;
    let token = app.login("a.admin").await;
    let dir = std::env::temp_dir().join("dcrc-uploads");
    let started = std::time::SystemTime::now();
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let boundary = "XdcrcX";
    let head = format!(
        "POST /api/v1/imports HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {token}\r\ncontent-type: multipart/form-data; boundary={boundary}\r\ncontent-length: 10000000\r\n\r\n--{boundary}\r\ncontent-disposition: form-data; name=\"kind\"\r\n\r\ncustomers\r\n--{boundary}\r\ncontent-disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\ncontent-type: text/csv\r\n\r\n姓名,手机\r\n"
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(&vec![b'a'; 1024 * 1024]).await.unwrap();
    s.flush().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    drop(s);
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    let left: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.metadata().and_then(|m| m.modified()).is_ok_and(|t| t >= started))
                .collect()
        })
        .unwrap_or_default();
    assert!(left.is_empty(), "left behind: {left:?}");
    app.cleanup().await;
}

#[tokio::test]
async fn a_request_that_never_finishes_gets_a_problem_not_silence() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::all(false).await.into_iter().next().unwrap();
    let router = crate::app(
        app.store.clone(),
        crate::AppOptions {
            request_timeout: Some(std::time::Duration::from_millis(500)),
            ..Default::default()
        },
    );
    let addr = common::live::serve(router).await;
    let token = app.login("a.admin").await;
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    // A body announced and never sent.
    let head = format!(
        "POST /api/v1/customers HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {token}\r\ncontent-type: application/json\r\naccept-language: en\r\ncontent-length: 100\r\nconnection: close\r\n\r\n{{"
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), s.read_to_end(&mut raw)).await;
    let text = String::from_utf8_lossy(&raw);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(
        text.contains("application/problem+json") && text.contains("\"code\":\"timeout\""),
        "{text}"
    );
    app.cleanup().await;
}
