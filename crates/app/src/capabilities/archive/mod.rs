//! The customer archive: customers and their numbers, vehicles, sales, repair and insurance history, imports, segments, duplicates and merges, personal-data rights.

pub mod api;
pub mod data;
pub mod demo;
pub mod events;
pub mod jobs;
pub mod pages;
#[cfg(test)]
pub(crate) mod tests;

use crate::core::migrate::Migration;
use crate::core::registry::{Capability, NavEntry};
use dcrc_domain::Permission;

/// Everything the application needs to know about this capability.
pub const CAPABILITY: Capability = Capability {
    name: "archive",
    depends_on: &["accounts"],
    migrations: MIGRATIONS,
    api: api::routes,
    pages: pages::routes,
    nav: NAV,
    customer_tables: data::customer_tables::TABLES,
    policy: &[],
    jobs: &[jobs::IMPORT],
    tick: Some(jobs::interrupted_imports),
    #[cfg(test)]
    isolation: tests::isolation::case,
    subscriptions: crate::core::registry::no_subscriptions,
    home: Some(pages::home::panels),
};

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 2,
        name: "archive",
        sqlite: include_str!("migrations/sqlite/0002_archive.sql"),
        postgres: include_str!("migrations/postgres/0002_archive.sql"),
        data: "",
    },
    Migration {
        version: 3,
        name: "imports",
        sqlite: include_str!("migrations/sqlite/0003_imports.sql"),
        postgres: include_str!("migrations/postgres/0003_imports.sql"),
        data: "",
    },
    Migration {
        version: 4,
        name: "segments",
        sqlite: include_str!("migrations/sqlite/0004_segments.sql"),
        postgres: include_str!("migrations/postgres/0004_segments.sql"),
        data: "",
    },
    Migration {
        version: 5,
        name: "search_indexes",
        sqlite: include_str!("migrations/sqlite/0005_search_indexes.sql"),
        postgres: include_str!("migrations/postgres/0005_search_indexes.sql"),
        data: "",
    },
    Migration {
        version: 6,
        name: "search_suffixes",
        sqlite: include_str!("migrations/sqlite/0006_search_suffixes.sql"),
        postgres: include_str!("migrations/postgres/0006_search_suffixes.sql"),
        data: "",
    },
    Migration {
        version: 8,
        name: "covering_search_indexes",
        sqlite: include_str!("migrations/sqlite/0008_covering_search_indexes.sql"),
        postgres: include_str!("migrations/postgres/0008_covering_search_indexes.sql"),
        data: "",
    },
    Migration {
        version: 9,
        name: "current_owner_index",
        sqlite: include_str!("migrations/sqlite/0009_current_owner_index.sql"),
        postgres: include_str!("migrations/postgres/0009_current_owner_index.sql"),
        data: "",
    },
    Migration {
        version: 15,
        name: "contact_history",
        sqlite: include_str!("migrations/sqlite/0015_contact_history.sql"),
        postgres: include_str!("migrations/postgres/0015_contact_history.sql"),
        data: "",
    },
    Migration {
        version: 16,
        name: "import_rows",
        sqlite: include_str!("migrations/sqlite/0016_import_rows.sql"),
        postgres: include_str!("migrations/postgres/0016_import_rows.sql"),
        data: "",
    },
];

const NAV: &[NavEntry] = &[
    NavEntry {
        key: "nav.customers",
        href: "/customers",
        order: 10,
        visible: |p| p.can(Permission::ViewCustomers),
    },
    NavEntry {
        key: "nav.imports",
        href: "/imports",
        order: 11,
        visible: |p| p.can(Permission::ImportData),
    },
    NavEntry {
        key: "nav.segments",
        href: "/segments",
        order: 12,
        visible: |p| p.can(Permission::ViewCustomers),
    },
];
