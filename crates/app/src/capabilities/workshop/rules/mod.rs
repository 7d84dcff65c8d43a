//! The workshop's pure rules: capacity and its policy.

pub mod capacity;
pub mod policy;
