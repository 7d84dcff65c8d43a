//! The callback queue: today's work in three true groups — 已超期 (past the deadline),
//! 今日到期 (deadline today) and 即将到期 (workable now, deadline later) — filtered by
//! callback type; supervisors also see the team's queue.

use crate::capabilities::callbacks::data::CallbackTask;
use crate::capabilities::callbacks::rules::TaskType;
use crate::core::http::extract::WebUser;
use crate::core::http::layout::{local_time, render, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use dcrc_domain::Permission;
use serde::Deserialize;

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
    pub assignee: String,
}

pub fn queue_row(t: &CallbackTask) -> QueueRow {
    QueueRow {
        id: t.id,
        customer: t.customer_name.clone(),
        phone: t.phone_masked.clone().unwrap_or_else(|| "—".into()),
        vehicle: Some(
            [t.plate.clone(), t.model.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" "),
        )
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "—".into()),
        task_type: t.task_type.as_str().to_string(),
        type_key: format!("task.{}", t.task_type.as_str()),
        reason_key: format!("reason.{}", t.task_type.as_str()),
        event_date: t.event_date.to_string(),
        due: local_time(t.due_at),
        overdue: t.overdue,
        attempts: t.attempts,
        assignee: t.assignee_name.clone().unwrap_or_default(),
    }
}

/// One group of the queue.
pub struct Group {
    pub id: &'static str,
    pub key: &'static str,
    pub tone: &'static str,
    pub rows: Vec<QueueRow>,
}

/// Which group a task belongs to today.
pub fn group_of(t: &CallbackTask, today: NaiveDate) -> usize {
    if t.overdue {
        0
    } else if t.due_date <= today {
        1
    } else {
        2
    }
}

/// The tasks in their groups (each group keeps the queue's order).
pub fn groups(tasks: &[CallbackTask], today: NaiveDate) -> Vec<Group> {
    let mut groups = vec![
        Group {
            id: "overdue",
            key: "callbacks.group.overdue",
            tone: "danger",
            rows: Vec::new(),
        },
        Group {
            id: "today",
            key: "callbacks.group.today",
            tone: "warn",
            rows: Vec::new(),
        },
        Group {
            id: "soon",
            key: "callbacks.group.soon",
            tone: "",
            rows: Vec::new(),
        },
    ];
    for t in tasks {
        groups[group_of(t, today)].rows.push(queue_row(t));
    }
    groups
}

#[derive(Deserialize, Default)]
pub struct QueueQuery {
    #[serde(default)]
    view: String,
    #[serde(default, rename = "type")]
    task_type: String,
}

#[derive(Template)]
#[template(path = "capabilities/callbacks/templates/callbacks.html")]
struct QueuePage {
    l: Layout,
    groups: Vec<Group>,
    total: usize,
    team: bool,
    task_type: String,
    types: Vec<(String, String, usize)>,
    can_supervise: bool,
    can_stats: bool,
    can_policy: bool,
}

pub async fn queue(State(state): State<AppState>, WebUser(me): WebUser, Query(q): Query<QueueQuery>) -> Response {
    let can_supervise = me.can(Permission::SuperviseCallbacks);
    // A supervisor's queue is the team's unless they ask for their own.
    let team = can_supervise && q.view != "mine";
    let tasks = if team {
        state.store.team_queue(&me).await
    } else {
        state.store.my_queue(&me).await
    };
    let tasks = match tasks {
        Ok(t) => t,
        Err(e) => return crate::core::http::layout::error_page(Some(&me), e),
    };
    let l = Layout::new(Some(&me), "/callbacks");
    let mut types: Vec<(String, String, usize)> = Vec::new();
    for t in &tasks {
        let code = t.task_type.as_str();
        match types.iter_mut().find(|(c, _, _)| c == code) {
            Some(entry) => entry.2 += 1,
            None => types.push((code.to_string(), l.t.get(&format!("task.{code}")), 1)),
        }
    }
    let wanted = TaskType::parse(&q.task_type);
    let shown: Vec<CallbackTask> = tasks
        .into_iter()
        .filter(|t| wanted.is_none_or(|w| t.task_type == w))
        .collect();
    let view = QueuePage {
        total: shown.len(),
        groups: groups(&shown, state.store.clock.today()),
        team,
        task_type: wanted.map(|w| w.as_str().to_string()).unwrap_or_default(),
        types,
        can_supervise,
        can_stats: me.can(Permission::ViewCallbackStats),
        can_policy: me.can(Permission::EditPolicy),
        l,
    };
    render(StatusCode::OK, &view)
}
