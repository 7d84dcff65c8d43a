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
    CustomerTable {
        timeline: &["SELECT 'callback_task' AS kind, t.id, t.due_date AS day, t.vehicle_id, t.task_type AS t1, t.state AS t2, \
     u.display_name AS t3, t.attempts AS n1 \
     FROM callback_tasks t LEFT JOIN users u ON u.id = t.assignee_id WHERE t.customer_id = $1 AND t.state = 'open'"],
        ..table("callback_tasks", OnMerge::Move, OnErase::Keep)
    },
    CustomerTable {
        timeline: &["SELECT 'call' AS kind, a.id, a.business_date AS day, t.vehicle_id, a.outcome AS t1, a.answers AS t2, \
     COALESCE(u.display_name, '') AS t3, a.task_id AS n1 \
     FROM callback_attempts a JOIN callback_tasks t ON t.id = a.task_id LEFT JOIN users u ON u.id = a.agent_id WHERE a.customer_id = $1"],
        ..table(
            "callback_attempts",
            OnMerge::Move,
            OnErase::Clear("note = NULL, answers = '{}'"),
        )
    },
];
