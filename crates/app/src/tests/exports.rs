//! Every download, asked for as a browser asks (`Accept-Encoding: gzip, br`), arrives whole
//! and opens: streamed CSV and XLSX exports, statistics workbooks, import error reports,
//! and the complaint handling form.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use crate::testing::web as common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::pages::web_login;
use common::{Resp, TestApp};
use std::io::Read;

async fn download(app: &TestApp, path: &str, token: Option<&str>, cookies: Option<&str>) -> (Resp, Vec<u8>) {
    let mut req = Request::builder().uri(path).header(header::ACCEPT_ENCODING, "gzip, br");
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    if let Some(c) = cookies {
        req = req.header(header::COOKIE, c);
    }
    let r = app.send(req.body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
    let body = match r.headers.get(header::CONTENT_ENCODING).map(|v| v.to_str().unwrap()) {
        Some("gzip") => {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(&r.bytes[..])
                .read_to_end(&mut out)
                .unwrap_or_else(|e| panic!("{path}: a truncated gzip body: {e}"));
            out
        }
        None => r.bytes.clone(),
        Some(other) => panic!("{path}: unexpected encoding {other}"),
    };
    (r, body)
}

/// Opens an XLSX body with our own reader and returns its header and row count.
fn open_xlsx(path: &str, bytes: &[u8]) -> (Vec<String>, usize) {
    let file = std::env::temp_dir().join(format!(
        "dcrc-export-{}-{}.xlsx",
        std::process::id(),
        path.replace(['/', '?', '=', '&'], "_")
    ));
    std::fs::write(&file, bytes).unwrap();
    let (headers, mut rows, _) = dcrc_io::table::open(&file).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut n = 0;
    while let Some(r) = rows.next_record() {
        r.unwrap();
        n += 1;
    }
    let _ = std::fs::remove_file(file);
    (headers, n)
}

#[tokio::test]
async fn every_download_arrives_whole_when_compressed() {
    for app in TestApp::all(false).await {
        let token = app.login("root").await;
        let session = web_login(&app, "root").await;
        // Enough customers that the streamed export spans several batches.
        for i in 0..1_200 {
            let phone = format!("1370000{i:04}");
            app.store
                .create_customer(
                    &app.store.test_user("root").await.unwrap(),
                    serde_json::from_value(serde_json::json!({
                        "org_id": app.fx.dealer_a, "name": format!("导出{i}"), "kind": "person",
                        "phones": [{"number": phone}]
                    }))
                    .unwrap(),
                )
                .await
                .unwrap();
        }
        let (r, csv) = download(&app, "/api/v1/customers/export?format=csv", Some(&token), None).await;
        assert_eq!(
            r.headers.get(header::CONTENT_ENCODING).map(|v| v.to_str().unwrap()),
            Some("gzip"),
            "a CSV is compressed"
        );
        let text = String::from_utf8(csv).unwrap();
        assert!(text.starts_with('\u{feff}'));
        assert!(text.lines().count() > 1_200, "every row arrived ({})", app.db_name);
        let (_, page_csv) = download(&app, "/customers/export?format=csv", None, Some(&session)).await;
        assert_eq!(
            String::from_utf8(page_csv).unwrap().lines().count(),
            text.lines().count()
        );

        for path in [
            "/api/v1/customers/export",
            &format!("/api/v1/imports/{}/errors.xlsx", app.fx.import_b),
        ] {
            let (_, body) = download(&app, path, Some(&token), None).await;
            let (headers, rows) = open_xlsx(path, &body);
            assert!(!headers.is_empty(), "{path}");
            if path.ends_with("export") {
                assert!(rows > 1_200, "{path}: {rows}");
            }
        }
        for path in [
            "/callbacks/stats.xlsx?period=month".to_string(),
            "/complaints/stats.xlsx".to_string(),
            format!("/complaints/{}/form.xlsx", app.fx.complaint_b),
        ] {
            let (_, body) = download(&app, &path, None, Some(&session)).await;
            let (headers, _) = open_xlsx(&path, &body);
            assert!(!headers.is_empty(), "{path}");
        }
        let (_, pdf) = download(
            &app,
            &format!("/complaints/{}/form.pdf", app.fx.complaint_b),
            None,
            Some(&session),
        )
        .await;
        assert!(pdf.starts_with(b"%PDF-1.4") && pdf.ends_with(b"%%EOF\n"));
        app.cleanup().await;
    }
}
