//! Runs durable jobs when they fall due: a loop in `dcrc serve`, and on demand when the
//! test clock moves. The kinds are those the core and the capabilities register; each
//! tick also runs every capability's periodic check (idempotent, so any instance may).

use crate::core::access::System;
use crate::core::error::{Result, StoreError};
use crate::core::jobs::{backoff_ms, Job, JobKind, Running, RENEW_MS};
use crate::core::registry;
use crate::Store;
use chrono::{Duration, NaiveTime, TimeZone};
use dcrc_domain::clock::{ms_to_time, shanghai};

/// Deletes expired and revoked sessions and tokens, daily at 03:00 Asia/Shanghai.
pub const PURGE_TOKENS: JobKind = JobKind {
    name: "purge_tokens",
    run: purge_tokens,
    max_attempts: 5,
    daily_at: Some(3),
    catch_up_on_start: false,
    gave_up: None,
};

fn purge_tokens<'a>(store: &'a Store, _system: &'a System, _job: &'a Job) -> Running<'a> {
    Box::pin(async move {
        let n = store.purge_tokens().await?;
        tracing::info!(purged = n, "purged expired tokens");
        Ok(())
    })
}

/// The core's own job kinds.
const CORE_JOBS: &[JobKind] = &[PURGE_TOKENS];

/// Every registered kind.
pub fn kinds() -> impl Iterator<Item = &'static JobKind> {
    CORE_JOBS
        .iter()
        .chain(registry::installed().iter().flat_map(|c| c.jobs.iter()))
}

fn kind_of(name: &str) -> Option<&'static JobKind> {
    kinds().find(|k| k.name == name)
}

/// The next `hour`:00 in Shanghai strictly after `now_ms`, with the job's key for that day.
fn next_daily_at(now_ms: i64, kind: &str, hour: u32) -> (i64, String) {
    let now = ms_to_time(now_ms).with_timezone(&shanghai());
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

/// Makes sure every recurring job has its next run scheduled (idempotent); kinds that
/// catch up also get a run for today at once, so a server that was down at the hour
/// catches up on start (a second run creates nothing: their work has idempotency keys).
pub async fn ensure_recurring(store: &Store) -> Result<()> {
    let today = store.clock.today();
    for kind in kinds() {
        let Some(hour) = kind.daily_at else { continue };
        let (at, key) = next_daily_at(store.now_ms(), kind.name, hour);
        store.enqueue_job(kind.name, &key, at, &serde_json::json!({})).await?;
        if kind.catch_up_on_start {
            let key = format!("{}:catch-up:{today}", kind.name);
            store
                .enqueue_job(kind.name, &key, store.now_ms(), &serde_json::json!({}))
                .await?;
        }
    }
    Ok(())
}

/// Runs every job due by the clock's now, including jobs that became due while the
/// server was down, then every capability's periodic check; returns how many jobs ran.
pub async fn run_due(store: &Store) -> Result<usize> {
    let mut ran = 0;
    loop {
        let jobs = store.claim_jobs(50).await?;
        if jobs.is_empty() {
            break;
        }
        for job in jobs {
            run_claimed(store, job).await?;
            ran += 1;
        }
    }
    let system = System::new();
    for capability in registry::installed() {
        if let Some(tick) = capability.tick {
            if let Err(e) = tick(store, &system).await {
                tracing::error!(capability = capability.name, error = %e, "periodic check failed");
            }
        }
    }
    Ok(ran)
}

/// Runs one job this worker holds, renewing its lease while it runs, and records the
/// outcome: done (and the next run of a recurring kind), a retry after backoff, or given up.
pub async fn run_claimed(store: &Store, job: Job) -> Result<()> {
    let system = System::new();
    let kind = kind_of(&job.kind);
    let result = match kind {
        None => Err(StoreError::Internal(format!("unknown job kind {}", job.kind))),
        Some(kind) => {
            let renewer = {
                let (store, job) = (store.clone(), job.clone());
                tokio::spawn(async move {
                    let mut every = tokio::time::interval(std::time::Duration::from_millis(RENEW_MS));
                    every.tick().await;
                    loop {
                        every.tick().await;
                        if !matches!(store.renew_lease(&job).await, Ok(true)) {
                            tracing::warn!(job = job.id, "lost the lease of a running job");
                        }
                    }
                })
            };
            let result = (kind.run)(store, &system, &job).await;
            renewer.abort();
            result
        }
    };
    match result {
        Ok(()) => {
            store.finish_job(&job).await?;
            if let Some((k, hour)) = kind.and_then(|k| k.daily_at.map(|h| (k, h))) {
                let (at, key) = next_daily_at(job.run_at.max(store.now_ms()), k.name, hour);
                store.enqueue_job(k.name, &key, at, &serde_json::json!({})).await?;
            }
        }
        Err(e) => {
            let error = e.to_string();
            let max = kind.map(|k| k.max_attempts).unwrap_or(1);
            tracing::error!(job = job.id, kind = %job.kind, attempt = job.attempts, error = %error, "job failed");
            if job.attempts < max {
                store
                    .fail_job(&job, &error, Some(store.now_ms() + backoff_ms(job.attempts)))
                    .await?;
            } else if store.fail_job(&job, &error, None).await? {
                if let Some(gave_up) = kind.and_then(|k| k.gave_up) {
                    gave_up(store, &system, &job, &error).await?;
                }
            }
        }
    }
    Ok(())
}

/// Starts a just-enqueued job now, on this instance, instead of at the next tick (if
/// another worker claimed it first, that one runs it).
pub fn start_now(store: &Store, job_id: i64) {
    let store = store.clone();
    tokio::spawn(async move {
        match store.claim_job(job_id).await {
            Ok(Some(job)) => {
                if let Err(e) = run_claimed(&store, job).await {
                    tracing::error!(job = job_id, error = %e, "could not record a job's outcome");
                }
            }
            Ok(None) => {}
            Err(e) => tracing::error!(job = job_id, error = %e, "could not claim a job"),
        }
    });
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
        let (at, key) = next_daily_at(now, PURGE_TOKENS.name, 3);
        assert_eq!(
            at,
            Utc.with_ymd_and_hms(2026, 3, 2, 19, 0, 0).unwrap().timestamp_millis()
        );
        assert_eq!(key, "purge_tokens:2026-03-03");
        // 2026-03-01 18:00 UTC = 02:00 Shanghai on 03-02 → same day 03:00.
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 18, 0, 0).unwrap().timestamp_millis();
        assert_eq!(next_daily_at(now, PURGE_TOKENS.name, 3).1, "purge_tokens:2026-03-02");
    }

    #[test]
    fn retries_back_off_exponentially_up_to_an_hour() {
        assert_eq!(backoff_ms(1), 30_000);
        assert_eq!(backoff_ms(2), 60_000);
        assert_eq!(backoff_ms(3), 120_000);
        assert_eq!(backoff_ms(20), 3_600_000);
    }
}
