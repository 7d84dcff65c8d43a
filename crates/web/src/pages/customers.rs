//! The customer search page and the new-customer form.

use super::{render, url_encode, FormData, Layout};
use crate::error::ApiError;
use crate::extract::WebUser;
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dcrc_domain::{OrgKind, Permission};
use dcrc_store::customer_search::CustomerFilter;
use dcrc_store::customers::{NewCustomer, PhoneInput};
use dcrc_store::orgs::OrgFilter;
use dcrc_store::{Principal, StoreError};
use serde::Deserialize;

pub struct Row {
    pub id: i64,
    pub name: String,
    pub phone: String,
    pub plates: String,
    pub models: String,
    pub city: String,
    pub last_visit: String,
}

#[derive(Template)]
#[template(path = "customers.html")]
struct CustomersPage {
    l: Layout,
    q: String,
    city: String,
    model: String,
    tag: String,
    can_edit: bool,
    can_export_personal: bool,
    /// The current filters as a query string, for the export links.
    export: String,
    rows: Vec<Row>,
    next: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    model: String,
    #[serde(default)]
    tag: String,
    cursor: Option<String>,
}

pub async fn list(State(state): State<AppState>, WebUser(me): WebUser, Query(s): Query<SearchQuery>) -> Response {
    let some = |v: &str| Some(v.trim().to_string()).filter(|v| !v.is_empty());
    let filter = CustomerFilter {
        q: some(&s.q),
        city: some(&s.city),
        model: some(&s.model),
        tag: some(&s.tag),
        cursor: s.cursor.clone(),
        limit: Some(50),
        ..CustomerFilter::default()
    };
    let page = match state.store.search_customers(&me, &filter).await {
        Ok(p) => p,
        Err(e) => return super::error_page(Some(&me), e),
    };
    let rows = page
        .items
        .into_iter()
        .map(|c| Row {
            id: c.id,
            name: c.name,
            phone: c.phone_masked.unwrap_or_default(),
            plates: c.plates.join(" "),
            models: c.models.join(" "),
            city: c.city.unwrap_or_default(),
            last_visit: c.last_visit_date.map(|d| d.to_string()).unwrap_or_default(),
        })
        .collect();
    let next = page.next_cursor.map(|c| {
        format!(
            "/customers?q={}&city={}&model={}&tag={}&cursor={}",
            url_encode(&s.q),
            url_encode(&s.city),
            url_encode(&s.model),
            url_encode(&s.tag),
            url_encode(&c)
        )
    });
    let export = format!(
        "q={}&city={}&model={}&tag={}",
        url_encode(&s.q),
        url_encode(&s.city),
        url_encode(&s.model),
        url_encode(&s.tag)
    );
    let view = CustomersPage {
        l: Layout::new(Some(&me), "/customers"),
        q: s.q,
        city: s.city,
        model: s.model,
        tag: s.tag,
        can_edit: me.can(Permission::EditCustomers),
        can_export_personal: me.can(Permission::ExportPersonal),
        export,
        rows,
        next,
    };
    render(StatusCode::OK, &view)
}

#[derive(Template)]
#[template(path = "customer_new.html")]
struct NewCustomerPage {
    l: Layout,
    csrf: String,
    dealers: Vec<(i64, String)>,
    form_name: String,
    form_phone: String,
    duplicate_of: Option<i64>,
}

/// Dealers the caller may file a customer under (none to choose when they sit at one).
async fn dealers(state: &AppState, me: &Principal) -> Vec<(i64, String)> {
    if me.org_kind == OrgKind::Dealer {
        return Vec::new();
    }
    let filter = OrgFilter {
        kind: Some(OrgKind::Dealer),
        active: Some(true),
        limit: Some(200),
        ..OrgFilter::default()
    };
    state
        .store
        .list_orgs(me, &filter)
        .await
        .map(|p| p.items.into_iter().map(|o| (o.id, o.name)).collect())
        .unwrap_or_default()
}

async fn show_new(
    state: &AppState,
    me: &Principal,
    status: StatusCode,
    error: Option<ApiError>,
    form: Option<&FormData>,
) -> Response {
    let mut layout = Layout::new(Some(me), "/customers");
    let duplicate_of = error.as_ref().and_then(|e| e.existing_id);
    if let Some(e) = &error {
        layout = layout.error(e);
    }
    let view = NewCustomerPage {
        l: layout,
        csrf: me.csrf_token.clone(),
        dealers: dealers(state, me).await,
        form_name: form.map(|f| f.text("name")).unwrap_or_default(),
        form_phone: form.map(|f| f.text("phone")).unwrap_or_default(),
        duplicate_of,
    };
    render(status, &view)
}

pub async fn new_page(State(state): State<AppState>, WebUser(me): WebUser) -> Response {
    show_new(&state, &me, StatusCode::OK, None, None).await
}

pub async fn create(State(state): State<AppState>, WebUser(me): WebUser, form: FormData) -> Response {
    if !form.csrf_ok(&me) {
        return super::csrf_failed(Some(&me));
    }
    let text = |k: &str| form.get(k).map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
    let phones = ["phone", "phone2"]
        .iter()
        .filter_map(|k| text(k))
        .map(|number| PhoneInput { number, status: None })
        .collect();
    let input = NewCustomer {
        org_id: form.get("org_id").and_then(|v| v.parse().ok()),
        name: form.text("name"),
        phones,
        province: text("province"),
        city: text("city"),
        district: text("district"),
        tags: form
            .text("tags")
            .split([',', '，'])
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect(),
        allow_duplicate: form.get("allow_duplicate").is_some(),
        ..NewCustomer::default()
    };
    match state.store.create_customer(&me, input).await {
        Ok(c) => Redirect::to(&format!("/customers/{}", c.id)).into_response(),
        Err(StoreError::Forbidden) => super::error_page(Some(&me), StoreError::Forbidden),
        Err(e) => {
            let api: ApiError = e.into();
            show_new(&state, &me, api.status, Some(api), Some(&form)).await
        }
    }
}

#[derive(Deserialize, Default)]
pub struct ExportQuery {
    #[serde(flatten)]
    search: SearchQuery,
    #[serde(default)]
    format: crate::export::ExportFormat,
    #[serde(default)]
    personal: bool,
}

/// The search page's export links: the same filters, as XLSX or CSV.
pub async fn export(State(state): State<AppState>, WebUser(me): WebUser, Query(e): Query<ExportQuery>) -> Response {
    let some = |v: &str| Some(v.trim().to_string()).filter(|v| !v.is_empty());
    let s = &e.search;
    let filter = CustomerFilter {
        q: some(&s.q),
        city: some(&s.city),
        model: some(&s.model),
        tag: some(&s.tag),
        ..CustomerFilter::default()
    };
    match crate::export::export_customers(&state, &me, filter, e.format, e.personal).await {
        Ok(r) => r,
        Err(err) => super::error_page(
            Some(&me),
            match err.status {
                StatusCode::FORBIDDEN => StoreError::Forbidden,
                _ => StoreError::NotFound,
            },
        ),
    }
}
