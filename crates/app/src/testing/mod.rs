//! Test fixtures: a world of organisations and users on a fresh database, and a test
//! application driven through its HTTP front door.

pub mod isolation;
pub mod store;
pub mod web;
