//! What callbacks tell other capabilities, and how callbacks answer the archive's events.

use crate::capabilities::archive::events::{ConsentWithdrawn, CustomerErased, HistoryRecorded};
use crate::capabilities::callbacks::data::obligations::{cancel_open, raise_all, record_triggers};
use crate::capabilities::callbacks::rules::{Outcome, TaskType};
use crate::core::audit::{self, Event as AuditEvent};
use crate::core::db::Tx;
use crate::core::events::{on, Event, Handling, Subscription};
use crate::core::principal::Principal;

/// A call's outcome was recorded on a task (inside the transaction that stored it).
#[derive(Debug, Clone)]
pub struct CallOutcomeRecorded {
    pub now_ms: i64,
    pub agent: Principal,
    /// The dealer of the task (and of what raised it).
    pub org_id: i64,
    pub task_id: i64,
    pub task_type: TaskType,
    /// What raised the task (`sale`, `complaint`, `callback` …) and its id.
    pub source_kind: String,
    pub source_id: Option<i64>,
    pub outcome: Outcome,
}

impl Event for CallOutcomeRecorded {
    const NAME: &'static str = "callbacks.call_outcome_recorded";
}

/// A dealer's month was found below the compliance line for the first time (inside the
/// transaction that stored the finding): whoever keeps notices and penalties acts on it.
#[derive(Debug, Clone)]
pub struct MonthNoncompliant {
    pub now_ms: i64,
    pub dealer_id: i64,
    /// The top of the dealer's tree (the brand), notified with the dealer.
    pub brand_id: i64,
    /// `YYYY-MM`.
    pub month: String,
    pub failing_types: Vec<String>,
    /// The policy's proposed penalty.
    pub penalty_fen: i64,
}

impl Event for MonthNoncompliant {
    const NAME: &'static str = "callbacks.month_noncompliant";
}

/// Callbacks' handlers of the archive's events.
pub fn subscriptions() -> Vec<Subscription> {
    vec![
        on::<HistoryRecorded>(raise_obligations),
        on::<ConsentWithdrawn>(stop_for_purpose),
        on::<CustomerErased>(stop_all),
    ]
}

/// A delivery obliges the first- and second-level calls, a repair delivery the
/// post-repair call, a policy's expiry the renewal call.
fn raise_obligations<'a>(tx: &'a mut Tx, e: &'a HistoryRecorded) -> Handling<'a> {
    Box::pin(async move {
        let triggers = record_triggers(
            e.kind,
            e.org_id,
            e.record_id,
            e.customer_id,
            e.vehicle_id,
            e.day,
            e.staff.as_deref(),
        );
        raise_all(tx, e.now_ms, &triggers).await.map(|_| ())
    })
}

/// A withdrawal stops contact work for the purpose at once.
fn stop_for_purpose<'a>(tx: &'a mut Tx, e: &'a ConsentWithdrawn) -> Handling<'a> {
    Box::pin(async move {
        cancel_open(tx, e.now_ms, e.customer_id, Some(&e.purpose), "consent_withdrawn")
            .await
            .map(|_| ())
    })
}

/// An erased customer keeps no open task.
fn stop_all<'a>(tx: &'a mut Tx, e: &'a CustomerErased) -> Handling<'a> {
    Box::pin(async move {
        let cancelled = cancel_open(tx, e.now_ms, e.customer_id, None, "customer_erased").await?;
        if cancelled > 0 {
            let detail = serde_json::json!({ "tasks_cancelled": cancelled, "reason": "customer_erased" });
            audit::record(
                tx,
                e.now_ms,
                &e.actor,
                AuditEvent::on("cancel_tasks", "customer", e.customer_id, e.org_id, detail),
            )
            .await?;
        }
        Ok(())
    })
}
