//! Runs durable jobs when they fall due: a loop in `dcrc serve`, and on demand when the
//! test clock moves. Job kinds are matched here; later capabilities add theirs.

use chrono::{Duration, NaiveTime, TimeZone};
use dcrc_domain::clock::shanghai;
use dcrc_store::{Store, StoreError};

/// Deletes expired and revoked sessions and tokens, daily at 03:00 Asia/Shanghai.
pub const PURGE_TOKENS: &str = "purge_tokens";

/// The next 03:00 in Shanghai strictly after `now_ms`.
fn next_purge_at(now_ms: i64) -> (i64, String) {
    let now = dcrc_store::orgs::ms_to_time(now_ms).with_timezone(&shanghai());
    let three = NaiveTime::from_hms_opt(3, 0, 0).unwrap_or_default();
    let mut day = now.date_naive();
    if now.time() >= three {
        day += Duration::days(1);
    }
    let at = shanghai()
        .from_local_datetime(&day.and_time(three))
        .single()
        .map(|t| t.timestamp_millis())
        .unwrap_or(now_ms + 86_400_000);
    (at, format!("{PURGE_TOKENS}:{day}"))
}

/// Makes sure every recurring job has its next run scheduled (idempotent).
pub async fn ensure_recurring(store: &Store) -> Result<(), StoreError> {
    let (at, key) = next_purge_at(store.now_ms());
    store
        .enqueue_job(PURGE_TOKENS, &key, at, &serde_json::json!({}))
        .await?;
    Ok(())
}

/// Runs every job due by the clock's now, including jobs that became due while the
/// server was down; returns how many ran.
pub async fn run_due(store: &Store) -> Result<usize, StoreError> {
    let mut ran = 0;
    loop {
        let jobs = store.claim_jobs(50).await?;
        if jobs.is_empty() {
            return Ok(ran);
        }
        for job in jobs {
            let result = match job.kind.as_str() {
                PURGE_TOKENS => store
                    .purge_tokens()
                    .await
                    .map(|n| tracing::info!(purged = n, "purged expired tokens")),
                other => Err(StoreError::Internal(format!("unknown job kind {other}"))),
            };
            match result {
                Ok(()) => {
                    store.finish_job(job.id).await?;
                    if job.kind == PURGE_TOKENS {
                        let (at, key) = next_purge_at(job.run_at.max(store.now_ms()));
                        store
                            .enqueue_job(PURGE_TOKENS, &key, at, &serde_json::json!({}))
                            .await?;
                    }
                }
                Err(e) => {
                    tracing::error!(job = job.id, kind = %job.kind, error = %e, "job failed");
                    let retry = (job.attempts < 5).then(|| store.now_ms() + 60_000 * job.attempts);
                    store.fail_job(job.id, &e.to_string(), retry).await?;
                }
            }
            ran += 1;
        }
    }
}

/// Runs due jobs every `every` until the process ends.
pub fn spawn_loop(store: Store, every: std::time::Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        if let Err(e) = ensure_recurring(&store).await {
            tracing::error!(error = %e, "could not schedule recurring jobs");
        }
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            if let Err(e) = run_due(&store).await {
                tracing::error!(error = %e, "scheduler run failed");
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    #[test]
    fn purge_runs_at_three_in_the_morning_shanghai_time() {
        // 2026-03-02 01:00 UTC = 09:00 Shanghai → next run 2026-03-03 03:00 Shanghai = 03-02 19:00 UTC.
        let now = Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap().timestamp_millis();
        let (at, key) = next_purge_at(now);
        assert_eq!(
            at,
            Utc.with_ymd_and_hms(2026, 3, 2, 19, 0, 0).unwrap().timestamp_millis()
        );
        assert_eq!(key, "purge_tokens:2026-03-03");
        // 2026-03-01 18:00 UTC = 02:00 Shanghai on 03-02 → same day 03:00.
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 18, 0, 0).unwrap().timestamp_millis();
        assert_eq!(next_purge_at(now).1, "purge_tokens:2026-03-02");
    }
}
