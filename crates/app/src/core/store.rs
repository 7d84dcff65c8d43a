//! The storage service every capability works through: the database, the clock and the
//! authentication policy.

use crate::core::db::Db;
use crate::core::error;
use dcrc_domain::SharedClock;

/// Login and session rules. Every number is a policy value with a sensible default.
#[derive(Debug, Clone)]
pub struct AuthPolicy {
    /// Failed logins to one account from one client address that lock that address out
    /// of the account for the rest of the window.
    pub max_failed_logins: i64,
    /// Failed logins to one account from anywhere in one window.
    pub max_failed_logins_account: i64,
    /// Failed logins from one client address to any account in one window.
    pub max_failed_logins_address: i64,
    /// The throttling window (and so the longest lockout), in minutes.
    pub lockout_minutes: i64,
    /// Lifetime of a web session and of a token from `POST /api/v1/auth/login`, in hours.
    pub session_hours: i64,
    /// Longest lifetime of a named API token, in days.
    pub max_token_days: i64,
}

impl Default for AuthPolicy {
    fn default() -> Self {
        Self {
            max_failed_logins: 5,
            max_failed_logins_account: 20,
            max_failed_logins_address: 50,
            lockout_minutes: 15,
            session_hours: 12,
            max_token_days: 365,
        }
    }
}

/// The storage service: a database, the clock every rule reads, and policies.
#[derive(Clone)]
pub struct Store {
    pub(in crate::core) db: Db,
    pub clock: SharedClock,
    pub auth_policy: AuthPolicy,
    /// Searches matching more customers than this walk customers in id order instead of
    /// fetching the matches (tests lower it to exercise the walk on small data).
    pub search_walk_above: i64,
    /// Where uploaded files (complaint attachments) are kept, by content hash.
    pub files_dir: std::path::PathBuf,
}

/// How often a transaction that gave way to a concurrent one (deadlock, serialisation
/// failure, busy database) is tried again before the caller is told `concurrent_update`.
pub const RETRIES: u32 = 3;

impl Store {
    /// Runs `op` and, when the database gave up on it because of a concurrent
    /// transaction, runs it again (at most [`RETRIES`] more times, a little later each
    /// time). `op` must be a whole transaction, so a retry repeats all of it.
    pub(crate) async fn retrying<T, F, Fut>(&self, mut op: F) -> error::Result<T>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = error::Result<T>>,
    {
        let mut attempt = 0;
        loop {
            match op().await {
                Err(e) if e.is_retryable() && attempt < RETRIES => {
                    attempt += 1;
                    tracing::debug!(attempt, error = %e, "retrying a transaction");
                    tokio::time::sleep(std::time::Duration::from_millis(5 * u64::from(attempt))).await;
                }
                other => return other,
            }
        }
    }

    /// The store over `db`; see `Store::new` (in the crate root), which installs the
    /// capabilities first.
    pub(crate) fn build(db: Db, clock: SharedClock) -> Self {
        Self {
            db,
            clock,
            auth_policy: AuthPolicy::default(),
            search_walk_above: i64::MAX,
            files_dir: std::env::temp_dir().join("dcrc-files"),
        }
    }

    /// The same store keeping uploaded files in `dir`.
    pub fn with_files_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.files_dir = dir.into();
        self
    }

    /// The database itself, for tests that arrange rows directly.
    #[cfg(test)]
    pub(crate) fn raw_db(&self) -> &Db {
        &self.db
    }

    /// Closes the database's connections (at shutdown).
    pub async fn close(&self) {
        self.db.close().await;
    }

    /// Now, in milliseconds since the epoch, from the injected clock.
    pub fn now_ms(&self) -> i64 {
        self.clock.now().timestamp_millis()
    }
}
