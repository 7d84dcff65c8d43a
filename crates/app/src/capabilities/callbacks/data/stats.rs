//! Callback statistics: per day, week or month and per agent or dealer — tasks due, done on
//! time, done late, overdue; outcomes; the daily invalid-contact counts; the normative
//! callback rate (规范回访率) with its compliance flag; and seed 004's callback rate.
//!
//! Definitions (docs/callbacks.md): a task counts in the period its due date falls in
//! (cancelled tasks and internal follow-ups excluded). It is done on time when its first
//! call was made by its deadline, late when after, overdue when not yet called and past
//! the deadline, pending when not yet called and still before it. The normative rate is
//! on time ÷ (due − pending) — a period in progress is judged on what has fallen due, so
//! the 2nd of the month does not read as failing — and passes only strictly above the
//! policy threshold (90%: exactly 90% fails).

use super::policy::policy_of;
use crate::capabilities::callbacks::rules::{compliance, Outcome, TaskType};
use crate::core::access::Authority;
use crate::core::db::stmt;
use crate::core::error::Result;
use crate::core::principal::Principal;
use crate::Store;
use chrono::{Datelike, NaiveDate};
use dcrc_domain::{FieldError, Invalid, Permission};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Day,
    Week,
    #[default]
    Month,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum By {
    /// One row per period for everything in scope.
    #[default]
    Total,
    Agent,
    Dealer,
}

/// What to count.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
    #[serde(default)]
    pub period: Period,
    #[serde(default)]
    pub by: By,
    /// An organisation in scope (a dealer, group, region or the brand); the caller's own by
    /// default.
    pub org_id: Option<i64>,
}

/// One period (and agent or dealer).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct StatsRow {
    /// `2026-11-24`, `2026-W48` or `2026-11`; `total` for the whole range.
    pub period: String,
    pub key_id: Option<i64>,
    pub key_name: Option<String>,
    pub due: i64,
    pub done_on_time: i64,
    pub done_late: i64,
    pub overdue: i64,
    /// Not called yet and still before the deadline: not counted in the rate until the
    /// deadline passes (so a month in progress is judged on what has fallen due).
    pub pending: i64,
    /// Done on time ÷ (due − pending) in basis points (9000 = 90.00%); null when nothing
    /// has fallen due.
    pub normative_rate_bp: Option<i64>,
    pub compliant: bool,
    /// Calls by outcome.
    pub outcomes: BTreeMap<String, i64>,
}

/// One day's invalid contact information found by calls (Great Wall's daily count).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct InvalidContacts {
    pub date: NaiveDate,
    pub wrong_number: i64,
    pub empty_number: i64,
    pub not_owner: i64,
    pub powered_off: i64,
}

/// The normative rate of one callback type over the whole range.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TypeCompliance {
    pub task_type: TaskType,
    pub due: i64,
    pub done_on_time: i64,
    /// Not called yet, deadline still ahead (left out of the rate).
    pub pending: i64,
    /// Done on time ÷ (due − pending) in basis points; null when nothing has fallen due.
    pub normative_rate_bp: Option<i64>,
    pub compliant: bool,
    /// Whether the policy checks this type (its result decides `compliant` overall).
    pub checked: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CallbackStats {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub threshold_pct: u32,
    pub rows: Vec<StatsRow>,
    pub total: StatsRow,
    pub invalid_contacts: Vec<InvalidContacts>,
    /// The normative rate per callback type, each checked on its own.
    pub by_type: Vec<TypeCompliance>,
    /// Compliant in every checked type that had calls due (a pooled rate can hide a
    /// failing type behind a good one).
    pub compliant: bool,
    /// Seed 004, per period: customers filed in the range who were validly called back
    /// (reached; a refusal or an unreachable number does not count), once each.
    pub customers_called_back: i64,
    /// Customers filed (created in DCRC) in the range.
    pub customers_filed: i64,
    pub callback_rate_bp: Option<i64>,
}

/// Instants (ms) from the start of `from` to the start of the day after `to`, in
/// Asia/Shanghai.
fn day_range_ms(from: NaiveDate, to: NaiveDate) -> (i64, i64) {
    let start = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().timestamp_millis() - 8 * 3_600_000)
            .unwrap_or(0)
    };
    (start(from), start(to + chrono::Duration::days(1)))
}

fn period_label(d: NaiveDate, p: Period) -> String {
    match p {
        Period::Day => d.format("%Y-%m-%d").to_string(),
        Period::Week => {
            let w = d.iso_week();
            format!("{}-W{:02}", w.year(), w.week())
        }
        Period::Month => d.format("%Y-%m").to_string(),
    }
}

fn finish(row: &mut StatsRow, threshold: u32) {
    let (bp, ok) = compliance(row.done_on_time, row.due - row.pending, threshold);
    row.normative_rate_bp = bp;
    row.compliant = ok;
}

impl Store {
    pub async fn callback_stats(&self, who: &Principal, sq: &StatsQuery) -> Result<CallbackStats> {
        self.authorize(who, Permission::ViewCallbackStats, "callback").await?;
        dcrc_domain::validation::report_dates(sq.from, sq.to, self.clock.today())?;
        if sq.to < sq.from || (sq.to - sq.from).num_days() > 800 {
            return Err(Invalid(vec![FieldError::new("to", "range").with("min", 0).with("max", 800)]).into());
        }
        let org_id = sq.org_id.unwrap_or(who.org_id);
        let org = self.get_org(who.scope(), org_id).await?;
        let pattern = self.org_path(who, org.id).await? + "%";
        // The threshold of the organisation asked about (for a brand: the brand's policy).
        let mut tx = self.access(who).read().await?;
        let policy = policy_of(&mut tx, org.id).await?;
        let threshold = policy.compliance_threshold_pct;
        tx.commit().await?;
        let now = self.now_ms();
        let (from, to) = (
            sq.from.format("%Y-%m-%d").to_string(),
            sq.to.format("%Y-%m-%d").to_string(),
        );
        // (selected key, GROUP BY addition): PostgreSQL refuses a constant in GROUP BY.
        let (key, group) = match sq.by {
            By::Total => ("CAST(NULL AS BIGINT)", ""),
            By::Agent => ("t.assignee_id", ", t.assignee_id"),
            By::Dealer => ("t.org_id", ", t.org_id"),
        };
        let tasks = self
            .access(who)
            .fetch_all(
                &stmt(format!(
                    "SELECT t.due_date AS d, {key} AS k, COUNT(*) AS due_n, \
                     SUM(CASE WHEN t.first_attempt_at <= t.due_at THEN 1 ELSE 0 END) AS on_time, \
                     SUM(CASE WHEN t.first_attempt_at > t.due_at THEN 1 ELSE 0 END) AS late, \
                     SUM(CASE WHEN t.first_attempt_at IS NULL AND t.due_at < $1 THEN 1 ELSE 0 END) AS overdue, \
                     SUM(CASE WHEN t.first_attempt_at IS NULL AND t.due_at >= $1 THEN 1 ELSE 0 END) AS pending \
                     FROM callback_tasks t JOIN orgs o ON o.id = t.org_id \
                     WHERE o.path LIKE $2 AND t.due_date >= $3 AND t.due_date <= $4 AND t.state <> 'cancelled' \
                     AND t.task_type NOT IN ('info_update', 'ownership_check', 'dissatisfaction') \
                     GROUP BY t.due_date{group}"
                ))
                .bind(now)
                .bind(&pattern)
                .bind(&from)
                .bind(&to),
            )
            .await?;
        let mut rows: BTreeMap<(String, Option<i64>), StatsRow> = BTreeMap::new();
        let mut total = StatsRow {
            period: "total".into(),
            ..StatsRow::default()
        };
        for r in &tasks {
            let d = NaiveDate::parse_from_str(&r.text("d")?, "%Y-%m-%d").unwrap_or(sq.from);
            let k = r.opt_i64("k")?;
            let row = rows.entry((period_label(d, sq.period), k)).or_default();
            for (target, v) in [
                (&mut row.due, r.i64("due_n")?),
                (&mut row.done_on_time, r.opt_i64("on_time")?.unwrap_or(0)),
                (&mut row.done_late, r.opt_i64("late")?.unwrap_or(0)),
                (&mut row.overdue, r.opt_i64("overdue")?.unwrap_or(0)),
                (&mut row.pending, r.opt_i64("pending")?.unwrap_or(0)),
            ] {
                *target += v;
            }
        }
        let (akey, agroup) = match sq.by {
            By::Total => ("CAST(NULL AS BIGINT)", ""),
            By::Agent => ("a.agent_id", ", a.agent_id"),
            By::Dealer => ("a.org_id", ", a.org_id"),
        };
        let calls = self
            .access(who)
            .fetch_all(
                &stmt(format!(
                    "SELECT a.business_date AS d, {akey} AS k, a.outcome, COUNT(*) AS n \
                     FROM callback_attempts a JOIN orgs o ON o.id = a.org_id \
                     WHERE o.path LIKE $1 AND a.business_date >= $2 AND a.business_date <= $3 \
                     GROUP BY a.business_date{agroup}, a.outcome"
                ))
                .bind(&pattern)
                .bind(&from)
                .bind(&to),
            )
            .await?;
        let mut invalid: BTreeMap<NaiveDate, InvalidContacts> = BTreeMap::new();
        for r in &calls {
            let d = NaiveDate::parse_from_str(&r.text("d")?, "%Y-%m-%d").unwrap_or(sq.from);
            let outcome = r.text("outcome")?;
            let n = r.i64("n")?;
            let row = rows.entry((period_label(d, sq.period), r.opt_i64("k")?)).or_default();
            *row.outcomes.entry(outcome.clone()).or_default() += n;
            *total.outcomes.entry(outcome.clone()).or_default() += n;
            if Outcome::parse(&outcome).is_some_and(|o| o.is_invalid_contact()) {
                let day = invalid.entry(d).or_insert_with(|| InvalidContacts {
                    date: d,
                    ..InvalidContacts::default()
                });
                match outcome.as_str() {
                    "wrong_number" => day.wrong_number += n,
                    "empty_number" => day.empty_number += n,
                    "not_owner" => day.not_owner += n,
                    _ => day.powered_off += n,
                }
            }
        }
        let names = self.key_names(who, sq.by, rows.keys().filter_map(|(_, k)| *k)).await?;
        let mut out = Vec::with_capacity(rows.len());
        for ((period, k), mut row) in rows {
            total.due += row.due;
            total.done_on_time += row.done_on_time;
            total.done_late += row.done_late;
            total.overdue += row.overdue;
            total.pending += row.pending;
            row.period = period;
            row.key_id = k;
            row.key_name = k.and_then(|k| names.get(&k).cloned());
            finish(&mut row, threshold);
            out.push(row);
        }
        finish(&mut total, threshold);
        let (by_type, compliant) = self.compliance_by_type(who, &pattern, &from, &to, &policy).await?;
        let (start_ms, end_ms) = day_range_ms(sq.from, sq.to);
        let filed = self
            .access(who)
            .fetch_one(
                &stmt(
                    "SELECT COUNT(*) AS n FROM customers c JOIN orgs o ON o.id = c.org_id \
                    WHERE o.path LIKE $1 AND c.created_at >= $2 AND c.created_at < $3 AND c.merged_into IS NULL",
                )
                .bind(&pattern)
                .bind(start_ms)
                .bind(end_ms),
            )
            .await?
            .i64("n")?;
        let reached = self
            .access(who)
            .fetch_one(
                &stmt(
                    "SELECT COUNT(*) AS n FROM customers c JOIN orgs o ON o.id = c.org_id \
                    WHERE o.path LIKE $1 AND c.created_at >= $2 AND c.created_at < $3 AND c.merged_into IS NULL \
                    AND EXISTS (SELECT 1 FROM callback_attempts a WHERE a.customer_id = c.id AND a.business_date >= $4 \
                    AND a.outcome IN ('reached_satisfied', 'reached_dissatisfied'))",
                )
                .bind(&pattern)
                .bind(start_ms)
                .bind(end_ms)
                .bind(&from),
            )
            .await?
            .i64("n")?;
        Ok(CallbackStats {
            from: sq.from,
            to: sq.to,
            threshold_pct: threshold,
            rows: out,
            total,
            invalid_contacts: invalid.into_values().collect(),
            by_type,
            compliant,
            customers_called_back: reached,
            customers_filed: filed,
            callback_rate_bp: (filed > 0).then(|| reached * 10_000 / filed),
        })
    }

    /// The normative rate of each callback type over a range, and whether every checked
    /// type that had calls due is compliant.
    pub(crate) async fn compliance_by_type(
        &self,
        who: &impl Authority,
        pattern: &str,
        from: &str,
        to: &str,
        policy: &crate::capabilities::callbacks::rules::policy::CallbackPolicy,
    ) -> Result<(Vec<TypeCompliance>, bool)> {
        let rows = self
            .access(who)
            .fetch_all(
                &stmt("SELECT t.task_type, COUNT(*) AS due_n, SUM(CASE WHEN t.first_attempt_at <= t.due_at THEN 1 ELSE 0 END) AS on_time, \
                    SUM(CASE WHEN t.first_attempt_at IS NULL AND t.due_at >= $4 THEN 1 ELSE 0 END) AS pending \
                    FROM callback_tasks t JOIN orgs o ON o.id = t.org_id \
                    WHERE o.path LIKE $1 AND t.due_date >= $2 AND t.due_date <= $3 AND t.state <> 'cancelled' \
                    AND t.task_type NOT IN ('info_update', 'ownership_check', 'dissatisfaction') \
                    GROUP BY t.task_type ORDER BY t.task_type")
                .bind(pattern)
                .bind(from)
                .bind(to)
                .bind(self.now_ms()),
            )
            .await?;
        let mut out = Vec::new();
        let mut all_ok = true;
        for r in rows {
            let Some(task_type) = TaskType::parse(&r.text("task_type")?) else {
                continue;
            };
            let (due, on_time) = (r.i64("due_n")?, r.opt_i64("on_time")?.unwrap_or(0));
            let pending = r.opt_i64("pending")?.unwrap_or(0);
            let (bp, ok) = compliance(on_time, due - pending, policy.compliance_threshold_pct);
            let checked = policy.compliance_types.contains(&task_type);
            if checked && due - pending > 0 && !ok {
                all_ok = false;
            }
            out.push(TypeCompliance {
                task_type,
                due,
                done_on_time: on_time,
                pending,
                normative_rate_bp: bp,
                compliant: ok,
                checked,
            });
        }
        Ok((out, all_ok))
    }

    async fn org_path(&self, who: &impl Authority, org_id: i64) -> Result<String> {
        self.access(who)
            .fetch_one(&stmt("SELECT path FROM orgs WHERE id = $1").bind(org_id))
            .await?
            .text("path")
    }

    async fn key_names(
        &self,
        who: &impl Authority,
        by: By,
        ids: impl Iterator<Item = i64>,
    ) -> Result<BTreeMap<i64, String>> {
        let (table, col) = match by {
            By::Total => return Ok(BTreeMap::new()),
            By::Agent => ("users", "display_name"),
            By::Dealer => ("orgs", "name"),
        };
        let mut names = BTreeMap::new();
        let mut ids: Vec<i64> = ids.collect();
        ids.sort_unstable();
        ids.dedup();
        for chunk in ids.chunks(500) {
            let mut query = stmt(format!("SELECT id, {col} AS name FROM {table} WHERE id IN ("));
            for (i, id) in chunk.iter().enumerate() {
                let p = query.param(*id);
                query.push_sql(&if i == 0 { p } else { format!(", {p}") });
            }
            query.push_sql(")");
            for r in self.access(who).fetch_all(&query).await? {
                names.insert(r.i64("id")?, r.text("name")?);
            }
        }
        Ok(names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_labelled() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        assert_eq!(period_label(d, Period::Day), "2026-11-24");
        assert_eq!(period_label(d, Period::Week), "2026-W48");
        assert_eq!(period_label(d, Period::Month), "2026-11");
        let jan = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        assert_eq!(period_label(jan, Period::Week), "2026-W53", "ISO week-year");
    }
}
