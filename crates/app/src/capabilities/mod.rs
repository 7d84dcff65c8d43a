//! The capabilities, each a folder with its rules, migrations, data access, API, pages,
//! templates, strings, jobs and tests.

pub mod accounts;
pub mod archive;
pub mod callbacks;
pub mod complaints;
#[cfg(test)]
pub mod example;
pub mod workshop;

use crate::core::registry::Capability;

/// Every capability of the application, in dependency order. Adding a capability is its
/// folder and one line here.
pub const ALL: &[&Capability] = &[
    &accounts::CAPABILITY,
    &archive::CAPABILITY,
    &callbacks::CAPABILITY,
    &complaints::CAPABILITY,
    &workshop::CAPABILITY,
    #[cfg(test)]
    &example::CAPABILITY,
];
