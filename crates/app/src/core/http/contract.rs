//! The finishing touches that make the OpenAPI document a contract a validator, a
//! generated client and a fuzzer can rely on: one unique, readable operationId per
//! operation (`listCustomers`, `getComplaint` …), every error answer documented as
//! `application/problem+json` (401 and 403 on every authenticated operation, 404 where a
//! path names a record, 409 and 422 where something is written or filtered).

use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];
const PROBLEM_JSON: &str = "application/problem+json";

fn pascal(s: &str) -> String {
    s.split(['_', '-', '.'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn camel(s: &str) -> String {
    let p = pascal(s);
    let mut c = p.chars();
    c.next()
        .map(|f| f.to_ascii_lowercase().to_string() + c.as_str())
        .unwrap_or_default()
}

fn singular(noun: &str) -> String {
    if let Some(stem) = noun.strip_suffix("ies") {
        format!("{stem}y")
    } else if let Some(stem) = noun.strip_suffix('s') {
        stem.to_string()
    } else {
        noun.to_string()
    }
}

/// `list` on `/api/v1/customers` → `listCustomers`; `get` on `/api/v1/complaints/{id}` →
/// `getComplaint`; an action below a record names it: `/complaints/{id}/pause` →
/// `pauseComplaint`; handler names that already say what they do are kept (`listTokens`).
fn operation_id(handler: &str, path: &str) -> String {
    if handler.contains('_') {
        return camel(handler);
    }
    let segments: Vec<&str> = path
        .trim_start_matches("/api/v1/")
        .trim_start_matches("/api/")
        .split('/')
        .collect();
    let resource = segments.first().copied().unwrap_or("api");
    let names_a_record = segments.iter().skip(1).any(|s| s.starts_with('{'));
    let tail: Vec<&str> = segments
        .iter()
        .skip(1)
        .filter(|s| !s.starts_with('{'))
        .copied()
        .collect();
    let noun = if names_a_record {
        singular(resource)
    } else {
        resource.to_string()
    };
    let mut id = camel(handler);
    for part in std::iter::once(noun.as_str()).chain(tail) {
        let part = pascal(part.trim_end_matches(".xlsx").trim_end_matches(".pdf"));
        if !id.to_lowercase().contains(&part.to_lowercase()) {
            id.push_str(&part);
        }
    }
    id
}

fn problem(description: &str) -> Value {
    json!({
        "description": description,
        "content": { PROBLEM_JSON: { "schema": { "$ref": "#/components/schemas/Problem" } } }
    })
}

/// Error answers say they are problems, and the standard ones are all documented.
fn document_errors(method: &str, path: &str, op: &mut Map<String, Value>) {
    let public = op
        .get("security")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().all(|r| r.as_object().is_some_and(Map::is_empty)));
    let writes = method != "get";
    let has_query = op
        .get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"));
    let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
        return;
    };
    for (status, response) in responses.iter_mut() {
        if !status.starts_with('4') && !status.starts_with('5') {
            continue;
        }
        match response.get_mut("content").and_then(Value::as_object_mut) {
            Some(content) if !content.is_empty() => {
                if let Some(body) = content.remove("application/json") {
                    content.insert(PROBLEM_JSON.into(), body);
                }
            }
            _ => {
                let described = response["description"].as_str().unwrap_or("Error").to_string();
                *response = problem(&described);
            }
        }
    }
    let mut wanted: Vec<(&str, &str)> = Vec::new();
    if !public {
        wanted.push(("401", "Not signed in, or the token is invalid or expired"));
        wanted.push(("403", "The caller's role does not allow this"));
    }
    if path.contains('{') {
        wanted.push(("404", "No such record, or it is outside the caller's scope"));
    }
    if writes {
        wanted.push(("400", "The body is not valid JSON"));
        wanted.push(("409", "Conflicts with the record's state or with a concurrent change"));
    }
    if writes || has_query {
        wanted.push((
            "422",
            "A field is missing or invalid; each problem is listed in `errors`",
        ));
    }
    for (status, description) in wanted {
        responses
            .entry(status.to_string())
            .or_insert_with(|| problem(description));
    }
}

/// Applies the contract to a generated document; the result is what
/// `/api/openapi.json` serves. (It stays JSON: utoipa cannot read back the free-form
/// schema of a `serde_json::Value` field.)
pub fn finish(doc: &utoipa::openapi::OpenApi) -> Value {
    let mut v = serde_json::to_value(doc).unwrap_or(Value::Null);
    let mut seen = BTreeSet::new();
    if let Some(paths) = v.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            for method in METHODS {
                let Some(op) = item.get_mut(method).and_then(Value::as_object_mut) else {
                    continue;
                };
                let handler = op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .unwrap_or(method)
                    .to_string();
                let mut id = operation_id(&handler, path);
                if !seen.insert(id.clone()) {
                    id = format!("{id}{}", pascal(method));
                    seen.insert(id.clone());
                }
                op.insert("operationId".into(), Value::String(id));
                document_errors(method, path, op);
            }
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::operation_id;

    #[test]
    fn operation_ids_read_as_what_they_do() {
        assert_eq!(operation_id("list", "/api/v1/customers"), "listCustomers");
        assert_eq!(operation_id("get", "/api/v1/complaints/{id}"), "getComplaint");
        assert_eq!(operation_id("pause", "/api/v1/complaints/{id}/pause"), "pauseComplaint");
        assert_eq!(operation_id("get", "/api/v1/policies/{org_id}"), "getPolicy");
        assert_eq!(operation_id("list_tokens", "/api/v1/auth/tokens"), "listTokens");
        assert_eq!(
            operation_id("errors_xlsx", "/api/v1/imports/{id}/errors.xlsx"),
            "errorsXlsx"
        );
    }
}
