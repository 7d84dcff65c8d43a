//! Demo callback work: the generated history created tasks for the recent deliveries,
//! repairs and renewals; this plays the agents' last weeks on them — most called on time
//! and satisfied, some late, some unreachable or with a bad number, a few still overdue —
//! so the queue, the workload and the statistics look like a store that has been working.

use crate::capabilities::archive::demo::Rng;
use crate::capabilities::callbacks::rules::Outcome;
use crate::core::access::Authority;
use crate::core::db::stmt;
use crate::core::error::Result;
use crate::Store;
use dcrc_domain::clock::business_date;

const HOUR: i64 = 3_600_000;

impl Store {
    /// Records calls on the tasks already past their deadline; returns how many.
    pub async fn seed_callback_work(&self, who: &impl Authority, seed: u64) -> Result<usize> {
        let mut rng = Rng::new(seed ^ 0xCA11);
        let now = self.now_ms();
        let rows = self
            .access(who)
            .fetch_all(
                &stmt(
                    "SELECT id, org_id, customer_id, assignee_id, workable_from, due_at FROM callback_tasks \
                    WHERE state = 'open' AND due_at < $1 AND attempts = 0 ORDER BY id",
                )
                .bind(now),
            )
            .await?;
        let mut tx = self.access(who).begin().await?;
        let mut calls = 0;
        for r in &rows {
            let (workable, due) = (r.i64("workable_from")?, r.i64("due_at")?);
            let roll = rng.below(100);
            if roll < 4 {
                continue; // still overdue
            }
            let at = if roll < 12 {
                due + HOUR * (1 + rng.below(40) as i64)
            } else {
                (due - HOUR * rng.below(8) as i64).max(workable)
            }
            .min(now - HOUR);
            let outcome = match rng.below(100) {
                0..=79 => Outcome::ReachedSatisfied,
                80..=84 => Outcome::ReachedDissatisfied,
                85..=89 => Outcome::Refused,
                90..=93 => Outcome::WrongNumber,
                94..=96 => Outcome::EmptyNumber,
                _ => Outcome::NotOwner,
            };
            let answers = match outcome {
                Outcome::ReachedSatisfied => serde_json::json!({ "overall": 8 + rng.below(3) }),
                Outcome::ReachedDissatisfied => serde_json::json!({ "overall": 2 + rng.below(4) }),
                _ => serde_json::json!({}),
            };
            let day = business_date(dcrc_domain::clock::ms_to_time(at))
                .format("%Y-%m-%d")
                .to_string();
            tx.execute(
                &stmt("INSERT INTO callback_attempts (task_id, org_id, customer_id, agent_id, at, business_date, outcome, answers) \
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .bind(r.i64("id")?)
                .bind(r.i64("org_id")?)
                .bind(r.i64("customer_id")?)
                .bind(r.opt_i64("assignee_id")?)
                .bind(at)
                .bind(day)
                .bind(outcome.as_str())
                .bind(answers.to_string()),
            )
            .await?;
            tx.execute(
                &stmt("UPDATE callback_tasks SET state = 'done', outcome = $1, attempts = 1, first_attempt_at = $2, closed_at = $2, updated_at = $2 WHERE id = $3")
                    .bind(outcome.as_str())
                    .bind(at)
                    .bind(r.i64("id")?),
            )
            .await?;
            calls += 1;
        }
        tx.commit().await?;
        Ok(calls)
    }
}
