//! The daily obligations that no single event stores: customers who became lost (no
//! workshop visit for the policy's churn period) get a win-back call. Run by the scheduler
//! every morning and on start for any day missed while the server was down; the
//! idempotency keys make a second run (or a second instance) create nothing.

use super::obligations::{raise_with, Rules, Trigger};
use crate::db::q;
use crate::error::Result;
use crate::Store;
use chrono::{Duration, Months, NaiveDate};
use dcrc_domain::callback::TaskType;

impl Store {
    /// Creates the win-back tasks due by `today` for every active dealer; returns how many
    /// were created.
    pub async fn generate_daily_obligations(&self) -> Result<usize> {
        let today = self.clock.today();
        let now = self.now_ms();
        let dealers: Vec<i64> = self
            .db
            .fetch_all(&q("SELECT id FROM orgs WHERE kind = 'dealer' AND active ORDER BY id"))
            .await?
            .iter()
            .map(|r| r.i64("id"))
            .collect::<Result<_>>()?;
        let mut created = 0;
        for dealer in dealers {
            let mut tx = self.db.begin().await?;
            let rules = Rules::load(&mut tx, dealer).await?;
            let policy = &rules.policy;
            let Some(rule) = policy.rule(TaskType::ChurnWinback).cloned() else {
                tx.commit().await?;
                continue;
            };
            let months = Months::new(policy.churn_months);
            let Some(lapsed_by) = today.checked_sub_months(months) else {
                tx.commit().await?;
                continue;
            };
            // Only lapses recent enough for the window can still create work.
            let oldest = lapsed_by - Duration::days(i64::from(rule.window_days + rule.due.days()) + 1);
            let rows = tx
                .fetch_all(
                    &q("SELECT id, last_visit_date FROM customers WHERE org_id = $1 AND merged_into IS NULL AND erased_at IS NULL \
                        AND last_visit_date IS NOT NULL AND last_visit_date <= $2 AND last_visit_date >= $3 ORDER BY id")
                    .bind(dealer)
                    .bind(lapsed_by.format("%Y-%m-%d").to_string())
                    .bind(oldest.format("%Y-%m-%d").to_string()),
                )
                .await?;
            for r in &rows {
                let customer_id = r.i64("id")?;
                let last = r.text("last_visit_date")?;
                let Some(lapse) = NaiveDate::parse_from_str(&last, "%Y-%m-%d")
                    .ok()
                    .and_then(|d| d.checked_add_months(months))
                else {
                    continue;
                };
                let trigger = Trigger {
                    task_type: TaskType::ChurnWinback,
                    org_id: dealer,
                    customer_id,
                    vehicle_id: None,
                    source_kind: "customer",
                    source_id: Some(customer_id),
                    event_date: lapse,
                    identity: format!("customer:{customer_id}:last_visit:{last}"),
                    parent_task_id: None,
                };
                if raise_with(&mut tx, now, &trigger, &rules).await?.is_some() {
                    created += 1;
                }
            }
            tx.commit().await?;
        }
        Ok(created)
    }
}
