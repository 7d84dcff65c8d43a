//! Pure DCRC domain types and rules: no I/O, no async.
//!
//! Everything here is deterministic and unit-tested; the store and web layers build on it.

pub mod clock;
pub mod lang;
pub mod org;
pub mod role;
pub mod validation;

pub use clock::{Clock, SharedClock, SystemClock, TestClock};
pub use lang::Lang;
pub use org::OrgKind;
pub use role::{Permission, Role};
pub use validation::{FieldError, Invalid};
