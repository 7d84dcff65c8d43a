//! Working callback tasks: the agent's queue, one task with its calls, recording a call
//! and what it causes, closing follow-ups, reassigning, and each agent's load.

use super::obligations::{raise_with, Rules, Trigger};
use super::policy::policy_of;
use super::{task_from_row, Attempt, CallbackTask, NewAttempt, TaskDetail, TASK_SELECT};
use crate::capabilities::callbacks::events::CallOutcomeRecorded;
use crate::capabilities::callbacks::rules::{retry_at, validate_answers, Next, Outcome, TaskState, TaskType};
use crate::core::audit::{self, Actor, Event};
use crate::core::db::{stmt, Row};
use crate::core::error::{Result, StoreError};
use crate::core::page::{self, Page};
use crate::core::principal::Principal;
use crate::Store;
use chrono::{Duration, NaiveDate};
use dcrc_domain::calendar::at;
use dcrc_domain::clock::business_date;
use dcrc_domain::clock::ms_to_time;
use dcrc_domain::{FieldError, Invalid, Permission};
use serde::Deserialize;

/// Which tasks to list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaskFilter {
    pub state: Option<TaskState>,
    pub task_type: Option<TaskType>,
    pub assignee_id: Option<i64>,
    /// Only tasks nobody is assigned.
    pub unassigned: Option<bool>,
    pub customer_id: Option<i64>,
    /// A dealer (or any organisation) in scope.
    pub org_id: Option<i64>,
    pub due_from: Option<NaiveDate>,
    pub due_to: Option<NaiveDate>,
    /// Only open tasks past their deadline.
    pub overdue: Option<bool>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// Closing a task without a call: a follow-up done, or a task cancelled by a supervisor.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseTask {
    /// `done` (follow-ups) or `cancelled` (supervisors).
    pub state: TaskState,
    #[serde(default)]
    pub note: Option<String>,
}

fn attempt_from_row(r: &Row) -> Result<Attempt> {
    Ok(Attempt {
        id: r.i64("id")?,
        task_id: r.i64("task_id")?,
        agent_id: r.opt_i64("agent_id")?,
        agent_name: r.opt_text("agent_name")?,
        at: ms_to_time(r.i64("at")?),
        outcome: Outcome::parse(&r.text("outcome")?).unwrap_or(Outcome::NoAnswer),
        answers: serde_json::from_str(&r.text("answers")?).unwrap_or_default(),
        note: r.opt_text("note")?,
        call_back_at: r.opt_i64("call_back_at")?.map(ms_to_time),
    })
}

impl Store {
    /// The start of tomorrow (Asia/Shanghai) by the clock: the queue shows what is
    /// workable before then.
    pub(crate) fn end_of_today_ms(&self) -> i64 {
        let tomorrow = self.clock.today() + Duration::days(1);
        at(tomorrow, chrono::NaiveTime::MIN).timestamp_millis()
    }

    /// The caller's queue for today: their open tasks workable by the end of today, overdue
    /// first, then by deadline and priority.
    pub async fn my_queue(&self, who: &Principal) -> Result<Vec<CallbackTask>> {
        self.authorize(who, Permission::ViewCustomers, "callback").await?;
        let now = self.now_ms();
        let sql = format!(
            "{TASK_SELECT} WHERE t.assignee_id = $1 AND t.state = 'open' AND t.next_call_at < $2 AND o.path LIKE $3 \
             ORDER BY CASE WHEN t.due_at < $4 THEN 0 ELSE 1 END, t.due_at, t.priority, t.id LIMIT 500"
        );
        let rows = self
            .access(who)
            .fetch_all(
                &stmt(sql)
                    .bind(who.user_id)
                    .bind(self.end_of_today_ms())
                    .bind(who.scope().like_pattern())
                    .bind(now),
            )
            .await?;
        rows.iter().map(|r| task_from_row(r, now)).collect()
    }

    /// Tasks in scope, filtered, in id order.
    pub async fn list_callbacks(&self, who: &Principal, f: &TaskFilter) -> Result<Page<CallbackTask>> {
        self.authorize(who, Permission::ViewCustomers, "callback").await?;
        let now = self.now_ms();
        let limit = page::limit(f.limit);
        let cursor = page::decode_cursor(f.cursor.as_deref())?;
        let mut query = stmt(format!("{TASK_SELECT} WHERE o.path LIKE "));
        let p = query.param(who.scope().like_pattern());
        query.push_sql(&p);
        let cond = |query: &mut crate::core::db::Query, sql: &str, v: crate::core::db::Value| {
            let p = query.param(v);
            query.push_sql(&sql.replace('?', &p));
        };
        if let Some(s) = f.state {
            cond(&mut query, " AND t.state = ?", s.as_str().into());
        }
        if let Some(t) = f.task_type {
            cond(&mut query, " AND t.task_type = ?", t.as_str().into());
        }
        if let Some(a) = f.assignee_id {
            cond(&mut query, " AND t.assignee_id = ?", a.into());
        }
        if f.unassigned == Some(true) {
            query.push_sql(" AND t.assignee_id IS NULL");
        }
        if let Some(c) = f.customer_id {
            cond(&mut query, " AND t.customer_id = ?", c.into());
        }
        if let Some(o) = f.org_id {
            cond(
                &mut query,
                " AND o.path LIKE (SELECT path FROM orgs WHERE id = ?) || '%'",
                o.into(),
            );
        }
        if let Some(d) = f.due_from {
            cond(
                &mut query,
                " AND t.due_date >= ?",
                d.format("%Y-%m-%d").to_string().into(),
            );
        }
        if let Some(d) = f.due_to {
            cond(
                &mut query,
                " AND t.due_date <= ?",
                d.format("%Y-%m-%d").to_string().into(),
            );
        }
        if f.overdue == Some(true) {
            cond(&mut query, " AND t.state = 'open' AND t.due_at < ?", now.into());
        }
        if let Some(c) = cursor {
            cond(&mut query, " AND t.id > ?", c.into());
        }
        let p = query.param(limit + 1);
        query.push_sql(&format!(" ORDER BY t.id LIMIT {p}"));
        let items = self
            .access(who)
            .fetch_all(&query)
            .await?
            .iter()
            .map(|r| task_from_row(r, now))
            .collect::<Result<Vec<_>>>()?;
        Ok(page::paginate(items, limit, |t| t.id))
    }

    async fn task_in_scope(&self, who: &Principal, id: i64) -> Result<CallbackTask> {
        let sql = format!("{TASK_SELECT} WHERE t.id = $1 AND o.path LIKE $2");
        let row = self
            .access(who)
            .fetch_optional(&stmt(sql).bind(id).bind(who.scope().like_pattern()))
            .await?
            .ok_or(StoreError::NotFound)?;
        task_from_row(&row, self.now_ms())
    }

    /// One task with its calls, script and questions.
    pub async fn get_callback(&self, who: &Principal, id: i64) -> Result<TaskDetail> {
        self.authorize(who, Permission::ViewCustomers, "callback").await?;
        let task = self.task_in_scope(who, id).await?;
        let attempts = self
            .access(who)
            .fetch_all(
                &stmt("SELECT a.*, u.display_name AS agent_name FROM callback_attempts a LEFT JOIN users u ON u.id = a.agent_id \
                    WHERE a.task_id = $1 ORDER BY a.id")
                .bind(id),
            )
            .await?
            .iter()
            .map(attempt_from_row)
            .collect::<Result<Vec<_>>>()?;
        let mut tx = self.access(who).read().await?;
        let policy = policy_of(&mut tx, task.org_id).await?;
        tx.commit().await?;
        let rule = policy.types.get(&task.task_type).cloned();
        Ok(TaskDetail {
            attempts,
            script_zh: rule.as_ref().map(|r| r.script_zh.clone()).unwrap_or_default(),
            script_en: rule.as_ref().map(|r| r.script_en.clone()).unwrap_or_default(),
            questions: rule.as_ref().map(|r| r.questions.clone()).unwrap_or_default(),
            max_attempts: rule.map(|r| i64::from(r.max_attempts)).unwrap_or(1),
            task,
        })
    }

    /// Records one call and applies its consequence in one transaction: the task closes,
    /// waits for a retry (or closes as unreachable after the policy's attempts), or waits
    /// for the agreed time; the phone's status follows what the call showed; follow-up work
    /// is created for wrong numbers, non-owners and dissatisfied customers.
    pub async fn record_attempt(&self, who: &Principal, task_id: i64, a: NewAttempt) -> Result<TaskDetail> {
        self.retrying(|| self.record_attempt_once(who, task_id, a.clone()))
            .await
    }

    async fn record_attempt_once(&self, who: &Principal, task_id: i64, a: NewAttempt) -> Result<TaskDetail> {
        let task = self.task_in_scope(who, task_id).await?;
        self.authorize(who, Permission::WorkCallbacks, "callback").await?;
        let now = self.now_ms();
        let mut errors = Invalid::default();
        if task.task_type.is_follow_up() {
            errors.push(FieldError::new("outcome", "follow_up_not_called"));
        }
        let consequence = a.outcome.consequence();
        let call_back_at = match (a.outcome, a.call_back_at) {
            (Outcome::CallBackLater, Some(t)) if t.timestamp_millis() > now => Some(t.timestamp_millis()),
            (Outcome::CallBackLater, Some(_)) => {
                errors.push(FieldError::new("call_back_at", "not_in_future"));
                None
            }
            (Outcome::CallBackLater, None) => {
                errors.push(FieldError::new("call_back_at", "required"));
                None
            }
            _ => None,
        };
        if a.note.as_deref().is_some_and(|n| n.chars().count() > 1000) {
            errors.push(FieldError::new("note", "length").with("min", 0).with("max", 1000));
        }
        let mut tx = self.access(who).begin().await?;
        let rules = Rules::load(&mut tx, task.org_id).await?;
        let rule = rules.policy.types.get(&task.task_type).cloned();
        let questions = rule.as_ref().map(|r| r.questions.clone()).unwrap_or_default();
        // The questions are asked only of a customer who talked: required answers are
        // demanded for the reached outcomes, not for a refusal or an agreed call-back.
        let answered = matches!(a.outcome, Outcome::ReachedSatisfied | Outcome::ReachedDissatisfied);
        validate_answers(&questions, &a.answers, answered, &mut errors);
        let phone_id = match a.phone_id {
            Some(p) => {
                let ok = tx
                    .fetch_optional(
                        &stmt("SELECT id FROM customer_phones WHERE id = $1 AND customer_id = $2")
                            .bind(p)
                            .bind(task.customer_id),
                    )
                    .await?;
                if ok.is_none() {
                    errors.push(FieldError::new("phone_id", "not_this_customers"));
                }
                Some(p)
            }
            None => tx
                .fetch_optional(
                    &stmt("SELECT id FROM customer_phones WHERE customer_id = $1 ORDER BY is_primary DESC, id LIMIT 1")
                        .bind(task.customer_id),
                )
                .await?
                .map(|r| r.i64("id"))
                .transpose()?,
        };
        errors.finish()?;
        // Claim the task: only an open task takes a call, so two agents recording at once
        // cannot both close it. The UPDATE locks the row and counts the attempt in one
        // step, so the count that decides the retry limit is the true one.
        let attempts = tx
            .fetch_optional(
                &stmt("UPDATE callback_tasks SET attempts = attempts + 1, first_attempt_at = COALESCE(first_attempt_at, $1), updated_at = $1 \
                    WHERE id = $2 AND state = 'open' RETURNING attempts")
                .bind(now)
                .bind(task_id),
            )
            .await?
            .ok_or(StoreError::Conflict {
                code: "task_closed",
                field: None,
            })?
            .i64("attempts")?;
        let today = business_date(ms_to_time(now));
        tx.execute(
            &stmt("INSERT INTO callback_attempts (task_id, org_id, customer_id, agent_id, phone_id, at, business_date, outcome, answers, note, call_back_at) \
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
            .bind(task_id)
            .bind(task.org_id)
            .bind(task.customer_id)
            .bind(who.user_id)
            .bind(phone_id)
            .bind(now)
            .bind(today.format("%Y-%m-%d").to_string())
            .bind(a.outcome.as_str())
            .bind(serde_json::to_string(&a.answers).unwrap_or_else(|_| "{}".into()))
            .bind(a.note.as_deref().map(str::trim).filter(|n| !n.is_empty()))
            .bind(call_back_at),
        )
        .await?;
        let max = rule.as_ref().map(|r| i64::from(r.max_attempts)).unwrap_or(1);
        let (state, next_call) = match consequence.next {
            Next::Close => (TaskState::Done, None),
            Next::CallBackAt => (TaskState::Open, call_back_at),
            Next::Retry if attempts >= max => (TaskState::Unreachable, None),
            Next::Retry => {
                let days = rule.as_ref().map(|r| r.retry_after_working_days).unwrap_or(1);
                (
                    TaskState::Open,
                    Some(retry_at(today, days, &rules.calendar).timestamp_millis()),
                )
            }
        };
        let closed = state != TaskState::Open;
        tx.execute(
            &stmt(
                "UPDATE callback_tasks SET state = $1, outcome = $2, next_call_at = COALESCE($3, next_call_at), \
                closed_at = $4, updated_at = $5 WHERE id = $6",
            )
            .bind(state.as_str())
            .bind(a.outcome.as_str())
            .bind(next_call)
            .bind(closed.then_some(now))
            .bind(now)
            .bind(task_id),
        )
        .await?;
        if let (Some(status), Some(p)) = (consequence.phone_status, phone_id) {
            crate::capabilities::archive::data::customer_records::change_phone_status(
                &mut tx,
                now,
                task.customer_id,
                p,
                status,
                "call",
                &who.display_name,
            )
            .await?;
        }
        // A closure call's verdict belongs to the complaint it closes (its subscriber
        // closes or reopens it): no separate dissatisfaction follow-up.
        let closes_complaint = task.task_type == TaskType::ComplaintClosure && task.source_kind == "complaint";
        let recorded = CallOutcomeRecorded {
            now_ms: now,
            agent: who.clone(),
            org_id: task.org_id,
            task_id,
            task_type: task.task_type,
            source_kind: task.source_kind.clone(),
            source_id: task.source_id,
            outcome: a.outcome,
        };
        crate::core::events::publish(&mut tx, &recorded).await?;
        if let Some(follow_up) = consequence.follow_up.filter(|_| !closes_complaint) {
            let trigger = Trigger {
                task_type: follow_up,
                org_id: task.org_id,
                customer_id: task.customer_id,
                vehicle_id: task.vehicle_id,
                source_kind: "callback",
                source_id: Some(task_id),
                event_date: today,
                identity: format!("task:{task_id}"),
                parent_task_id: Some(task_id),
                staff: None,
            };
            raise_with(&mut tx, now, &trigger, &rules).await?;
        }
        let detail = serde_json::json!({ "outcome": a.outcome.as_str(), "state": state.as_str(), "attempt": attempts });
        audit::record(
            &mut tx,
            now,
            &Actor::from(who),
            Event::on("attempt", "callback", task_id, task.org_id, detail),
        )
        .await?;
        tx.commit().await?;
        self.get_callback(who, task_id).await
    }

    /// Closes a task without a call: a follow-up marked done by whoever works it, or any
    /// open task cancelled by a supervisor.
    pub async fn close_callback(&self, who: &Principal, task_id: i64, c: CloseTask) -> Result<TaskDetail> {
        let task = self.task_in_scope(who, task_id).await?;
        match c.state {
            TaskState::Done if task.task_type.is_follow_up() => {
                self.authorize(who, Permission::WorkCallbacks, "callback").await?
            }
            TaskState::Done => {
                return Err(Invalid(vec![FieldError::new("state", "call_needed")]).into());
            }
            TaskState::Cancelled => self.authorize(who, Permission::SuperviseCallbacks, "callback").await?,
            _ => {
                return Err(Invalid(vec![
                    FieldError::new("state", "unknown_value").with("allowed", "done, cancelled")
                ])
                .into());
            }
        }
        let now = self.now_ms();
        let reason = c
            .note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(|n| n.chars().take(500).collect::<String>())
            .unwrap_or_else(|| format!("closed_by:{}", who.username));
        let mut tx = self.access(who).begin().await?;
        let n = tx
            .execute(
                &stmt("UPDATE callback_tasks SET state = $1, close_reason = $2, closed_at = $3, updated_at = $3 WHERE id = $4 AND state = 'open'")
                    .bind(c.state.as_str())
                    .bind(&reason)
                    .bind(now)
                    .bind(task_id),
            )
            .await?;
        if n == 0 {
            return Err(StoreError::Conflict {
                code: "task_closed",
                field: None,
            });
        }
        let detail = serde_json::json!({ "state": c.state.as_str(), "reason": reason });
        audit::record(
            &mut tx,
            now,
            &Actor::from(who),
            Event::on("close", "callback", task_id, task.org_id, detail),
        )
        .await?;
        tx.commit().await?;
        self.get_callback(who, task_id).await
    }
}
