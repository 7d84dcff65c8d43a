//! Two instances sweeping the complaint clocks at once (two pools on one PostgreSQL
//! schema; on SQLite one store, whose single writer is the lock): every warning, breach
//! and escalation is recorded once.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use crate::testing::store as common;

use crate::capabilities::complaints::rules::Tier;
use crate::test_db::test_databases;
use common::callbacks::sh;
use common::complaints::{complaint, desk};
use common::world;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_sweeping_at_once_record_each_crossing_once() {
    for t in test_databases().await.unwrap() {
        let w = world(t.db.clone()).await;
        w.clock.set(sh(2026, 3, 2, 10, 0));
        let d = desk(&w, "长安店", "changan").await;
        let c = w
            .store
            .file_complaint(&d.manager, complaint(&d, Tier::General, "repair_quality"))
            .await
            .unwrap();
        // Past the warning, the breach and one escalation at once.
        w.clock.set(sh(2026, 3, 3, 10, 30));
        // A second instance: its own pool on the same PostgreSQL schema (on SQLite, the
        // same store — its single writer is the lock).
        let second = match t.connect_again().await {
            Some(db) => crate::Store::new(db, w.clock.clone()),
            None => w.store.clone(),
        };
        let mut sweeps = Vec::new();
        for i in 0..10 {
            let s = if i % 2 == 0 { w.store.clone() } else { second.clone() };
            sweeps.push(tokio::spawn(async move {
                s.sweep_complaints(&crate::testing::system()).await.unwrap()
            }));
        }
        let mut total = crate::capabilities::complaints::data::sweep::SweepReport::default();
        for s in sweeps {
            let r = s.await.unwrap();
            total.warnings += r.warnings;
            total.breaches += r.breaches;
            total.escalations += r.escalations;
        }
        assert_eq!(
            (total.warnings, total.breaches, total.escalations),
            (1, 1, 1),
            "{}",
            t.name
        );
        let events = w.store.get_complaint(&d.manager, c.id).await.unwrap().events;
        for kind in ["warning", "breach", "escalation"] {
            assert_eq!(
                events.iter().filter(|e| e.kind == kind).count(),
                1,
                "{}: one {kind} event",
                t.name
            );
        }
        t.cleanup().await;
    }
}
