//! The monthly compliance check (Great Wall, seed 001): after a month ends, each dealer's
//! normative callback rate is checked per checked type (sales first-level, sales
//! second-level, post-repair by default); a month at or below the threshold in any of
//! them is stored as a finding (once per dealer and month, whichever instance runs it) and
//! announced as [`MonthNoncompliant`]: complaints, which keep the board's notices and the
//! penalty ledger, notify the dealer and the brand and propose the policy's penalty (ours
//! 0) for the brand to confirm or waive. Run every day by the daily job.

use super::policy::policy_of;
use crate::capabilities::callbacks::events::MonthNoncompliant;
use crate::core::access::Authority;
use crate::core::db::stmt;
use crate::core::error::Result;
use crate::core::events::publish;
use crate::Store;
use chrono::{Datelike, Duration, NaiveDate};

/// The month before the one `today` is in: (first day, last day, `YYYY-MM`).
fn last_month(today: NaiveDate) -> (NaiveDate, NaiveDate, String) {
    let first_this = today.with_day(1).unwrap_or(today);
    let last = first_this - Duration::days(1);
    let first = last.with_day(1).unwrap_or(last);
    (first, last, last.format("%Y-%m").to_string())
}

impl Store {
    /// Checks last month for every active dealer; returns the dealers found non-compliant
    /// for the first time.
    pub async fn check_callback_compliance(&self, who: &impl Authority) -> Result<usize> {
        let (first, last, month) = last_month(self.clock.today());
        let (from, to) = (
            first.format("%Y-%m-%d").to_string(),
            last.format("%Y-%m-%d").to_string(),
        );
        let dealers = self
            .access(who)
            .fetch_all(&stmt(
                "SELECT id, path FROM orgs WHERE kind = 'dealer' AND active ORDER BY id",
            ))
            .await?;
        let mut found = 0;
        for d in dealers {
            let (dealer, path) = (d.i64("id")?, d.text("path")?);
            let mut tx = self.access(who).begin().await?;
            let policy = policy_of(&mut tx, dealer).await?;
            tx.commit().await?;
            let (by_type, compliant) = self
                .compliance_by_type(who, &format!("{path}%"), &from, &to, &policy)
                .await?;
            if compliant {
                continue;
            }
            let failing: Vec<&str> = by_type
                .iter()
                .filter(|t| t.checked && t.due > 0 && !t.compliant)
                .map(|t| t.task_type.as_str())
                .collect();
            let brand: i64 = path
                .split('/')
                .find(|p| !p.is_empty())
                .and_then(|p| p.parse().ok())
                .unwrap_or(dealer);
            let now = self.now_ms();
            let mut tx = self.access(who).begin().await?;
            let stored = tx
                .execute(
                    &stmt(
                        "INSERT INTO callback_compliance_findings (org_id, month, failing_types, penalty_fen, found_at) \
                        VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                    )
                    .bind(dealer)
                    .bind(month.as_str())
                    .bind(failing.join(","))
                    .bind(policy.noncompliance_penalty_fen)
                    .bind(now),
                )
                .await?;
            if stored > 0 {
                let finding = MonthNoncompliant {
                    now_ms: now,
                    dealer_id: dealer,
                    brand_id: brand,
                    month: month.clone(),
                    failing_types: failing.iter().map(|t| t.to_string()).collect(),
                    penalty_fen: policy.noncompliance_penalty_fen,
                };
                publish(&mut tx, &finding).await?;
                found += 1;
            }
            tx.commit().await?;
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::last_month;
    use chrono::NaiveDate;

    #[test]
    fn last_month_spans_the_calendar_month_before() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(
            last_month(d(2026, 12, 1)),
            (d(2026, 11, 1), d(2026, 11, 30), "2026-11".into())
        );
        assert_eq!(
            last_month(d(2026, 3, 15)),
            (d(2026, 2, 1), d(2026, 2, 28), "2026-02".into())
        );
        assert_eq!(
            last_month(d(2027, 1, 31)),
            (d(2026, 12, 1), d(2026, 12, 31), "2026-12".into())
        );
    }
}
