//! The daily obligations that no single event stores: customers who became lost (no
//! workshop visit for the policy's churn period) get a win-back call, and customers whose
//! birthday (from their ID number) comes round get a care call. Run by the scheduler every
//! morning and on start for any day missed while the server was down; the idempotency
//! keys make a second run (or a second instance) create nothing.

use super::obligations::{raise_with, Rules, Trigger};
use crate::capabilities::callbacks::rules::{Due, TaskType};
use crate::core::access::Authority;
use crate::core::db::{stmt, Tx};
use crate::core::error::Result;
use crate::Store;
use chrono::{Datelike, Duration, Months, NaiveDate};
use std::collections::BTreeMap;

impl Store {
    /// Creates the win-back and care tasks due by `today` for every active dealer; returns
    /// how many were created.
    pub async fn generate_daily_obligations(&self, who: &impl Authority) -> Result<usize> {
        let today = self.clock.today();
        let now = self.now_ms();
        let dealers: Vec<i64> = self
            .access(who)
            .fetch_all(&stmt(
                "SELECT id FROM orgs WHERE kind = 'dealer' AND active ORDER BY id",
            ))
            .await?
            .iter()
            .map(|r| r.i64("id"))
            .collect::<Result<_>>()?;
        let mut created = 0;
        for dealer in dealers {
            let mut tx = self.access(who).begin().await?;
            let rules = Rules::load(&mut tx, dealer).await?;
            let mut triggers = churn_triggers(&mut tx, dealer, today, &rules).await?;
            triggers.extend(birthday_triggers(&mut tx, dealer, today, &rules).await?);
            for trigger in &triggers {
                if raise_with(&mut tx, now, trigger, &rules).await?.is_some() {
                    created += 1;
                }
            }
            tx.commit().await?;
        }
        Ok(created)
    }
}

/// The earliest event day whose task could still be inside the type's window today.
fn oldest_event(today: NaiveDate, window_days: u32, due: Due) -> NaiveDate {
    today - Duration::days(i64::from(window_days + due.days()) + 1)
}

/// Win-back calls for the dealer's customers whose last visit is `churn_months` ago.
async fn churn_triggers(tx: &mut Tx, dealer: i64, today: NaiveDate, rules: &Rules) -> Result<Vec<Trigger>> {
    let policy = &rules.policy;
    let Some(rule) = policy.rule(TaskType::ChurnWinback) else {
        return Ok(Vec::new());
    };
    let months = Months::new(policy.churn_months);
    let Some(lapsed_by) = today.checked_sub_months(months) else {
        return Ok(Vec::new());
    };
    // Only lapses recent enough for the window can still create work.
    let oldest = oldest_event(lapsed_by, rule.window_days, rule.due);
    let rows = tx
        .fetch_all(
            &stmt("SELECT id, last_visit_date FROM customers WHERE org_id = $1 AND merged_into IS NULL AND erased_at IS NULL \
                AND last_visit_date IS NOT NULL AND last_visit_date <= $2 AND last_visit_date >= $3 ORDER BY id")
            .bind(dealer)
            .bind(lapsed_by.format("%Y-%m-%d").to_string())
            .bind(oldest.format("%Y-%m-%d").to_string()),
        )
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let customer_id = r.i64("id")?;
        let last = r.text("last_visit_date")?;
        let Some(lapse) = NaiveDate::parse_from_str(&last, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.checked_add_months(months))
        else {
            continue;
        };
        out.push(Trigger {
            task_type: TaskType::ChurnWinback,
            org_id: dealer,
            customer_id,
            vehicle_id: None,
            source_kind: "customer",
            source_id: Some(customer_id),
            event_date: lapse,
            identity: format!("customer:{customer_id}:last_visit:{last}"),
            parent_task_id: None,
            staff: None,
        });
    }
    Ok(out)
}

/// The birthdays (as `MMDD` of an ID number) falling on the days from `from` to `to`, each
/// with the day it is celebrated: 29 February on 28 February in other years.
pub(crate) fn birthdays_between(from: NaiveDate, to: NaiveDate) -> BTreeMap<String, Vec<NaiveDate>> {
    let mut out: BTreeMap<String, Vec<NaiveDate>> = BTreeMap::new();
    let mut day = from;
    while day <= to {
        out.entry(day.format("%m%d").to_string()).or_default().push(day);
        let leap = NaiveDate::from_ymd_opt(day.year(), 2, 29).is_some();
        if !leap && day.month() == 2 && day.day() == 28 {
            out.entry("0229".to_string()).or_default().push(day);
        }
        day += Duration::days(1);
    }
    out
}

/// Care calls for the dealer's private customers whose birthday falls due: the event is
/// the birthday, so a policy due "N days before" calls ahead of it.
async fn birthday_triggers(tx: &mut Tx, dealer: i64, today: NaiveDate, rules: &Rules) -> Result<Vec<Trigger>> {
    let Some(rule) = rules.policy.rule(TaskType::Care) else {
        return Ok(Vec::new());
    };
    let ahead = match rule.due {
        Due::DaysBefore(n) => i64::from(n),
        Due::OnDay(_) | Due::WithinWorkingDays(_) => 0,
    };
    let days = birthdays_between(
        oldest_event(today, rule.window_days, rule.due),
        today + Duration::days(ahead),
    );
    let mut query = stmt(
        "SELECT id, substr(id_number, 11, 4) AS mmdd FROM customers WHERE org_id = $1 AND kind = 'person' \
         AND merged_into IS NULL AND erased_at IS NULL AND id_number IS NOT NULL AND length(id_number) = 18 \
         AND substr(id_number, 11, 4) IN (",
    )
    .bind(dealer);
    let list: Vec<String> = days.keys().map(|k| query.param(k.as_str())).collect();
    query.push_sql(&list.join(", "));
    query.push_sql(") ORDER BY id");
    let mut out = Vec::new();
    for r in tx.fetch_all(&query).await? {
        let customer_id = r.i64("id")?;
        for day in days.get(&r.text("mmdd")?).into_iter().flatten() {
            out.push(Trigger {
                task_type: TaskType::Care,
                org_id: dealer,
                customer_id,
                vehicle_id: None,
                source_kind: "customer",
                source_id: Some(customer_id),
                event_date: *day,
                identity: format!("customer:{customer_id}:birthday:{day}"),
                parent_task_id: None,
                staff: None,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::birthdays_between;
    use chrono::NaiveDate;

    fn ymd(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn leap_day_birthdays_are_kept_on_28_february_in_other_years() {
        let days = birthdays_between(ymd("2026-02-27"), ymd("2026-03-01"));
        assert_eq!(days["0229"], vec![ymd("2026-02-28")]);
        assert_eq!(days["0301"], vec![ymd("2026-03-01")]);
        let leap = birthdays_between(ymd("2028-02-28"), ymd("2028-02-29"));
        assert_eq!(leap["0229"], vec![ymd("2028-02-29")]);
        assert_eq!(leap["0228"], vec![ymd("2028-02-28")]);
    }

    #[test]
    fn a_span_over_new_year_names_each_day_once() {
        let days = birthdays_between(ymd("2026-12-30"), ymd("2027-01-02"));
        assert_eq!(days.len(), 4);
        assert_eq!(days["0101"], vec![ymd("2027-01-01")]);
    }
}
