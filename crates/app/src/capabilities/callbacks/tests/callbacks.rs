//! Callback obligations on both databases, driven by the test clock: created once from
//! events (API, import, replays), the policy window, and due times across the 2026 Spring
//! Festival with its make-up days. Working the tasks: tests/callback_work.rs.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use crate::testing::store as common;

use crate::capabilities::callbacks::data::work::TaskFilter;
use crate::capabilities::callbacks::rules::{Outcome, TaskState, TaskType};
use crate::core::policy::PolicySetting;
use crate::test_db::test_databases;
use common::callbacks::{call, owner, repair_order, sale, sh, tasks_of};
use common::{vin, world, ymd};
use std::collections::BTreeMap;

#[tokio::test]
async fn a_delivery_creates_its_callbacks_once_and_old_history_creates_none() {
    for t in test_databases().await.unwrap() {
        let w = world(t.db.clone()).await;
        w.clock.set(sh(2026, 11, 23, 9, 0)); // Monday
        let (c, v) = owner(&w, 1).await;
        w.store.create_sale(&w.agent, sale(c, v, "2026-11-23")).await.unwrap();
        // The same delivery stored again (a second sale record by mistake) adds nothing.
        w.store.create_sale(&w.agent, sale(c, v, "2026-11-23")).await.unwrap();
        let tasks = tasks_of(&w, c).await;
        let kinds: Vec<_> = tasks.iter().map(|t| (t.task_type, t.due_date)).collect();
        assert_eq!(
            kinds,
            vec![
                (TaskType::SalesFirst, ymd("2026-11-24")),
                (TaskType::SalesSecond, ymd("2026-11-30"))
            ]
        );
        assert_eq!(tasks[0].due_at, sh(2026, 11, 24, 17, 30));
        assert_eq!(tasks[0].assignee_id, Some(w.agent.user_id), "the dealer's only agent");
        assert_eq!(tasks[0].phone_masked.as_deref(), Some("139****0001"));

        // Only the first-level call is workable today.
        let queue = w.store.my_queue(&w.agent).await.unwrap();
        assert_eq!(queue.len(), 1);
        assert_eq!(queue[0].task_type, TaskType::SalesFirst);

        // Ten-year-old history and last year's deliveries create nothing.
        let (c2, v2) = owner(&w, 2).await;
        w.store.create_sale(&w.agent, sale(c2, v2, "2016-05-06")).await.unwrap();
        w.store.create_sale(&w.agent, sale(c2, v2, "2025-11-01")).await.unwrap();
        assert!(tasks_of(&w, c2).await.is_empty());

        // A week later both are in the queue; the first is overdue and comes first.
        w.clock.set(sh(2026, 11, 30, 9, 0));
        let queue = w.store.my_queue(&w.agent).await.unwrap();
        assert_eq!(queue.len(), 2);
        assert!(queue[0].overdue && queue[0].task_type == TaskType::SalesFirst);
        assert!(!queue[1].overdue);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn imports_create_callbacks_only_for_recent_events_and_replays_add_nothing() {
    use crate::capabilities::archive::data::import::{ImportKind, ImportOptions};
    for t in test_databases().await.unwrap() {
        let w = world(t.db.clone()).await;
        let root = w.store.test_user("root").await.unwrap();
        w.clock.set(sh(2026, 11, 23, 9, 0));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sales.csv");
        let csv = format!(
            "客户姓名,手机,车架号,交车日期\n张三,13900001111,{},2026-11-20\n李四,13900002222,{},2019-03-01\n",
            vin("S0000001"),
            vin("S0000002")
        );
        std::fs::write(&path, csv).unwrap();
        for _ in 0..2 {
            let import = w
                .store
                .start_import(&root, ImportKind::Sales, w.agent.org_id, "sales.csv", false)
                .await
                .unwrap();
            let r = w
                .store
                .run_import(&root, import.id, &path, &ImportOptions::default(), &|_| {})
                .await
                .unwrap();
            assert_eq!(
                r.rows_rejected,
                0,
                "{:?}",
                w.store.import_errors(&root, import.id).await.unwrap()
            );
        }
        let all = w
            .store
            .list_callbacks(&w.agent, &TaskFilter::default())
            .await
            .unwrap()
            .items;
        let kinds: Vec<_> = all.iter().map(|t| (t.customer_name.as_str(), t.task_type)).collect();
        assert_eq!(
            kinds,
            vec![("张三", TaskType::SalesFirst), ("张三", TaskType::SalesSecond)]
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn due_times_skip_the_spring_festival_and_honour_make_up_days() {
    for t in test_databases().await.unwrap() {
        let w = world(t.db.clone()).await;
        w.clock.set(sh(2026, 2, 13, 10, 0)); // Friday before the break
        let (c, v) = owner(&w, 3).await;
        w.store.create_sale(&w.agent, sale(c, v, "2026-02-13")).await.unwrap();
        let mut ro = repair_order(c, v);
        ro.opened_on = ymd("2026-02-12");
        ro.delivered_on = Some(ymd("2026-02-13"));
        w.store.create_repair_order(&w.agent, ro).await.unwrap();
        let due: BTreeMap<_, _> = tasks_of(&w, c)
            .await
            .into_iter()
            .map(|t| (t.task_type, t.due_date))
            .collect();
        // First-level: the next working day is the make-up Saturday 2/14.
        assert_eq!(due[&TaskType::SalesFirst], ymd("2026-02-14"));
        // Second-level: day 7 is 2/20, inside the break: Tuesday 2/24.
        assert_eq!(due[&TaskType::SalesSecond], ymd("2026-02-24"));
        // Post-repair within 3 working days: 2/14, 2/24, 2/25.
        assert_eq!(due[&TaskType::PostRepair], ymd("2026-02-25"));

        // An unanswered call on the make-up Saturday is retried after the break.
        w.clock.set(sh(2026, 2, 14, 10, 0));
        let first = tasks_of(&w, c)
            .await
            .into_iter()
            .find(|t| t.task_type == TaskType::SalesFirst)
            .unwrap();
        let after = w
            .store
            .record_attempt(&w.agent, first.id, call(Outcome::NoAnswer))
            .await
            .unwrap();
        assert_eq!(after.task.state, TaskState::Open);
        assert_eq!(after.task.next_call_at, sh(2026, 2, 24, 8, 30));

        // Under the Geely preset the post-repair call is exactly day 3, moved to a working day.
        let staff = &w.staff;
        let geely = PolicySetting {
            preset: Some("geely".into()),
            overrides: serde_json::json!({}),
        };
        w.store.set_policy(staff, staff.org_id, geely).await.unwrap();
        let (c2, v2) = owner(&w, 4).await;
        let mut ro2 = repair_order(c2, v2);
        ro2.delivered_on = Some(ymd("2026-02-12"));
        w.store.create_repair_order(&w.agent, ro2).await.unwrap();
        let t2 = tasks_of(&w, c2).await;
        // 2/12 + 3 = 2/15 (holiday) → 2/24.
        assert_eq!(t2[0].due_date, ymd("2026-02-24"));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn an_insurance_policy_obliges_a_renewal_call_before_it_expires() {
    for t in test_databases().await.unwrap() {
        let w = world(t.db.clone()).await;
        w.clock.set(sh(2026, 11, 23, 9, 0));
        let (c, v) = owner(&w, 80).await;
        let policy = |start: &str, expiry: &str| crate::capabilities::archive::data::history::InsurancePolicy {
            id: 0,
            org_id: 0,
            customer_id: c,
            vehicle_id: v,
            insurer: "平安保险".into(),
            kind: "commercial".into(),
            policy_number: None,
            start_date: ymd(start),
            expiry_date: ymd(expiry),
            premium_fen: Some(450_000),
            source_record_id: None,
        };
        // Expires on Sunday 2027-01-03: 30 days before is Friday 2026-12-04.
        w.store
            .create_insurance_policy(&w.agent, policy("2026-01-04", "2027-01-03"))
            .await
            .unwrap();
        // A policy that expired long ago creates nothing.
        w.store
            .create_insurance_policy(&w.agent, policy("2024-01-04", "2025-01-03"))
            .await
            .unwrap();
        let tasks = tasks_of(&w, c).await;
        let kinds: Vec<_> = tasks.iter().map(|t| (t.task_type, t.due_date)).collect();
        assert_eq!(
            kinds,
            vec![(TaskType::InsuranceRenewal, ymd("2026-12-04"))],
            "{}",
            t.name
        );
        assert!(
            w.store.my_queue(&w.agent).await.unwrap().is_empty(),
            "workable from its due day"
        );
        t.cleanup().await;
    }
}
