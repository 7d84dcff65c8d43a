//! The archive through the JSON API: the contract other tools rely on.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use crate::testing::web as common;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use common::TestApp;
use serde_json::json;

#[tokio::test]
async fn customers_vehicles_and_history_through_the_api() {
    for app in TestApp::all(false).await {
        let token = app.login("a.agent").await;
        let t = Some(token.as_str());
        let body = json!({"name": "刘洋", "phones": [{"number": "１３９ ０００１ ２３４５"}, {"number": "020-8888 1234"}], "province": "广东", "city": "佛山",
                          "attributes": ["private"], "tags": ["VIP", "老客户"], "consents": [{"purpose": "marketing", "granted": true, "source": "in_store"}]});
        let r = app.call(Method::POST, "/api/v1/customers", t, Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let c = r.json();
        assert_eq!(c["phones"][0]["masked"], "139****2345");
        assert_eq!(c["phones"][1]["kind"], "landline");
        assert!(!r.text.contains("13900012345"), "numbers are masked by default");
        let cid = c["id"].as_i64().unwrap();
        // The same number again: 409 naming the existing customer.
        let r = app
            .call(
                Method::POST,
                "/api/v1/customers",
                t,
                Some(json!({"name": "刘阳", "phones": [{"number": "13900012345"}]})),
            )
            .await;
        assert_eq!(
            (r.status, r.json()["code"].as_str(), r.json()["existing_id"].as_i64()),
            (StatusCode::CONFLICT, Some("duplicate_customer"), Some(cid))
        );
        // A vehicle with a bad VIN gets a message in the requested language.
        let req = Request::builder()
            .method(Method::POST)
            .uri("/api/v1/vehicles")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT_LANGUAGE, "en")
            .body(Body::from(json!({"vin": "LGWEF4A5XOQ00001"}).to_string()))
            .unwrap();
        let r = app.send(req).await;
        assert_eq!(r.json()["errors"][0]["message"], "must be 17 characters");
        let r = app
            .call(
                Method::POST,
                "/api/v1/vehicles",
                t,
                Some(json!({"vin": "LGWEF4A5XA0000001", "plate": "粤X"})),
            )
            .await;
        let fields: Vec<_> = r.json()["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(fields, vec!["vin", "plate"], "{}", r.text);
        assert_eq!(r.json()["errors"][0]["message"], "国产车车架号第 9 位校验位不正确");
        let mut raw = *b"LGWEF4A50A0000777";
        raw[8] = dcrc_domain::vin::check_char(&raw).unwrap() as u8;
        let vin = String::from_utf8(raw.to_vec()).unwrap();
        let r = app.call(Method::POST, "/api/v1/vehicles", t, Some(json!({"vin": vin, "plate": "粤E D12345", "model": "哈弗H6", "owner_id": cid, "owner_since": "2024-05-06"}))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let vid = r.json()["id"].as_i64().unwrap();
        assert_eq!(r.json()["plate"], "粤ED12345");
        let r = app.call(Method::POST, "/api/v1/repair-orders", t, Some(json!({"customer_id": cid, "vehicle_id": vid, "opened_on": "2025-08-01", "kind": "first_maintenance", "mileage_km": 3000, "labour_fen": 0, "parts_fen": 38000}))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(r.json()["total_fen"], 38000);
        let r = app
            .call(
                Method::POST,
                "/api/v1/repair-orders",
                t,
                Some(json!({"customer_id": cid, "vehicle_id": vid, "opened_on": "2025-08-01", "kind": "tuning"})),
            )
            .await;
        assert_eq!(r.json()["errors"][0]["code"], "unknown_value");
        let timeline = app
            .call(Method::GET, &format!("/api/v1/customers/{cid}/timeline"), t, None)
            .await
            .json();
        let kinds: Vec<_> = timeline["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        // The consent recorded with the customer today is on the timeline too.
        assert_eq!(kinds, vec!["consent", "repair_order", "ownership_start"]);
        let found = app.call(Method::GET, "/api/v1/customers?q=2345", t, None).await.json();
        assert!(
            found["items"].as_array().unwrap().iter().any(|c| c["id"] == cid),
            "last four digits (plates ending 2345 match too)"
        );
        let found = app
            .call(Method::GET, "/api/v1/customers?q=139-0001-2345", t, None)
            .await
            .json();
        assert_eq!(found["items"].as_array().unwrap().len(), 1);
        assert_eq!(found["items"][0]["id"], cid);
        let found = app
            .call(Method::GET, &format!("/api/v1/vehicles?q={}", &vin[11..]), t, None)
            .await
            .json();
        assert_eq!(found["items"][0]["id"], vid);
        // Reveal: the agent may (audited), the administrator may not.
        let r = app
            .call(Method::POST, &format!("/api/v1/customers/{cid}/reveal"), t, None)
            .await;
        assert_eq!(r.json()["phones"][0]["number"], "13900012345");
        let admin = app.login("a.admin").await;
        assert_eq!(
            app.call(
                Method::POST,
                &format!("/api/v1/customers/{cid}/reveal"),
                Some(&admin),
                None
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        let audit = app
            .call(Method::GET, "/api/v1/audit?action=reveal", Some(&admin), None)
            .await
            .json();
        assert_eq!(audit["items"][0]["actor_name"], "a.agent");
        assert_eq!(audit["items"][0]["entity_id"], cid.to_string());
        // Phone status learned from a call.
        let phone_id = c["phones"][0]["id"].as_i64().unwrap();
        let r = app
            .call(
                Method::PATCH,
                &format!("/api/v1/customers/{cid}/phones/{phone_id}"),
                t,
                Some(json!({"status": "empty_number"})),
            )
            .await;
        assert_eq!(r.json()["phones"][0]["status"], "empty_number");
        app.cleanup().await;
    }
}

#[tokio::test]
async fn imports_through_the_api_report_progress_reconciliation_and_errors() {
    for app in TestApp::all(false).await {
        let token = app.login("a.admin").await;
        let csv = "客户姓名,手机,车牌\n周杰,13811110001,粤A11111\n吴磊,13811110002,粤A1\n郑爽,,\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(csv);
        let dealer = app.fx.dealer_a.to_string();
        let r = app
            .upload(
                &token,
                &[("kind", "customers"), ("dealer_id", &dealer)],
                "owners.csv",
                &gbk,
            )
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
        let id = r.json()["id"].as_i64().unwrap();
        let mut status = serde_json::Value::Null;
        for _ in 0..500 {
            status = app
                .call(Method::GET, &format!("/api/v1/imports/{id}"), Some(&token), None)
                .await
                .json();
            if status["status"] != "running" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert_eq!(status["status"], "done", "{status}");
        assert_eq!(
            (
                status["rows_read"].as_i64(),
                status["rows_inserted"].as_i64(),
                status["rows_rejected"].as_i64()
            ),
            (Some(3), Some(1), Some(2))
        );
        let read = status["rows_read"].as_i64().unwrap();
        let sum: i64 = ["rows_inserted", "rows_updated", "rows_unchanged", "rows_rejected"]
            .iter()
            .map(|k| status[k].as_i64().unwrap())
            .sum();
        assert_eq!(read, sum, "reconciliation");
        let errors = status["errors"].as_array().unwrap();
        assert_eq!(
            (
                errors[0]["row"].as_i64(),
                errors[0]["column"].as_str(),
                errors[0]["code"].as_str()
            ),
            (Some(3), Some("车牌"), Some("plate_format"))
        );
        assert!(!errors[0]["message"].as_str().unwrap().is_empty());
        let xlsx = app
            .call(
                Method::GET,
                &format!("/api/v1/imports/{id}/errors.xlsx"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(xlsx.status, StatusCode::OK);
        assert!(xlsx.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .contains("spreadsheetml"));
        // The error file holds each rejected row whole, under the file's own headers, then
        // what was wrong: ready to fix and load again.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("errors.xlsx");
        std::fs::write(&path, &xlsx.bytes).unwrap();
        let (headers, mut rows, _) = dcrc_io::table::open(&path).unwrap();
        assert_eq!(&headers[..3], ["客户姓名", "手机", "车牌"]);
        let first = rows.next_record().unwrap().unwrap();
        assert_eq!(&first[..3], ["吴磊", "13811110002", "粤A1"], "{first:?}");
        assert!(first[3].starts_with("车牌："), "{first:?}");
        assert_eq!(first[4], "3", "the row's number in the original file");
        // Bad requests name the field and start nothing.
        let r = app
            .upload(&token, &[("kind", "owners"), ("dealer_id", &dealer)], "x.csv", b"a\n")
            .await;
        assert_eq!(
            (r.status, r.json()["errors"][0]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("kind"))
        );
        let list = app
            .call(Method::GET, "/api/v1/imports", Some(&token), None)
            .await
            .json();
        assert_eq!(list["items"].as_array().unwrap().len(), 1);
        app.cleanup().await;
    }
}

#[tokio::test]
async fn exports_stream_masked_csv_and_xlsx_and_are_audited_with_their_row_count() {
    for app in TestApp::all(false).await {
        let root = app.store.test_user("root").await.unwrap();
        let user = crate::capabilities::accounts::data::users::NewUser {
            username: "a.cm".into(),
            password: common::PW.into(),
            display_name: "客户经理".into(),
            org_id: app.fx.dealer_a,
            roles: vec![dcrc_domain::Role::CustomerManager],
            locale: None,
        };
        app.store.create_user(&root, user).await.unwrap();
        let agent = app.login("a.agent").await;
        let r = app
            .call(Method::GET, "/api/v1/customers/export?format=csv", Some(&agent), None)
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        assert!(r.text.starts_with('\u{feff}'), "UTF-8 BOM for Excel");
        let lines: Vec<&str> = r.text.trim_end().lines().collect();
        assert_eq!(lines.len(), 2, "header + dealer A's one customer: {}", r.text);
        assert!(lines[1].contains("A客户") && lines[1].contains("139****4444") && !lines[1].contains("13933334444"));
        assert_eq!(
            app.call(
                Method::GET,
                "/api/v1/customers/export?personal=true",
                Some(&agent),
                None
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        let cm = app.login("a.cm").await;
        let r = app
            .call(
                Method::GET,
                "/api/v1/customers/export?format=csv&personal=true",
                Some(&cm),
                None,
            )
            .await;
        assert!(r.text.contains("13933334444"), "{}", r.text);
        let r = app.call(Method::GET, "/api/v1/customers/export", Some(&cm), None).await;
        assert!(r.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .contains("spreadsheetml"));
        assert!(r.text.starts_with("PK"), "an XLSX (ZIP) file");
        // The export task writes its audit entry before it closes the stream, so a fully
        // read response means the entry exists.
        let admin = app.login("a.admin").await;
        let audit = app
            .call(Method::GET, "/api/v1/audit?action=export", Some(&admin), None)
            .await
            .json();
        let entries = audit["items"].as_array().unwrap();
        assert_eq!(entries.len(), 3, "{audit}");
        assert!(entries.iter().all(|e| e["detail"]["rows"] == 1));
        assert!(entries
            .iter()
            .any(|e| e["detail"]["personal"] == true && e["actor_name"] == "a.cm"));
        app.cleanup().await;
    }
}
