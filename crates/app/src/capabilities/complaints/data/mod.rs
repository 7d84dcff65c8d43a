//! Complaints (投诉/抱怨): intake from every channel, the workflow, the two clocks with
//! their pauses, warnings, breaches and escalation up the organisation tree, the handling
//! form, zero-tolerance penalties, and closure by a satisfied callback.

pub mod attachments;
pub mod flow;
pub mod intake;
pub mod penalties;
pub mod rules;
pub mod stats;
pub mod sweep;

use crate::capabilities::complaints::data::rules::ComplaintRules;
use crate::capabilities::complaints::rules::policy::ComplaintPolicy;
use crate::capabilities::complaints::rules::{Channel, ClockKind, ClockStatus, Pause, SlaClock, State, Tier};
use crate::core::db::{stmt, Row, Tx};
use crate::core::error::{Result, StoreError};
use crate::core::principal::Principal;
use crate::Store;
use chrono::{DateTime, Utc};
use dcrc_domain::clock::ms_to_time;
use dcrc_domain::Permission;
use serde::{Deserialize, Serialize};

/// One clock as the board and the complaint page show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClockView {
    pub kind: ClockKind,
    pub status: ClockStatus,
    /// When it runs out (`None` while paused).
    pub deadline: Option<DateTime<Utc>>,
    /// Clock seconds left (negative once breached).
    pub remaining_seconds: i64,
    pub budget_seconds: i64,
    pub warned_at: Option<DateTime<Utc>>,
    /// When it ran out; kept even after the complaint is closed.
    pub breached_at: Option<DateTime<Utc>>,
    /// While breached and running: seconds since the deadline (wall-clock time).
    pub overdue_seconds: Option<i64>,
}

/// The handling form (处理单).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandlingForm {
    #[serde(default)]
    pub responsible: Option<String>,
    #[serde(default)]
    pub root_cause: Option<String>,
    #[serde(default)]
    pub measures: Option<String>,
    #[serde(default)]
    pub customer_agreement: Option<String>,
}

/// A complaint.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Complaint {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub customer_id: i64,
    pub customer_name: String,
    pub vehicle_id: Option<i64>,
    pub plate: Option<String>,
    pub sale_id: Option<i64>,
    pub repair_order_id: Option<i64>,
    pub callback_task_id: Option<i64>,
    pub channel: Channel,
    pub category: String,
    pub tier: Tier,
    pub title: String,
    pub description: String,
    /// The consultant or advisor the complaint is about.
    pub staff_name: Option<String>,
    pub state: State,
    pub assignee_id: Option<i64>,
    pub assignee_name: Option<String>,
    pub filed_at: DateTime<Utc>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub first_response: ClockView,
    pub resolution: ClockView,
    /// The current pause's reason, when paused.
    pub paused_for: Option<String>,
    /// Levels up the organisation tree the complaint has been escalated to.
    pub escalation_level: i64,
    pub reopen_count: i64,
    pub form: HandlingForm,
    pub signed_off_by: Option<i64>,
    pub signed_off_at: Option<DateTime<Utc>>,
}

/// A pause as recorded.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PauseRecord {
    pub reason: String,
    pub note: Option<String>,
    pub from: DateTime<Utc>,
    pub until: Option<DateTime<Utc>>,
}

/// One entry of a complaint's history: a transition, pause, resume, warning, breach,
/// escalation, attachment or form change.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ComplaintEvent {
    pub kind: String,
    pub from_state: Option<State>,
    pub to_state: Option<State>,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    pub actor_name: String,
    pub at: DateTime<Utc>,
}

/// A complaint with its pauses and history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ComplaintDetail {
    pub complaint: Complaint,
    pub pauses: Vec<PauseRecord>,
    pub events: Vec<ComplaintEvent>,
    /// The states the caller may move it to now.
    pub next_states: Vec<State>,
    /// The policy's pause reasons.
    pub pause_reasons: Vec<String>,
    pub attachments: Vec<attachments::Attachment>,
}

pub(crate) const COMPLAINT_SELECT: &str = "SELECT k.*, o.name AS org_name, c.name AS customer_name, v.plate, \
    u.display_name AS assignee_name FROM complaints k JOIN orgs o ON o.id = k.org_id \
    JOIN customers c ON c.id = k.customer_id LEFT JOIN vehicles v ON v.id = k.vehicle_id \
    LEFT JOIN users u ON u.id = k.assignee_id";

/// A complaint row with what its clocks need: the pauses and the rules of its dealer.
pub(crate) struct Loaded {
    pub row: Row,
    pub pauses: Vec<Pause>,
    pub paused_for: Option<String>,
}

fn time(ms: Option<i64>) -> Option<DateTime<Utc>> {
    ms.map(ms_to_time)
}

/// The two clocks of a complaint row.
pub(crate) fn clocks<'a>(
    r: &Row,
    pauses: &'a [Pause],
    policy: &'a ComplaintPolicy,
    rules: &'a ComplaintRules,
) -> Result<(SlaClock<'a>, SlaClock<'a>)> {
    let filed = ms_to_time(r.i64("filed_at")?);
    let tier = Tier::parse(&r.text("tier")?).unwrap_or(Tier::General);
    let first = SlaClock {
        started: filed,
        limit: &policy.first_response,
        pauses,
        stopped: time(r.opt_i64("first_response_at")?),
        cal: &rules.calendar,
    };
    let resolution = SlaClock {
        started: filed,
        limit: policy.resolution(tier),
        pauses,
        stopped: time(r.opt_i64("closed_at")?),
        cal: &rules.calendar,
    };
    Ok((first, resolution))
}

fn view(
    kind: ClockKind,
    c: &SlaClock<'_>,
    now: DateTime<Utc>,
    warn: u32,
    marks: (Option<i64>, Option<i64>),
) -> ClockView {
    let status = c.status(now, warn);
    let deadline = c.deadline();
    ClockView {
        kind,
        status,
        deadline,
        overdue_seconds: match (status, deadline) {
            (ClockStatus::Breached, Some(d)) => Some((now - d).num_seconds().max(0)),
            _ => None,
        },
        remaining_seconds: c.remaining(now),
        budget_seconds: c.budget(),
        warned_at: time(marks.0),
        breached_at: time(marks.1),
    }
}

pub(crate) fn complaint_from(l: &Loaded, rules: &ComplaintRules, now: DateTime<Utc>) -> Result<Complaint> {
    let r = &l.row;
    let policy = &rules.complaints;
    let (first, resolution) = clocks(r, &l.pauses, policy, rules)?;
    let warn = policy.warn_at_pct;
    Ok(Complaint {
        id: r.i64("id")?,
        org_id: r.i64("org_id")?,
        org_name: r.text("org_name")?,
        customer_id: r.i64("customer_id")?,
        customer_name: r.text("customer_name")?,
        vehicle_id: r.opt_i64("vehicle_id")?,
        plate: r.opt_text("plate")?,
        sale_id: r.opt_i64("sale_id")?,
        repair_order_id: r.opt_i64("repair_order_id")?,
        callback_task_id: r.opt_i64("callback_task_id")?,
        channel: Channel::parse(&r.text("channel")?).unwrap_or(Channel::Phone),
        category: r.text("category")?,
        tier: Tier::parse(&r.text("tier")?).unwrap_or(Tier::General),
        title: r.text("title")?,
        description: r.text("description")?,
        staff_name: r.opt_text("staff_name")?,
        state: State::parse(&r.text("state")?).unwrap_or(State::New),
        assignee_id: r.opt_i64("assignee_id")?,
        assignee_name: r.opt_text("assignee_name")?,
        filed_at: ms_to_time(r.i64("filed_at")?),
        first_response_at: time(r.opt_i64("first_response_at")?),
        resolved_at: time(r.opt_i64("resolved_at")?),
        closed_at: time(r.opt_i64("closed_at")?),
        first_response: view(
            ClockKind::FirstResponse,
            &first,
            now,
            warn,
            (
                r.opt_i64("first_response_warned_at")?,
                r.opt_i64("first_response_breached_at")?,
            ),
        ),
        resolution: view(
            ClockKind::Resolution,
            &resolution,
            now,
            warn,
            (r.opt_i64("resolution_warned_at")?, r.opt_i64("resolution_breached_at")?),
        ),
        paused_for: l.paused_for.clone(),
        escalation_level: r.i64("escalation_level")?,
        reopen_count: r.i64("reopen_count")?,
        form: HandlingForm {
            responsible: r.opt_text("responsible")?,
            root_cause: r.opt_text("root_cause")?,
            measures: r.opt_text("measures")?,
            customer_agreement: r.opt_text("customer_agreement")?,
        },
        signed_off_by: r.opt_i64("signed_off_by")?,
        signed_off_at: time(r.opt_i64("signed_off_at")?),
    })
}

/// The pauses of a complaint, in order; and the reason of the one still running.
pub(crate) async fn pauses_of(tx: &mut Tx, complaint_id: i64) -> Result<(Vec<Pause>, Vec<PauseRecord>)> {
    let rows = tx
        .fetch_all(
            &stmt("SELECT reason, note, from_at, until_at FROM complaint_pauses WHERE complaint_id = $1 ORDER BY from_at, id")
                .bind(complaint_id),
        )
        .await?;
    let mut pauses = Vec::with_capacity(rows.len());
    let mut records = Vec::with_capacity(rows.len());
    for r in &rows {
        let from = ms_to_time(r.i64("from_at")?);
        let until = time(r.opt_i64("until_at")?);
        pauses.push(Pause { from, until });
        records.push(PauseRecord {
            reason: r.text("reason")?,
            note: r.opt_text("note")?,
            from,
            until,
        });
    }
    Ok((pauses, records))
}

/// Reads a complaint row in scope (inside a transaction) with its pauses.
pub(crate) async fn load(tx: &mut Tx, who: &Principal, id: i64) -> Result<(Loaded, Vec<PauseRecord>)> {
    load_row(tx, who, id, "").await
}

/// Reads a complaint in scope and locks its row until the transaction ends, so every
/// check a change makes (its state, an open pause) holds until it is written: twenty
/// concurrent acknowledgements make one transition, twenty pauses one pause.
pub(crate) async fn load_for_update(tx: &mut Tx, who: &Principal, id: i64) -> Result<(Loaded, Vec<PauseRecord>)> {
    let lock = crate::core::dialect::for_update(tx.backend(), Some("k"));
    load_row(tx, who, id, &lock).await
}

async fn load_row(tx: &mut Tx, who: &Principal, id: i64, lock: &str) -> Result<(Loaded, Vec<PauseRecord>)> {
    let row = tx
        .fetch_optional(
            &stmt(format!("{COMPLAINT_SELECT} WHERE k.id = $1 AND o.path LIKE $2{lock}"))
                .bind(id)
                .bind(who.scope().like_pattern()),
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    let (pauses, records) = pauses_of(tx, id).await?;
    let paused_for = records
        .iter()
        .rev()
        .find(|p| p.until.is_none())
        .map(|p| p.reason.clone());
    Ok((
        Loaded {
            row,
            pauses,
            paused_for,
        },
        records,
    ))
}

/// Recomputes the cached deadlines of a complaint (what the sweep and the board sort on):
/// `NULL` when the clock has stopped or is paused.
pub(crate) async fn refresh_deadlines(tx: &mut Tx, id: i64, rules: &ComplaintRules) -> Result<()> {
    let row = tx
        .fetch_one(&stmt("SELECT * FROM complaints WHERE id = $1").bind(id))
        .await?;
    let (pauses, records) = pauses_of(tx, id).await?;
    let policy = &rules.complaints;
    let (first, resolution) = clocks(&row, &pauses, policy, rules)?;
    let due = |c: &SlaClock<'_>| {
        if c.stopped.is_some() {
            None
        } else {
            c.deadline().map(|d| d.timestamp_millis())
        }
    };
    let paused_since = records
        .iter()
        .rev()
        .find(|p| p.until.is_none())
        .map(|p| p.from.timestamp_millis());
    tx.execute(
        &stmt(
            "UPDATE complaints SET first_response_due_at = $1, resolution_due_at = $2, paused_since = $3 WHERE id = $4",
        )
        .bind(due(&first))
        .bind(due(&resolution))
        .bind(paused_since)
        .bind(id),
    )
    .await?;
    Ok(())
}

/// Appends to a complaint's history.
pub(crate) struct EventRow<'a> {
    pub complaint_id: i64,
    pub org_id: i64,
    pub kind: &'a str,
    pub from_state: Option<State>,
    pub to_state: Option<State>,
    pub detail: serde_json::Value,
}

pub(crate) async fn add_event(tx: &mut Tx, now: i64, actor: Option<&Principal>, e: EventRow<'_>) -> Result<()> {
    tx.execute(
        &stmt("INSERT INTO complaint_events (complaint_id, org_id, kind, from_state, to_state, detail, actor_id, actor_name, at) \
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .bind(e.complaint_id)
        .bind(e.org_id)
        .bind(e.kind)
        .bind(e.from_state.map(State::as_str))
        .bind(e.to_state.map(State::as_str))
        .bind(e.detail.to_string())
        .bind(actor.map(|a| a.user_id))
        .bind(actor.map_or("system", |a| a.display_name.as_str()))
        .bind(now),
    )
    .await?;
    Ok(())
}

impl Store {
    /// One complaint in scope with its pauses and history.
    pub async fn get_complaint(&self, who: &Principal, id: i64) -> Result<ComplaintDetail> {
        self.authorize(who, Permission::ViewCustomers, "complaint").await?;
        let mut tx = self.access(who).read().await?;
        let (loaded, pauses) = load(&mut tx, who, id).await?;
        let rules = ComplaintRules::load(&mut tx, loaded.row.i64("org_id")?).await?;
        let complaint = complaint_from(&loaded, &rules, self.clock.now())?;
        let call_pending = tx
            .fetch_optional(
                &stmt("SELECT 1 AS pending FROM callback_tasks WHERE source_kind = 'complaint' AND source_id = $1 AND state = 'open'")
                    .bind(id),
            )
            .await?
            .is_some();
        let rows = tx
            .fetch_all(&stmt("SELECT * FROM complaint_events WHERE complaint_id = $1 ORDER BY id").bind(id))
            .await?;
        tx.commit().await?;
        let mut events = Vec::with_capacity(rows.len());
        for r in &rows {
            events.push(ComplaintEvent {
                kind: r.text("kind")?,
                from_state: r.opt_text("from_state")?.as_deref().and_then(State::parse),
                to_state: r.opt_text("to_state")?.as_deref().and_then(State::parse),
                detail: serde_json::from_str(&r.text("detail")?).unwrap_or_default(),
                actor_name: r.text("actor_name")?,
                at: ms_to_time(r.i64("at")?),
            });
        }
        // Closing by hand is offered only when no closure call is pending.
        let next_states = if who.can(Permission::HandleComplaints) {
            let mut next = complaint.state.next_states();
            next.retain(|s| *s != State::Closed || !call_pending);
            next
        } else {
            Vec::new()
        };
        Ok(ComplaintDetail {
            attachments: self.complaint_attachments(who, id).await?,
            pause_reasons: rules.complaints.pause_reasons.clone(),
            complaint,
            pauses,
            events,
            next_states,
        })
    }
}
