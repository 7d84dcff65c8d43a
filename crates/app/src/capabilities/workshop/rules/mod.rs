//! The workshop's pure rules: capacity and its policy.

pub mod capacity;
pub mod loyalty;
pub mod policy;
