//! The store's one error type. The web layer maps each variant to an HTTP problem.

use dcrc_domain::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record does not exist, or is outside the caller's scope (the two are
    /// deliberately indistinguishable).
    #[error("not found")]
    NotFound,
    /// Input failed validation; every problem is listed.
    #[error("invalid input")]
    Invalid(Invalid),
    /// The change conflicts with existing data (a duplicate username, say). `code` is a
    /// stable snake_case code and `field` the input field concerned, if any.
    #[error("conflict: {code}")]
    Conflict {
        code: &'static str,
        field: Option<&'static str>,
    },
    /// Another live customer of the same dealer has this phone number.
    #[error("duplicate customer {existing_id}")]
    Duplicate { existing_id: i64 },
    /// The thing asked for does not fit the time asked for (a workshop booking): why
    /// (`reason`, a stable code) and the next times it would.
    #[error("no capacity: {reason}")]
    NoCapacity {
        reason: &'static str,
        next_slots: Vec<TimeSlot>,
    },
    /// The caller is authenticated and may see the record but lacks the permission.
    #[error("forbidden")]
    Forbidden,
    #[error("database URL must start with sqlite: or postgres://")]
    BadUrl,
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

/// A span of time offered instead (RFC 3339 in Asia/Shanghai's offset).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct TimeSlot {
    pub start: chrono::DateTime<chrono::FixedOffset>,
    pub end: chrono::DateTime<chrono::FixedOffset>,
}

impl TimeSlot {
    pub fn new(start: chrono::DateTime<chrono::Utc>, end: chrono::DateTime<chrono::Utc>) -> Self {
        let sh = dcrc_domain::clock::shanghai();
        TimeSlot {
            start: start.with_timezone(&sh).fixed_offset(),
            end: end.with_timezone(&sh).fixed_offset(),
        }
    }
}

impl From<Invalid> for StoreError {
    fn from(value: Invalid) -> Self {
        StoreError::Invalid(value)
    }
}

impl StoreError {
    /// Whether the database gave up on the transaction because of another one running at
    /// the same time (a deadlock or a serialisation failure on PostgreSQL, a busy or
    /// locked database on SQLite): trying again may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            StoreError::Db(sqlx::Error::Database(e)) => {
                matches!(e.code().as_deref(), Some("40P01" | "40001" | "5" | "6" | "517" | "262"))
            }
            _ => false,
        }
    }

    /// Whether this is a unique-constraint violation from the database.
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Db(sqlx::Error::Database(e)) if e.is_unique_violation())
    }
}

pub use sqlx::Error as SqlxError;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
