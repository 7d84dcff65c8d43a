//! Filing a complaint: from a dissatisfied callback, the customer 360 page or any channel.
//! The customer is chosen with the picker; a refused form comes back with everything the
//! user typed and each error under its field.

use crate::capabilities::archive::pages::picker;
use crate::capabilities::complaints::data::intake::NewComplaint;
use crate::capabilities::complaints::pages::board::categories;
use crate::capabilities::complaints::rules::{Channel, Tier};
use crate::core::http::error::ApiError;
use crate::core::http::extract::WebUser;
use crate::core::http::flash::{self, Flash};
use crate::core::http::form::Posted;
use crate::core::http::form_view::FormView;
use crate::core::http::layout::{render, FormData, Layout};
use crate::AppState;
use crate::{Principal, StoreError};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct NewQuery {
    customer_id: Option<i64>,
    task_id: Option<i64>,
}

#[derive(Template)]
#[template(path = "capabilities/complaints/templates/complaint_new.html")]
struct NewPage {
    l: Layout,
    csrf: String,
    customer_name: String,
    picker: String,
    channels: Vec<(String, String)>,
    categories: Vec<(String, String)>,
    tiers: Vec<(String, String)>,
    form: FormView,
}

const LABELS: &[(&str, &str)] = &[
    ("customer_id", "complaints.customer"),
    ("channel", "complaints.channel"),
    ("category", "complaints.category"),
    ("tier", "complaints.tier"),
    ("title", "complaints.title"),
    ("description", "complaints.description"),
    ("staff_name", "complaints.staff"),
];

/// Draws the form from `form` (defaults, a callback's facts, or what was submitted).
async fn draw(
    state: &AppState,
    me: &Principal,
    form: FormView,
    error: Option<ApiError>,
    status: StatusCode,
) -> Response {
    let l = Layout::new(Some(me), "/complaints");
    let mut form = form.labelled(&l.t, LABELS);
    if let Some(e) = &error {
        form = form.with_error(e, |f| f.to_string());
    }
    let chosen_id = form.value("customer_id").trim().parse::<i64>().ok();
    let chosen = picker::chosen(state, me, chosen_id).await;
    let found = picker::matches(state, me, form.value("customer_id_q")).await;
    let view = NewPage {
        csrf: me.csrf_token.clone(),
        customer_name: chosen.as_ref().map(|(_, n)| n.clone()).unwrap_or_default(),
        picker: picker::html(
            &l.t,
            &form,
            "customer_id",
            &l.t.get("complaints.customer"),
            chosen.as_ref(),
            &found,
        ),
        channels: Channel::ALL
            .iter()
            .map(|c| {
                (
                    c.as_str().to_string(),
                    l.t.get(&format!("complaint.channel.{}", c.as_str())),
                )
            })
            .collect(),
        categories: categories(state, me).await,
        tiers: [Tier::General, Tier::Major]
            .iter()
            .map(|t| {
                (
                    t.as_str().to_string(),
                    l.t.get(&format!("complaint.tier.{}", t.as_str())),
                )
            })
            .collect(),
        form,
        l,
    };
    render(status, &view)
}

pub async fn new_page(State(state): State<AppState>, WebUser(me): WebUser, Query(q): Query<NewQuery>) -> Response {
    let mut form = FormView::new()
        .set("channel", Channel::Phone.as_str())
        .set("tier", Tier::General.as_str());
    if let Some(c) = q.customer_id {
        form = form.set("customer_id", c);
    }
    // From a dissatisfied callback: the customer, the car and what they said.
    if let Some(task) = q.task_id {
        let d = match state.store.get_callback(&me, task).await {
            Ok(d) => d,
            Err(e) => return crate::core::http::layout::error_page(Some(&me), e),
        };
        // A follow-up carries no call of its own: what was said is on the call that
        // raised it.
        let calls = match d.task.parent_task_id {
            Some(parent) => state
                .store
                .get_callback(&me, parent)
                .await
                .map(|p| p.attempts)
                .unwrap_or_default(),
            None => d.attempts.clone(),
        };
        let said: Vec<String> = calls.iter().filter_map(|a| a.note.clone()).collect();
        form = form
            .set("customer_id", d.task.customer_id)
            .set(
                "vehicle_id",
                d.task.vehicle_id.map(|v| v.to_string()).unwrap_or_default(),
            )
            .set("callback_task_id", task)
            .set("channel", Channel::Callback.as_str())
            .set("description", said.join("\n"));
    }
    draw(&state, &me, form, None, StatusCode::OK).await
}

fn id_field(form: &FormData, name: &str) -> Option<i64> {
    form.get(name).and_then(|v| v.trim().parse().ok())
}

/// Files the complaint of the form; on to its page, which says what comes next.
pub async fn create(State(state): State<AppState>, Posted(me, form): Posted) -> Response {
    let kept = FormView::submitted(&form);
    // 查找 in the picker: the same form again, with the matches.
    if form.get("_pick").is_some() {
        return draw(&state, &me, kept, None, StatusCode::OK).await;
    }
    let mut errors = dcrc_domain::Invalid::default();
    let channel = form.get("channel").and_then(Channel::parse);
    let tier = form.get("tier").and_then(Tier::parse);
    let customer_id = id_field(&form, "customer_id");
    for (field, missing) in [
        ("customer_id", customer_id.is_none()),
        ("channel", channel.is_none()),
        ("tier", tier.is_none()),
    ] {
        if missing {
            errors.push(dcrc_domain::FieldError::new(field, "required"));
        }
    }
    let (Some(channel), Some(tier), Some(customer_id)) = (channel, tier, customer_id) else {
        let e: ApiError = StoreError::from(errors).into();
        let status = e.status;
        return draw(&state, &me, kept, Some(e), status).await;
    };
    let input = NewComplaint {
        customer_id,
        vehicle_id: id_field(&form, "vehicle_id"),
        sale_id: None,
        repair_order_id: None,
        callback_task_id: id_field(&form, "callback_task_id"),
        channel,
        category: form.text("category"),
        tier,
        title: form.text("title"),
        description: form.text("description"),
        staff_name: form
            .get("staff_name")
            .map(str::to_string)
            .filter(|s| !s.trim().is_empty()),
        filed_at: None,
    };
    match state.store.file_complaint(&me, input).await {
        Ok(c) => {
            let message = Flash::new("done.complaint.filed")
                .with("id", c.id)
                .with("name", c.assignee_name.clone().unwrap_or_else(|| "—".into()));
            flash::redirect(&format!("/complaints/{}", c.id), message)
        }
        Err(e) => {
            let e: ApiError = e.into();
            let status = e.status;
            draw(&state, &me, kept, Some(e), status).await
        }
    }
}
