//! The organisation admin page.

use crate::capabilities::accounts::data::orgs::{NewOrg, Org, OrgPatch};
use crate::core::http::error::ApiError;
use crate::core::http::extract::WebUser;
use crate::core::http::form::Posted;
use crate::core::http::form_view::FormView;
use crate::core::http::layout::{render, Layout};
use crate::AppState;
use crate::Principal;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dcrc_domain::{FieldError, Invalid, OrgKind, Permission};

/// An org as a row of the tree table.
pub struct OrgRow {
    pub id: i64,
    pub name: String,
    pub indent: String,
    pub kind_code: &'static str,
    pub kind_key: String,
    pub code: String,
    pub active: bool,
}

/// Orgs in tree order with indentation relative to the caller's own org.
pub fn org_rows(orgs: &[Org], base_depth: i64) -> Vec<OrgRow> {
    orgs.iter()
        .map(|o| OrgRow {
            id: o.id,
            name: o.name.clone(),
            indent: "\u{3000}".repeat(usize::try_from(o.depth - base_depth).unwrap_or(0)),
            kind_code: o.kind.as_str(),
            kind_key: format!("kind.{}", o.kind.as_str()),
            code: o.code.clone().unwrap_or_default(),
            active: o.active,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "capabilities/accounts/templates/orgs.html")]
struct OrgsPage {
    l: Layout,
    csrf: String,
    can_manage: bool,
    open_form: bool,
    orgs: Vec<OrgRow>,
    kinds: Vec<(String, String)>,
    parents: Vec<(String, String)>,
    form: FormView,
}

async fn show(state: &AppState, me: &Principal, status: StatusCode, error: Option<ApiError>) -> Response {
    show_form(state, me, status, error.map(|e| (FormView::new(), e))).await
}

async fn show_form(
    state: &AppState,
    me: &Principal,
    status: StatusCode,
    error: Option<(FormView, ApiError)>,
) -> Response {
    let orgs = match state.store.org_tree(me).await {
        Ok(o) => o,
        Err(e) => return crate::core::http::layout::error_page(Some(me), e),
    };
    let base = orgs.first().map(|o| o.depth).unwrap_or(0);
    let layout = Layout::new(Some(me), "/admin/orgs");
    let labels: &[(&str, &str)] = &[
        ("name", "orgs.name"),
        ("kind", "orgs.kind"),
        ("parent_id", "orgs.parent"),
        ("code", "orgs.code"),
    ];
    let open_form = error.is_some();
    let rows = org_rows(&orgs, base);
    let first_parent = rows.iter().find(|o| o.active && o.kind_code != "dealer").map(|o| o.id);
    let form = match error {
        Some((f, e)) => f.labelled(&layout.t, labels).with_error(&e, |f| f.to_string()),
        None => FormView::new()
            .set("kind", OrgKind::Dealer.as_str())
            .set("parent_id", first_parent.map(|id| id.to_string()).unwrap_or_default())
            .labelled(&layout.t, labels),
    };
    let page = OrgsPage {
        csrf: me.csrf_token.clone(),
        can_manage: me.can(Permission::ManageOrgs),
        open_form,
        parents: rows
            .iter()
            .filter(|o| o.active && o.kind_code != "dealer")
            .map(|o| (o.id.to_string(), format!("{}{}", o.indent, o.name)))
            .collect(),
        orgs: rows,
        kinds: [OrgKind::Region, OrgKind::Group, OrgKind::Dealer]
            .iter()
            .map(|k| (k.as_str().to_string(), layout.t.get(&format!("kind.{}", k.as_str()))))
            .collect(),
        form,
        l: layout,
    };
    render(status, &page)
}

pub async fn page(State(state): State<AppState>, WebUser(me): WebUser) -> Response {
    show(&state, &me, StatusCode::OK, None).await
}

pub async fn create(State(state): State<AppState>, Posted(me, form): Posted) -> Response {
    let mut errors = Invalid::default();
    let kind = OrgKind::parse(form.get("kind").unwrap_or(""));
    if kind.is_none() {
        errors.push(FieldError::new("kind", "unknown_value").with("allowed", "region, group, dealer"));
    }
    let parent_id = form.get("parent_id").and_then(|v| v.parse::<i64>().ok());
    let kept = FormView::submitted(&form);
    let (Some(kind), true) = (kind, errors.is_empty()) else {
        return show_form(
            &state,
            &me,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some((kept, errors.into())),
        )
        .await;
    };
    let code = form
        .get("code")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string);
    match state
        .store
        .create_org(
            &me,
            NewOrg {
                name: form.text("name"),
                kind,
                parent_id,
                code,
            },
        )
        .await
    {
        Ok(o) => crate::core::http::flash::redirect(
            "/admin/orgs",
            crate::core::http::flash::Flash::new("done.org.created").with("name", o.name),
        ),
        Err(e) => {
            let api: ApiError = e.into();
            show_form(&state, &me, api.status, Some((kept, api))).await
        }
    }
}

pub async fn set_active(State(state): State<AppState>, Path(id): Path<i64>, Posted(me, form): Posted) -> Response {
    let active = form.get("active") == Some("true");
    match state
        .store
        .update_org(
            &me,
            id,
            OrgPatch {
                active: Some(active),
                ..OrgPatch::default()
            },
        )
        .await
    {
        Ok(_) => Redirect::to("/admin/orgs").into_response(),
        Err(crate::StoreError::NotFound) => {
            crate::core::http::layout::error_page(Some(&me), crate::StoreError::NotFound)
        }
        Err(e) => {
            let api: ApiError = e.into();
            show(&state, &me, api.status, Some(api)).await
        }
    }
}

#[derive(Template)]
#[template(path = "capabilities/accounts/templates/org_edit.html")]
struct OrgEditPage {
    l: Layout,
    csrf: String,
    id: i64,
    name: String,
    form: FormView,
}

/// The edit form: the org's values, or what was typed with the errors of the refusal.
async fn show_edit(
    state: &AppState,
    me: &Principal,
    id: i64,
    status: StatusCode,
    error: Option<(FormView, ApiError)>,
) -> Response {
    let org = match state.store.get_org(me.scope(), id).await {
        Ok(o) => o,
        Err(e) => return crate::core::http::layout::error_page(Some(me), e),
    };
    let layout = Layout::new(Some(me), "/admin/orgs");
    let labels: &[(&str, &str)] = &[("name", "orgs.name"), ("code", "orgs.code")];
    let form = match error {
        Some((f, e)) => f.labelled(&layout.t, labels).with_error(&e, |f| f.to_string()),
        None => FormView::new()
            .set("name", &org.name)
            .set("code", org.code.unwrap_or_default())
            .labelled(&layout.t, labels),
    };
    let page = OrgEditPage {
        l: layout,
        csrf: me.csrf_token.clone(),
        id,
        name: org.name,
        form,
    };
    render(status, &page)
}

pub async fn edit_page(State(state): State<AppState>, WebUser(me): WebUser, Path(id): Path<i64>) -> Response {
    show_edit(&state, &me, id, StatusCode::OK, None).await
}

pub async fn save(State(state): State<AppState>, Path(id): Path<i64>, Posted(me, form): Posted) -> Response {
    let patch = OrgPatch {
        name: Some(form.text("name")),
        code: Some(form.text("code")),
        active: None,
    };
    match state.store.update_org(&me, id, patch).await {
        Ok(o) => crate::core::http::flash::redirect(
            "/admin/orgs",
            crate::core::http::flash::Flash::new("done.org.saved").with("name", o.name),
        ),
        Err(crate::StoreError::NotFound) => {
            crate::core::http::layout::error_page(Some(&me), crate::StoreError::NotFound)
        }
        Err(e) => {
            let api: ApiError = e.into();
            show_edit(&state, &me, id, api.status, Some((FormView::submitted(&form), api))).await
        }
    }
}
