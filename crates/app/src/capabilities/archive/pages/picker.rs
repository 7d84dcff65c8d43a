//! The customer picker used by every form that chooses a customer: type a name, phone
//! tail, plate or VIN fragment, press 查找 and pick one of the matches. It works without
//! JavaScript (the 查找 button sends the form back to its own page, which draws the
//! matches with every other value kept); the site's script fills the matches as the user
//! types, from `/customers/pick`.

use crate::capabilities::archive::data::customer_search::{CustomerFilter, CustomerSummary};
use crate::core::http::extract::WebUser;
use crate::core::http::form_view::{esc, FormView};
use crate::core::http::i18n::Tr;
use crate::AppState;
use crate::Principal;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::fmt::Write;

/// A customer as the picker lists them: name, masked phone, plates and models.
pub fn describe(c: &CustomerSummary) -> String {
    let mut parts = vec![c.name.clone()];
    parts.extend(c.phone_masked.clone());
    parts.extend(c.plates.iter().cloned());
    parts.extend(c.models.iter().cloned());
    parts.join(" · ")
}

/// The matches for what was typed (at most 10), or none for fewer than two characters.
pub async fn matches(state: &AppState, me: &Principal, q: &str) -> Vec<(i64, String)> {
    let q = q.trim();
    if q.chars().count() < 2 {
        return Vec::new();
    }
    let filter = CustomerFilter {
        q: Some(q.to_string()),
        limit: Some(10),
        ..Default::default()
    };
    match state.store.search_customers(me, &filter).await {
        Ok(page) => page.items.iter().map(|c| (c.id, describe(c))).collect(),
        Err(_) => Vec::new(),
    }
}

/// The label of the chosen customer, when the form holds one in scope.
pub async fn chosen(state: &AppState, me: &Principal, id: Option<i64>) -> Option<(i64, String)> {
    let c = state.store.get_customer(me, id?).await.ok()?;
    let mut parts = vec![c.name.clone()];
    parts.extend(c.phones.first().map(|p| p.masked.clone()));
    Some((c.id, parts.join(" · ")))
}

/// The picker's HTML for the field `name` (the chosen id) with its search box
/// `<name>_q`; `found` are the matches of the last search.
pub fn html(
    t: &Tr,
    form: &FormView,
    name: &str,
    label: &str,
    chosen: Option<&(i64, String)>,
    found: &[(i64, String)],
) -> String {
    let q_name = format!("{name}_q");
    let errors = form.errors_of(name);
    let mut out = format!(
        r#"<fieldset class="picker" data-picker="{n}" id="picker-{n}"><legend>{label} <abbr class="req" title="*">*</abbr></legend>"#,
        n = esc(name),
        label = esc(label)
    );
    let _ = write!(
        out,
        r#"<div class="row"><label for="f-{n}_q" class="grow">{hint}<input type="search" id="f-{n}_q" name="{n}_q" value="{v}" autocomplete="off" data-picker-input="{n}"{invalid}></label><button type="submit" name="_pick" value="{n}" formnovalidate class="small" id="pick-{n}">{find}</button></div>"#,
        n = esc(name),
        hint = esc(&t.get("picker.hint")),
        v = esc(form.value(&q_name)),
        find = esc(&t.get("picker.find")),
        invalid = if errors.is_empty() {
            ""
        } else {
            r#" aria-invalid="true" autofocus"#
        }
    );
    out.push_str(r#"<div class="picker-results" role="radiogroup" aria-live="polite">"#);
    let mut shown = Vec::new();
    if let Some((id, text)) = chosen {
        shown.push((*id, text.clone(), true));
    }
    for (id, text) in found {
        if chosen.is_none_or(|(c, _)| c != id) {
            shown.push((*id, text.clone(), false));
        }
    }
    for (id, text, checked) in &shown {
        let _ = write!(
            out,
            r#"<label class="check pick"><input type="radio" name="{n}" value="{id}"{c}> {text}</label>"#,
            n = esc(name),
            c = if *checked { " checked" } else { "" },
            text = esc(text)
        );
    }
    if shown.is_empty() {
        let key = if form.value(&q_name).trim().is_empty() {
            "picker.empty"
        } else {
            "picker.none"
        };
        let _ = write!(out, r#"<p class="muted">{}</p>"#, esc(&t.get(key)));
    }
    out.push_str("</div>");
    if !errors.is_empty() {
        let joined: Vec<String> = errors.iter().map(|e| esc(&e.message)).collect();
        let _ = write!(
            out,
            r#"<span class="field-error" id="e-{}" role="alert">{}</span>"#,
            esc(name),
            joined.join("<br>")
        );
    }
    out.push_str("</fieldset>");
    out
}

#[derive(Deserialize)]
pub struct PickQuery {
    #[serde(default)]
    q: String,
}

/// The matches as JSON for the script: `[{"id": 1, "label": "王五 · 139****4444"}]`.
pub async fn pick(State(state): State<AppState>, WebUser(me): WebUser, Query(q): Query<PickQuery>) -> Response {
    let found = matches(&state, &me, &q.q).await;
    let items: Vec<serde_json::Value> = found
        .into_iter()
        .map(|(id, label)| serde_json::json!({ "id": id, "label": label }))
        .collect();
    axum::Json(items).into_response()
}
