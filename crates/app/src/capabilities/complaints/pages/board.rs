//! The complaint pages: the board (every open complaint's time left at a glance), filing a
//! complaint (from a dissatisfied callback or any channel), and one complaint with its
//! clocks, transitions, pauses, handling form (printable) and history.

use crate::capabilities::complaints::data::flow::{PauseInput, TransitionInput};
use crate::capabilities::complaints::data::intake::{ComplaintFilter, NewComplaint};
use crate::capabilities::complaints::data::{ClockView, Complaint, ComplaintDetail, HandlingForm};
use crate::capabilities::complaints::rules::{Channel, ClockStatus, State as Stage, Tier};
use crate::core::http::error::ApiError;
use crate::core::http::extract::WebUser;
use crate::core::http::i18n;
use crate::core::http::layout::{local_time, render, FormData, Layout};
use crate::AppState;
use crate::{Principal, StoreError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dcrc_domain::{Lang, Permission};
use serde::Deserialize;

/// A clock as a cell: its status class, deadline and time left.
pub struct ClockCell {
    pub status: &'static str,
    pub deadline: String,
    pub left: String,
    pub breached: bool,
}

/// "2 d 3 h", "-5 h 10 min": clock time left, rounded down to minutes.
pub fn duration_text(l: &Layout, seconds: i64) -> String {
    let sign = if seconds < 0 { "-" } else { "" };
    let s = seconds.abs();
    let (d, h, m) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60);
    let unit = |k: &str| l.t.get(k);
    if d > 0 {
        format!("{sign}{d}{} {h}{}", unit("unit.day"), unit("unit.hour"))
    } else if h > 0 {
        format!("{sign}{h}{} {m}{}", unit("unit.hour"), unit("unit.minute"))
    } else {
        format!("{sign}{m}{}", unit("unit.minute"))
    }
}

fn status_str(s: ClockStatus) -> &'static str {
    match s {
        ClockStatus::Running => "running",
        ClockStatus::Warning => "warning",
        ClockStatus::Breached => "breached",
        ClockStatus::Paused => "paused",
        ClockStatus::Met => "met",
        ClockStatus::MetLate => "met_late",
    }
}

fn clock_cell(l: &Layout, c: &ClockView) -> ClockCell {
    ClockCell {
        status: status_str(c.status),
        deadline: c.deadline.map(local_time).unwrap_or_default(),
        // Past its deadline a clock shows how late it is, not the (negative) time left.
        left: match c.overdue_seconds {
            Some(late) => l.t.fmt("clock.overdue_by", "time", &duration_text(l, late)),
            None => duration_text(l, c.remaining_seconds),
        },
        breached: c.breached_at.is_some(),
    }
}

/// One board line.
pub struct BoardRow {
    pub id: i64,
    pub title: String,
    pub customer: String,
    pub dealer: String,
    pub state: &'static str,
    pub tier: &'static str,
    pub category: String,
    pub assignee: String,
    pub first: ClockCell,
    pub resolution: ClockCell,
    pub escalation: i64,
    pub reopened: i64,
}

pub(super) fn category_label(c: &Complaint, labels: &[(String, String)]) -> String {
    labels
        .iter()
        .find(|(k, _)| *k == c.category)
        .map_or_else(|| c.category.clone(), |(_, v)| v.clone())
}

fn board_row(l: &Layout, c: &Complaint, labels: &[(String, String)]) -> BoardRow {
    BoardRow {
        id: c.id,
        title: c.title.clone(),
        customer: c.customer_name.clone(),
        dealer: c.org_name.clone(),
        state: c.state.as_str(),
        tier: c.tier.as_str(),
        category: category_label(c, labels),
        assignee: c.assignee_name.clone().unwrap_or_default(),
        first: clock_cell(l, &c.first_response),
        resolution: clock_cell(l, &c.resolution),
        escalation: c.escalation_level,
        reopened: c.reopen_count,
    }
}

/// The category keys of a policy with their labels in the page's language.
pub(super) async fn categories(state: &AppState, me: &Principal) -> Vec<(String, String)> {
    let zh = i18n::current() == Lang::ZhCn;
    match state.store.effective_policy(me, me.org_id).await {
        Ok(p) => p
            .section::<crate::capabilities::complaints::rules::policy::ComplaintPolicy>(Some("complaints"))
            .unwrap_or_default()
            .categories
            .iter()
            .map(|c| (c.key.clone(), if zh { c.zh.clone() } else { c.en.clone() }))
            .collect(),
        Err(_) => Vec::new(),
    }
}

#[derive(Template)]
#[template(path = "capabilities/complaints/templates/complaints.html")]
struct BoardPage {
    l: Layout,
    rows: Vec<BoardRow>,
    closed: Vec<BoardRow>,
    notices: Vec<(String, String, String, String)>,
    can_file: bool,
    can_stats: bool,
}

pub async fn board(State(state): State<AppState>, WebUser(me): WebUser) -> Response {
    let open = ComplaintFilter {
        open: Some(true),
        limit: Some(200),
        ..ComplaintFilter::default()
    };
    let closed = ComplaintFilter {
        state: Some(Stage::Closed),
        limit: Some(20),
        ..ComplaintFilter::default()
    };
    let (open, closed) = match (
        state.store.list_complaints(&me, &open).await,
        state.store.list_complaints(&me, &closed).await,
    ) {
        (Ok(o), Ok(c)) => (o.items, c.items),
        (Err(e), _) | (_, Err(e)) => return crate::core::http::layout::error_page(Some(&me), e),
    };
    let labels = categories(&state, &me).await;
    let l = Layout::new(Some(&me), "/complaints");
    let notices = if crate::capabilities::complaints::data::sweep::sees_notices(&me) {
        state.store.complaint_notifications(&me).await.unwrap_or_default()
    } else {
        Vec::new()
    };
    let notices = notices
        .into_iter()
        .map(|n| {
            let (link, text, about) = match (n.complaint_id, &n.month) {
                (Some(id), _) => (
                    format!("/complaints/{id}"),
                    l.t.fmt(&format!("complaints.notice.{}", n.kind), "level", &n.level.to_string()),
                    format!("{} · {}", n.dealer, n.title),
                ),
                (None, month) => (
                    crate::capabilities::callbacks::pages::stats::month_link(month.as_deref()),
                    l.t.fmt(
                        &format!("complaints.notice.{}", n.kind),
                        "month",
                        month.as_deref().unwrap_or_default(),
                    ),
                    n.dealer.clone(),
                ),
            };
            (link, text, about, local_time(n.at))
        })
        .collect();
    let view = BoardPage {
        rows: open.iter().map(|c| board_row(&l, c, &labels)).collect(),
        closed: closed.iter().map(|c| board_row(&l, c, &labels)).collect(),
        notices,
        can_file: me.can(Permission::FileComplaints),
        can_stats: me.can(Permission::ViewComplaintStats),
        l,
    };
    render(StatusCode::OK, &view)
}

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
    customer_id: String,
    customer_name: String,
    vehicle_id: String,
    task_id: String,
    channel: String,
    description: String,
    channels: Vec<&'static str>,
    categories: Vec<(String, String)>,
}

async fn new_form(state: &AppState, me: &Principal, q: NewQuery, error: Option<ApiError>) -> Response {
    let mut l = Layout::new(Some(me), "/complaints");
    if let Some(e) = &error {
        l = l.error(e);
    }
    let mut view = NewPage {
        csrf: me.csrf_token.clone(),
        customer_id: q.customer_id.map(|c| c.to_string()).unwrap_or_default(),
        customer_name: String::new(),
        vehicle_id: String::new(),
        task_id: String::new(),
        channel: Channel::Phone.as_str().into(),
        description: String::new(),
        channels: Channel::ALL.iter().map(|c| c.as_str()).collect(),
        categories: categories(state, me).await,
        l,
    };
    // From a dissatisfied callback: the customer, the car and what they said.
    if let Some(task) = q.task_id {
        match state.store.get_callback(me, task).await {
            Ok(d) => {
                view.customer_id = d.task.customer_id.to_string();
                view.customer_name = d.task.customer_name.clone();
                view.vehicle_id = d.task.vehicle_id.map(|v| v.to_string()).unwrap_or_default();
                view.task_id = task.to_string();
                view.channel = Channel::Callback.as_str().into();
                // A follow-up carries no call of its own: what was said is on the call
                // that raised it.
                let calls = match d.task.parent_task_id {
                    Some(parent) => state
                        .store
                        .get_callback(me, parent)
                        .await
                        .map(|p| p.attempts)
                        .unwrap_or_default(),
                    None => d.attempts.clone(),
                };
                view.description = calls
                    .iter()
                    .filter_map(|a| a.note.clone())
                    .collect::<Vec<_>>()
                    .join("\n");
            }
            Err(e) => return crate::core::http::layout::error_page(Some(me), e),
        }
    } else if let Some(c) = q.customer_id {
        if let Ok(c) = state.store.get_customer(me, c).await {
            view.customer_name = c.name.clone();
        }
    }
    let status = error.map(|e| e.status).unwrap_or(StatusCode::OK);
    render(status, &view)
}

pub async fn new_page(State(state): State<AppState>, WebUser(me): WebUser, Query(q): Query<NewQuery>) -> Response {
    new_form(&state, &me, q, None).await
}

fn id_field(form: &FormData, name: &str) -> Option<i64> {
    form.get(name).and_then(|v| v.trim().parse().ok())
}

/// Files the complaint of the form; on to its page.
pub async fn create(State(state): State<AppState>, WebUser(me): WebUser, form: FormData) -> Response {
    if !form.csrf_ok(&me) {
        return crate::core::http::layout::csrf_failed(Some(&me));
    }
    let back = NewQuery {
        customer_id: id_field(&form, "customer_id"),
        task_id: id_field(&form, "callback_task_id"),
    };
    let mut errors = dcrc_domain::Invalid::default();
    let channel = form.get("channel").and_then(Channel::parse);
    let tier = form.get("tier").and_then(Tier::parse);
    if channel.is_none() {
        errors.push(dcrc_domain::FieldError::new("channel", "required"));
    }
    if tier.is_none() {
        errors.push(dcrc_domain::FieldError::new("tier", "required"));
    }
    let (Some(channel), Some(tier), Some(customer_id)) = (channel, tier, back.customer_id) else {
        if back.customer_id.is_none() {
            errors.push(dcrc_domain::FieldError::new("customer_id", "required"));
        }
        return new_form(&state, &me, back, Some(StoreError::from(errors).into())).await;
    };
    let input = NewComplaint {
        customer_id,
        vehicle_id: id_field(&form, "vehicle_id"),
        sale_id: None,
        repair_order_id: None,
        callback_task_id: back.task_id,
        channel,
        category: form.get("category").unwrap_or("").to_string(),
        tier,
        title: form.get("title").unwrap_or("").to_string(),
        description: form.get("description").unwrap_or("").to_string(),
        staff_name: form.get("staff_name").map(str::to_string),
        filed_at: None,
    };
    match state.store.file_complaint(&me, input).await {
        Ok(c) => Redirect::to(&format!("/complaints/{}", c.id)).into_response(),
        Err(e) => new_form(&state, &me, back, Some(e.into())).await,
    }
}

pub struct EventLine {
    pub at: String,
    pub actor: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "capabilities/complaints/templates/complaint.html")]
struct ComplaintPage {
    l: Layout,
    csrf: String,
    c: BoardRow,
    channel: &'static str,
    description: String,
    staff: String,
    filed: String,
    plate: String,
    customer_id: i64,
    paused_for: String,
    next: Vec<&'static str>,
    pause_reasons: Vec<String>,
    can_handle: bool,
    form: HandlingForm,
    signed: String,
    events: Vec<EventLine>,
    pauses: Vec<(String, String, String)>,
    /// (id, name, type, size, uploader, time)
    files: Vec<(i64, String, String, String, String, String)>,
    can_attach: bool,
}

fn event_text(l: &Layout, e: &crate::capabilities::complaints::data::ComplaintEvent) -> String {
    let state = |s: Option<Stage>| {
        s.map(|s| l.t.get(&format!("complaint.state.{}", s.as_str())))
            .unwrap_or_default()
    };
    let base = l.t.get(&format!("complaint.event.{}", e.kind));
    let mut text = match (e.from_state, e.to_state) {
        (Some(_), Some(_)) => format!("{base}: {} → {}", state(e.from_state), state(e.to_state)),
        (None, Some(_)) => format!("{base}: {}", state(e.to_state)),
        _ => base,
    };
    for key in ["clock", "reason", "level", "note"] {
        if let Some(v) = e.detail.get(key).filter(|v| !v.is_null()) {
            let v = v.as_str().map_or_else(|| v.to_string(), str::to_string);
            text.push_str(&format!(" · {v}"));
        }
    }
    text
}

pub(super) async fn show(state: &AppState, me: &Principal, id: i64, error: Option<ApiError>) -> Response {
    let d: ComplaintDetail = match state.store.get_complaint(me, id).await {
        Ok(d) => d,
        Err(e) => return crate::core::http::layout::error_page(Some(me), e),
    };
    let labels = categories(state, me).await;
    let mut l = Layout::new(Some(me), "/complaints");
    if let Some(e) = &error {
        l = l.error(e);
    }
    let c = &d.complaint;
    let view = ComplaintPage {
        csrf: me.csrf_token.clone(),
        c: board_row(&l, c, &labels),
        channel: c.channel.as_str(),
        description: c.description.clone(),
        staff: c.staff_name.clone().unwrap_or_default(),
        filed: local_time(c.filed_at),
        plate: c.plate.clone().unwrap_or_default(),
        customer_id: c.customer_id,
        paused_for: c.paused_for.clone().unwrap_or_default(),
        next: d.next_states.iter().map(|s| s.as_str()).collect(),
        pause_reasons: d.pause_reasons.clone(),
        can_handle: me.can(Permission::HandleComplaints),
        form: c.form.clone(),
        signed: c.signed_off_at.map(local_time).unwrap_or_default(),
        events: d
            .events
            .iter()
            .map(|e| EventLine {
                at: local_time(e.at),
                actor: if e.actor_name == "system" {
                    l.t.get("complaints.system")
                } else {
                    e.actor_name.clone()
                },
                text: event_text(&l, e),
            })
            .collect(),
        pauses: d
            .pauses
            .iter()
            .map(|p| {
                (
                    p.reason.clone(),
                    local_time(p.from),
                    p.until.map(local_time).unwrap_or_default(),
                )
            })
            .collect(),
        files: d
            .attachments
            .iter()
            .map(|a| {
                (
                    a.id,
                    a.file_name.clone(),
                    a.content_type.clone(),
                    format!("{} KB", (a.size_bytes + 1023) / 1024),
                    a.uploaded_by.clone().unwrap_or_default(),
                    local_time(a.at),
                )
            })
            .collect(),
        can_attach: me.can(Permission::FileComplaints),
        l,
    };
    let status = error.map(|e| e.status).unwrap_or(StatusCode::OK);
    render(status, &view)
}

pub async fn page(State(state): State<AppState>, WebUser(me): WebUser, Path(id): Path<i64>) -> Response {
    show(&state, &me, id, None).await
}

/// A transition, pause, resume or form save from the complaint page; back to the page.
pub async fn act(
    State(state): State<AppState>,
    WebUser(me): WebUser,
    Path((id, action)): Path<(i64, String)>,
    form: FormData,
) -> Response {
    if !form.csrf_ok(&me) {
        return crate::core::http::layout::csrf_failed(Some(&me));
    }
    let note = form.get("note").map(str::to_string);
    let result = match action.as_str() {
        "transition" => match form.get("to").and_then(Stage::parse) {
            Some(to) => {
                state
                    .store
                    .transition_complaint(&me, id, TransitionInput { to, note })
                    .await
            }
            None => Err(dcrc_domain::Invalid(vec![dcrc_domain::FieldError::new("to", "required")]).into()),
        },
        "pause" => {
            let p = PauseInput {
                reason: form.get("reason").unwrap_or("").to_string(),
                note,
            };
            state.store.pause_complaint(&me, id, p).await
        }
        "resume" => state.store.resume_complaint(&me, id).await,
        "form" => {
            let f = HandlingForm {
                responsible: form.get("responsible").map(str::to_string),
                root_cause: form.get("root_cause").map(str::to_string),
                measures: form.get("measures").map(str::to_string),
                customer_agreement: form.get("customer_agreement").map(str::to_string),
            };
            state
                .store
                .save_complaint_form(&me, id, f, form.get("sign_off").is_some())
                .await
        }
        _ => Err(StoreError::NotFound),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/complaints/{id}")).into_response(),
        Err(StoreError::NotFound) => crate::core::http::layout::error_page(Some(&me), StoreError::NotFound),
        Err(e) => show(&state, &me, id, Some(e.into())).await,
    }
}
