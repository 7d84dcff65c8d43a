//! The tenant-isolation walk's cases: each capability declares, for each of its routes,
//! the call dealer A's administrator makes against dealer B's records and what must
//! come back (`Capability::isolation`); `tests/isolation.rs` walks the OpenAPI document
//! and fails on a route no capability has a case for.

use crate::testing::web::Fixture;
use serde_json::Value;

/// What an operation may answer when aimed at another tenant's record.
pub enum Expect {
    /// The record does not exist for the caller.
    NotFound,
    /// The caller's own data (self-service routes); must not mention B.
    OwnOnly,
    /// Data shared by every tenant (the public-holiday calendar) that a dealer's
    /// administrator may read but not change.
    Refused,
}

/// The URL to call, its body, and the expectation.
pub type Case = (String, Option<Value>, Expect);

/// A capability's cases: `None` for a route that is not its own.
pub type CaseFn = fn(method: &str, path: &str, fx: &Fixture, b_token_id: i64) -> Option<Case>;
