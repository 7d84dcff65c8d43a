//! Callbacks on both databases, driven by the test clock: obligations from events exactly
//! once, the policy window, due times across the 2026 Spring Festival, the queue, every
//! outcome's consequence, retries and their limit, consent withdrawal, the 90% boundary,
//! churn win-back, policy editing, and scope.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::{customer, d, vin, world, World};
use dcrc_domain::callback::{Answer, Outcome, TaskState, TaskType};
use dcrc_domain::Role;
use dcrc_store::archive_types::ConsentPurpose;
use dcrc_store::callbacks::policy::PolicySetting;
use dcrc_store::callbacks::stats::{By, Period, StatsQuery};
use dcrc_store::callbacks::work::TaskFilter;
use dcrc_store::callbacks::{CallbackTask, NewAttempt};
use dcrc_store::customers::ConsentInput;
use dcrc_store::history::{RepairOrder, Sale};
use dcrc_store::testing::test_databases;
use dcrc_store::users::NewUser;
use dcrc_store::vehicles::NewVehicle;
use dcrc_store::{Principal, StoreError};
use std::collections::BTreeMap;

/// Shanghai wall-clock time as an instant.
fn sh(y: i32, m: u32, day: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, day, h, min, 0).unwrap() - Duration::hours(8)
}

async fn add_user(w: &World, name: &str, org_id: i64, role: Role) -> Principal {
    let root = w.store.operator_as("root").await.unwrap();
    let u = NewUser {
        username: name.into(),
        password: "password-1".into(),
        display_name: name.into(),
        org_id,
        roles: vec![role],
        locale: None,
    };
    w.store.create_user(&root, u).await.unwrap();
    w.store.operator_as(name).await.unwrap()
}

/// A customer with a vehicle at the agent's dealer; returns (customer id, vehicle id).
async fn owner(w: &World, n: u32) -> (i64, i64) {
    let c = w
        .store
        .create_customer(&w.agent, customer(&format!("客户{n}"), &format!("1390000{n:04}")))
        .await
        .unwrap();
    let v = w
        .store
        .create_vehicle(
            &w.agent,
            NewVehicle {
                vin: vin(&format!("C{n:07}")),
                owner_id: Some(c.id),
                ..NewVehicle::default()
            },
        )
        .await
        .unwrap();
    (c.id, v.id)
}

fn sale(customer_id: i64, vehicle_id: i64, delivered: &str) -> Sale {
    Sale {
        id: 0,
        org_id: 0,
        customer_id,
        vehicle_id,
        consultant_name: Some("李顾问".into()),
        contract_date: None,
        delivery_date: Some(d(delivered)),
        amount_fen: Some(12_000_000),
        source_record_id: None,
    }
}

async fn tasks_of(w: &World, customer_id: i64) -> Vec<CallbackTask> {
    let f = TaskFilter {
        customer_id: Some(customer_id),
        ..TaskFilter::default()
    };
    w.store.list_callbacks(&w.agent, &f).await.unwrap().items
}

fn call(outcome: Outcome) -> NewAttempt {
    NewAttempt {
        outcome,
        answers: BTreeMap::new(),
        note: None,
        phone_id: None,
        call_back_at: None,
    }
}

fn satisfied() -> NewAttempt {
    let mut a = call(Outcome::ReachedSatisfied);
    a.answers.insert("overall".into(), Answer::Score(9));
    a.answers.insert("consultant".into(), Answer::Score(10));
    a
}

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
                (TaskType::SalesFirst, d("2026-11-24")),
                (TaskType::SalesSecond, d("2026-11-30"))
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
    use dcrc_store::import::{ImportKind, ImportOptions};
    for t in test_databases().await.unwrap() {
        let w = world(t.db.clone()).await;
        let root = w.store.operator_as("root").await.unwrap();
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
        let ro = RepairOrder {
            id: 0,
            org_id: 0,
            customer_id: c,
            vehicle_id: v,
            ro_number: Some("RO-1".into()),
            opened_on: d("2026-02-12"),
            delivered_on: Some(d("2026-02-13")),
            kind: "maintenance".into(),
            mileage_km: Some(5000),
            labour_fen: None,
            parts_fen: None,
            total_fen: None,
            advisor_name: None,
            fault_description: None,
            fault_code: None,
            source_record_id: None,
        };
        w.store.create_repair_order(&w.agent, ro).await.unwrap();
        let due: BTreeMap<_, _> = tasks_of(&w, c)
            .await
            .into_iter()
            .map(|t| (t.task_type, t.due_date))
            .collect();
        // First-level: the next working day is the make-up Saturday 2/14.
        assert_eq!(due[&TaskType::SalesFirst], d("2026-02-14"));
        // Second-level: day 7 is 2/20, inside the break: Tuesday 2/24.
        assert_eq!(due[&TaskType::SalesSecond], d("2026-02-24"));
        // Post-repair within 3 working days: 2/14, 2/24, 2/25.
        assert_eq!(due[&TaskType::PostRepair], d("2026-02-25"));

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
        let mut ro2 = tasks_ro(c2, v2);
        ro2.delivered_on = Some(d("2026-02-12"));
        w.store.create_repair_order(&w.agent, ro2).await.unwrap();
        let t2 = tasks_of(&w, c2).await;
        // 2/12 + 3 = 2/15 (holiday) → 2/24.
        assert_eq!(t2[0].due_date, d("2026-02-24"));
        t.cleanup().await;
    }
}

fn tasks_ro(customer_id: i64, vehicle_id: i64) -> RepairOrder {
    RepairOrder {
        id: 0,
        org_id: 0,
        customer_id,
        vehicle_id,
        ro_number: None,
        opened_on: d("2026-02-10"),
        delivered_on: None,
        kind: "repair".into(),
        mileage_km: None,
        labour_fen: None,
        parts_fen: None,
        total_fen: None,
        advisor_name: None,
        fault_description: None,
        fault_code: None,
        source_record_id: None,
    }
}

#[tokio::test]
async fn each_outcome_has_its_consequence() {
    for t in test_databases().await.unwrap() {
        let w = world(t.db.clone()).await;
        let info = add_user(&w, "info", w.agent.org_id, Role::InfoMaintainer).await;
        let cm = add_user(&w, "complaints", w.agent.org_id, Role::ComplaintManager).await;
        w.clock.set(sh(2026, 11, 23, 9, 0));
        let mut first = Vec::new();
        for n in 10..16 {
            let (c, v) = owner(&w, n).await;
            w.store.create_sale(&w.agent, sale(c, v, "2026-11-23")).await.unwrap();
            first.push(tasks_of(&w, c).await[0].clone());
        }

        // No answer three times: retried each next working day, then unreachable.
        let id = first[0].id;
        let r = w
            .store
            .record_attempt(&w.agent, id, call(Outcome::NoAnswer))
            .await
            .unwrap();
        assert_eq!(r.task.next_call_at, sh(2026, 11, 24, 8, 30));
        w.clock.set(sh(2026, 11, 24, 9, 0));
        w.store.record_attempt(&w.agent, id, call(Outcome::Busy)).await.unwrap();
        w.clock.set(sh(2026, 11, 25, 9, 0));
        let r = w
            .store
            .record_attempt(&w.agent, id, call(Outcome::PoweredOff))
            .await
            .unwrap();
        assert_eq!(r.task.state, TaskState::Unreachable);
        assert_eq!(r.attempts.len(), 3);
        let phone = w
            .store
            .get_customer(&w.agent, first[0].customer_id)
            .await
            .unwrap()
            .phones[0]
            .status;
        assert_eq!(phone.as_str(), "powered_off");
        let again = w.store.record_attempt(&w.agent, id, call(Outcome::NoAnswer)).await;
        assert!(matches!(
            again,
            Err(StoreError::Conflict {
                code: "task_closed",
                ..
            })
        ));

        // Wrong number: the phone is marked and the information maintainer gets a task.
        let r = w
            .store
            .record_attempt(&w.agent, first[1].id, call(Outcome::WrongNumber))
            .await
            .unwrap();
        assert_eq!(r.task.state, TaskState::Done);
        let follow = tasks_of(&w, first[1].customer_id).await;
        let upd = follow.iter().find(|t| t.task_type == TaskType::InfoUpdate).unwrap();
        assert_eq!(upd.assignee_id, Some(info.user_id));
        assert_eq!(upd.parent_task_id, Some(first[1].id));
        let phone = w
            .store
            .get_customer(&w.agent, first[1].customer_id)
            .await
            .unwrap()
            .phones[0]
            .status;
        assert_eq!(phone.as_str(), "wrong_number");
        // A follow-up is closed, not called.
        let called = w
            .store
            .record_attempt(&info, upd.id, call(Outcome::ReachedSatisfied))
            .await;
        assert!(matches!(called, Err(StoreError::Invalid(_))));
        let closed = w
            .store
            .close_callback(
                &info,
                upd.id,
                dcrc_store::callbacks::work::CloseTask {
                    state: TaskState::Done,
                    note: Some("已从DMS更新号码".into()),
                },
            )
            .await
            .unwrap();
        assert_eq!(closed.task.state, TaskState::Done);

        // Empty number and not the owner.
        w.store
            .record_attempt(&w.agent, first[2].id, call(Outcome::EmptyNumber))
            .await
            .unwrap();
        assert!(tasks_of(&w, first[2].customer_id)
            .await
            .iter()
            .any(|t| t.task_type == TaskType::InfoUpdate));
        w.store
            .record_attempt(&w.agent, first[3].id, call(Outcome::NotOwner))
            .await
            .unwrap();
        assert!(tasks_of(&w, first[3].customer_id)
            .await
            .iter()
            .any(|t| t.task_type == TaskType::OwnershipCheck));

        // Dissatisfied: a follow-up for the complaint manager.
        let mut unhappy = call(Outcome::ReachedDissatisfied);
        unhappy.answers.insert("overall".into(), Answer::Score(3));
        unhappy.answers.insert("consultant".into(), Answer::Score(2));
        unhappy.note = Some("交车时没有讲解".into());
        w.store.record_attempt(&w.agent, first[4].id, unhappy).await.unwrap();
        let d4 = tasks_of(&w, first[4].customer_id).await;
        let diss = d4.iter().find(|t| t.task_type == TaskType::Dissatisfaction).unwrap();
        assert_eq!(diss.assignee_id, Some(cm.user_id));

        // Call back later needs a future time; answers are checked against the questions.
        let later = w
            .store
            .record_attempt(&w.agent, first[5].id, call(Outcome::CallBackLater))
            .await;
        assert!(matches!(later, Err(StoreError::Invalid(ref e)) if e.0[0].field == "call_back_at"));
        let mut bad = satisfied();
        bad.answers.insert("overall".into(), Answer::Score(11));
        let e = w.store.record_attempt(&w.agent, first[5].id, bad).await;
        assert!(matches!(e, Err(StoreError::Invalid(ref e)) if e.0[0].field == "answers.overall"));
        let mut later = call(Outcome::CallBackLater);
        later.call_back_at = Some(sh(2026, 11, 25, 15, 0));
        let r = w.store.record_attempt(&w.agent, first[5].id, later).await.unwrap();
        assert_eq!(
            (r.task.state, r.task.next_call_at),
            (TaskState::Open, sh(2026, 11, 25, 15, 0))
        );
        let r = w
            .store
            .record_attempt(&w.agent, first[5].id, satisfied())
            .await
            .unwrap();
        assert_eq!(r.task.state, TaskState::Done);
        assert_eq!(r.attempts[1].answers["overall"], Answer::Score(9));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn withdrawing_consent_or_erasing_cancels_open_work_and_stops_new_work() {
    for t in test_databases().await.unwrap() {
        let w = world(t.db.clone()).await;
        w.clock.set(sh(2026, 11, 23, 9, 0));
        let (c, v) = owner(&w, 20).await;
        w.store.create_sale(&w.agent, sale(c, v, "2026-11-23")).await.unwrap();
        let withdraw = ConsentInput {
            purpose: ConsentPurpose::ServiceContact,
            granted: false,
            source: Some("phone".into()),
        };
        w.store.record_consents(&w.agent, c, &[withdraw]).await.unwrap();
        let tasks = tasks_of(&w, c).await;
        assert_eq!(tasks.len(), 2);
        assert!(tasks
            .iter()
            .all(|t| t.state == TaskState::Cancelled && t.close_reason.as_deref() == Some("consent_withdrawn")));
        assert!(w.store.my_queue(&w.agent).await.unwrap().is_empty());
        // New events for that purpose create nothing.
        let (_, v2) = owner(&w, 21).await;
        w.store.create_sale(&w.agent, sale(c, v2, "2026-11-23")).await.unwrap();
        assert_eq!(tasks_of(&w, c).await.len(), 2);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn the_normative_rate_must_be_above_ninety_percent() {
    for t in test_databases().await.unwrap() {
        let w = world(t.db.clone()).await;
        w.clock.set(sh(2026, 11, 23, 9, 0));
        let mut ids = Vec::new();
        for n in 30..41 {
            let (c, v) = owner(&w, n).await;
            w.store.create_sale(&w.agent, sale(c, v, "2026-11-23")).await.unwrap();
            ids.push(tasks_of(&w, c).await[0].id);
        }
        // Nine of the first ten on time (due 11-24 17:30), one late.
        for id in &ids[..9] {
            w.store.record_attempt(&w.agent, *id, satisfied()).await.unwrap();
        }
        w.clock.set(sh(2026, 11, 25, 9, 0));
        w.store
            .record_attempt(&w.agent, ids[9], call(Outcome::WrongNumber))
            .await
            .unwrap();
        let q = |by| StatsQuery {
            from: d("2026-11-23"),
            to: d("2026-11-25"),
            period: Period::Day,
            by,
            org_id: None,
        };
        // The eleventh is overdue: 9/11 due. Cancel it to get exactly 9/10.
        let cm = add_user(&w, "cm1", w.agent.org_id, Role::CustomerManager).await;
        w.store
            .close_callback(
                &cm,
                ids[10],
                dcrc_store::callbacks::work::CloseTask {
                    state: TaskState::Cancelled,
                    note: None,
                },
            )
            .await
            .unwrap();
        let s = w.store.callback_stats(&w.agent, &q(By::Total)).await.unwrap();
        assert_eq!((s.total.due, s.total.done_on_time, s.total.done_late), (10, 9, 1));
        assert_eq!(s.total.normative_rate_bp, Some(9000));
        assert!(!s.total.compliant, "exactly 90% fails");
        assert_eq!(s.invalid_contacts.len(), 1);
        assert_eq!(s.invalid_contacts[0].wrong_number, 1);
        assert_eq!(s.customers_called_back, 9);

        // One more on time makes 10/11 = 90.9%: compliant.
        w.clock.set(sh(2026, 11, 23, 10, 0));
        let (c, v) = owner(&w, 50).await;
        w.store.create_sale(&w.agent, sale(c, v, "2026-11-23")).await.unwrap();
        let id = tasks_of(&w, c).await[0].id;
        w.store.record_attempt(&w.agent, id, satisfied()).await.unwrap();
        let s = w.store.callback_stats(&w.staff, &q(By::Agent)).await.unwrap();
        assert_eq!(s.total.normative_rate_bp, Some(9090));
        assert!(s.total.compliant);
        assert_eq!(s.rows[0].key_name.as_deref(), Some("agent"));
        // The other dealer sees none of it.
        let theirs = w.store.callback_stats(&w.other, &q(By::Total)).await.unwrap();
        assert_eq!((theirs.total.due, theirs.customers_called_back), (0, 0));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn churned_customers_get_one_winback_and_other_dealers_see_nothing() {
    for t in test_databases().await.unwrap() {
        let w = world(t.db.clone()).await;
        w.clock.set(sh(2026, 11, 23, 9, 0));
        let (c, v) = owner(&w, 60).await;
        // Win-back offers are marketing: only customers who agreed to it are called.
        let agree = ConsentInput {
            purpose: ConsentPurpose::Marketing,
            granted: true,
            source: Some("paper form".into()),
        };
        w.store.record_consents(&w.agent, c, &[agree]).await.unwrap();
        let (c2, v2) = owner(&w, 61).await;
        let mut ro2 = tasks_ro(c2, v2);
        ro2.opened_on = d("2025-11-20");
        w.store.create_repair_order(&w.agent, ro2).await.unwrap();
        let mut ro = tasks_ro(c, v);
        ro.opened_on = d("2025-11-20");
        w.store.create_repair_order(&w.agent, ro).await.unwrap();
        // Last visit 2025-11-20: lost since 2026-11-20, inside the 30-day window.
        assert_eq!(w.store.generate_daily_obligations().await.unwrap(), 1);
        assert_eq!(
            w.store.generate_daily_obligations().await.unwrap(),
            0,
            "a second run adds nothing"
        );
        let tasks = tasks_of(&w, c).await;
        assert_eq!(tasks.len(), 1);
        assert_eq!(tasks[0].task_type, TaskType::ChurnWinback);
        assert_eq!(tasks[0].purpose, "marketing");

        // Outside the dealer the task does not exist.
        let id = tasks[0].id;
        assert!(matches!(
            w.store.get_callback(&w.other, id).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            w.store.record_attempt(&w.other, id, call(Outcome::NoAnswer)).await,
            Err(StoreError::NotFound)
        ));
        assert!(w
            .store
            .list_callbacks(&w.other, &TaskFilter::default())
            .await
            .unwrap()
            .items
            .is_empty());
        t.cleanup().await;
    }
}

#[tokio::test]
async fn the_brand_sets_policy_and_dealers_edit_only_where_allowed() {
    for t in test_databases().await.unwrap() {
        let w = world(t.db.clone()).await;
        let gm = add_user(&w, "gm1", w.agent.org_id, Role::GeneralManager).await;
        let dealer = w.agent.org_id;
        let seven = PolicySetting {
            preset: None,
            overrides: serde_json::json!({"types": {"sales_first": {"window_days": 7}}}),
        };
        let locked = w.store.set_policy(&gm, dealer, seven.clone()).await;
        assert!(matches!(
            locked,
            Err(StoreError::Conflict {
                code: "policy_locked_by_brand",
                ..
            })
        ));
        let allow = PolicySetting {
            preset: Some("great-wall".into()),
            overrides: serde_json::json!({"dealers_may_edit": true}),
        };
        w.store.set_policy(&w.staff, w.staff.org_id, allow).await.unwrap();
        let p = w.store.set_policy(&gm, dealer, seven).await.unwrap();
        assert_eq!(p.policy.preset, "great-wall");
        assert_eq!(p.policy.types[&TaskType::SalesFirst].window_days, 7);
        let bad = PolicySetting {
            preset: None,
            overrides: serde_json::json!({"types": {"sales_first": {"max_attempts": 0}}}),
        };
        let e = w.store.set_policy(&gm, dealer, bad).await;
        assert!(matches!(e, Err(StoreError::Invalid(ref e)) if e.0[0].field == "types.sales_first.max_attempts"));
        // The other dealer cannot even see this dealer's policy.
        assert!(matches!(
            w.store.effective_policy(&w.other, dealer).await,
            Err(StoreError::NotFound)
        ));
        // The calendar ships 2026 with the Spring Festival and its make-up days.
        let days = w.store.calendar_year(2026).await.unwrap();
        assert!(days
            .iter()
            .any(|x| x.day == d("2026-02-14") && x.kind == dcrc_domain::calendar::DayKind::Workday));
        assert_eq!(days.iter().filter(|x| x.name == "春节").count(), 9);
        t.cleanup().await;
    }
}
