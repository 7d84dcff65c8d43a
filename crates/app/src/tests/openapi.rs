//! The OpenAPI document is a contract: unique operationIds, query parameters in the query
//! (optional where the handler says so), every `$ref` resolvable, every error answer a
//! problem, the standard error answers documented. A snapshot makes every change to it a
//! reviewed one (`cargo insta review`, or `INSTA_UPDATE=always` to accept).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use crate::testing::web as common;

use axum::http::Method;
use common::TestApp;
use serde_json::Value;
use std::collections::BTreeSet;

fn refs(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref") {
                out.insert(r.clone());
            }
            m.values().for_each(|x| refs(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

#[tokio::test]
async fn the_document_is_a_valid_complete_contract() {
    let app = TestApp::all(false).await.into_iter().next().unwrap();
    let doc = app.call(Method::GET, "/api/openapi.json", None, None).await.json();
    let mut ids = BTreeSet::new();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let in_path: BTreeSet<String> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(str::to_string)
            .collect();
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let id = op["operationId"].as_str().unwrap().to_string();
            assert!(ids.insert(id.clone()), "operationId {id} twice");
            assert!(
                id.chars().next().unwrap().is_ascii_lowercase() && !id.contains('_'),
                "{id}"
            );
            for p in op["parameters"].as_array().into_iter().flatten() {
                let name = p["name"].as_str().unwrap();
                match p["in"].as_str().unwrap() {
                    "path" => assert!(in_path.contains(name), "{method} {path}: {name} is not in the path"),
                    "query" => assert!(!in_path.contains(name)),
                    other => panic!("{method} {path}: {name} in {other}"),
                }
            }
            let responses = op["responses"].as_object().unwrap();
            for (status, r) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    let content = r["content"].as_object().unwrap();
                    assert!(
                        content.contains_key("application/problem+json") && !content.contains_key("application/json"),
                        "{method} {path} {status}"
                    );
                }
            }
            let public = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().all(|r| r.as_object().unwrap().is_empty()));
            if !public {
                assert!(
                    responses.contains_key("401") && responses.contains_key("403"),
                    "{method} {path}"
                );
            }
            if !in_path.is_empty() {
                assert!(responses.contains_key("404"), "{method} {path}");
            }
            if method != "get" {
                assert!(
                    responses.contains_key("409") && responses.contains_key("422"),
                    "{method} {path}"
                );
            }
        }
    }
    assert!(operations > 70, "{operations} operations");
    // Optional filters are optional.
    let customers = &doc["paths"]["/api/v1/customers"]["get"]["parameters"];
    let q = customers.as_array().unwrap().iter().find(|p| p["name"] == "q").unwrap();
    assert_eq!(
        (q["in"].as_str(), q["required"].as_bool()),
        (Some("query"), Some(false))
    );
    let mut all = BTreeSet::new();
    refs(&doc, &mut all);
    for r in all {
        let name = r.trim_start_matches("#/components/schemas/");
        assert!(
            doc["components"]["schemas"].get(name).is_some(),
            "{r} points at nothing"
        );
    }
    // The snapshot is the shipped contract: the test-only example capability is left out.
    let mut doc = doc;
    if let Some(paths) = doc["paths"].as_object_mut() {
        paths.retain(|p, _| !p.starts_with("/api/v1/example/"));
    }
    if let Some(schemas) = doc["components"]["schemas"].as_object_mut() {
        schemas.retain(|name, _| !name.contains("ExampleNote"));
    }
    insta::assert_json_snapshot!("openapi", doc);
    app.cleanup().await;
}
