//! Watching the clocks: a warning once a clock has used the policy's fraction of its time,
//! a breach recorded (at the deadline, permanently) once it runs out, and escalation one
//! level up the organisation tree at the breach and again every `escalate_every` while the
//! complaint stays open. Run on every scheduler tick and after every change; each mark is
//! written once, so running it twice changes nothing.

use super::{add_event, clocks, pauses_of, EventRow};
use crate::capabilities::complaints::data::rules::ComplaintRules;
use crate::capabilities::complaints::rules::policy::LimitUnit;
use crate::capabilities::complaints::rules::{ClockKind, ClockStatus, State};
use crate::core::access::Authority;
use crate::core::db::{stmt, Tx};
use crate::core::error::Result;
use crate::Store;
use chrono::{DateTime, Duration, Utc};
use dcrc_domain::clock::ms_to_time;
use serde::Serialize;
use std::collections::HashMap;

/// What a sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    pub warnings: usize,
    pub breaches: usize,
    pub escalations: usize,
}

/// The organisations above `org_id`, nearest first (its parent, then the parent's …).
async fn ancestors(tx: &mut Tx, org_id: i64) -> Result<Vec<i64>> {
    let path = tx
        .fetch_one(&stmt("SELECT path FROM orgs WHERE id = $1").bind(org_id))
        .await?
        .text("path")?;
    let mut ids: Vec<i64> = path.split('/').filter_map(|p| p.parse().ok()).collect();
    ids.retain(|id| *id != org_id);
    ids.reverse();
    Ok(ids)
}

/// Notifies the organisations above a complaint's dealer: `level` 0 every one of them (a
/// major complaint), otherwise the one `level` steps up (the root when the tree is
/// shorter). Once per complaint, kind and organisation.
pub(crate) async fn notify(
    tx: &mut Tx,
    now: i64,
    org_id: i64,
    complaint_id: i64,
    kind: &str,
    level: i64,
) -> Result<()> {
    let up = ancestors(tx, org_id).await?;
    let targets: Vec<i64> = if level == 0 {
        up
    } else {
        let i = usize::try_from(level - 1).unwrap_or(0).min(up.len().saturating_sub(1));
        up.get(i).copied().into_iter().collect()
    };
    for target in targets {
        let key = format!("{kind}:{complaint_id}:{level}:{target}");
        let detail = serde_json::json!({ "level": level });
        tx.execute(
            &stmt(
                "INSERT INTO notifications (org_id, kind, complaint_id, idempotency_key, detail, created_at) \
                VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (idempotency_key) DO NOTHING",
            )
            .bind(target)
            .bind(kind)
            .bind(complaint_id)
            .bind(key)
            .bind(detail.to_string())
            .bind(now),
        )
        .await?;
    }
    Ok(())
}

/// Seconds of one escalation period starting at `from`.
fn period_end(rules: &ComplaintRules, from: DateTime<Utc>, periods: i64) -> DateTime<Utc> {
    let every = &rules.complaints.escalate_every;
    let n = i64::from(every.amount) * periods;
    match every.unit {
        LimitUnit::Hours => from + Duration::hours(n),
        LimitUnit::NaturalDays => from + Duration::days(n),
        LimitUnit::WorkingDays => rules
            .calendar
            .add_working_seconds(from, n * rules.calendar.working_day_seconds()),
    }
}

/// Records the warnings and breaches a complaint's clocks have reached by `now`, and
/// escalates a breached open complaint as far as the time since the breach says.
pub(crate) async fn mark_clocks(tx: &mut Tx, now: i64, id: i64, rules: &ComplaintRules) -> Result<SweepReport> {
    let mut report = SweepReport::default();
    // Two instances sweeping at once: the second waits here and then sees the first's
    // marks, so every crossing is recorded once.
    tx.lock_row("complaints", id).await?;
    let row = tx
        .fetch_one(&stmt("SELECT * FROM complaints WHERE id = $1").bind(id))
        .await?;
    let org_id = row.i64("org_id")?;
    let (pauses, _) = pauses_of(tx, id).await?;
    let policy = &rules.complaints;
    let (first, resolution) = clocks(&row, &pauses, policy, rules)?;
    let at = ms_to_time(now);
    let mut breaches: Vec<DateTime<Utc>> = Vec::new();
    for (kind, clock) in [(ClockKind::FirstResponse, &first), (ClockKind::Resolution, &resolution)] {
        let name = kind.as_str();
        let warned = row.opt_i64(&format!("{name}_warned_at"))?;
        let breached = row.opt_i64(&format!("{name}_breached_at"))?;
        let status = clock.status(at, policy.warn_at_pct);
        let deadline = clock.deadline();
        let late = matches!(status, ClockStatus::Breached | ClockStatus::MetLate);
        if let Some(b) = breached {
            breaches.push(ms_to_time(b));
        } else if let (true, Some(d)) = (late, deadline) {
            if !set_mark(tx, id, &format!("{name}_breached_at"), d.timestamp_millis()).await? {
                continue;
            }
            let detail = serde_json::json!({ "clock": name, "deadline": d });
            event(tx, now, id, org_id, "breach", detail).await?;
            report.breaches += 1;
            breaches.push(d);
        }
        if warned.is_none()
            && matches!(status, ClockStatus::Warning | ClockStatus::Breached)
            && set_mark(tx, id, &format!("{name}_warned_at"), now).await?
        {
            event(tx, now, id, org_id, "warning", serde_json::json!({ "clock": name })).await?;
            report.warnings += 1;
        }
    }
    let open = row.text("state")? != State::Closed.as_str();
    if let (true, Some(first_breach)) = (open, breaches.iter().min().copied()) {
        report.escalations += escalate(tx, now, id, org_id, first_breach, row.i64("escalation_level")?, rules).await?;
    }
    Ok(report)
}

/// Escalates one level at the breach and one more at the end of each further period.
async fn escalate(
    tx: &mut Tx,
    now: i64,
    id: i64,
    org_id: i64,
    breach: DateTime<Utc>,
    level: i64,
    rules: &ComplaintRules,
) -> Result<usize> {
    let top = ancestors(tx, org_id).await?.len() as i64;
    let at = ms_to_time(now);
    let mut target = level;
    while target < top && period_end(rules, breach, target) <= at {
        target += 1;
    }
    if target <= level {
        return Ok(0);
    }
    let moved = tx
        .execute(
            &stmt("UPDATE complaints SET escalation_level = $1 WHERE id = $2 AND escalation_level = $3")
                .bind(target)
                .bind(id)
                .bind(level),
        )
        .await?;
    if moved == 0 {
        return Ok(0);
    }
    for l in level + 1..=target {
        notify(tx, now, org_id, id, "escalation", l).await?;
        event(tx, now, id, org_id, "escalation", serde_json::json!({ "level": l })).await?;
    }
    Ok((target - level) as usize)
}

/// Sets a mark once; whether this call set it.
async fn set_mark(tx: &mut Tx, id: i64, column: &str, value: i64) -> Result<bool> {
    let n = tx
        .execute(
            &stmt(format!(
                "UPDATE complaints SET {column} = $1 WHERE id = $2 AND {column} IS NULL"
            ))
            .bind(value)
            .bind(id),
        )
        .await?;
    Ok(n == 1)
}

async fn event(tx: &mut Tx, now: i64, id: i64, org_id: i64, kind: &str, detail: serde_json::Value) -> Result<()> {
    add_event(
        tx,
        now,
        None,
        EventRow {
            complaint_id: id,
            org_id,
            kind,
            from_state: None,
            to_state: None,
            detail,
        },
    )
    .await
}

impl Store {
    /// Marks warnings, breaches and escalations of every open complaint as of the clock's
    /// now (a clock that stopped late was marked when it stopped).
    pub async fn sweep_complaints(&self, who: &impl Authority) -> Result<SweepReport> {
        let now = self.now_ms();
        let rows = self
            .access(who)
            .fetch_all(&stmt(
                "SELECT id, org_id FROM complaints WHERE state <> 'closed' ORDER BY org_id, id",
            ))
            .await?;
        let mut report = SweepReport::default();
        let mut rules: HashMap<i64, ComplaintRules> = HashMap::new();
        for r in &rows {
            let (id, org) = (r.i64("id")?, r.i64("org_id")?);
            let mut tx = self.access(who).begin().await?;
            if let std::collections::hash_map::Entry::Vacant(e) = rules.entry(org) {
                e.insert(ComplaintRules::load(&mut tx, org).await?);
            }
            if let Some(rule) = rules.get(&org) {
                let one = mark_clocks(&mut tx, now, id, rule).await?;
                report.warnings += one.warnings;
                report.breaches += one.breaches;
                report.escalations += one.escalations;
            }
            tx.commit().await?;
        }
        Ok(report)
    }

    /// Notifications addressed to the caller's organisation, newest first.
    pub async fn complaint_notifications(&self, who: &crate::Principal) -> Result<Vec<Notification>> {
        if !sees_notices(who) {
            self.authorize(who, dcrc_domain::Permission::HandleComplaints, "notification")
                .await?;
        }
        let rows = self
            .access(who)
            .fetch_all(
                &stmt("SELECT n.id, n.kind, n.complaint_id, n.detail, n.created_at, COALESCE(k.title, '') AS title, o.name AS dealer FROM notifications n \
                    LEFT JOIN complaints k ON k.id = n.complaint_id JOIN orgs o ON o.id = COALESCE(k.org_id, n.subject_org_id) \
                    WHERE n.org_id = $1 ORDER BY n.id DESC LIMIT 100")
                .bind(who.org_id),
            )
            .await?;
        rows.iter()
            .map(|r| {
                let detail: serde_json::Value = serde_json::from_str(&r.text("detail")?).unwrap_or_default();
                Ok(Notification {
                    id: r.i64("id")?,
                    kind: r.text("kind")?,
                    complaint_id: r.opt_i64("complaint_id")?,
                    title: r.text("title")?,
                    dealer: r.text("dealer")?,
                    level: detail.get("level").and_then(serde_json::Value::as_i64).unwrap_or(0),
                    month: detail
                        .get("month")
                        .and_then(serde_json::Value::as_str)
                        .map(str::to_string),
                    at: ms_to_time(r.i64("created_at")?),
                })
            })
            .collect()
    }
}

/// A notice to an organisation above a dealer: a major complaint or an escalation.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Notification {
    pub id: i64,
    /// `major_complaint`, `escalation` or `callback_noncompliance`.
    pub kind: String,
    /// None for a notice about a dealer's month (`callback_noncompliance`).
    pub complaint_id: Option<i64>,
    pub title: String,
    pub dealer: String,
    pub level: i64,
    /// The month a `callback_noncompliance` notice is about (`2026-11`).
    pub month: Option<String>,
    pub at: DateTime<Utc>,
}

/// Whether a caller reads the board's notices (escalations, breaches, non-compliance):
/// those who handle complaints or read their statistics. Anyone else is refused (403).
pub fn sees_notices(who: &crate::Principal) -> bool {
    use dcrc_domain::Permission::{HandleComplaints, ViewComplaintStats};
    who.can(HandleComplaints) || who.can(ViewComplaintStats)
}
