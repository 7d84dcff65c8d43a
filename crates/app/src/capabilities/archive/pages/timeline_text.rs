//! How a timeline event reads on the customer 360 page: every code as its label, money
//! as `¥323,000.00`, a call's answers as labelled scores.

use crate::capabilities::archive::data::timeline::TimelineEvent;
use crate::core::http::i18n::{self, Tr};
use crate::core::http::layout::yuan;

/// A code's label under `prefix`, or the code itself when no label exists.
fn label(t: &Tr, prefix: &str, code: &str) -> String {
    let key = format!("{prefix}.{code}");
    if code.is_empty() {
        String::new()
    } else if i18n::has(t.0, &key) {
        t.get(&key)
    } else {
        code.replace('_', " ")
    }
}

/// A call's answers: `总体满意度 9 / 10 · 一次修好 是`.
fn answers(t: &Tr, v: Option<&serde_json::Value>) -> String {
    let Some(map) = v.and_then(|v| v.as_object()) else {
        return String::new();
    };
    map.iter()
        .map(|(k, v)| {
            let value = match v {
                serde_json::Value::Bool(b) => t.get(if *b { "common.yes" } else { "common.no" }),
                serde_json::Value::Number(n) => format!("{n} / 10"),
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            format!("{} {value}", label(t, "answer", k))
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// An open complaint's resolution clock as of `now_ms`: its deadline, overdue, or paused.
fn complaint_clock(t: &Tr, e: &TimelineEvent, now_ms: i64) -> String {
    if e.details.get("clock_paused").and_then(|v| v.as_bool()) == Some(true) {
        return t.get("timeline.clock_paused");
    }
    let Some(due) = e.details.get("resolution_due_at").and_then(|v| v.as_i64()) else {
        return String::new();
    };
    let at = chrono::DateTime::from_timestamp_millis(due)
        .map(crate::core::http::layout::local_time)
        .unwrap_or_default();
    t.fmt(
        if due < now_ms {
            "timeline.clock_overdue"
        } else {
            "timeline.clock_due"
        },
        "at",
        &at,
    )
}

/// A one-line description of an event for the timeline, as of `now_ms` (a complaint's
/// clock).
pub fn describe(t: &Tr, e: &TimelineEvent, now_ms: i64) -> String {
    let s = |k: &str| e.details.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
    let n = |k: &str| e.details.get(k).and_then(|v| v.as_i64());
    let money = |k: &str| n(k).map(|f| yuan(Some(f))).unwrap_or_default();
    let parts: Vec<String> = match e.kind.as_str() {
        "sale" => vec![s("model"), s("plate"), money("amount_fen"), s("consultant_name")],
        "repair_order" => vec![
            label(t, "repair", &s("repair_kind")),
            s("fault_description"),
            money("total_fen"),
            s("advisor_name"),
        ],
        "insurance_policy" => vec![
            s("insurer"),
            label(t, "insurance", &s("policy_kind")),
            format!("→ {}", s("expiry_date")),
            money("premium_fen"),
        ],
        "complaint" => vec![
            s("title"),
            label(t, "complaint.tier", &s("tier")),
            label(t, "complaint.state", &s("state")),
            complaint_clock(t, e, now_ms),
        ],
        "call" => vec![
            label(t, "outcome", &s("outcome")),
            answers(t, e.details.get("answers")),
            s("agent_name"),
        ],
        "appointment" => vec![
            n("starts_at")
                .and_then(chrono::DateTime::from_timestamp_millis)
                .map(|at| crate::core::http::layout::plan_time(t, at))
                .unwrap_or_default(),
            label(t, "job", &s("job_type")),
            label(t, "appointment.state", &s("state")),
            s("requested_work"),
        ],
        "callback_task" => vec![
            label(t, "task", &s("task_type")),
            label(t, "state", &s("state")),
            s("assignee_name"),
        ],
        "consent" => vec![
            label(t, "consent", &s("purpose")),
            label(t, "consent", &s("decision")),
            s("recorded_by"),
        ],
        "phone_status" => vec![
            t.fmt("customer.phone_tail", "last4", &s("last4")),
            format!("→ {}", label(t, "status", &s("status"))),
            label(t, "phone_source", &s("source")),
            s("actor"),
        ],
        _ => vec![s("plate"), s("model"), s("vin")],
    };
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
}
