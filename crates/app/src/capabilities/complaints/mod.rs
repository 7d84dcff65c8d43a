//! Complaints: intake from every channel, the handling flow with its clocks and pauses, closure calls, escalation, attachments, penalties and statistics.

pub mod api;
pub mod data;
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
    name: "complaints",
    depends_on: &["accounts", "archive", "callbacks"],
    migrations: MIGRATIONS,
    api: api::routes,
    pages: pages::routes,
    nav: NAV,
    customer_tables: CUSTOMER_TABLES,
    policy: &[data::rules::SECTION],
    jobs: &[],
    tick: Some(jobs::sweep),
    #[cfg(test)]
    isolation: tests::isolation::case,
    subscriptions: events::subscriptions,
    home: Some(pages::home::panels),
};

const MIGRATIONS: &[Migration] = &[Migration {
    version: 10,
    name: "complaints",
    sqlite: include_str!("migrations/sqlite/0010_complaints.sql"),
    postgres: include_str!("migrations/postgres/0010_complaints.sql"),
    data: "",
}];

const NAV: &[NavEntry] = &[NavEntry {
    key: "nav.complaints",
    href: "/complaints",
    order: 30,
    visible: |p| p.can(Permission::ViewCustomers),
}];

/// The tables of this capability that hold a customer's data.
const CUSTOMER_TABLES: &[CustomerTable] = &[
    CustomerTable {
        timeline: &[
            // n1: an open complaint's resolution deadline (ms), -1 while its clock is paused.
            "SELECT 'complaint' AS kind, k.id, k.filed_on AS day, k.vehicle_id, k.title AS t1, k.state AS t2, k.tier AS t3, \
     CASE WHEN k.state IN ('resolved', 'closure_callback', 'closed') THEN CAST(NULL AS BIGINT) \
     WHEN k.paused_since IS NOT NULL THEN CAST(-1 AS BIGINT) ELSE k.resolution_due_at END AS n1 \
     FROM complaints k WHERE k.customer_id = $1",
        ],
        children: &[
            ("complaint_events", "complaint_id"),
            ("complaint_pauses", "complaint_id"),
            ("complaint_attachments", "complaint_id"),
        ],
        ..table(
            "complaints",
            OnMerge::Move,
            OnErase::Clear("description = '', customer_agreement = NULL"),
        )
    },
];
