//! Editing a customer from the 360 page: the profile fields, and each number's contact
//! status or a replacement number (how the information maintainer fixes a wrong number
//! found by a call). Every save is audited; a refused form keeps what was typed.

use crate::capabilities::archive::data::customers::{Customer, CustomerPatch};
use crate::capabilities::archive::data::phone_edit::PhoneFix;
use crate::capabilities::archive::data::types::{CustomerKind, PhoneStatus};
use crate::core::http::error::ApiError;
use crate::core::http::extract::WebUser;
use crate::core::http::flash::{self, Flash};
use crate::core::http::form::Posted;
use crate::core::http::form_view::FormView;
use crate::core::http::layout::{render, FormData, Layout};
use crate::AppState;
use crate::Principal;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

pub struct PhoneForm {
    pub id: i64,
    pub masked: String,
    pub status_key: String,
    pub primary: bool,
    pub form: FormView,
}

#[derive(Template)]
#[template(path = "capabilities/archive/templates/customer_edit.html")]
struct EditPage {
    l: Layout,
    csrf: String,
    id: i64,
    name: String,
    form: FormView,
    kinds: Vec<(String, String)>,
    statuses: Vec<(String, String)>,
    phones: Vec<PhoneForm>,
}

const FIELDS: [(&str, &str); 9] = [
    ("name", "customers.name"),
    ("kind", "customer.kind"),
    ("gender", "customer.gender"),
    ("province", "customer.province"),
    ("city", "customers.city"),
    ("district", "customer.district"),
    ("address", "customer.address"),
    ("membership_level", "customer.membership"),
    ("tags", "customers.tag"),
];

fn record_values(c: &Customer) -> FormView {
    FormView::new()
        .set("name", &c.name)
        .set("kind", c.kind.as_str())
        .set("gender", c.gender.clone().unwrap_or_default())
        .set("province", c.province.clone().unwrap_or_default())
        .set("city", c.city.clone().unwrap_or_default())
        .set("district", c.district.clone().unwrap_or_default())
        .set("address", c.address.clone().unwrap_or_default())
        .set("membership_level", c.membership_level.clone().unwrap_or_default())
        .set("tags", c.tags.join(", "))
}

/// Draws the page; `profile` or `phone` (its id and form) carry a refused submission.
async fn draw(
    state: &AppState,
    me: &Principal,
    id: i64,
    profile: Option<(FormView, ApiError)>,
    phone: Option<(i64, FormView, ApiError)>,
) -> Response {
    let c = match state.store.get_customer(me, id).await {
        Ok(c) => c,
        Err(e) => return crate::core::http::layout::error_page(Some(me), e),
    };
    let l = Layout::new(Some(me), "/customers");
    let mut status = StatusCode::OK;
    let form = match profile {
        Some((f, e)) => {
            status = e.status;
            f.labelled(&l.t, &FIELDS).with_error(&e, |f| f.to_string())
        }
        None => record_values(&c).labelled(&l.t, &FIELDS),
    };
    let phone_labels: &[(&str, &str)] = &[("status", "common.status"), ("replacement", "customer.replacement")];
    let mut refused_phone = phone;
    let phones = c
        .phones
        .iter()
        .map(|p| {
            let form = match refused_phone.take() {
                Some((pid, f, e)) if pid == p.id => {
                    status = e.status;
                    f.labelled(&l.t, phone_labels).with_error(&e, |f| f.to_string())
                }
                other => {
                    refused_phone = other;
                    FormView::new()
                        .set("status", p.status.as_str())
                        .labelled(&l.t, phone_labels)
                }
            };
            PhoneForm {
                id: p.id,
                masked: p.masked.clone(),
                status_key: format!("status.{}", p.status.as_str()),
                primary: p.is_primary,
                form,
            }
        })
        .collect();
    let view = EditPage {
        csrf: me.csrf_token.clone(),
        id,
        name: c.name.clone(),
        form,
        kinds: [CustomerKind::Person, CustomerKind::Company]
            .iter()
            .map(|k| (k.as_str().to_string(), l.t.get(&format!("kind.{}", k.as_str()))))
            .collect(),
        statuses: PhoneStatus::ALL
            .iter()
            .map(|s| (s.as_str().to_string(), l.t.get(&format!("status.{}", s.as_str()))))
            .collect(),
        phones,
        l,
    };
    render(status, &view)
}

pub async fn page(State(state): State<AppState>, WebUser(me): WebUser, Path(id): Path<i64>) -> Response {
    draw(&state, &me, id, None, None).await
}

fn optional(form: &FormData, name: &str) -> Option<String> {
    Some(form.text(name).trim().to_string())
}

/// Saves the profile fields.
pub async fn save(State(state): State<AppState>, Path(id): Path<i64>, Posted(me, form): Posted) -> Response {
    let patch = CustomerPatch {
        kind: CustomerKind::parse(&form.text("kind")),
        name: Some(form.text("name")),
        gender: optional(&form, "gender"),
        province: optional(&form, "province"),
        city: optional(&form, "city"),
        district: optional(&form, "district"),
        address: optional(&form, "address"),
        membership_level: optional(&form, "membership_level"),
        tags: Some(
            form.text("tags")
                .split([',', '，', ';', '；'])
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect(),
        ),
        ..CustomerPatch::default()
    };
    match state.store.update_customer(&me, id, patch).await {
        Ok(c) => flash::redirect(
            &format!("/customers/{id}"),
            Flash::new("done.customer.saved").with("name", c.name),
        ),
        Err(e) => draw(&state, &me, id, Some((FormView::submitted(&form), e.into())), None).await,
    }
}

/// Changes one number's status, or replaces it.
pub async fn fix_phone(
    State(state): State<AppState>,
    Path((id, phone_id)): Path<(i64, i64)>,
    Posted(me, form): Posted,
) -> Response {
    let Some(status) = PhoneStatus::parse(&form.text("status")) else {
        let e: ApiError = crate::StoreError::from(dcrc_domain::Invalid(vec![dcrc_domain::FieldError::new(
            "status", "required",
        )]))
        .into();
        return draw(&state, &me, id, None, Some((phone_id, FormView::submitted(&form), e))).await;
    };
    let replacement = Some(form.text("replacement")).filter(|r| !r.trim().is_empty());
    let replaced = replacement.is_some();
    let fix = PhoneFix { status, replacement };
    match state.store.fix_phone(&me, id, phone_id, fix).await {
        Ok(_) => {
            let message = if replaced {
                Flash::new("done.phone.replaced")
            } else {
                Flash::new("done.phone.status").with(
                    "status",
                    crate::core::http::i18n::translate(
                        crate::core::http::i18n::current(),
                        &format!("status.{}", status.as_str()),
                    ),
                )
            };
            flash::redirect(&format!("/customers/{id}/edit"), message)
        }
        Err(e) => {
            draw(
                &state,
                &me,
                id,
                None,
                Some((phone_id, FormView::submitted(&form), e.into())),
            )
            .await
        }
    }
}
