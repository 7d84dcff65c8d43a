//! How complaints answer other capabilities' events.

use crate::capabilities::callbacks::events::{CallOutcomeRecorded, MonthNoncompliant};
use crate::capabilities::callbacks::rules::TaskType;
use crate::capabilities::complaints::data::flow::closure_call;
use crate::capabilities::complaints::data::rules::ComplaintRules;
use crate::core::db::{stmt, Tx};
use crate::core::events::{on, Handling, Subscription};

pub fn subscriptions() -> Vec<Subscription> {
    vec![
        on::<CallOutcomeRecorded>(closure_verdict),
        on::<MonthNoncompliant>(noncompliance_notice),
    ]
}

/// The customer's verdict on a closure call closes or reopens the complaint.
fn closure_verdict<'a>(tx: &'a mut Tx, e: &'a CallOutcomeRecorded) -> Handling<'a> {
    Box::pin(async move {
        let (TaskType::ComplaintClosure, "complaint", Some(complaint)) =
            (e.task_type, e.source_kind.as_str(), e.source_id)
        else {
            return Ok(());
        };
        let rules = ComplaintRules::load(tx, e.org_id).await?;
        closure_call(tx, e.now_ms, &e.agent, complaint, e.outcome, &rules).await
    })
}

/// A month below the callback line: a board notice to the dealer and to the brand, and a
/// proposed penalty in the ledger (each once: their keys are the dealer and the month).
fn noncompliance_notice<'a>(tx: &'a mut Tx, e: &'a MonthNoncompliant) -> Handling<'a> {
    Box::pin(async move {
        let detail = serde_json::json!({ "month": e.month, "types": e.failing_types });
        for target in [e.dealer_id, e.brand_id] {
            tx.execute(
                &stmt("INSERT INTO notifications (org_id, kind, complaint_id, subject_org_id, idempotency_key, detail, created_at) \
                    VALUES ($1, 'callback_noncompliance', NULL, $2, $3, $4, $5) ON CONFLICT (idempotency_key) DO NOTHING")
                .bind(target)
                .bind(e.dealer_id)
                .bind(format!("callback_noncompliance:{}:{}:{target}", e.dealer_id, e.month))
                .bind(detail.to_string())
                .bind(e.now_ms),
            )
            .await?;
        }
        tx.execute(
            &stmt(
                "INSERT INTO penalties (org_id, complaint_id, rule, amount_fen, state, created_at) \
                VALUES ($1, NULL, $2, $3, 'proposed', $4) ON CONFLICT DO NOTHING",
            )
            .bind(e.dealer_id)
            .bind(format!("callback_noncompliance:{}", e.month))
            .bind(e.penalty_fen)
            .bind(e.now_ms),
        )
        .await?;
        Ok(())
    })
}
