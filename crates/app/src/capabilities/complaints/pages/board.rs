//! The complaint pages: the board (every open complaint's time left at a glance), filing a
//! complaint (from a dissatisfied callback or any channel), and one complaint with its
//! clocks, transitions, pauses, handling form (printable) and history.

use crate::capabilities::complaints::data::flow::{PauseInput, TransitionInput};
use crate::capabilities::complaints::data::{ClockView, Complaint, ComplaintDetail, HandlingForm};
use crate::capabilities::complaints::rules::{ClockStatus, State as Stage};
use crate::core::http::error::ApiError;
use crate::core::http::extract::WebUser;
use crate::core::http::flash::Flash;
use crate::core::http::form::Posted;
use crate::core::http::form_view::FormView;
use crate::core::http::i18n;
use crate::core::http::layout::{local_time, render, Layout};
use crate::AppState;
use crate::{Principal, StoreError};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use dcrc_domain::{Lang, Permission};

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

pub(super) fn board_row(l: &Layout, c: &Complaint, labels: &[(String, String)]) -> BoardRow {
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
    /// The policy's pause reasons with their labels.
    pause_options: Vec<(String, String)>,
    can_handle: bool,
    /// The saved handling form (the printed sheet).
    form: HandlingForm,
    /// The handling form's fields: the saved values, or what was typed when refused.
    handling: FormView,
    /// The action (`transition`, `pause`, `resume`) whose form was refused, with what was
    /// typed in it and its errors.
    refused: String,
    work: FormView,
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
            // Codes read as their labels: the clock's name, the pause reason.
            let shown = match key {
                "clock" => l.t.get(&format!("complaints.{v}")),
                "reason" if crate::core::http::i18n::has(l.t.0, &format!("pause.{v}")) => {
                    l.t.get(&format!("pause.{v}"))
                }
                "level" => l.t.fmt("complaints.level_n", "n", &v),
                _ => v,
            };
            text.push_str(&format!(" · {shown}"));
        }
    }
    text
}

impl ComplaintPage {
    /// The form to draw for `action` (and, for a transition, its target state): what was
    /// typed when that very form was refused, else an empty one.
    fn form_for(&self, action: &str, to: &str) -> FormView {
        let f = if self.refused == action && (action != "transition" || self.work.value("to") == to) {
            self.work.clone()
        } else {
            FormView::new()
        };
        f.ids(&if to.is_empty() {
            action.to_string()
        } else {
            format!("{action}-{to}")
        })
    }
}

/// A refused move names the states by their labels (the API's message carries codes).
fn with_state_labels(mut e: ApiError, l: &Layout) -> ApiError {
    let sep = if l.t.is_en() { ", " } else { "、" };
    for f in e.fields.iter_mut().filter(|f| f.code == "illegal_transition") {
        for (_, v) in f
            .params
            .iter_mut()
            .filter(|(k, _)| matches!(*k, "from" | "to" | "allowed"))
        {
            let labels: Vec<String> = v
                .split(", ")
                .map(|s| match Stage::parse(s) {
                    Some(st) => format!("“{}”", l.t.get(&format!("complaint.state.{}", st.as_str()))),
                    None => s.to_string(),
                })
                .collect();
            *v = labels.join(sep);
        }
    }
    e
}

/// A refused action on the complaint page: which form, what was typed, why.
pub(super) struct Refusal {
    action: String,
    kept: FormView,
    error: ApiError,
}

pub(super) async fn show(state: &AppState, me: &Principal, id: i64, error: Option<ApiError>) -> Response {
    let refusal = error.map(|error| Refusal {
        action: String::new(),
        kept: FormView::new(),
        error,
    });
    show_typed(state, me, id, refusal).await
}

/// The complaint's page; a refused form shows what was typed, not what is saved, with
/// each error under its field.
async fn show_typed(state: &AppState, me: &Principal, id: i64, refusal: Option<Refusal>) -> Response {
    let d: ComplaintDetail = match state.store.get_complaint(me, id).await {
        Ok(d) => d,
        Err(e) => return crate::core::http::layout::error_page(Some(me), e),
    };
    let labels = categories(state, me).await;
    let mut l = Layout::new(Some(me), "/complaints");
    let c = &d.complaint;
    let status = refusal.as_ref().map_or(StatusCode::OK, |r| r.error.status);
    let handling_labels: &[(&str, &str)] = &[
        ("responsible", "complaints.responsible"),
        ("root_cause", "complaints.root_cause"),
        ("measures", "complaints.measures"),
        ("customer_agreement", "complaints.agreement"),
    ];
    let work_labels: &[(&str, &str)] = &[("note", "complaints.note"), ("reason", "complaints.pause_reason")];
    let saved = FormView::new()
        .set("responsible", c.form.responsible.clone().unwrap_or_default())
        .set("root_cause", c.form.root_cause.clone().unwrap_or_default())
        .set("measures", c.form.measures.clone().unwrap_or_default())
        .set(
            "customer_agreement",
            c.form.customer_agreement.clone().unwrap_or_default(),
        )
        .labelled(&l.t, handling_labels);
    let (mut handling, mut work, mut refused) = (saved, FormView::new(), String::new());
    if let Some(mut r) = refusal {
        r.error = with_state_labels(r.error, &l);
        let about_form = r
            .error
            .problem(i18n::current())
            .errors
            .iter()
            .any(|f| f.field.starts_with("form."));
        match r.action.as_str() {
            "form" => {
                handling = r
                    .kept
                    .labelled(&l.t, handling_labels)
                    .with_error(&r.error, |f| f.to_string())
            }
            // Resolving needs the measures: the error goes under the handling form's field.
            "transition" if about_form => {
                handling = handling.with_error(&r.error, |f| f.trim_start_matches("form.").to_string());
            }
            // A move the page no longer offers (someone else moved it first): on top.
            "transition" if !d.next_states.iter().any(|s| s.as_str() == r.kept.value("to")) => l = l.error(&r.error),
            "transition" | "pause" | "resume" => {
                refused = r.action;
                work = r
                    .kept
                    .labelled(&l.t, work_labels)
                    .with_error(&r.error, |f| f.to_string());
            }
            _ => l = l.error(&r.error),
        }
    }
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
        pause_options: d
            .pause_reasons
            .iter()
            .map(|r| (r.clone(), l.t.get(&format!("pause.{r}"))))
            .collect(),
        can_handle: me.can(Permission::HandleComplaints),
        form: c.form.clone(),
        handling,
        refused,
        work,
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
    render(status, &view)
}

pub async fn page(State(state): State<AppState>, WebUser(me): WebUser, Path(id): Path<i64>) -> Response {
    show(&state, &me, id, None).await
}

/// Who got the closure call of a complaint just marked resolved.
async fn closure_agent(state: &AppState, me: &Principal, c: &Complaint) -> String {
    let filter = crate::capabilities::callbacks::data::work::TaskFilter {
        customer_id: Some(c.customer_id),
        task_type: Some(crate::capabilities::callbacks::rules::TaskType::ComplaintClosure),
        state: Some(crate::capabilities::callbacks::rules::TaskState::Open),
        ..Default::default()
    };
    state
        .store
        .list_callbacks(me, &filter)
        .await
        .ok()
        .and_then(|p| p.items.into_iter().last())
        .and_then(|t| t.assignee_name)
        .unwrap_or_else(|| {
            crate::core::http::i18n::translate(crate::core::http::i18n::current(), "callbacks.unassigned")
        })
}

/// A transition, pause, resume or form save from the complaint page; back to the page.
pub async fn act(
    State(state): State<AppState>,
    Path((id, action)): Path<(i64, String)>,
    Posted(me, form): Posted,
) -> Response {
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
        Ok(d) => {
            let c = &d.complaint;
            let t = &crate::core::http::i18n::Tr(crate::core::http::i18n::current());
            let message = match action.as_str() {
                "transition" if c.state == Stage::ClosureCallback => {
                    Flash::new("done.complaint.closure_call").with("name", closure_agent(&state, &me, c).await)
                }
                "transition" => Flash::new("done.complaint.moved")
                    .with("state", t.get(&format!("complaint.state.{}", c.state.as_str()))),
                "pause" => Flash::new("done.complaint.paused"),
                "resume" => Flash::new("done.complaint.resumed"),
                _ => Flash::new("done.complaint.saved"),
            };
            crate::core::http::flash::redirect(&format!("/complaints/{id}"), message)
        }
        Err(StoreError::NotFound) => crate::core::http::layout::error_page(Some(&me), StoreError::NotFound),
        Err(e) => {
            let refusal = Refusal {
                action,
                kept: FormView::submitted(&form),
                error: e.into(),
            };
            show_typed(&state, &me, id, Some(refusal)).await
        }
    }
}
