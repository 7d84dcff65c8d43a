//! Pure DCRC domain types and rules: no I/O, no async.
//!
//! Everything here is deterministic and unit-tested; the store and web layers build on it.

pub mod calendar;
pub mod clock;
pub mod idnum;
pub mod lang;
pub mod org;
pub mod phone;
pub mod plate;
pub mod role;
pub mod text;
pub mod validation;
pub mod vin;

pub use clock::{Clock, SharedClock, SystemClock, TestClock};
pub use idnum::IdNumber;
pub use lang::Lang;
pub use org::OrgKind;
pub use phone::{Phone, PhoneKind};
pub use plate::Plate;
pub use role::{Permission, Role};
pub use validation::{FieldError, Invalid};
pub use vin::Vin;
