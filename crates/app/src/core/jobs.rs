//! Durable jobs: each is a row with a due time and an idempotency key. A scheduler claims
//! due rows, runs them and marks them done, so a restart loses nothing and repeats nothing,
//! and several instances on PostgreSQL never run the same job twice.

use crate::core::db::{q, Tx};
use crate::core::dialect;
use crate::core::error::Result;
use crate::Store;

/// A claimed job.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub key: String,
    pub run_at: i64,
    pub payload: serde_json::Value,
    pub attempts: i64,
}

/// How long a claim lasts before another instance may take the job over (a crashed
/// worker's jobs are retried after this).
const LEASE_MS: i64 = 5 * 60_000;

/// Adds a job unless one with the same idempotency key exists; returns whether it was added.
pub async fn enqueue(
    tx: &mut Tx,
    now: i64,
    kind: &str,
    key: &str,
    run_at: i64,
    payload: &serde_json::Value,
) -> Result<bool> {
    let n = tx
        .execute(
            &q(
                "INSERT INTO jobs (kind, idempotency_key, run_at, payload, state, attempts, created_at) \
                VALUES ($1, $2, $3, $4, 'pending', 0, $5) ON CONFLICT (idempotency_key) DO NOTHING",
            )
            .bind(kind)
            .bind(key)
            .bind(run_at)
            .bind(payload.to_string())
            .bind(now),
        )
        .await?;
    Ok(n > 0)
}

impl Store {
    /// Enqueues in its own transaction.
    pub async fn enqueue_job(&self, kind: &str, key: &str, run_at: i64, payload: &serde_json::Value) -> Result<bool> {
        let mut tx = self.db.begin().await?;
        let added = enqueue(&mut tx, self.now_ms(), kind, key, run_at, payload).await?;
        tx.commit().await?;
        Ok(added)
    }

    /// Claims up to `limit` jobs due at or before `now` (the clock's now).
    pub async fn claim_jobs(&self, limit: i64) -> Result<Vec<Job>> {
        let now = self.now_ms();
        let rows = self
            .db
            .write_returning(
                &q(dialect::claim_jobs_sql(self.db.backend()))
                    .bind(now)
                    .bind(now + LEASE_MS)
                    .bind(limit),
            )
            .await?;
        let mut jobs = rows
            .iter()
            .map(|r| {
                Ok(Job {
                    id: r.i64("id")?,
                    kind: r.text("kind")?,
                    key: r.text("idempotency_key")?,
                    run_at: r.i64("run_at")?,
                    payload: serde_json::from_str(&r.text("payload")?).unwrap_or(serde_json::Value::Null),
                    attempts: r.i64("attempts")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        jobs.sort_by_key(|j| (j.run_at, j.id));
        Ok(jobs)
    }

    pub async fn finish_job(&self, id: i64) -> Result<()> {
        self.db
            .execute(
                &q("UPDATE jobs SET state = 'done', finished_at = $1, locked_until = NULL WHERE id = $2")
                    .bind(self.now_ms())
                    .bind(id),
            )
            .await?;
        Ok(())
    }

    /// Records a failure; retried at `retry_at`, or given up as `failed` when `None`.
    pub async fn fail_job(&self, id: i64, error: &str, retry_at: Option<i64>) -> Result<()> {
        let (state, run_at) = match retry_at {
            Some(t) => ("pending", Some(t)),
            None => ("failed", None),
        };
        self.db
            .execute(
                &q("UPDATE jobs SET state = $1, run_at = COALESCE($2, run_at), last_error = $3, locked_until = NULL WHERE id = $4")
                    .bind(state)
                    .bind(run_at)
                    .bind(error)
                    .bind(id),
            )
            .await?;
        Ok(())
    }

    /// Counts of jobs by state, for `/metrics` and the operations page.
    pub async fn job_counts(&self) -> Result<Vec<(String, i64)>> {
        let rows = self
            .db
            .fetch_all(&q(
                "SELECT state, COUNT(*) AS n FROM jobs GROUP BY state ORDER BY state",
            ))
            .await?;
        rows.iter().map(|r| Ok((r.text("state")?, r.i64("n")?))).collect()
    }
}
