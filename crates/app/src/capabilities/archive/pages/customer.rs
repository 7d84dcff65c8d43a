//! The customer 360 page: profile, phones (masked, revealable), consents, vehicles and
//! the timeline of everything that happened.

use crate::capabilities::archive::data::customer_edit::Revealed;
use crate::capabilities::archive::data::customers::Customer;
use crate::core::http::extract::WebUser;
use crate::core::http::form::Posted;
use crate::core::http::layout::{render, Layout};
use crate::AppState;
use crate::Principal;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use dcrc_domain::Permission;
use serde::Deserialize;

pub struct PhoneRow {
    pub number: String,
    /// Digits for `tel:` (revealed only).
    pub tel: String,
    pub status_key: String,
    pub primary: bool,
}

pub struct VehicleRow {
    pub plate: String,
    pub model: String,
    pub vin: String,
    pub period: String,
}

pub struct EventRow {
    pub kind: String,
    pub kind_key: String,
    pub date: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "capabilities/archive/templates/customer.html")]
struct CustomerPage {
    l: Layout,
    csrf: String,
    c: Customer,
    kind_key: String,
    dealer: String,
    region: String,
    loyalty: String,
    membership: String,
    id_number: String,
    tags: Vec<String>,
    last_visit: String,
    phones: Vec<PhoneRow>,
    revealed: bool,
    can_reveal: bool,
    can_edit: bool,
    can_erase: bool,
    can_file_complaint: bool,
    consents: Vec<(String, String, String)>,
    vehicles: Vec<VehicleRow>,
    events: Vec<EventRow>,
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct PageQuery {
    cursor: Option<String>,
}

async fn show(
    state: &AppState,
    me: &Principal,
    id: i64,
    cursor: Option<String>,
    revealed: Option<Revealed>,
) -> Response {
    let c = match state.store.get_customer(me, id).await {
        Ok(c) => c,
        Err(e) => return crate::core::http::layout::error_page(Some(me), e),
    };
    let timeline = match state.store.customer_timeline(me, id, cursor.as_deref(), Some(50)).await {
        Ok(t) => t,
        Err(e) => return crate::core::http::layout::error_page(Some(me), e),
    };
    let dealer = state
        .store
        .get_org(me.scope(), c.org_id)
        .await
        .map(|o| o.name)
        .unwrap_or_default();
    let phones = c
        .phones
        .iter()
        .map(|p| PhoneRow {
            number: revealed
                .as_ref()
                .and_then(|r| r.phones.iter().find(|x| x.id == p.id))
                .map(|x| crate::core::http::layout::phone_display(&x.number))
                .unwrap_or_else(|| p.masked.clone()),
            tel: revealed
                .as_ref()
                .and_then(|r| r.phones.iter().find(|x| x.id == p.id))
                .map(|x| x.number.clone())
                .unwrap_or_default(),
            status_key: format!("status.{}", p.status.as_str()),
            primary: p.is_primary,
        })
        .collect();
    let id_number = revealed
        .as_ref()
        .and_then(|r| r.id_number.clone())
        .or_else(|| c.id_number_masked.clone())
        .unwrap_or_default();
    let layout = Layout::new(Some(me), "/customers");
    let events = timeline
        .items
        .iter()
        .map(|e| EventRow {
            kind: e.kind.clone(),
            kind_key: format!("event.{}", e.kind),
            date: e.date.clone(),
            text: super::timeline_text::describe(&layout.t, e, state.store.now_ms()),
        })
        .collect();
    let view = CustomerPage {
        l: layout,
        csrf: me.csrf_token.clone(),
        kind_key: format!("kind.{}", c.kind.as_str()),
        dealer,
        region: [c.province.clone(), c.city.clone(), c.district.clone()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" "),
        loyalty: c.loyalty_years.to_string(),
        membership: c.membership_level.clone().unwrap_or_default(),
        id_number,
        tags: c.tags.clone(),
        last_visit: c.last_visit_date.map(|d| d.to_string()).unwrap_or_default(),
        phones,
        revealed: revealed.is_some(),
        can_reveal: me.can(Permission::RevealPersonal),
        can_edit: me.can(Permission::EditCustomers),
        can_erase: me.can(Permission::ErasePersonal),
        can_file_complaint: me.can(Permission::FileComplaints),
        consents: c
            .consents
            .iter()
            .map(|k| {
                (
                    format!("consent.{}", k.purpose.as_str()),
                    if k.granted {
                        "consent.granted".into()
                    } else {
                        "consent.withdrawn".into()
                    },
                    crate::core::http::layout::local_time(k.at),
                )
            })
            .collect(),
        vehicles: c
            .vehicles
            .iter()
            .map(|v| VehicleRow {
                plate: v.plate.clone().unwrap_or_default(),
                model: v.model.clone().unwrap_or_default(),
                vin: v.vin.clone(),
                period: format!(
                    "{} – {}",
                    v.start_date,
                    v.end_date.map(|d| d.to_string()).unwrap_or_default()
                ),
            })
            .collect(),
        events,
        next: timeline.next_cursor.map(|c| crate::core::http::layout::url_encode(&c)),
        c,
    };
    render(StatusCode::OK, &view)
}

pub async fn page(
    State(state): State<AppState>,
    WebUser(me): WebUser,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> Response {
    show(&state, &me, id, q.cursor, None).await
}

/// Shows the full numbers once, on this response only; the reveal is audited.
pub async fn reveal(State(state): State<AppState>, Path(id): Path<i64>, Posted(me, _form): Posted) -> Response {
    match state.store.reveal_customer(&me, id).await {
        Ok(r) => show(&state, &me, id, None, Some(r)).await,
        Err(e) => crate::core::http::layout::error_page(Some(&me), e),
    }
}

/// Records a consent decision from the 360 page.
pub async fn consent(State(state): State<AppState>, Path(id): Path<i64>, Posted(me, form): Posted) -> Response {
    let Some(purpose) = form
        .get("purpose")
        .and_then(crate::capabilities::archive::data::types::ConsentPurpose::parse)
    else {
        return crate::core::http::layout::error_page(Some(&me), crate::StoreError::NotFound);
    };
    let input = crate::capabilities::archive::data::customers::ConsentInput {
        purpose,
        granted: form.get("granted") == Some("true"),
        source: Some("web".into()),
    };
    match state.store.record_consents(&me, id, &[input]).await {
        Ok(_) => axum::response::Redirect::to(&format!("/customers/{id}")).into_response(),
        Err(e) => crate::core::http::layout::error_page(Some(&me), e),
    }
}

/// The customer's personal data as a JSON download (access and portability requests).
pub async fn personal_data(State(state): State<AppState>, WebUser(me): WebUser, Path(id): Path<i64>) -> Response {
    match state.store.customer_personal_data(&me, id).await {
        Ok(doc) => (
            [(
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"customer-{id}.json\""),
            )],
            axum::Json(doc),
        )
            .into_response(),
        Err(e) => crate::core::http::layout::error_page(Some(&me), e),
    }
}

/// Erases (anonymises) the customer after an explicit confirmation.
pub async fn erase(State(state): State<AppState>, Path(id): Path<i64>, Posted(me, form): Posted) -> Response {
    if form.get("confirm") != Some("yes") {
        return show(&state, &me, id, None, None).await;
    }
    match state.store.erase_customer(&me, id).await {
        Ok(_) => axum::response::Redirect::to(&format!("/customers/{id}")).into_response(),
        Err(e) => crate::core::http::layout::error_page(Some(&me), e),
    }
}
