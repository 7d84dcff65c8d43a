//! The only way a capability reaches the database: a handle obtained from someone who may
//! ask. `Store.db` is private to the core; a capability's data access starts with
//! [`Store::access`], given a signed-in principal (whose scope every query then binds) or
//! the [`System`] (a job, a periodic check or start-up; a value only the core makes). A write takes the record it changes from
//! [`crate::core::scoped::lock_in_scope`] inside the transaction the handle began.

use crate::core::db::{Backend, Db, Query, Row, Tx};
use crate::core::error::Result;
use crate::core::principal::{Principal, Scope};
use crate::Store;

/// Proof that the code runs for the system itself rather than for a user: the scheduler
/// hands one to every job and periodic check, the command line to start-up and seeding.
/// Only the core constructs it.
#[derive(Debug)]
pub struct System {
    _private: (),
}

impl System {
    pub(in crate::core) fn new() -> Self {
        Self { _private: () }
    }

    /// For the operator's command line (`src/`: start-up, set-up, seeding, imports run
    /// from a shell — whoever runs it holds the database anyway). A test keeps every
    /// capability from calling it.
    #[doc(hidden)]
    pub fn command_line() -> Self {
        Self::new()
    }

    /// For tests that run a job's or a check's body directly.
    #[cfg(test)]
    pub(crate) fn for_tests() -> Self {
        Self::new()
    }
}

/// Database access for one caller. Reads run on the readers (on SQLite the read-only pool);
/// [`Access::begin`] opens a write transaction.
pub struct Access<'a> {
    db: &'a Db,
}

/// What entitles a caller to database access: a signed-in [`Principal`], a [`Scope`]
/// (which only a principal carries) or the [`System`]. Sealed: nothing outside the core
/// can add a way in.
pub trait Authority: sealed::Sealed {}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Principal {}
    impl Sealed for super::Scope {}
    impl Sealed for super::System {}
    impl<T: Sealed> Sealed for &T {}
}

impl Authority for Principal {}
impl Authority for Scope {}
impl Authority for System {}
impl<T: Authority> Authority for &T {}

impl Store {
    /// Database access on behalf of `who` (a principal, their scope, or the system).
    pub(crate) fn access<'a>(&'a self, _who: &impl Authority) -> Access<'a> {
        Access { db: &self.db }
    }
}

impl Access<'_> {
    pub(crate) fn backend(&self) -> Backend {
        self.db.backend()
    }

    /// A write transaction.
    pub(crate) async fn begin(&self) -> Result<Tx> {
        self.db.begin().await
    }

    /// A read-only transaction on the readers: one snapshot for several queries.
    pub(crate) async fn read(&self) -> Result<Tx> {
        self.db.read().await
    }

    pub(crate) async fn fetch_all(&self, query: &Query) -> Result<Vec<Row>> {
        self.db.fetch_all(query).await
    }

    pub(crate) async fn fetch_optional(&self, query: &Query) -> Result<Option<Row>> {
        self.db.fetch_optional(query).await
    }

    pub(crate) async fn fetch_one(&self, query: &Query) -> Result<Row> {
        self.db.fetch_one(query).await
    }

    /// One auto-committed write that returns rows (`RETURNING`).
    pub(crate) async fn write_returning(&self, query: &Query) -> Result<Vec<Row>> {
        self.db.write_returning(query).await
    }

    /// One auto-committed write.
    pub(crate) async fn execute(&self, query: &Query) -> Result<u64> {
        self.db.execute(query).await
    }
}
