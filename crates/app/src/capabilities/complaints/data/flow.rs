//! Moving a complaint through its workflow: transitions (checked against the legal ones),
//! pausing and resuming its clocks for policy-listed reasons, the handling form, and the
//! closure callback whose outcome closes or reopens it.

use super::sweep::mark_clocks;
use super::{add_event, load_for_update, refresh_deadlines, ComplaintDetail, EventRow, HandlingForm};
use crate::capabilities::callbacks::data::obligations::{raise_with, Trigger};
use crate::capabilities::callbacks::rules::{Outcome, TaskType};
use crate::capabilities::complaints::data::rules::ComplaintRules;
use crate::capabilities::complaints::rules::State;
use crate::core::audit::{self, Actor, Event};
use crate::core::db::{stmt, Tx};
use crate::core::error::{Result, StoreError};
use crate::core::principal::Principal;
use crate::Store;
use dcrc_domain::clock::business_date;
use dcrc_domain::{FieldError, Invalid, Permission};
use serde::Deserialize;

/// A transition asked for by a user.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionInput {
    pub to: State,
    #[serde(default)]
    pub note: Option<String>,
}

/// Pausing the clocks.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PauseInput {
    /// One of the policy's `pause_reasons`.
    pub reason: String,
    #[serde(default)]
    pub note: Option<String>,
}

fn note_of(n: Option<&str>) -> Option<String> {
    n.map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| n.chars().take(1000).collect())
}

/// Ends a running pause at `now`; whether there was one.
async fn end_pause(tx: &mut Tx, id: i64, now: i64) -> Result<bool> {
    let n = tx
        .execute(
            &stmt("UPDATE complaint_pauses SET until_at = $1 WHERE complaint_id = $2 AND until_at IS NULL")
                .bind(now)
                .bind(id),
        )
        .await?;
    Ok(n > 0)
}

/// Asks the customer by a `complaint_closure` callback whether they are satisfied; returns
/// the task's id when one was created (a round per reopen, so each resolution is asked).
async fn raise_closure_call(tx: &mut Tx, now: i64, id: i64, rules: &ComplaintRules) -> Result<Option<i64>> {
    let row = tx
        .fetch_one(&stmt("SELECT org_id, customer_id, vehicle_id, reopen_count FROM complaints WHERE id = $1").bind(id))
        .await?;
    let trigger = Trigger {
        task_type: TaskType::ComplaintClosure,
        org_id: row.i64("org_id")?,
        customer_id: row.i64("customer_id")?,
        vehicle_id: row.opt_i64("vehicle_id")?,
        source_kind: "complaint",
        source_id: Some(id),
        event_date: business_date(dcrc_domain::clock::ms_to_time(now)),
        identity: format!("complaint:{id}:round:{}", row.i64("reopen_count")?),
        parent_task_id: None,
        staff: None,
    };
    raise_with(tx, now, &trigger, &rules.callbacks).await
}

/// The state of the latest closure callback of a complaint: `None` without one.
async fn closure_task_state(tx: &mut Tx, id: i64) -> Result<Option<(String, Option<String>)>> {
    tx.fetch_optional(
        &stmt("SELECT state, outcome FROM callback_tasks WHERE source_kind = 'complaint' AND source_id = $1 AND task_type = $2 ORDER BY id DESC LIMIT 1")
            .bind(id)
            .bind(TaskType::ComplaintClosure.as_str()),
    )
    .await?
    .map(|r| Ok((r.text("state")?, r.opt_text("outcome")?)))
    .transpose()
}

/// Writes a state change with its history entry.
#[allow(clippy::too_many_arguments)]
async fn set_state(
    tx: &mut Tx,
    now: i64,
    who: Option<&Principal>,
    id: i64,
    org_id: i64,
    from: State,
    to: State,
    detail: serde_json::Value,
) -> Result<()> {
    let stamp = match to {
        State::Acknowledged => ", first_response_at = COALESCE(first_response_at, $1)",
        State::Resolved => ", resolved_at = $1",
        State::Closed => ", closed_at = $1",
        _ => "",
    };
    let reopen = if to == State::InProgress && matches!(from, State::Resolved | State::ClosureCallback) {
        ", reopen_count = reopen_count + 1, resolved_at = NULL"
    } else {
        ""
    };
    tx.execute(
        &stmt(format!(
            "UPDATE complaints SET state = $2, updated_at = $1{stamp}{reopen} WHERE id = $3"
        ))
        .bind(now)
        .bind(to.as_str())
        .bind(id),
    )
    .await?;
    let kind = if reopen.is_empty() { "transition" } else { "reopened" };
    add_event(
        tx,
        now,
        who,
        EventRow {
            complaint_id: id,
            org_id,
            kind,
            from_state: Some(from),
            to_state: Some(to),
            detail,
        },
    )
    .await
}

fn illegal(from: State, to: State) -> StoreError {
    let allowed: Vec<&str> = from.next_states().iter().map(|s| s.as_str()).collect();
    Invalid(vec![FieldError::new("to", "illegal_transition")
        .with("from", from.as_str())
        .with("to", to.as_str())
        .with(
            "allowed",
            if allowed.is_empty() {
                "—".to_string()
            } else {
                allowed.join(", ")
            },
        )])
    .into()
}

impl Store {
    /// Out of scope a complaint does not exist (404) before any permission is asked; then
    /// the caller must be allowed to handle complaints. Checked before the transaction
    /// (a refusal is audited on its own connection).
    async fn may_handle(&self, who: &Principal, id: i64) -> Result<()> {
        self.scoped_row(who, "complaints", "k", "k.id", id, "").await?;
        self.authorize(who, Permission::HandleComplaints, "complaint").await
    }

    /// Moves a complaint to another state. Resolving needs the form's measures and asks
    /// the customer by a closure callback; closing by hand is only for a complaint whose
    /// closure call could not reach a verdict; reopening counts.
    pub async fn transition_complaint(&self, who: &Principal, id: i64, t: TransitionInput) -> Result<ComplaintDetail> {
        self.retrying(|| self.transition_complaint_once(who, id, t.clone()))
            .await
    }

    async fn transition_complaint_once(&self, who: &Principal, id: i64, t: TransitionInput) -> Result<ComplaintDetail> {
        self.may_handle(who, id).await?;
        let now = self.now_ms();
        let mut tx = self.access(who).begin().await?;
        let (loaded, _) = load_for_update(&mut tx, who, id).await?;
        let org_id = loaded.row.i64("org_id")?;
        let from = State::parse(&loaded.row.text("state")?).unwrap_or(State::New);
        if !from.may_move_to(t.to) {
            return Err(illegal(from, t.to));
        }
        let rules = ComplaintRules::load(&mut tx, org_id).await?;
        let note = note_of(t.note.as_deref());
        if t.to == State::Resolved && loaded.row.opt_text("measures")?.is_none_or(|m| m.trim().is_empty()) {
            return Err(Invalid(vec![FieldError::new("form.measures", "required_to_resolve")]).into());
        }
        if t.to == State::Closed {
            let call = closure_task_state(&mut tx, id).await?;
            let open_call = call.as_ref().is_some_and(|(s, _)| s == "open");
            if open_call || (from == State::ClosureCallback && call.is_none()) {
                return Err(StoreError::Conflict {
                    code: "closure_call_pending",
                    field: Some("to"),
                });
            }
            if note.is_none() {
                return Err(Invalid(vec![FieldError::new("note", "required_to_close_by_hand")]).into());
            }
        }
        end_pause(&mut tx, id, now).await?;
        if matches!(from, State::ClosureCallback) && t.to == State::InProgress {
            // Reopened by hand: the pending call is moot.
            tx.execute(
                &stmt("UPDATE callback_tasks SET state = 'cancelled', close_reason = 'complaint_reopened', closed_at = $1, updated_at = $1 \
                    WHERE source_kind = 'complaint' AND source_id = $2 AND state = 'open'")
                .bind(now)
                .bind(id),
            )
            .await?;
        }
        let detail = serde_json::json!({ "note": note });
        set_state(&mut tx, now, Some(who), id, org_id, from, t.to, detail.clone()).await?;
        let mut state = t.to;
        if matches!(t.to, State::Resolved | State::ClosureCallback) {
            match raise_closure_call(&mut tx, now, id, &rules).await? {
                Some(task) if t.to == State::Resolved => {
                    let detail = serde_json::json!({ "callback_task_id": task });
                    set_state(
                        &mut tx,
                        now,
                        None,
                        id,
                        org_id,
                        State::Resolved,
                        State::ClosureCallback,
                        detail,
                    )
                    .await?;
                    state = State::ClosureCallback;
                }
                Some(_) => {}
                None if t.to == State::ClosureCallback => {
                    return Err(StoreError::Conflict {
                        code: "closure_call_not_possible",
                        field: Some("to"),
                    });
                }
                None => {}
            }
        }
        refresh_deadlines(&mut tx, id, &rules).await?;
        mark_clocks(&mut tx, now, id, &rules).await?;
        let detail = serde_json::json!({ "from": from.as_str(), "to": state.as_str(), "note": note });
        audit::record(
            &mut tx,
            now,
            &Actor::from(who),
            Event::on("transition", "complaint", id, org_id, detail),
        )
        .await?;
        tx.commit().await?;
        self.get_complaint(who, id).await
    }

    /// Pauses both running clocks for one of the policy's reasons.
    pub async fn pause_complaint(&self, who: &Principal, id: i64, p: PauseInput) -> Result<ComplaintDetail> {
        self.retrying(|| self.pause_complaint_once(who, id, p.clone())).await
    }

    async fn pause_complaint_once(&self, who: &Principal, id: i64, p: PauseInput) -> Result<ComplaintDetail> {
        self.may_handle(who, id).await?;
        let now = self.now_ms();
        let mut tx = self.access(who).begin().await?;
        let (loaded, _) = load_for_update(&mut tx, who, id).await?;
        let org_id = loaded.row.i64("org_id")?;
        let rules = ComplaintRules::load(&mut tx, org_id).await?;
        let reasons = &rules.complaints.pause_reasons;
        let reason = p.reason.trim();
        if !reasons.iter().any(|r| r == reason) {
            return Err(Invalid(vec![
                FieldError::new("reason", "unknown_value").with("allowed", reasons.join(", "))
            ])
            .into());
        }
        if loaded.row.text("state")? == State::Closed.as_str() {
            return Err(StoreError::Conflict {
                code: "complaint_closed",
                field: None,
            });
        }
        if loaded.paused_for.is_some() {
            return Err(StoreError::Conflict {
                code: "already_paused",
                field: Some("reason"),
            });
        }
        let note = note_of(p.note.as_deref());
        tx.execute(
            &stmt("INSERT INTO complaint_pauses (complaint_id, reason, note, from_at, by_user) VALUES ($1, $2, $3, $4, $5)")
                .bind(id)
                .bind(reason)
                .bind(note.clone())
                .bind(now)
                .bind(who.user_id),
        )
        .await?;
        let detail = serde_json::json!({ "reason": reason, "note": note });
        self.clock_change(&mut tx, who, id, org_id, "paused", detail, &rules)
            .await?;
        tx.commit().await?;
        self.get_complaint(who, id).await
    }

    /// Ends the running pause: the clocks go on from where they stopped.
    pub async fn resume_complaint(&self, who: &Principal, id: i64) -> Result<ComplaintDetail> {
        self.may_handle(who, id).await?;
        let now = self.now_ms();
        let mut tx = self.access(who).begin().await?;
        let (loaded, _) = load_for_update(&mut tx, who, id).await?;
        let org_id = loaded.row.i64("org_id")?;
        if !end_pause(&mut tx, id, now).await? {
            return Err(StoreError::Conflict {
                code: "not_paused",
                field: None,
            });
        }
        let rules = ComplaintRules::load(&mut tx, org_id).await?;
        let detail = serde_json::json!({ "reason": loaded.paused_for });
        self.clock_change(&mut tx, who, id, org_id, "resumed", detail, &rules)
            .await?;
        tx.commit().await?;
        self.get_complaint(who, id).await
    }

    #[allow(clippy::too_many_arguments)]
    async fn clock_change(
        &self,
        tx: &mut Tx,
        who: &Principal,
        id: i64,
        org_id: i64,
        kind: &str,
        detail: serde_json::Value,
        rules: &ComplaintRules,
    ) -> Result<()> {
        let now = self.now_ms();
        refresh_deadlines(tx, id, rules).await?;
        mark_clocks(tx, now, id, rules).await?;
        add_event(
            tx,
            now,
            Some(who),
            EventRow {
                complaint_id: id,
                org_id,
                kind,
                from_state: None,
                to_state: None,
                detail: detail.clone(),
            },
        )
        .await?;
        audit::record(
            tx,
            now,
            &Actor::from(who),
            Event::on(kind, "complaint", id, org_id, detail),
        )
        .await
    }

    /// Saves the handling form (处理单); `sign_off` signs it as the caller.
    pub async fn save_complaint_form(
        &self,
        who: &Principal,
        id: i64,
        form: HandlingForm,
        sign_off: bool,
    ) -> Result<ComplaintDetail> {
        let now = self.now_ms();
        let mut errors = Invalid::default();
        let field = |v: &Option<String>, name: &str, errors: &mut Invalid| {
            let t = v
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string);
            if t.as_ref().is_some_and(|t| t.chars().count() > 4000) {
                errors.push(FieldError::new(name, "length").with("min", 0).with("max", 4000));
            }
            t
        };
        let responsible = field(&form.responsible, "responsible", &mut errors);
        let root_cause = field(&form.root_cause, "root_cause", &mut errors);
        let measures = field(&form.measures, "measures", &mut errors);
        let agreement = field(&form.customer_agreement, "customer_agreement", &mut errors);
        if sign_off && (responsible.is_none() || measures.is_none()) {
            errors.push(FieldError::new(
                if responsible.is_none() {
                    "responsible"
                } else {
                    "measures"
                },
                "required_to_sign",
            ));
        }
        self.may_handle(who, id).await?;
        errors.finish()?;
        let mut tx = self.access(who).begin().await?;
        let (loaded, _) = load_for_update(&mut tx, who, id).await?;
        let org_id = loaded.row.i64("org_id")?;
        tx.execute(
            &stmt("UPDATE complaints SET responsible = $1, root_cause = $2, measures = $3, customer_agreement = $4, \
                signed_off_by = CASE WHEN $5 THEN $6 ELSE signed_off_by END, signed_off_at = CASE WHEN $5 THEN $7 ELSE signed_off_at END, \
                updated_at = $7 WHERE id = $8")
            .bind(responsible)
            .bind(root_cause)
            .bind(measures)
            .bind(agreement)
            .bind(sign_off)
            .bind(who.user_id)
            .bind(now)
            .bind(id),
        )
        .await?;
        let detail = serde_json::json!({ "signed_off": sign_off });
        add_event(
            &mut tx,
            now,
            Some(who),
            EventRow {
                complaint_id: id,
                org_id,
                kind: "form",
                from_state: None,
                to_state: None,
                detail: detail.clone(),
            },
        )
        .await?;
        audit::record(
            &mut tx,
            now,
            &Actor::from(who),
            Event::on("form", "complaint", id, org_id, detail),
        )
        .await?;
        tx.commit().await?;
        self.get_complaint(who, id).await
    }
}

/// What a closure callback's call means for its complaint: satisfied closes it,
/// dissatisfied reopens it (the resolution clock never stopped; the reopen is counted).
pub(crate) async fn closure_call(
    tx: &mut Tx,
    now: i64,
    who: &Principal,
    complaint_id: i64,
    outcome: Outcome,
    rules: &ComplaintRules,
) -> Result<()> {
    // The complaint as the caller may see it, locked: out of their scope the call
    // changes nothing.
    let row =
        match crate::core::scoped::lock_in_scope(tx, who, "complaints", "r.org_id, r.state", complaint_id, "").await {
            Ok(row) => row,
            Err(StoreError::NotFound) => return Ok(()),
            Err(e) => return Err(e),
        };
    let from = State::parse(&row.text("state")?).unwrap_or(State::New);
    let to = match outcome {
        Outcome::ReachedSatisfied => State::Closed,
        Outcome::ReachedDissatisfied => State::InProgress,
        _ => return Ok(()),
    };
    if from != State::ClosureCallback {
        return Ok(());
    }
    let org_id = row.i64("org_id")?;
    let detail = serde_json::json!({ "by": "closure_callback", "outcome": outcome.as_str() });
    set_state(tx, now, Some(who), complaint_id, org_id, from, to, detail).await?;
    refresh_deadlines(tx, complaint_id, rules).await?;
    mark_clocks(tx, now, complaint_id, rules).await.map(|_| ())
}
