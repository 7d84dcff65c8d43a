//! How complaints answer other capabilities' events.

use crate::capabilities::callbacks::events::CallOutcomeRecorded;
use crate::capabilities::callbacks::rules::TaskType;
use crate::capabilities::complaints::data::flow::closure_call;
use crate::capabilities::complaints::data::rules::ComplaintRules;
use crate::core::db::Tx;
use crate::core::events::{on, Handling, Subscription};

pub fn subscriptions() -> Vec<Subscription> {
    vec![on::<CallOutcomeRecorded>(closure_verdict)]
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
