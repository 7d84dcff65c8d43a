//! The core: mechanisms every capability uses and that know no capability — the
//! database and its dialect, scope and principal, audit, durable jobs, pagination,
//! errors, and the HTTP side (extractors, problem responses, i18n, layout).

pub mod access;
pub mod audit;
pub mod auth;
pub mod customer_tables;
pub mod db;
pub mod dialect;
pub mod error;
pub mod events;
pub mod http;
pub mod jobs;
pub mod login_throttle;
pub mod migrate;
pub mod page;
pub mod policy;
pub mod principal;
pub mod query;
pub mod registry;
pub mod scheduler;
pub mod schema;
pub mod scoped;
pub mod secret;
pub mod settings;
pub mod store;
