//! Complaint statistics for a period (complaints filed from `from` to `to`, business
//! dates, in the caller's scope): counts by category, tier, channel, dealer and the
//! consultant or advisor concerned; first responses and closures on time; time to close
//! (mean and 90th percentile); the reopen rate; and the open complaints by age now.
//! Rates are integer basis points (1/100 %).

use crate::core::db::stmt;
use crate::core::error::Result;
use crate::core::principal::Principal;
use crate::Store;
use chrono::NaiveDate;
use dcrc_domain::{FieldError, Invalid, Permission};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The period and organisation.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ComplaintStatsQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// A dealer (or any organisation) in scope; the caller's whole scope by default.
    pub org_id: Option<i64>,
}

/// A count under a key (a category key, tier, channel, dealer or staff name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Count {
    pub key: String,
    pub count: i64,
}

/// How many of the open complaints have been open this long.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AgeBucket {
    /// `under_1d`, `1d_3d`, `3d_7d`, `over_7d`.
    pub bucket: String,
    pub count: i64,
}

/// The statistics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ComplaintStats {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub filed: i64,
    pub by_category: Vec<Count>,
    pub by_tier: Vec<Count>,
    pub by_channel: Vec<Count>,
    pub by_dealer: Vec<Count>,
    /// By the consultant or advisor concerned (complaints naming one).
    pub by_staff: Vec<Count>,
    pub first_responses: i64,
    pub first_responses_on_time: i64,
    pub first_response_on_time_bp: Option<i64>,
    pub closed: i64,
    pub closed_on_time: i64,
    pub closure_on_time_bp: Option<i64>,
    /// Seconds from filing to closing, of the closed ones.
    pub mean_seconds_to_close: Option<i64>,
    pub p90_seconds_to_close: Option<i64>,
    pub reopened: i64,
    pub reopen_bp: Option<i64>,
    /// Every open complaint in scope now, by how long it has been open.
    pub open_by_age: Vec<AgeBucket>,
}

fn bp(part: i64, whole: i64) -> Option<i64> {
    (whole > 0).then(|| part * 10_000 / whole)
}

fn counts(map: BTreeMap<String, i64>) -> Vec<Count> {
    let mut v: Vec<Count> = map.into_iter().map(|(key, count)| Count { key, count }).collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    v
}

/// The nearest-rank 90th percentile of sorted values.
fn p90(sorted: &[i64]) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (sorted.len() * 9).div_ceil(10);
    sorted.get(rank.saturating_sub(1)).copied()
}

impl Store {
    /// Complaint statistics for a period in the caller's scope.
    pub async fn complaint_stats(&self, who: &Principal, sq: &ComplaintStatsQuery) -> Result<ComplaintStats> {
        self.authorize(who, Permission::ViewComplaintStats, "complaint").await?;
        dcrc_domain::validation::report_dates(sq.from, sq.to, self.clock.today())?;
        if sq.to < sq.from || (sq.to - sq.from).num_days() > 366 {
            return Err(Invalid(vec![FieldError::new("to", "range")
                .with("min", sq.from.to_string())
                .with("max", "366 days")])
            .into());
        }
        let mut query = stmt(
            "SELECT k.category, k.tier, k.channel, k.staff_name, o.name AS dealer, k.filed_at, k.first_response_at, \
             k.first_response_breached_at, k.closed_at, k.resolution_breached_at, k.reopen_count \
             FROM complaints k JOIN orgs o ON o.id = k.org_id WHERE o.path LIKE $1 AND k.filed_on >= $2 AND k.filed_on <= $3",
        )
        .bind(who.scope().like_pattern())
        .bind(sq.from.format("%Y-%m-%d").to_string())
        .bind(sq.to.format("%Y-%m-%d").to_string());
        if let Some(org) = sq.org_id {
            let p = query.param(org);
            query.push_sql(&format!(
                " AND o.path LIKE (SELECT path FROM orgs WHERE id = {p}) || '%'"
            ));
        }
        let rows = self.access(who).fetch_all(&query).await?;
        let mut by: [BTreeMap<String, i64>; 5] = Default::default();
        let (mut answered, mut answered_on_time, mut closed, mut closed_on_time, mut reopened) = (0, 0, 0, 0, 0);
        let mut to_close = Vec::new();
        for r in &rows {
            for (i, key) in [
                Some(r.text("category")?),
                Some(r.text("tier")?),
                Some(r.text("channel")?),
                Some(r.text("dealer")?),
                r.opt_text("staff_name")?,
            ]
            .into_iter()
            .enumerate()
            {
                if let Some(k) = key {
                    *by[i].entry(k).or_default() += 1;
                }
            }
            if r.opt_i64("first_response_at")?.is_some() {
                answered += 1;
                answered_on_time += i64::from(r.opt_i64("first_response_breached_at")?.is_none());
            }
            if let Some(c) = r.opt_i64("closed_at")? {
                closed += 1;
                closed_on_time += i64::from(r.opt_i64("resolution_breached_at")?.is_none());
                to_close.push((c - r.i64("filed_at")?) / 1000);
            }
            reopened += i64::from(r.i64("reopen_count")? > 0);
        }
        to_close.sort_unstable();
        let filed = rows.len() as i64;
        let [category, tier, channel, dealer, staff] = by;
        Ok(ComplaintStats {
            from: sq.from,
            to: sq.to,
            filed,
            by_category: counts(category),
            by_tier: counts(tier),
            by_channel: counts(channel),
            by_dealer: counts(dealer),
            by_staff: counts(staff),
            first_responses: answered,
            first_responses_on_time: answered_on_time,
            first_response_on_time_bp: bp(answered_on_time, answered),
            closed,
            closed_on_time,
            closure_on_time_bp: bp(closed_on_time, closed),
            mean_seconds_to_close: (!to_close.is_empty()).then(|| to_close.iter().sum::<i64>() / to_close.len() as i64),
            p90_seconds_to_close: p90(&to_close),
            reopened,
            reopen_bp: bp(reopened, filed),
            open_by_age: self.open_by_age(who, sq.org_id).await?,
        })
    }

    async fn open_by_age(&self, who: &Principal, org_id: Option<i64>) -> Result<Vec<AgeBucket>> {
        let mut query = stmt("SELECT k.filed_at FROM complaints k JOIN orgs o ON o.id = k.org_id WHERE o.path LIKE $1 AND k.state <> 'closed'")
            .bind(who.scope().like_pattern());
        if let Some(org) = org_id {
            let p = query.param(org);
            query.push_sql(&format!(
                " AND o.path LIKE (SELECT path FROM orgs WHERE id = {p}) || '%'"
            ));
        }
        let now = self.now_ms();
        let day = 86_400_000;
        let mut buckets = [0i64; 4];
        for r in self.access(who).fetch_all(&query).await? {
            let age = now - r.i64("filed_at")?;
            let i = match age {
                a if a < day => 0,
                a if a < 3 * day => 1,
                a if a < 7 * day => 2,
                _ => 3,
            };
            buckets[i] += 1;
        }
        Ok(["under_1d", "1d_3d", "3d_7d", "over_7d"]
            .iter()
            .zip(buckets)
            .map(|(b, count)| AgeBucket {
                bucket: (*b).to_string(),
                count,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::{bp, p90};

    #[test]
    fn p90_is_the_nearest_rank() {
        assert_eq!(p90(&[]), None);
        assert_eq!(p90(&[5]), Some(5));
        let ten: Vec<i64> = (1..=10).collect();
        assert_eq!(p90(&ten), Some(9));
        let eleven: Vec<i64> = (1..=11).collect();
        assert_eq!(p90(&eleven), Some(10));
        assert_eq!(bp(2, 3), Some(6666));
        assert_eq!(bp(1, 0), None);
    }
}
