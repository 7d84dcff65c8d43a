//! An example capability, compiled only into tests: customer notes. It is registered
//! exactly like a real capability and uses every kind of registration (migration, API
//! route, page, navigation, strings, customer table with a timeline source, an event
//! subscription, a job kind, a policy section, isolation cases), so the walk-through in
//! docs/architecture.md stays true: if adding a capability needed anything outside its
//! folder and its line in `capabilities::ALL`, this one would not build or its test fail.

pub mod api;
pub mod data;
pub mod pages;
#[cfg(test)]
pub(crate) mod tests;

use crate::core::customer_tables::{table, CustomerTable, OnErase, OnMerge};
use crate::core::events::{on, Handling, Subscription};
use crate::core::jobs::{Job, JobKind, Running};
use crate::core::migrate::Migration;
use crate::core::policy::PolicySection;
use crate::core::registry::{Capability, NavEntry};
use crate::Store;
use dcrc_domain::Permission;

pub const CAPABILITY: Capability = Capability {
    name: "example",
    depends_on: &["archive"],
    migrations: &[Migration {
        version: 9001,
        name: "example_notes",
        sqlite: include_str!("migrations/sqlite/9001_example_notes.sql"),
        postgres: include_str!("migrations/postgres/9001_example_notes.sql"),
        data: "",
    }],
    api: api::routes,
    pages: pages::routes,
    nav: &[NavEntry {
        key: "nav.example",
        href: "/example",
        order: 99,
        visible: |p| p.can(Permission::ViewCustomers),
    }],
    customer_tables: &[CustomerTable {
        timeline: &["SELECT 'example_note' AS kind, n.id, n.day, CAST(NULL AS BIGINT) AS vehicle_id, n.body AS t1, \
            CAST(NULL AS TEXT) AS t2, CAST(NULL AS TEXT) AS t3, CAST(NULL AS BIGINT) AS n1 FROM example_notes n WHERE n.customer_id = $1"],
        ..table("example_notes", OnMerge::Move, OnErase::Clear("body = ''"))
    }],
    policy: &[PolicySection {
        key: Some("example"),
        preset: |_| serde_json::json!({ "max_note_chars": 500 }),
        check: |section, errors| {
            let n = section.get("max_note_chars").and_then(serde_json::Value::as_i64).unwrap_or(0);
            if !(1..=5000).contains(&n) {
                errors.push(dcrc_domain::FieldError::new("example.max_note_chars", "range").with("min", 1).with("max", 5000));
            }
        },
    }],
    jobs: &[FLAKY],
    tick: None,
    #[cfg(test)]
    isolation: tests::isolation::case,
    subscriptions,
    home: None,
};

fn subscriptions() -> Vec<Subscription> {
    vec![on::<crate::capabilities::archive::events::HistoryRecorded>(note_sale)]
}

/// A sale stored anywhere (form, API, import) leaves a note on a customer who has notes
/// (only those: this capability lives in every test build and must not change others).
fn note_sale<'a>(
    tx: &'a mut crate::core::db::Tx,
    e: &'a crate::capabilities::archive::events::HistoryRecorded,
) -> Handling<'a> {
    Box::pin(async move {
        if e.kind != crate::capabilities::archive::events::HistoryKind::Sale {
            return Ok(());
        }
        let has_notes = tx
            .fetch_optional(
                &crate::stmt("SELECT id FROM example_notes WHERE customer_id = $1 LIMIT 1").bind(e.customer_id),
            )
            .await?
            .is_some();
        if !has_notes {
            return Ok(());
        }
        data::insert(tx, e.now_ms, e.org_id, e.customer_id, &format!("sale {}", e.record_id))
            .await
            .map(|_| ())
    })
}

/// A job that fails its first `fail` attempts (payload), to show retries and backoff.
pub const FLAKY: JobKind = JobKind {
    name: "example.flaky",
    run: flaky,
    max_attempts: 4,
    daily_at: None,
    catch_up_on_start: false,
    gave_up: None,
};

fn flaky<'a>(_store: &'a Store, _system: &'a crate::core::access::System, job: &'a Job) -> Running<'a> {
    Box::pin(async move {
        let fail = job.payload.get("fail").and_then(serde_json::Value::as_i64).unwrap_or(0);
        if job.attempts <= fail {
            return Err(crate::StoreError::Internal(format!(
                "attempt {} fails on purpose",
                job.attempts
            )));
        }
        Ok(())
    })
}
