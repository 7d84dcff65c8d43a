//! Obligations from events: storing a triggering event creates its callback tasks in the
//! same transaction. Each task has an idempotency key built from the event's natural
//! identity (the vehicle and the day it was delivered, say), so the same event arriving
//! again — by the UI, the API, an import or a replay — never creates a second task.
//!
//! A capability adds a trigger by calling [`raise`] with its [`Trigger`]; nothing here
//! changes.

use super::policy::{calendar, policy_of};
use crate::capabilities::archive::events::HistoryKind;
use crate::capabilities::callbacks::rules::policy::Assign;
use crate::capabilities::callbacks::rules::TaskType;
use crate::core::db::{stmt, Tx};
use crate::core::error::Result;
use chrono::{Duration, NaiveDate};
use dcrc_domain::clock::business_date;
use dcrc_domain::{Permission, Role};

/// An event that may oblige the dealer to call a customer.
#[derive(Debug, Clone)]
pub struct Trigger {
    pub task_type: TaskType,
    pub org_id: i64,
    pub customer_id: i64,
    pub vehicle_id: Option<i64>,
    /// The record the event belongs to (`sale`, `repair_order`, `insurance_policy`,
    /// `customer`, `callback`, `complaint` …) and its id.
    pub source_kind: &'static str,
    pub source_id: Option<i64>,
    /// The business date of the event (delivery, expiry, lapse …).
    pub event_date: NaiveDate,
    /// The event's natural identity; with the type it forms the idempotency key.
    pub identity: String,
    /// The task that caused this one (follow-ups).
    pub parent_task_id: Option<i64>,
    /// The consultant or advisor named on the event record, for policies that give the
    /// task to the customer's own contact.
    pub staff: Option<String>,
}

/// The longest any policy may set for a due offset or a window (see
/// `CallbackPolicy::validate`): events older than twice this cannot create work under any
/// policy, so history imports skip them without reading the policy.
const MAX_POLICY_DAYS: i64 = 366;

/// Whether the customer may be contacted for this purpose, inside a transaction (the rule
/// is [`crate::capabilities::archive::data::customer_edit::consent_query`]'s, shared with `Store::may_contact`).
pub(crate) async fn consent_allows(tx: &mut Tx, customer_id: i64, purpose: &str) -> Result<bool> {
    let row = tx
        .fetch_optional(&crate::capabilities::archive::data::customer_edit::consent_query(
            customer_id,
            purpose,
        ))
        .await?;
    crate::capabilities::archive::data::customer_edit::consent_granted(row.as_ref(), purpose)
}

/// The policy and calendar of one organisation, read once for all the triggers of a
/// transaction that belong to it.
pub struct Rules {
    pub org_id: i64,
    pub policy: crate::capabilities::callbacks::rules::policy::CallbackPolicy,
    pub calendar: dcrc_domain::calendar::BusinessCalendar,
}

impl Rules {
    pub(crate) async fn load(tx: &mut Tx, org_id: i64) -> Result<Rules> {
        let policy = policy_of(tx, org_id).await?;
        Rules::with_policy(tx, org_id, policy).await
    }

    /// The rules of an organisation whose policy was already read.
    pub(crate) async fn with_policy(
        tx: &mut Tx,
        org_id: i64,
        policy: crate::capabilities::callbacks::rules::policy::CallbackPolicy,
    ) -> Result<Rules> {
        let calendar = calendar(tx, &policy).await?;
        Ok(Rules {
            org_id,
            policy,
            calendar,
        })
    }
}

/// Whether an event this old could still create work under any policy.
fn recent_enough(now_ms: i64, event_date: chrono::NaiveDate) -> bool {
    let today = business_date(dcrc_domain::clock::ms_to_time(now_ms));
    event_date >= today - Duration::days(2 * MAX_POLICY_DAYS)
}

/// Creates the task an event obliges, unless policy disables it, the event is outside the
/// policy window, the customer may not be contacted for the purpose, or the task exists.
/// Returns the new task's id.
pub async fn raise(tx: &mut Tx, now_ms: i64, t: &Trigger) -> Result<Option<i64>> {
    if !recent_enough(now_ms, t.event_date) {
        return Ok(None);
    }
    let rules = Rules::load(tx, t.org_id).await?;
    raise_with(tx, now_ms, t, &rules).await
}

/// [`raise`] under rules already read (the trigger must belong to `rules.org_id`).
pub async fn raise_with(tx: &mut Tx, now_ms: i64, t: &Trigger, rules: &Rules) -> Result<Option<i64>> {
    let today = business_date(dcrc_domain::clock::ms_to_time(now_ms));
    if !recent_enough(now_ms, t.event_date) {
        return Ok(None);
    }
    let Some(rule) = rules.policy.rule(t.task_type) else {
        return Ok(None);
    };
    let times = rule.due.times(t.event_date, &rules.calendar);
    if times.due_date < today - Duration::days(i64::from(rule.window_days)) {
        return Ok(None);
    }
    let live = tx
        .fetch_optional(
            &stmt("SELECT id FROM customers WHERE id = $1 AND merged_into IS NULL AND erased_at IS NULL")
                .bind(t.customer_id),
        )
        .await?
        .is_some();
    let purpose = t.task_type.purpose();
    if !live || (!t.task_type.is_follow_up() && !consent_allows(tx, t.customer_id, purpose).await?) {
        return Ok(None);
    }
    let key = format!("{}:{}", t.task_type.as_str(), t.identity);
    let row = tx
        .fetch_optional(
            &stmt("INSERT INTO callback_tasks (org_id, customer_id, vehicle_id, task_type, purpose, source_kind, source_id, event_date, \
                idempotency_key, priority, due_date, workable_from, due_at, next_call_at, state, parent_task_id, created_at, updated_at) \
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $12, 'open', $14, $15, $15) \
                ON CONFLICT (idempotency_key) DO NOTHING RETURNING id")
            .bind(t.org_id)
            .bind(t.customer_id)
            .bind(t.vehicle_id)
            .bind(t.task_type.as_str())
            .bind(purpose)
            .bind(t.source_kind)
            .bind(t.source_id)
            .bind(t.event_date.format("%Y-%m-%d").to_string())
            .bind(key)
            .bind(i64::from(rule.priority))
            .bind(times.due_date.format("%Y-%m-%d").to_string())
            .bind(times.workable_from.timestamp_millis())
            .bind(times.due_at.timestamp_millis())
            .bind(t.parent_task_id)
            .bind(now_ms),
        )
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let id = row.i64("id")?;
    let owner = match (rule.assign, t.staff.as_deref()) {
        (Assign::Owner, Some(name)) => staff_user(tx, t.org_id, name).await?,
        _ => None,
    };
    let assignee = match owner {
        Some(user) => Some(user),
        None => next_assignee(tx, t.org_id, rule.role.as_str()).await?,
    };
    if let Some(user) = assignee {
        tx.execute(
            &stmt("UPDATE callback_tasks SET assignee_id = $1 WHERE id = $2")
                .bind(user)
                .bind(id),
        )
        .await?;
    }
    Ok(Some(id))
}

/// The dealer's active user with this display name who may work callbacks (the first
/// by id when two share a name).
async fn staff_user(tx: &mut Tx, org_id: i64, name: &str) -> Result<Option<i64>> {
    let name = name.trim();
    if name.is_empty() {
        return Ok(None);
    }
    let mut query = stmt(
        "SELECT u.id FROM users u WHERE u.org_id = $1 AND u.active AND u.display_name = $2 \
        AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role IN (",
    )
    .bind(org_id)
    .bind(name);
    let roles: Vec<String> = Role::ALL
        .iter()
        .filter(|r| r.grants(Permission::WorkCallbacks))
        .map(|r| query.param(r.as_str()))
        .collect();
    query.push_sql(&roles.join(", "));
    query.push_sql(")) ORDER BY u.id LIMIT 1");
    tx.fetch_optional(&query).await?.map(|r| r.i64("id")).transpose()
}

/// Round-robin within the dealer's active holders of a role: the next user id after the
/// last one given work, wrapping around.
pub(crate) async fn next_assignee(tx: &mut Tx, org_id: i64, role: &str) -> Result<Option<i64>> {
    let users: Vec<i64> = tx
        .fetch_all(
            &stmt(
                "SELECT u.id FROM users u JOIN user_roles r ON r.user_id = u.id \
                WHERE u.org_id = $1 AND r.role = $2 AND u.active ORDER BY u.id",
            )
            .bind(org_id)
            .bind(role),
        )
        .await?
        .iter()
        .map(|r| r.i64("id"))
        .collect::<Result<_>>()?;
    let Some(first) = users.first().copied() else {
        return Ok(None);
    };
    let last = tx
        .fetch_optional(
            &stmt("SELECT last_user_id FROM assignment_cursors WHERE org_id = $1 AND role = $2")
                .bind(org_id)
                .bind(role),
        )
        .await?
        .map(|r| r.i64("last_user_id"))
        .transpose()?;
    let next = last
        .and_then(|l| users.iter().copied().find(|u| *u > l))
        .unwrap_or(first);
    tx.execute(
        &stmt(
            "INSERT INTO assignment_cursors (org_id, role, last_user_id) VALUES ($1, $2, $3) \
            ON CONFLICT (org_id, role) DO UPDATE SET last_user_id = excluded.last_user_id",
        )
        .bind(org_id)
        .bind(role)
        .bind(next),
    )
    .await?;
    Ok(Some(next))
}

/// Cancels a customer's open tasks for a purpose (`None`: every purpose), with a reason.
pub(crate) async fn cancel_open(
    tx: &mut Tx,
    now_ms: i64,
    customer_id: i64,
    purpose: Option<&str>,
    reason: &str,
) -> Result<u64> {
    let mut query = stmt(
        "UPDATE callback_tasks SET state = 'cancelled', close_reason = $1, closed_at = $2, updated_at = $2 \
        WHERE customer_id = $3 AND state = 'open'",
    )
    .bind(reason)
    .bind(now_ms)
    .bind(customer_id);
    if let Some(p) = purpose {
        let p = query.param(p);
        query.push_sql(&format!(" AND purpose = {p}"));
    }
    tx.execute(&query).await
}

/// The triggers of a stored history record given its event day: a sale's delivery obliges the first- and
/// second-level callbacks, a repair order's delivery the post-repair call, a policy's
/// expiry the renewal call. `staff` is the consultant or advisor named on the record.
pub(crate) fn record_triggers(
    kind: HistoryKind,
    org_id: i64,
    record_id: i64,
    customer_id: i64,
    vehicle_id: i64,
    day: Option<NaiveDate>,
    staff: Option<&str>,
) -> Vec<Trigger> {
    let Some(day) = day else {
        return Vec::new();
    };
    let (kind, what, types): (&'static str, &str, &[TaskType]) = match kind {
        HistoryKind::Sale => ("sale", "delivered", &[TaskType::SalesFirst, TaskType::SalesSecond]),
        HistoryKind::RepairOrder => ("repair_order", "repaired", &[TaskType::PostRepair]),
        HistoryKind::InsurancePolicy => ("insurance_policy", "insurance_expires", &[TaskType::InsuranceRenewal]),
    };
    types
        .iter()
        .map(|task_type| Trigger {
            task_type: *task_type,
            org_id,
            customer_id,
            vehicle_id: Some(vehicle_id),
            source_kind: kind,
            source_id: Some(record_id),
            event_date: day,
            identity: format!("vehicle:{vehicle_id}:{what}:{day}"),
            parent_task_id: None,
            staff: staff.map(str::to_string),
        })
        .collect()
}

/// Raises every trigger, reading each organisation's rules once; returns the ids of the
/// tasks created.
pub async fn raise_all(tx: &mut Tx, now_ms: i64, triggers: &[Trigger]) -> Result<Vec<i64>> {
    let mut ids = Vec::new();
    let mut rules: Option<Rules> = None;
    for t in triggers.iter().filter(|t| recent_enough(now_ms, t.event_date)) {
        if rules.as_ref().is_none_or(|r| r.org_id != t.org_id) {
            rules = Some(Rules::load(tx, t.org_id).await?);
        }
        if let Some(r) = &rules {
            if let Some(id) = raise_with(tx, now_ms, t, r).await? {
                ids.push(id);
            }
        }
    }
    Ok(ids)
}
