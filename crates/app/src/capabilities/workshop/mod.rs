//! The workshop (售后车间): bays and technicians, appointments booked against capacity.
//! Repair orders, inspections, loyalty discounts and the 三包 watch follow (issue 14).

pub mod api;
pub mod data;
pub mod pages;
pub mod rules;
#[cfg(test)]
pub(crate) mod tests;

use crate::core::customer_tables::{table, CustomerTable, OnErase, OnMerge};
use crate::core::migrate::Migration;
use crate::core::policy::PolicySection;
use crate::core::registry::{Capability, NavEntry};
use dcrc_domain::{FieldError, Permission};
use rules::policy::WorkshopPolicy;

pub const CAPABILITY: Capability = Capability {
    name: "workshop",
    depends_on: &["accounts", "archive", "callbacks"],
    migrations: &[Migration {
        version: 17,
        name: "workshop",
        sqlite: include_str!("migrations/sqlite/0017_workshop.sql"),
        postgres: include_str!("migrations/postgres/0017_workshop.sql"),
        data: "",
    }],
    api: api::routes,
    pages: pages::routes,
    nav: &[NavEntry {
        key: "nav.workshop",
        href: "/workshop",
        order: 25,
        visible: |p| p.can(Permission::BookAppointments) && p.org_kind == dcrc_domain::OrgKind::Dealer,
    }],
    customer_tables: &[CustomerTable {
        timeline: &[
            "SELECT 'appointment' AS kind, a.id, a.day, a.vehicle_id, a.job_type AS t1, a.state AS t2, \
            a.requested_work AS t3, a.starts_at AS n1 FROM appointments a WHERE a.customer_id = $1",
        ],
        ..table(
            "appointments",
            OnMerge::Move,
            OnErase::Clear("requested_work = '', work_content = NULL, parts_note = NULL"),
        )
    }],
    policy: &[PolicySection {
        key: Some("workshop"),
        preset: |name| serde_json::to_value(WorkshopPolicy::preset(name)).unwrap_or_default(),
        check: |section, errors| match serde_json::from_value::<WorkshopPolicy>(section.clone()) {
            Ok(p) => p.check(errors),
            Err(_) => errors.push(FieldError::new("workshop", "wrong_type").with("expected", "policy")),
        },
    }],
    jobs: &[],
    tick: None,
    #[cfg(test)]
    isolation: tests::isolation::case,
    subscriptions: crate::core::registry::no_subscriptions,
    home: None,
};
