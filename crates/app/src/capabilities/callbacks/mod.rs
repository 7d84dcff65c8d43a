//! Callbacks: the obligations raised by sales and repairs, the agents' queue, calls and their outcomes, the callback policy and calendar, statistics and the monthly compliance check.

pub mod api;
pub mod data;
pub mod demo;
pub mod events;
pub mod jobs;
pub mod pages;
pub mod rules;
#[cfg(test)]
pub(crate) mod tests;

use crate::core::customer_tables::{table, CustomerTable, OnErase, OnMerge};
use crate::core::migrate::Migration;
use crate::core::registry::{Capability, NavEntry};
use dcrc_domain::Permission;

/// Everything the application needs to know about this capability.
pub const CAPABILITY: Capability = Capability {
    name: "callbacks",
    depends_on: &["accounts", "archive"],
    migrations: MIGRATIONS,
    api: api::routes,
    pages: pages::routes,
    nav: NAV,
    customer_tables: CUSTOMER_TABLES,
    policy: &[data::policy::SECTION],
    jobs: &[jobs::DAILY],
    tick: None,
    #[cfg(test)]
    isolation: tests::isolation::case,
    subscriptions: events::subscriptions,
    home: Some(pages::home::panels),
};

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 7,
        name: "callbacks",
        sqlite: include_str!("migrations/sqlite/0007_callbacks.sql"),
        postgres: include_str!("migrations/postgres/0007_callbacks.sql"),
        data: include_str!("migrations/common/0007_calendar_2025_2026.sql"),
    },
    Migration {
        version: 14,
        name: "compliance_findings",
        sqlite: include_str!("migrations/sqlite/0014_compliance_findings.sql"),
        postgres: include_str!("migrations/postgres/0014_compliance_findings.sql"),
        data: "",
    },
];

const NAV: &[NavEntry] = &[
    NavEntry {
        key: "nav.callbacks",
        href: "/callbacks",
        order: 20,
        visible: |p| p.can(Permission::WorkCallbacks),
    },
    NavEntry {
        key: "nav.callbacks",
        href: "/callbacks/stats",
        order: 20,
        visible: |p| !p.can(Permission::WorkCallbacks) && p.can(Permission::ViewCallbackStats),
    },
];

/// The tables of this capability that hold a customer's data.
const CUSTOMER_TABLES: &[CustomerTable] = &[
    table("callback_tasks", OnMerge::Move, OnErase::Keep),
    table(
        "callback_attempts",
        OnMerge::Move,
        OnErase::Clear("note = NULL, answers = '{}'"),
    ),
];
