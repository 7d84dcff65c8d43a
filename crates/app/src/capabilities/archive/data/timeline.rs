//! The customer 360 timeline: every event of a customer, newest first, in one keyset-paged
//! list. Each source contributes a SELECT with the same columns; later capabilities add
//! theirs to its table in [`crate::core::customer_tables`].

use crate::core::db::stmt;
use crate::core::error::Result;
use crate::core::page::Page;
use crate::core::principal::Principal;
use crate::Store;
use dcrc_domain::{FieldError, Invalid};
use serde::Serialize;

/// One event on the timeline.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TimelineEvent {
    /// `sale`, `repair_order`, `insurance_policy`, `ownership_start`, `ownership_end`, `consent`,
    /// `phone_status` (a number's contact status changed), `call` (a callback call with its
    /// answers), `callback_task` (an open callback task), `complaint`.
    pub kind: String,
    /// The id of the record in its own resource.
    pub id: i64,
    /// The business date (Asia/Shanghai) the event happened on.
    pub date: String,
    pub vehicle_id: Option<i64>,
    /// Short facts for display: model, amount in fen, kind of repair, insurer …
    pub details: serde_json::Value,
}

fn details(
    kind: &str,
    t1: Option<String>,
    t2: Option<String>,
    t3: Option<String>,
    n1: Option<i64>,
) -> serde_json::Value {
    use serde_json::json;
    match kind {
        "sale" => json!({ "consultant_name": t1, "model": t2, "plate": t3, "amount_fen": n1 }),
        "repair_order" => {
            json!({ "repair_kind": t1, "fault_description": t2, "advisor_name": t3, "total_fen": n1 })
        }
        "insurance_policy" => {
            json!({ "insurer": t1, "policy_kind": t2, "expiry_date": t3, "premium_fen": n1 })
        }
        // An open complaint's resolution clock: its deadline, or paused.
        "complaint" => json!({
            "title": t1,
            "state": t2,
            "tier": t3,
            "resolution_due_at": n1.filter(|n| *n >= 0),
            "clock_paused": n1 == Some(-1),
        }),
        "call" => {
            let answers: serde_json::Value = t2
                .as_deref()
                .and_then(|a| serde_json::from_str(a).ok())
                .unwrap_or_else(|| json!({}));
            json!({ "outcome": t1, "answers": answers, "agent_name": t3, "task_id": n1 })
        }
        "appointment" => json!({
            "job_type": t1,
            "state": t2,
            "requested_work": t3,
            "starts_at": n1,
        }),
        "callback_task" => json!({ "task_type": t1, "state": t2, "assignee_name": t3, "attempts": n1 }),
        "consent" => json!({ "purpose": t1, "decision": t2, "recorded_by": t3 }),
        "phone_status" => json!({
            "status": t1,
            "source": t2,
            "actor": t3,
            "last4": n1.map(|n| format!("{n:04}")),
        }),
        _ => json!({ "vin": t1, "model": t2, "plate": t3 }),
    }
}

fn decode(cursor: Option<&str>) -> Result<Option<(String, String, i64)>> {
    let Some(c) = cursor.filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let parts: Vec<&str> = c.splitn(3, '|').collect();
    match parts.as_slice() {
        [day, kind, id] => match id.parse() {
            Ok(id) => Ok(Some((day.to_string(), kind.to_string(), id))),
            Err(_) => Err(Invalid(vec![FieldError::new("cursor", "invalid_cursor")]).into()),
        },
        _ => Err(Invalid(vec![FieldError::new("cursor", "invalid_cursor")]).into()),
    }
}

impl Store {
    /// A customer's events, newest first.
    pub async fn customer_timeline(
        &self,
        who: &Principal,
        customer_id: i64,
        cursor: Option<&str>,
        limit: Option<i64>,
    ) -> Result<Page<TimelineEvent>> {
        self.get_customer(who, customer_id).await?;
        let limit = crate::core::page::limit(limit);
        let after = decode(cursor)?;
        let mut query = stmt(format!(
            "SELECT * FROM ({}) t WHERE 1 = 1",
            crate::capabilities::archive::data::customer_tables::timeline_sources().join(" UNION ALL ")
        ));
        query.param(customer_id);
        if let Some((day, kind, id)) = after {
            let (d, k, i) = (query.param(day), query.param(kind), query.param(id));
            query.push_sql(&format!(
                " AND (t.day < {d} OR (t.day = {d} AND (t.kind > {k} OR (t.kind = {k} AND t.id < {i}))))"
            ));
        }
        let p = query.param(limit + 1);
        query.push_sql(&format!(" ORDER BY t.day DESC, t.kind ASC, t.id DESC LIMIT {p}"));
        let rows = self.access(who).fetch_all(&query).await?;
        let mut items = Vec::with_capacity(rows.len());
        for r in &rows {
            let kind = r.text("kind")?;
            items.push(TimelineEvent {
                details: details(
                    &kind,
                    r.opt_text("t1")?,
                    r.opt_text("t2")?,
                    r.opt_text("t3")?,
                    r.opt_i64("n1")?,
                ),
                kind,
                id: r.i64("id")?,
                date: r.text("day")?,
                vehicle_id: r.opt_i64("vehicle_id")?,
            });
        }
        let next_cursor = if items.len() as i64 > limit {
            items.truncate(usize::try_from(limit).unwrap_or(0));
            items.last().map(|e| format!("{}|{}|{}", e.date, e.kind, e.id))
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }
}
