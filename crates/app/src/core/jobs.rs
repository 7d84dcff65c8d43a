//! Durable jobs: each is a row with a due time and an idempotency key, of a kind a
//! capability registers ([`JobKind`]). A worker claims a due job with a lease (a random
//! token and an expiry) that no other instance can take while it is valid; a long job
//! renews it. Done, failed and retried are written only by the lease holder, so a worker
//! that lost its lease cannot overwrite the instance that took over. Failures are retried
//! with exponential backoff up to the kind's attempts, then given up.

use crate::core::access::System;
use crate::core::db::{stmt, Tx};
use crate::core::dialect;
use crate::core::error::Result;
use crate::Store;
use std::future::Future;
use std::pin::Pin;

/// A claimed job.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub key: String,
    pub run_at: i64,
    pub payload: serde_json::Value,
    /// Attempts so far, this one included.
    pub attempts: i64,
    /// The lease this worker holds.
    pub lease: String,
}

/// What a job's run returns.
pub type Running<'a> = Pin<Box<dyn Future<Output = Result<()>> + Send + 'a>>;

/// A job's body: it runs with the system's authority.
pub type RunJob = for<'a> fn(&'a Store, &'a System, &'a Job) -> Running<'a>;

/// Called once when a job's last attempt failed, with the error.
pub type GaveUp = for<'a> fn(&'a Store, &'a System, &'a Job, &'a str) -> Running<'a>;

/// A kind of job, registered by the capability that runs it.
pub struct JobKind {
    /// Stored in `jobs.kind`; prefixed with the capability's name.
    pub name: &'static str,
    pub run: RunJob,
    /// Attempts before it is given up.
    pub max_attempts: i64,
    /// A recurring job: daily at this hour, Asia/Shanghai.
    pub daily_at: Option<u32>,
    /// A recurring job that also runs once when the server starts (catching up on a day
    /// the server was down at its hour; the job must be idempotent).
    pub catch_up_on_start: bool,
    /// Called once when the last attempt failed, with the error.
    pub gave_up: Option<GaveUp>,
}

/// How long a claim lasts unless renewed; a crashed worker's job is taken over after it.
pub const LEASE_MS: i64 = 2 * 60_000;
/// How often a running job renews its lease.
pub const RENEW_MS: u64 = 20_000;

/// The wait before retry number `attempts` (1 → 30 s, doubling, at most an hour).
pub fn backoff_ms(attempts: i64) -> i64 {
    let doublings = attempts.clamp(1, 8) - 1;
    (30_000_i64 << doublings).min(3_600_000)
}

/// Adds a job unless one with the same idempotency key exists; returns its id when added.
pub async fn enqueue(
    tx: &mut Tx,
    now: i64,
    kind: &str,
    key: &str,
    run_at: i64,
    payload: &serde_json::Value,
) -> Result<Option<i64>> {
    let row = tx
        .fetch_optional(
            &stmt(
                "INSERT INTO jobs (kind, idempotency_key, run_at, payload, state, attempts, created_at) \
                VALUES ($1, $2, $3, $4, 'pending', 0, $5) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
            )
            .bind(kind)
            .bind(key)
            .bind(run_at)
            .bind(payload.to_string())
            .bind(now),
        )
        .await?;
    row.map(|r| r.i64("id")).transpose()
}

fn job_of(r: &crate::core::db::Row, lease: &str) -> Result<Job> {
    Ok(Job {
        id: r.i64("id")?,
        kind: r.text("kind")?,
        key: r.text("idempotency_key")?,
        run_at: r.i64("run_at")?,
        payload: serde_json::from_str(&r.text("payload")?).unwrap_or(serde_json::Value::Null),
        attempts: r.i64("attempts")?,
        lease: lease.to_string(),
    })
}

impl Store {
    /// Enqueues in its own transaction; returns the new job's id.
    pub async fn enqueue_job(
        &self,
        kind: &str,
        key: &str,
        run_at: i64,
        payload: &serde_json::Value,
    ) -> Result<Option<i64>> {
        let mut tx = self.db.begin().await?;
        let added = enqueue(&mut tx, self.now_ms(), kind, key, run_at, payload).await?;
        tx.commit().await?;
        Ok(added)
    }

    /// Claims up to `limit` jobs due at or before the clock's now: pending ones, and
    /// running ones whose lease has expired (their worker died).
    pub async fn claim_jobs(&self, limit: i64) -> Result<Vec<Job>> {
        let now = self.now_ms();
        let lease = crate::core::secret::new_token()?;
        let rows = self
            .db
            .write_returning(
                &stmt(dialect::claim_jobs_sql(self.db.backend()))
                    .bind(now)
                    .bind(now + LEASE_MS)
                    .bind(limit)
                    .bind(lease.as_str()),
            )
            .await?;
        let mut jobs = rows.iter().map(|r| job_of(r, &lease)).collect::<Result<Vec<_>>>()?;
        jobs.sort_by_key(|j| (j.run_at, j.id));
        Ok(jobs)
    }

    /// Claims one pending job by id (to start it at once rather than at the next tick);
    /// `None` when another worker has it.
    pub async fn claim_job(&self, id: i64) -> Result<Option<Job>> {
        let now = self.now_ms();
        let lease = crate::core::secret::new_token()?;
        let rows = self
            .db
            .write_returning(
                &stmt(
                    "UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_until = $1, lease_token = $2 \
                    WHERE id = $3 AND state = 'pending' RETURNING id, kind, idempotency_key, run_at, payload, attempts",
                )
                .bind(now + LEASE_MS)
                .bind(lease.as_str())
                .bind(id),
            )
            .await?;
        rows.first().map(|r| job_of(r, &lease)).transpose()
    }

    /// Extends a running job's lease; `false` when it is no longer this worker's.
    pub async fn renew_lease(&self, job: &Job) -> Result<bool> {
        let n = self
            .db
            .execute(
                &stmt("UPDATE jobs SET locked_until = $1 WHERE id = $2 AND state = 'running' AND lease_token = $3")
                    .bind(self.now_ms() + LEASE_MS)
                    .bind(job.id)
                    .bind(job.lease.as_str()),
            )
            .await?;
        Ok(n > 0)
    }

    /// Marks the job done (if this worker still holds it).
    pub async fn finish_job(&self, job: &Job) -> Result<bool> {
        let n = self
            .db
            .execute(
                &stmt(
                    "UPDATE jobs SET state = 'done', finished_at = $1, locked_until = NULL, lease_token = NULL \
                    WHERE id = $2 AND lease_token = $3",
                )
                .bind(self.now_ms())
                .bind(job.id)
                .bind(job.lease.as_str()),
            )
            .await?;
        Ok(n > 0)
    }

    /// Records a failure; retried at `retry_at`, or given up as `failed` when `None`.
    pub async fn fail_job(&self, job: &Job, error: &str, retry_at: Option<i64>) -> Result<bool> {
        let (state, run_at) = match retry_at {
            Some(t) => ("pending", Some(t)),
            None => ("failed", None),
        };
        let n = self
            .db
            .execute(
                &stmt(
                    "UPDATE jobs SET state = $1, run_at = COALESCE($2, run_at), last_error = $3, locked_until = NULL, \
                    lease_token = NULL WHERE id = $4 AND lease_token = $5",
                )
                .bind(state)
                .bind(run_at)
                .bind(error)
                .bind(job.id)
                .bind(job.lease.as_str()),
            )
            .await?;
        Ok(n > 0)
    }

    /// Counts of jobs by state, for `/metrics` and the operations page.
    pub async fn job_counts(&self) -> Result<Vec<(String, i64)>> {
        let rows = self
            .db
            .fetch_all(&stmt(
                "SELECT state, COUNT(*) AS n FROM jobs GROUP BY state ORDER BY state",
            ))
            .await?;
        rows.iter().map(|r| Ok((r.text("state")?, r.i64("n")?))).collect()
    }
}
