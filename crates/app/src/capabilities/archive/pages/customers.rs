//! The customer search page and the new-customer form.

use crate::capabilities::archive::data::customer_search::CustomerFilter;
use crate::capabilities::archive::data::customers::{NewCustomer, PhoneInput};
use crate::core::http::error::ApiError;
use crate::core::http::extract::WebUser;
use crate::core::http::form::Posted;
use crate::core::http::layout::{render, url_encode, FormData, Layout};
use crate::AppState;
use crate::{Principal, StoreError};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use dcrc_domain::{OrgKind, Permission};
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
#[template(path = "capabilities/archive/templates/customers.html")]
struct CustomersPage {
    l: Layout,
    s: SearchQuery,
    can_edit: bool,
    can_export_personal: bool,
    /// The current filters as a query string, for the export links.
    export: String,
    rows: Vec<Row>,
    pager: crate::core::http::paging::Pager,
}

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    province: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    model: String,
    #[serde(default)]
    tag: String,
    #[serde(default)]
    attribute: String,
    #[serde(default)]
    membership: String,
    /// Last visit on or after (YYYY-MM-DD).
    #[serde(default)]
    visit_from: String,
    /// Last visit on or before (YYYY-MM-DD).
    #[serde(default)]
    visit_to: String,
    /// Customers with a number in this contact status.
    #[serde(default)]
    phone_status: String,
    cursor: Option<String>,
    /// The cursors that led here (for 上一页).
    #[serde(default)]
    trail: String,
}

impl SearchQuery {
    /// The store filter for these form fields (blank fields and unreadable dates ignored).
    fn filter(&self) -> CustomerFilter {
        let some = |v: &str| Some(v.trim().to_string()).filter(|v| !v.is_empty());
        let date = |v: &str| chrono::NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").ok();
        CustomerFilter {
            q: some(&self.q),
            province: some(&self.province),
            city: some(&self.city),
            model: some(&self.model),
            tag: some(&self.tag),
            attribute: some(&self.attribute),
            membership_level: some(&self.membership),
            phone_status: some(&self.phone_status),
            last_visit_from: date(&self.visit_from),
            last_visit_to: date(&self.visit_to),
            cursor: self.cursor.clone(),
            limit: Some(50),
            ..CustomerFilter::default()
        }
    }

    /// The filters as a query string, for paging and export links.
    fn query_string(&self) -> String {
        [
            ("q", &self.q),
            ("province", &self.province),
            ("city", &self.city),
            ("model", &self.model),
            ("tag", &self.tag),
            ("attribute", &self.attribute),
            ("membership", &self.membership),
            ("visit_from", &self.visit_from),
            ("visit_to", &self.visit_to),
            ("phone_status", &self.phone_status),
        ]
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", url_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// The customer list counts its matches up to this many ("超过 10,000 条" past it): a
/// broad filter over a million customers is not counted row by row on every page.
const COUNT_CAP: i64 = 10_000;

pub async fn list(State(state): State<AppState>, WebUser(me): WebUser, Query(s): Query<SearchQuery>) -> Response {
    let filter = s.filter();
    let page = match state.store.search_customers(&me, &filter).await {
        Ok(p) => p,
        Err(e) => return crate::core::http::layout::error_page(Some(&me), e),
    };
    let rows: Vec<Row> = page
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
    let export = s.query_string();
    let counted = state.store.count_customers_up_to(&me, &filter, COUNT_CAP).await;
    let mut pager = crate::core::http::paging::Pager::new(
        &format!("/customers?{export}"),
        s.cursor.as_deref(),
        &s.trail,
        page.next_cursor.as_deref(),
        rows.len(),
        50,
    );
    if let Ok(counted) = counted {
        pager = pager.with_total_up_to(counted, COUNT_CAP);
    }
    let view = CustomersPage {
        l: Layout::new(Some(&me), "/customers"),
        s,
        can_edit: me.can(Permission::EditCustomers),
        can_export_personal: me.can(Permission::ExportPersonal),
        export,
        rows,
        pager,
    };
    render(StatusCode::OK, &view)
}

#[derive(Template)]
#[template(path = "capabilities/archive/templates/customer_new.html")]
struct NewCustomerPage {
    l: Layout,
    csrf: String,
    dealers: Vec<(String, String)>,
    form: crate::core::http::form_view::FormView,
    duplicate_of: Option<i64>,
}

/// Dealers the caller may file a customer (or an import) under — every active dealer in
/// scope, however many; none to choose when the caller sits at one.
pub(super) async fn dealers(state: &AppState, me: &Principal) -> Vec<(i64, String)> {
    if me.org_kind == OrgKind::Dealer {
        return Vec::new();
    }
    state
        .store
        .org_tree(me)
        .await
        .map(|orgs| {
            orgs.into_iter()
                .filter(|o| o.active && o.kind == OrgKind::Dealer)
                .map(|o| (o.id, o.name))
                .collect()
        })
        .unwrap_or_default()
}

async fn show_new(
    state: &AppState,
    me: &Principal,
    status: StatusCode,
    error: Option<ApiError>,
    form: Option<&FormData>,
) -> Response {
    use crate::core::http::form_view::FormView;
    let layout = Layout::new(Some(me), "/customers");
    let duplicate_of = error.as_ref().and_then(|e| e.existing_id);
    let labels: &[(&str, &str)] = &[
        ("name", "customers.name"),
        ("phone", "customers.phone"),
        ("phone2", "customer.phone2"),
        ("org_id", "customer.dealer"),
        ("province", "customer.province"),
        ("city", "customers.city"),
        ("district", "customer.district"),
        ("tags", "customers.tag"),
    ];
    let mut view_form = form
        .map(FormView::submitted)
        .unwrap_or_default()
        .labelled(&layout.t, labels);
    if let Some(e) = &error {
        // `phones[1]` is the second number's field.
        view_form = view_form.with_error(e, |f| {
            if f.starts_with("phones[1]") {
                "phone2".into()
            } else if f.starts_with("phones") {
                "phone".into()
            } else {
                f.to_string()
            }
        });
    }
    let view = NewCustomerPage {
        l: layout,
        csrf: me.csrf_token.clone(),
        dealers: dealers(state, me)
            .await
            .into_iter()
            .map(|(id, n)| (id.to_string(), n))
            .collect(),
        form: view_form,
        duplicate_of,
    };
    render(status, &view)
}

pub async fn new_page(State(state): State<AppState>, WebUser(me): WebUser) -> Response {
    show_new(&state, &me, StatusCode::OK, None, None).await
}

pub async fn create(State(state): State<AppState>, Posted(me, form): Posted) -> Response {
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
        Ok(c) => crate::core::http::flash::redirect(
            &format!("/customers/{}", c.id),
            crate::core::http::flash::Flash::new("done.customer.created").with("name", c.name),
        ),
        Err(StoreError::Forbidden) => crate::core::http::layout::error_page(Some(&me), StoreError::Forbidden),
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
    format: crate::capabilities::archive::api::export_files::ExportFormat,
    #[serde(default)]
    personal: bool,
}

/// The search page's export links: the same filters, as XLSX or CSV.
pub async fn export(State(state): State<AppState>, WebUser(me): WebUser, Query(e): Query<ExportQuery>) -> Response {
    let filter = CustomerFilter {
        cursor: None,
        limit: None,
        ..e.search.filter()
    };
    match crate::capabilities::archive::api::export_files::export_customers(&state, &me, filter, e.format, e.personal)
        .await
    {
        Ok(r) => r,
        Err(err) => crate::core::http::layout::error_page(
            Some(&me),
            match err.status {
                StatusCode::FORBIDDEN => StoreError::Forbidden,
                _ => StoreError::NotFound,
            },
        ),
    }
}
