//! The work screen of one callback task: the script, the customer's summary, the masked
//! phone (revealable, with `tel:` links), the form that records a call — which keeps
//! every value when it is refused — and, once saved, what happened and what comes next,
//! with the button to the next task.

use crate::capabilities::archive::data::customer_edit::Revealed;
use crate::capabilities::callbacks::data::{NewAttempt, TaskDetail};
use crate::capabilities::callbacks::pages::queue::{queue_row, QueueRow};
use crate::capabilities::callbacks::rules::{Answer, Next, Outcome, QuestionKind, TaskState, TaskType};
use crate::core::http::error::ApiError;
use crate::core::http::extract::WebUser;
use crate::core::http::flash::{self, Flash};
use crate::core::http::form::Posted;
use crate::core::http::form_view::FormView;
use crate::core::http::i18n::{self, Tr};
use crate::core::http::layout::{local_time, phone_display, plan_time, render, FormData, Layout};
use crate::AppState;
use crate::Principal;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{NaiveDateTime, TimeZone};
use dcrc_domain::{Lang, Permission};
use std::collections::BTreeMap;

/// A question as the form shows it.
pub struct QuestionView {
    pub name: String,
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
    pub answers: Vec<(String, String)>,
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
    next_call: String,
    follow_up: bool,
    script: String,
    questions: Vec<QuestionView>,
    attempts: Vec<AttemptView>,
    max_attempts: i64,
    outcomes: Vec<(String, String)>,
    /// (as shown, for `tel:`).
    numbers: Vec<(String, String)>,
    revealed: bool,
    yes_no: Vec<(String, String)>,
    can_reveal: bool,
    can_file_complaint: bool,
    next_task: Option<i64>,
    form: FormView,
}

/// An answer as a person reads it: `8 / 10`, 是, or the text.
pub fn answer_text(t: &Tr, a: &Answer) -> String {
    match a {
        Answer::Score(n) => format!("{n} / 10"),
        Answer::YesNo(b) => t.get(if *b { "common.yes" } else { "common.no" }),
        Answer::Text(s) => s.clone(),
    }
}

/// The answers of a call, each under its question's label (or its key's label when the
/// question left the policy since).
pub fn labelled_answers(
    t: &Tr,
    questions: &[crate::capabilities::callbacks::rules::Question],
    answers: &BTreeMap<String, Answer>,
) -> Vec<(String, String)> {
    let zh = t.0 == Lang::ZhCn;
    answers
        .iter()
        .map(|(k, v)| {
            let label = questions
                .iter()
                .find(|q| q.key == *k)
                .map(|q| if zh { q.label_zh.clone() } else { q.label_en.clone() })
                .unwrap_or_else(|| {
                    let key = format!("answer.{k}");
                    if i18n::has(t.0, &key) {
                        t.get(&key)
                    } else {
                        k.replace('_', " ")
                    }
                });
            (label, answer_text(t, v))
        })
        .collect()
}

/// The form's labels by the field names the store reports.
fn labels(t: &Tr, d: &TaskDetail) -> Vec<(String, String)> {
    let zh = t.0 == Lang::ZhCn;
    let mut out = vec![
        ("outcome".to_string(), t.get("callbacks.outcome")),
        ("call_back_at".to_string(), t.get("callbacks.call_back_at")),
        ("note".to_string(), t.get("callbacks.note")),
    ];
    for q in &d.questions {
        out.push((
            format!("a.{}", q.key),
            if zh { q.label_zh.clone() } else { q.label_en.clone() },
        ));
    }
    out
}

/// `answers.overall` (the store's name) is the input `a.overall`.
fn form_field(api_field: &str) -> String {
    match api_field.strip_prefix("answers.") {
        Some(k) => format!("a.{k}"),
        None => api_field.to_string(),
    }
}

async fn next_in_queue(state: &AppState, me: &Principal, current: i64) -> Option<i64> {
    let queue = state.store.my_queue(me).await.ok()?;
    queue.iter().map(|t| t.id).find(|id| *id != current)
}

async fn show(
    state: &AppState,
    me: &Principal,
    id: i64,
    revealed: Option<Revealed>,
    form: Option<(FormView, ApiError)>,
) -> Response {
    let d: TaskDetail = match state.store.get_callback(me, id).await {
        Ok(d) => d,
        Err(e) => return crate::core::http::layout::error_page(Some(me), e),
    };
    let layout = Layout::new(Some(me), "/callbacks");
    let t = layout.t;
    let zh = t.0 == Lang::ZhCn;
    let script = if zh { &d.script_zh } else { &d.script_en }
        .replace("{dealer}", &me.org_name)
        .replace("{date}", &d.task.event_date.to_string());
    let numbers = match &revealed {
        Some(r) => r
            .phones
            .iter()
            .map(|p| (phone_display(&p.number), p.number.clone()))
            .collect(),
        None => d
            .task
            .phone_masked
            .clone()
            .into_iter()
            .map(|m| (m, String::new()))
            .collect(),
    };
    let status = form.as_ref().map(|(_, e)| e.status).unwrap_or(StatusCode::OK);
    let form = match form {
        Some((f, e)) => f.labels(labels(&t, &d)).with_error(&e, form_field),
        None => FormView::new().labels(labels(&t, &d)),
    };
    let view = WorkPage {
        csrf: me.csrf_token.clone(),
        task: queue_row(&d.task),
        customer_id: d.task.customer_id,
        state: d.task.state.as_str().to_string(),
        state_key: format!("state.{}", d.task.state.as_str()),
        next_call: if d.task.state == TaskState::Open {
            plan_time(&t, d.task.next_call_at)
        } else {
            String::new()
        },
        follow_up: d.task.task_type.is_follow_up(),
        script,
        questions: d
            .questions
            .iter()
            .map(|q| QuestionView {
                name: format!("a.{}", q.key),
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
                answers: labelled_answers(&t, &d.questions, &a.answers),
            })
            .collect(),
        max_attempts: d.max_attempts,
        outcomes: Outcome::ALL
            .iter()
            .map(|o| (o.as_str().to_string(), t.get(&format!("outcome.{}", o.as_str()))))
            .collect(),
        numbers,
        revealed: revealed.is_some(),
        yes_no: vec![("yes".into(), t.get("common.yes")), ("no".into(), t.get("common.no"))],
        can_reveal: me.can(Permission::RevealPersonal),
        can_file_complaint: me.can(Permission::FileComplaints) && d.task.task_type == TaskType::Dissatisfaction,
        next_task: next_in_queue(state, me, id).await,
        form,
        l: layout,
    };
    render(status, &view)
}

pub async fn page(State(state): State<AppState>, WebUser(me): WebUser, Path(id): Path<i64>) -> Response {
    show(&state, &me, id, None, None).await
}

async fn reveal_numbers(state: &AppState, me: &Principal, id: i64) -> Result<Revealed, Response> {
    let customer = match state.store.get_callback(me, id).await {
        Ok(d) => d.task.customer_id,
        Err(e) => return Err(crate::core::http::layout::error_page(Some(me), e)),
    };
    state
        .store
        .reveal_customer(me, customer)
        .await
        .map_err(|e| crate::core::http::layout::error_page(Some(me), e))
}

/// Reveals the customer's numbers on this response only (audited), with `tel:` links.
pub async fn reveal(State(state): State<AppState>, Path(id): Path<i64>, Posted(me, _form): Posted) -> Response {
    match reveal_numbers(&state, &me, id).await {
        Ok(r) => show(&state, &me, id, Some(r), None).await,
        Err(page) => page,
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

/// What the saved call led to, for the confirmation.
async fn confirmation(state: &AppState, me: &Principal, saved: &TaskDetail, outcome: Outcome) -> Flash {
    let t = Tr(i18n::current());
    let label = t.get(&format!("outcome.{}", outcome.as_str()));
    let task = &saved.task;
    let c = outcome.consequence();
    if let Some(kind) = c.follow_up {
        let filter = crate::capabilities::callbacks::data::work::TaskFilter {
            customer_id: Some(task.customer_id),
            task_type: Some(kind),
            state: Some(TaskState::Open),
            ..Default::default()
        };
        let follow_up = state
            .store
            .list_callbacks(me, &filter)
            .await
            .ok()
            .and_then(|p| p.items.into_iter().find(|f| f.parent_task_id == Some(task.id)));
        let who = follow_up
            .and_then(|f| f.assignee_name)
            .unwrap_or_else(|| t.get("callbacks.unassigned"));
        return Flash::new("done.call.follow_up")
            .with("outcome", label)
            .with("task", t.get(&format!("task.{}", kind.as_str())))
            .with("name", who);
    }
    match (task.state, c.next) {
        (TaskState::Open, Next::CallBackAt) => Flash::new("done.call.call_back")
            .with("outcome", label)
            .with("at", plan_time(&t, task.next_call_at)),
        (TaskState::Open, _) => Flash::new("done.call.retry")
            .with("outcome", label)
            .with("at", plan_time(&t, task.next_call_at))
            .with("n", task.attempts)
            .with("max", saved.max_attempts),
        (TaskState::Unreachable, _) => Flash::new("done.call.unreachable")
            .with("outcome", label)
            .with("n", task.attempts),
        _ => Flash::new("done.call.closed").with("outcome", label),
    }
}

/// Records a call from the work screen; the task's page then says what happened next.
pub async fn attempt(State(state): State<AppState>, Path(id): Path<i64>, Posted(me, form): Posted) -> Response {
    let detail = match state.store.get_callback(&me, id).await {
        Ok(d) => d,
        Err(e) => return crate::core::http::layout::error_page(Some(&me), e),
    };
    let here = format!("/callbacks/{id}");
    let refused = |e: ApiError| {
        let state = state.clone();
        let me = me.clone();
        let kept = FormView::submitted(&form);
        let revealed = form.get("revealed") == Some("1");
        async move {
            let numbers = if revealed {
                reveal_numbers(&state, &me, id).await.ok()
            } else {
                None
            };
            show(&state, &me, id, numbers, Some((kept, e))).await
        }
    };
    if detail.task.task_type.is_follow_up() {
        let close = crate::capabilities::callbacks::data::work::CloseTask {
            state: TaskState::Done,
            note: form.get("note").map(str::to_string),
        };
        return match state.store.close_callback(&me, id, close).await {
            Ok(_) => flash::redirect(&here, Flash::new("done.follow_up.closed")),
            Err(e) => refused(e.into()).await,
        };
    }
    let Some(outcome) = form.get("outcome").and_then(Outcome::parse) else {
        let e = dcrc_domain::Invalid(vec![dcrc_domain::FieldError::new("outcome", "required")]);
        return refused(crate::StoreError::from(e).into()).await;
    };
    let kinds: Vec<(String, QuestionKind)> = detail.questions.iter().map(|q| (q.key.clone(), q.kind)).collect();
    let raw_call_back = form.get("call_back_at").map(str::trim).unwrap_or("");
    let call_back_at = NaiveDateTime::parse_from_str(raw_call_back, "%Y-%m-%dT%H:%M")
        .ok()
        .and_then(|t| dcrc_domain::clock::shanghai().from_local_datetime(&t).single())
        .map(|t| t.with_timezone(&chrono::Utc));
    if !raw_call_back.is_empty() && call_back_at.is_none() {
        let e = dcrc_domain::Invalid(vec![dcrc_domain::FieldError::new("call_back_at", "invalid_datetime")]);
        return refused(crate::StoreError::from(e).into()).await;
    }
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
        Ok(saved) => {
            let message = confirmation(&state, &me, &saved, outcome).await;
            flash::redirect(&here, message)
        }
        Err(e) => refused(e.into()).await,
    }
}
