//! The callback agent's pages: today's queue, and the work screen of one task with the
//! script, the customer's summary, the masked phone (revealable, with `tel:` links) and the
//! form that records a call.

use crate::capabilities::archive::data::customer_edit::Revealed;
use crate::capabilities::callbacks::data::{CallbackTask, NewAttempt, TaskDetail};
use crate::capabilities::callbacks::rules::{Answer, Outcome, QuestionKind};
use crate::core::http::error::ApiError;
use crate::core::http::extract::WebUser;
use crate::core::http::i18n;
use crate::core::http::layout::{local_time, render, FormData, Layout};
use crate::AppState;
use crate::Principal;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDateTime, TimeZone};
use dcrc_domain::{Lang, Permission};
use std::collections::BTreeMap;

/// One queue line.
pub struct QueueRow {
    pub id: i64,
    pub customer: String,
    pub phone: String,
    pub vehicle: String,
    pub task_type: String,
    /// `task.<type>` and `reason.<type>` message keys.
    pub type_key: String,
    pub reason_key: String,
    pub event_date: String,
    pub due: String,
    pub overdue: bool,
    pub attempts: i64,
}

fn queue_row(t: &CallbackTask) -> QueueRow {
    QueueRow {
        id: t.id,
        customer: t.customer_name.clone(),
        phone: t.phone_masked.clone().unwrap_or_default(),
        vehicle: [t.plate.clone(), t.model.clone()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" "),
        task_type: t.task_type.as_str().to_string(),
        type_key: format!("task.{}", t.task_type.as_str()),
        reason_key: format!("reason.{}", t.task_type.as_str()),
        event_date: t.event_date.to_string(),
        due: local_time(t.due_at),
        overdue: t.overdue,
        attempts: t.attempts,
    }
}

#[derive(Template)]
#[template(path = "capabilities/callbacks/templates/callbacks.html")]
struct QueuePage {
    l: Layout,
    rows: Vec<QueueRow>,
    overdue: usize,
    can_supervise: bool,
    can_stats: bool,
}

pub async fn queue(State(state): State<AppState>, WebUser(me): WebUser) -> Response {
    let tasks = match state.store.my_queue(&me).await {
        Ok(t) => t,
        Err(e) => return crate::core::http::layout::error_page(Some(&me), e),
    };
    let rows: Vec<QueueRow> = tasks.iter().map(queue_row).collect();
    let view = QueuePage {
        l: Layout::new(Some(&me), "/callbacks"),
        overdue: rows.iter().filter(|r| r.overdue).count(),
        rows,
        can_supervise: me.can(Permission::SuperviseCallbacks),
        can_stats: me.can(Permission::ViewCallbackStats),
    };
    render(StatusCode::OK, &view)
}

/// A question as the form shows it.
pub struct QuestionView {
    pub key: String,
    pub kind: &'static str,
    pub label: String,
    pub required: bool,
}

pub struct AttemptView {
    pub at: String,
    pub agent: String,
    pub outcome: String,
    pub outcome_key: String,
    pub note: String,
    pub answers: String,
}

#[derive(Template)]
#[template(path = "capabilities/callbacks/templates/callback.html")]
struct WorkPage {
    l: Layout,
    csrf: String,
    task: QueueRow,
    customer_id: i64,
    state: String,
    state_key: String,
    follow_up: bool,
    script: String,
    questions: Vec<QuestionView>,
    attempts: Vec<AttemptView>,
    max_attempts: i64,
    outcomes: Vec<&'static str>,
    numbers: Vec<String>,
    revealed: bool,
    can_reveal: bool,
    can_file_complaint: bool,
}

async fn show(
    state: &AppState,
    me: &Principal,
    id: i64,
    revealed: Option<Revealed>,
    error: Option<ApiError>,
) -> Response {
    let d: TaskDetail = match state.store.get_callback(me, id).await {
        Ok(d) => d,
        Err(e) => return crate::core::http::layout::error_page(Some(me), e),
    };
    let zh = i18n::current() == Lang::ZhCn;
    let dealer = me.org_name.clone();
    let script = if zh { &d.script_zh } else { &d.script_en }
        .replace("{dealer}", &dealer)
        .replace("{date}", &d.task.event_date.to_string());
    let mut layout = Layout::new(Some(me), "/callbacks");
    if let Some(e) = &error {
        layout = layout.error(e);
    }
    let numbers = match &revealed {
        Some(r) => r.phones.iter().map(|p| p.number.clone()).collect(),
        None => d.task.phone_masked.clone().into_iter().collect(),
    };
    let view = WorkPage {
        l: layout,
        csrf: me.csrf_token.clone(),
        task: queue_row(&d.task),
        customer_id: d.task.customer_id,
        state: d.task.state.as_str().to_string(),
        state_key: format!("state.{}", d.task.state.as_str()),
        follow_up: d.task.task_type.is_follow_up(),
        script,
        questions: d
            .questions
            .iter()
            .map(|q| QuestionView {
                key: q.key.clone(),
                kind: q.kind.as_str(),
                label: if zh { q.label_zh.clone() } else { q.label_en.clone() },
                required: q.required,
            })
            .collect(),
        attempts: d
            .attempts
            .iter()
            .map(|a| AttemptView {
                at: local_time(a.at),
                agent: a.agent_name.clone().unwrap_or_default(),
                outcome: a.outcome.as_str().to_string(),
                outcome_key: format!("outcome.{}", a.outcome.as_str()),
                note: a.note.clone().unwrap_or_default(),
                answers: a
                    .answers
                    .iter()
                    .map(|(k, v)| match v {
                        Answer::Score(n) => format!("{k}={n}"),
                        Answer::YesNo(b) => format!("{k}={b}"),
                        Answer::Text(t) => format!("{k}={t}"),
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
            })
            .collect(),
        max_attempts: d.max_attempts,
        outcomes: Outcome::ALL.iter().map(|o| o.as_str()).collect(),
        numbers,
        revealed: revealed.is_some(),
        can_reveal: me.can(Permission::RevealPersonal),
        can_file_complaint: me.can(Permission::FileComplaints)
            && d.task.task_type == crate::capabilities::callbacks::rules::TaskType::Dissatisfaction,
    };
    let status = error.map(|e| e.status).unwrap_or(StatusCode::OK);
    render(status, &view)
}

pub async fn page(State(state): State<AppState>, WebUser(me): WebUser, Path(id): Path<i64>) -> Response {
    show(&state, &me, id, None, None).await
}

/// Reveals the customer's numbers on this response only (audited), with `tel:` links.
pub async fn reveal(
    State(state): State<AppState>,
    WebUser(me): WebUser,
    Path(id): Path<i64>,
    form: FormData,
) -> Response {
    if !form.csrf_ok(&me) {
        return crate::core::http::layout::csrf_failed(Some(&me));
    }
    let customer = match state.store.get_callback(&me, id).await {
        Ok(d) => d.task.customer_id,
        Err(e) => return crate::core::http::layout::error_page(Some(&me), e),
    };
    match state.store.reveal_customer(&me, customer).await {
        Ok(r) => show(&state, &me, id, Some(r), None).await,
        Err(e) => crate::core::http::layout::error_page(Some(&me), e),
    }
}

/// Reads the answers of the form: `a.<key>` fields, typed by the task's questions.
fn answers(form: &FormData, questions: &[(String, QuestionKind)]) -> BTreeMap<String, Answer> {
    let mut out = BTreeMap::new();
    for (key, kind) in questions {
        let Some(v) = form.get(&format!("a.{key}")).map(str::trim).filter(|v| !v.is_empty()) else {
            continue;
        };
        let answer = match kind {
            QuestionKind::Score => v.parse().map(Answer::Score).unwrap_or(Answer::Text(v.to_string())),
            QuestionKind::YesNo => Answer::YesNo(v == "yes"),
            QuestionKind::Text => Answer::Text(v.to_string()),
        };
        out.insert(key.clone(), answer);
    }
    out
}

/// Records a call from the work screen; back to the queue when the task is settled.
pub async fn attempt(
    State(state): State<AppState>,
    WebUser(me): WebUser,
    Path(id): Path<i64>,
    form: FormData,
) -> Response {
    if !form.csrf_ok(&me) {
        return crate::core::http::layout::csrf_failed(Some(&me));
    }
    let detail = match state.store.get_callback(&me, id).await {
        Ok(d) => d,
        Err(e) => return crate::core::http::layout::error_page(Some(&me), e),
    };
    if detail.task.task_type.is_follow_up() {
        let close = crate::capabilities::callbacks::data::work::CloseTask {
            state: crate::capabilities::callbacks::rules::TaskState::Done,
            note: form.get("note").map(str::to_string),
        };
        return match state.store.close_callback(&me, id, close).await {
            Ok(_) => Redirect::to("/callbacks").into_response(),
            Err(e) => show(&state, &me, id, None, Some(e.into())).await,
        };
    }
    let Some(outcome) = form.get("outcome").and_then(Outcome::parse) else {
        let e = dcrc_domain::Invalid(vec![dcrc_domain::FieldError::new("outcome", "required")]);
        return show(&state, &me, id, None, Some(crate::StoreError::from(e).into())).await;
    };
    let kinds: Vec<(String, QuestionKind)> = detail.questions.iter().map(|q| (q.key.clone(), q.kind)).collect();
    let call_back_at = form
        .get("call_back_at")
        .and_then(|v| NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M").ok())
        .and_then(|t| dcrc_domain::clock::shanghai().from_local_datetime(&t).single())
        .map(|t| t.with_timezone(&chrono::Utc));
    let input = NewAttempt {
        outcome,
        answers: if outcome.consequence().reached {
            answers(&form, &kinds)
        } else {
            BTreeMap::new()
        },
        note: form.get("note").map(str::to_string),
        phone_id: None,
        call_back_at,
    };
    match state.store.record_attempt(&me, id, input).await {
        Ok(_) => Redirect::to("/callbacks").into_response(),
        Err(e) => show(&state, &me, id, None, Some(e.into())).await,
    }
}
