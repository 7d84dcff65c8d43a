//! Callbacks (回访): tasks created by events under policy, worked from each agent's
//! queue, with every call's outcome and its consequences.

pub mod compliance;
pub mod daily;
pub mod obligations;
pub mod policy;
pub mod stats;
pub mod supervise;
pub mod today;
pub mod work;

use crate::capabilities::callbacks::rules::{Answer, Outcome, TaskState, TaskType};
use crate::core::db::Row;
use crate::core::error::Result;
use chrono::{DateTime, NaiveDate, Utc};
use dcrc_domain::clock::ms_to_time;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A callback task.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CallbackTask {
    pub id: i64,
    pub org_id: i64,
    pub customer_id: i64,
    pub customer_name: String,
    /// The customer's primary number, masked.
    pub phone_masked: Option<String>,
    pub vehicle_id: Option<i64>,
    pub plate: Option<String>,
    pub model: Option<String>,
    pub task_type: TaskType,
    /// `service_contact` or `marketing`: the consent the call relies on.
    pub purpose: String,
    /// What caused it: `sale`, `repair_order`, `insurance_policy`, `customer`, `callback` …
    pub source_kind: String,
    pub source_id: Option<i64>,
    pub event_date: NaiveDate,
    pub priority: i64,
    pub due_date: NaiveDate,
    pub workable_from: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    /// When it is next to be called (a retry or an agreed time moves it).
    pub next_call_at: DateTime<Utc>,
    pub state: TaskState,
    pub assignee_id: Option<i64>,
    pub assignee_name: Option<String>,
    pub attempts: i64,
    pub first_attempt_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub outcome: Option<Outcome>,
    pub close_reason: Option<String>,
    pub parent_task_id: Option<i64>,
    /// Open and past its deadline.
    pub overdue: bool,
}

/// One call.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Attempt {
    pub id: i64,
    pub task_id: i64,
    pub agent_id: Option<i64>,
    pub agent_name: Option<String>,
    pub at: DateTime<Utc>,
    pub outcome: Outcome,
    #[schema(value_type = Object)]
    pub answers: BTreeMap<String, Answer>,
    pub note: Option<String>,
    pub call_back_at: Option<DateTime<Utc>>,
}

/// A call to record.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAttempt {
    pub outcome: Outcome,
    /// Answers by question key: 1–10 for scores, `true`/`false`, or text.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub answers: BTreeMap<String, Answer>,
    #[serde(default)]
    pub note: Option<String>,
    /// The number called (a phone id of the customer); the primary number by default.
    #[serde(default)]
    pub phone_id: Option<i64>,
    /// Required with `call_back_later`: when the customer asked to be called.
    #[serde(default)]
    pub call_back_at: Option<DateTime<Utc>>,
}

/// A task with its calls, script and questions, for the work screen.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TaskDetail {
    pub task: CallbackTask,
    pub attempts: Vec<Attempt>,
    pub script_zh: String,
    pub script_en: String,
    pub questions: Vec<crate::capabilities::callbacks::rules::Question>,
    pub max_attempts: i64,
}

/// The columns every task read selects (with its customer, vehicle and assignee).
pub(crate) const TASK_SELECT: &str = "SELECT t.*, c.name AS customer_name, v.plate AS plate, v.model AS model, \
    u.display_name AS assignee_name, \
    (SELECT p.digits FROM customer_phones p WHERE p.customer_id = t.customer_id ORDER BY p.is_primary DESC, p.id LIMIT 1) AS phone \
    FROM callback_tasks t JOIN orgs o ON o.id = t.org_id JOIN customers c ON c.id = t.customer_id \
    LEFT JOIN vehicles v ON v.id = t.vehicle_id LEFT JOIN users u ON u.id = t.assignee_id";

fn date(r: &Row, col: &str) -> Result<NaiveDate> {
    Ok(NaiveDate::parse_from_str(&r.text(col)?, "%Y-%m-%d").unwrap_or_default())
}

pub(crate) fn task_from_row(r: &Row, now_ms: i64) -> Result<CallbackTask> {
    let state = TaskState::parse(&r.text("state")?).unwrap_or(TaskState::Open);
    let due_at = r.i64("due_at")?;
    Ok(CallbackTask {
        id: r.i64("id")?,
        org_id: r.i64("org_id")?,
        customer_id: r.i64("customer_id")?,
        customer_name: r.text("customer_name")?,
        phone_masked: r.opt_text("phone")?.map(|d| dcrc_domain::phone::mask_digits(&d)),
        vehicle_id: r.opt_i64("vehicle_id")?,
        plate: r.opt_text("plate")?,
        model: r.opt_text("model")?,
        task_type: TaskType::parse(&r.text("task_type")?).unwrap_or(TaskType::Care),
        purpose: r.text("purpose")?,
        source_kind: r.text("source_kind")?,
        source_id: r.opt_i64("source_id")?,
        event_date: date(r, "event_date")?,
        priority: r.i64("priority")?,
        due_date: date(r, "due_date")?,
        workable_from: ms_to_time(r.i64("workable_from")?),
        due_at: ms_to_time(due_at),
        next_call_at: ms_to_time(r.i64("next_call_at")?),
        state,
        assignee_id: r.opt_i64("assignee_id")?,
        assignee_name: r.opt_text("assignee_name")?,
        attempts: r.i64("attempts")?,
        first_attempt_at: r.opt_i64("first_attempt_at")?.map(ms_to_time),
        closed_at: r.opt_i64("closed_at")?.map(ms_to_time),
        outcome: r.opt_text("outcome")?.and_then(|o| Outcome::parse(&o)),
        close_reason: r.opt_text("close_reason")?,
        parent_task_id: r.opt_i64("parent_task_id")?,
        overdue: state == TaskState::Open && due_at < now_ms,
    })
}
