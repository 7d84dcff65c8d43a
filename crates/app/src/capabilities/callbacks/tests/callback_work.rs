//! Working callbacks on both databases: every outcome's consequence, retries and their
//! limit, consent withdrawal, the 90% boundary of the statistics, churn win-back, policy
//! editing, and scope.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use crate::testing::store as common;

use crate::capabilities::archive::data::customers::ConsentInput;
use crate::capabilities::archive::data::types::ConsentPurpose;
use crate::capabilities::callbacks::data::stats::{By, Period, StatsQuery};
use crate::capabilities::callbacks::data::work::TaskFilter;
use crate::capabilities::callbacks::rules::{Answer, Outcome, TaskState, TaskType};
use crate::core::policy::PolicySetting;
use crate::test_db::test_databases;
use crate::StoreError;
use common::callbacks::{add_user, call, owner, repair_order, sale, satisfied, sh, tasks_of};
use common::{world, ymd};
use dcrc_domain::Role;

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
                crate::capabilities::callbacks::data::work::CloseTask {
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
            from: ymd("2026-11-23"),
            to: ymd("2026-11-25"),
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
                crate::capabilities::callbacks::data::work::CloseTask {
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
        assert_eq!(
            s.customers_called_back, 9,
            "reached only; the wrong number does not count"
        );
        assert_eq!(s.customers_filed, 11, "customers filed in the period");
        assert_eq!(s.callback_rate_bp, Some(9 * 10_000 / 11));
        let first = s.by_type.iter().find(|r| r.task_type == TaskType::SalesFirst).unwrap();
        assert_eq!(
            (first.due, first.done_on_time, first.checked, first.compliant),
            (10, 9, true, false)
        );
        assert!(!s.compliant);

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
        assert!(s.compliant);
        // Twenty more first-level calls on time, and one post-repair call missed: the pooled
        // rate is 30/32 = 93.75 %, but post-repair is checked on its own and fails.
        for n in 60..80 {
            let (c, v) = owner(&w, n).await;
            w.store.create_sale(&w.agent, sale(c, v, "2026-11-23")).await.unwrap();
            let id = tasks_of(&w, c).await[0].id;
            w.store.record_attempt(&w.agent, id, satisfied()).await.unwrap();
        }
        let (c, v) = owner(&w, 90).await;
        let mut ro = repair_order(c, v);
        ro.opened_on = ymd("2026-11-20");
        ro.delivered_on = Some(ymd("2026-11-20"));
        w.store.create_repair_order(&w.agent, ro).await.unwrap();
        w.clock.set(sh(2026, 11, 27, 9, 0));
        let s = w.store.callback_stats(&w.staff, &q(By::Total)).await.unwrap();
        let pooled = s.total.normative_rate_bp.unwrap();
        assert!(pooled > 9000 && s.total.compliant, "pooled {pooled}");
        let repair = s.by_type.iter().find(|r| r.task_type == TaskType::PostRepair).unwrap();
        assert_eq!(
            (repair.due, repair.done_on_time, repair.compliant),
            (1, 0, false),
            "{:?}",
            s.by_type
        );
        assert!(
            !s.compliant,
            "one checked type at or below 90 % makes the month non-compliant"
        );
        // When November is over, the daily check notifies the dealer and the brand and
        // proposes a penalty (the policy's amount: 0 unless the brand sets one), once.
        w.clock.set(sh(2026, 12, 1, 6, 0));
        assert_eq!(
            w.store
                .check_callback_compliance(&crate::testing::system())
                .await
                .unwrap(),
            1,
            "{}",
            t.name
        );
        assert_eq!(
            w.store
                .check_callback_compliance(&crate::testing::system())
                .await
                .unwrap(),
            0,
            "once per month"
        );
        let root = w.store.test_user("root").await.unwrap();
        let notices = w.store.complaint_notifications(&root).await.unwrap();
        let notice = notices.iter().find(|n| n.kind == "callback_noncompliance").unwrap();
        assert_eq!((notice.complaint_id, notice.month.as_deref()), (None, Some("2026-11")));
        let penalties = w.store.list_penalties(&root, None).await.unwrap();
        let p = penalties
            .iter()
            .find(|p| p.rule == "callback_noncompliance:2026-11")
            .unwrap();
        assert_eq!((p.amount_fen, p.state.as_str(), p.complaint_id), (0, "proposed", None));
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
        let mut ro2 = repair_order(c2, v2);
        ro2.opened_on = ymd("2025-11-20");
        w.store.create_repair_order(&w.agent, ro2).await.unwrap();
        let mut ro = repair_order(c, v);
        ro.opened_on = ymd("2025-11-20");
        w.store.create_repair_order(&w.agent, ro).await.unwrap();
        // Last visit 2025-11-20: lost since 2026-11-20, inside the 30-day window.
        assert_eq!(
            w.store
                .generate_daily_obligations(&crate::testing::system())
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            w.store
                .generate_daily_obligations(&crate::testing::system())
                .await
                .unwrap(),
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
        assert_eq!(p.policy["preset"], "great-wall");
        assert_eq!(p.policy["types"]["sales_first"]["window_days"], 7);
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
        let days = w.store.calendar_year(&crate::testing::system(), 2026).await.unwrap();
        assert!(days
            .iter()
            .any(|x| x.day == ymd("2026-02-14") && x.kind == dcrc_domain::calendar::DayKind::Workday));
        assert_eq!(days.iter().filter(|x| x.name == "春节").count(), 9);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn supervisors_move_open_tasks_to_another_agent_of_the_dealer() {
    for t in test_databases().await.unwrap() {
        let w = world(t.db.clone()).await;
        w.clock.set(sh(2026, 11, 23, 9, 0));
        let cm = add_user(&w, "cm2", w.agent.org_id, Role::CustomerManager).await;
        let second = add_user(&w, "agent2", w.agent.org_id, Role::CallbackAgent).await;
        let (c, v) = owner(&w, 70).await;
        w.store.create_sale(&w.agent, sale(c, v, "2026-11-23")).await.unwrap();
        let ids: Vec<i64> = tasks_of(&w, c).await.iter().map(|t| t.id).collect();
        let load = w.store.callback_load(&cm).await.unwrap();
        assert_eq!(load.iter().map(|l| l.open).sum::<i64>(), 2);
        let to = |assignee_id, task_ids: Vec<i64>| crate::capabilities::callbacks::data::supervise::Reassign {
            task_ids,
            assignee_id,
        };
        assert_eq!(
            w.store
                .reassign_callbacks(&cm, to(second.user_id, ids.clone()))
                .await
                .unwrap(),
            2
        );
        assert!(tasks_of(&w, c)
            .await
            .iter()
            .all(|t| t.assignee_id == Some(second.user_id)));
        assert_eq!(
            w.store.my_queue(&second).await.unwrap().len(),
            1,
            "the first-level call is due today"
        );
        // Not to someone who does not work callbacks, not a closed task, not by an agent.
        let inspector = add_user(&w, "inspector", w.agent.org_id, Role::ProcessInspector).await;
        let e = w
            .store
            .reassign_callbacks(&cm, to(inspector.user_id, ids.clone()))
            .await;
        assert!(matches!(e, Err(StoreError::Invalid(ref e)) if e.0[0].code == "cannot_work_callbacks"));
        w.store
            .record_attempt(&second, ids[0], call(Outcome::WrongNumber))
            .await
            .unwrap();
        let e = w.store.reassign_callbacks(&cm, to(w.agent.user_id, ids.clone())).await;
        assert!(matches!(e, Err(StoreError::Invalid(ref e)) if e.0[0].code == "not_reassignable"));
        assert!(matches!(
            w.store
                .reassign_callbacks(&second, to(w.agent.user_id, vec![ids[1]]))
                .await,
            Err(StoreError::Forbidden)
        ));
        t.cleanup().await;
    }
}
