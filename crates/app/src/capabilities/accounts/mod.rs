//! Accounts: the organisation tree, users and roles, sign-in, one's own account, the audit log.

pub mod api;
pub mod data;
pub mod pages;
#[cfg(test)]
pub(crate) mod tests;

use crate::core::migrate::Migration;
use crate::core::registry::{Capability, NavEntry};
use dcrc_domain::Permission;

/// Everything the application needs to know about this capability.
pub const CAPABILITY: Capability = Capability {
    name: "accounts",
    depends_on: &[],
    migrations: MIGRATIONS,
    api: api::routes,
    pages: pages::routes,
    nav: NAV,
    customer_tables: &[],
    policy: &[],
    jobs: &[],
    tick: None,
    #[cfg(test)]
    isolation: tests::isolation::case,
    subscriptions: crate::core::registry::no_subscriptions,
    home: None,
};

const MIGRATIONS: &[Migration] = &[];

const NAV: &[NavEntry] = &[
    NavEntry {
        key: "nav.orgs",
        href: "/admin/orgs",
        order: 80,
        visible: |p| p.can(Permission::ViewDirectory),
    },
    NavEntry {
        key: "nav.users",
        href: "/admin/users",
        order: 81,
        visible: |p| p.can(Permission::ViewDirectory),
    },
    NavEntry {
        key: "nav.audit",
        href: "/admin/audit",
        order: 85,
        visible: |p| p.can(Permission::ReadAudit),
    },
    NavEntry {
        key: "nav.account",
        href: "/account",
        order: 90,
        visible: |_| true,
    },
];
