//! Runs durable jobs when they fall due: a loop in `dcrc serve`, and on demand when the
//! test clock moves. Job kinds are matched here; later capabilities add theirs.

use crate::{Store, StoreError};
use chrono::{Duration, NaiveTime, TimeZone};
use dcrc_domain::clock::shanghai;

/// Deletes expired and revoked sessions and tokens, daily at 03:00 Asia/Shanghai.
pub const PURGE_TOKENS: &str = "purge_tokens";
/// Creates the day's obligations no event stores (churn win-back), daily at 06:00.
pub const CALLBACKS_DAILY: &str = "callbacks_daily";

/// The daily jobs and their Shanghai hour.
const DAILY: [(&str, u32); 2] = [(PURGE_TOKENS, 3), (CALLBACKS_DAILY, 6)];

/// The next `hour`:00 in Shanghai strictly after `now_ms`, with the job's key for that day.
fn next_daily_at(now_ms: i64, kind: &str, hour: u32) -> (i64, String) {
    let now = dcrc_domain::clock::ms_to_time(now_ms).with_timezone(&shanghai());
    let at_hour = NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or_default();
    let mut day = now.date_naive();
    if now.time() >= at_hour {
        day += Duration::days(1);
    }
    let at = shanghai()
        .from_local_datetime(&day.and_time(at_hour))
        .single()
        .map(|t| t.timestamp_millis())
        .unwrap_or(now_ms + 86_400_000);
    (at, format!("{kind}:{day}"))
}

/// Makes sure every recurring job has its next run scheduled (idempotent). The daily
/// obligations also get a run for today at once, so a server that was down at 06:00
/// catches up on start (a second run creates nothing: tasks have idempotency keys).
pub async fn ensure_recurring(store: &Store) -> Result<(), StoreError> {
    for (kind, hour) in DAILY {
        let (at, key) = next_daily_at(store.now_ms(), kind, hour);
        store.enqueue_job(kind, &key, at, &serde_json::json!({})).await?;
    }
    let today = store.clock.today();
    store
        .enqueue_job(
            CALLBACKS_DAILY,
            &format!("{CALLBACKS_DAILY}:catch-up:{today}"),
            store.now_ms(),
            &serde_json::json!({}),
        )
        .await?;
    Ok(())
}

/// Runs every job due by the clock's now, including jobs that became due while the
/// server was down, then checks the complaints' clocks (warnings, breaches, escalation:
/// idempotent, so every tick may run it); returns how many jobs ran.
pub async fn run_due(store: &Store) -> Result<usize, StoreError> {
    let ran = run_jobs(store).await?;
    let interrupted = store.mark_interrupted_imports().await?;
    if interrupted > 0 {
        tracing::warn!(imports = interrupted, "imports whose worker stopped were marked failed");
    }
    let swept = store.sweep_complaints().await?;
    if swept != Default::default() {
        tracing::info!(?swept, "complaint clocks");
    }
    Ok(ran)
}

async fn run_jobs(store: &Store) -> Result<usize, StoreError> {
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
                CALLBACKS_DAILY => match store.generate_daily_obligations().await {
                    Ok(n) => {
                        tracing::info!(created = n, "daily callback obligations");
                        store
                            .check_callback_compliance()
                            .await
                            .map(|n| tracing::info!(dealers = n, "callback compliance of last month"))
                    }
                    Err(e) => Err(e),
                },
                other => Err(StoreError::Internal(format!("unknown job kind {other}"))),
            };
            match result {
                Ok(()) => {
                    store.finish_job(job.id).await?;
                    if let Some((kind, hour)) = DAILY.iter().find(|(k, _)| *k == job.kind) {
                        let (at, key) = next_daily_at(job.run_at.max(store.now_ms()), kind, *hour);
                        store.enqueue_job(kind, &key, at, &serde_json::json!({})).await?;
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

    fn next_purge_at(now_ms: i64) -> (i64, String) {
        next_daily_at(now_ms, PURGE_TOKENS, 3)
    }

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
