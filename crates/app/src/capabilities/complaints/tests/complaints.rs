//! Complaints on both databases, driven by the test clock: deadlines per tier and preset,
//! natural and working days across the Spring Festival, pauses, warning and breach (kept
//! after closing), escalation up two levels, the workflow's legal transitions, closure by
//! a satisfied callback and reopening by a dissatisfied one, penalties, and scope.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use crate::testing::store as common;

use crate::capabilities::callbacks::data::work::TaskFilter;
use crate::capabilities::callbacks::rules::{Outcome, TaskType};
use crate::capabilities::complaints::data::flow::{PauseInput, TransitionInput};
use crate::capabilities::complaints::data::stats::ComplaintStatsQuery;
use crate::capabilities::complaints::data::HandlingForm;
use crate::capabilities::complaints::rules::{ClockStatus, State, Tier};
use crate::test_db::test_databases;
use crate::StoreError;
use common::callbacks::{call, satisfied, sh};
use common::complaints::{complaint, desk, to};
use common::world;

fn measures() -> HandlingForm {
    HandlingForm {
        responsible: Some("售后经理".into()),
        root_cause: Some("底盘护板螺丝松动".into()),
        measures: Some("免费返修并赠送一次保养".into()),
        customer_agreement: Some("客户同意".into()),
    }
}

#[tokio::test]
async fn deadlines_follow_tier_and_preset_in_natural_or_working_days() {
    for t in test_databases().await.unwrap() {
        let w = world(t.db.clone()).await;
        // Changan: natural days. Monday 2026-03-02 10:00.
        w.clock.set(sh(2026, 3, 2, 10, 0));
        let ca = desk(&w, "长安店", "changan").await;
        let g = w
            .store
            .file_complaint(&ca.manager, complaint(&ca, Tier::General, "repair_quality"))
            .await
            .unwrap();
        assert_eq!(g.first_response.deadline, Some(sh(2026, 3, 3, 10, 0)), "{}", t.name);
        assert_eq!(g.resolution.deadline, Some(sh(2026, 3, 5, 10, 0)));
        let m = w
            .store
            .file_complaint(&ca.manager, complaint(&ca, Tier::Major, "repair_quality"))
            .await
            .unwrap();
        assert_eq!(m.resolution.deadline, Some(sh(2026, 3, 7, 10, 0)));
        assert_eq!(
            m.assignee_id,
            Some(ca.gm.user_id),
            "major complaints go to the general manager"
        );
        assert_eq!(g.assignee_id, Some(ca.manager.user_id));

        // Generic: working days (9 working hours each) across the 2026 Spring Festival.
        w.clock.set(sh(2026, 2, 13, 10, 0));
        let ge = desk(&w, "通用店", "generic").await;
        let c = w
            .store
            .file_complaint(&ge.manager, complaint(&ge, Tier::General, "waiting_time"))
            .await
            .unwrap();
        // 7.5 h on Friday 2/13, 1.5 h on the make-up Saturday 2/14.
        assert_eq!(c.first_response.deadline, Some(sh(2026, 2, 14, 10, 0)));
        // + 9 h on 2/14, the break 2/15–2/23, 9 h on 2/24, 1.5 h on 2/25.
        assert_eq!(c.resolution.deadline, Some(sh(2026, 2, 25, 10, 0)));
        // During the break nothing is used: 16.5 of 27 working hours.
        w.clock.set(sh(2026, 2, 20, 10, 0));
        let mid = w.store.get_complaint(&ge.manager, c.id).await.unwrap().complaint;
        assert_eq!(mid.resolution.remaining_seconds, 27 * 3600 - 16 * 3600 - 1800);
        assert_eq!(mid.resolution.status, ClockStatus::Running);
        w.clock.set(sh(2026, 2, 24, 13, 0));
        let c = w.store.get_complaint(&ge.manager, c.id).await.unwrap().complaint;
        assert_eq!(c.resolution.status, ClockStatus::Warning, "21 of 27 working hours used");
        assert_eq!(c.first_response.status, ClockStatus::Breached);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn pauses_move_the_deadline_only_for_policy_reasons() {
    for t in test_databases().await.unwrap() {
        let w = world(t.db.clone()).await;
        w.clock.set(sh(2026, 3, 2, 10, 0));
        let d = desk(&w, "长安店", "changan").await;
        let c = w
            .store
            .file_complaint(&d.manager, complaint(&d, Tier::General, "parts_supply"))
            .await
            .unwrap();
        let m = &d.manager;
        w.store
            .transition_complaint(m, c.id, to(State::Acknowledged))
            .await
            .unwrap();
        w.clock.set(sh(2026, 3, 2, 12, 0));
        let bad = PauseInput {
            reason: "lunch".into(),
            note: None,
        };
        let e = w.store.pause_complaint(m, c.id, bad).await;
        assert!(
            matches!(e, Err(StoreError::Invalid(ref e)) if e.0[0].field == "reason" && e.0[0].code == "unknown_value")
        );
        let parts = PauseInput {
            reason: "waiting_for_parts".into(),
            note: Some("配件预计周三到".into()),
        };
        let paused = w.store.pause_complaint(m, c.id, parts.clone()).await.unwrap().complaint;
        assert_eq!(paused.resolution.status, ClockStatus::Paused, "{}", t.name);
        assert_eq!(paused.resolution.deadline, None);
        assert!(matches!(
            w.store.pause_complaint(m, c.id, parts).await,
            Err(StoreError::Conflict {
                code: "already_paused",
                ..
            })
        ));
        // Two days and five hours later the parts arrive.
        w.clock.set(sh(2026, 3, 4, 17, 0));
        let resumed = w.store.resume_complaint(m, c.id).await.unwrap();
        assert_eq!(resumed.complaint.resolution.deadline, Some(sh(2026, 3, 7, 15, 0)));
        assert_eq!(resumed.pauses.len(), 1);
        assert_eq!(resumed.pauses[0].until, Some(sh(2026, 3, 4, 17, 0)));
        assert!(matches!(
            w.store.resume_complaint(m, c.id).await,
            Err(StoreError::Conflict { code: "not_paused", .. })
        ));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_breach_is_warned_recorded_at_the_deadline_escalated_twice_and_kept_after_closing() {
    for t in test_databases().await.unwrap() {
        let w = world(t.db.clone()).await;
        w.clock.set(sh(2026, 3, 2, 10, 0));
        let d = desk(&w, "长安店", "changan").await;
        let c = w
            .store
            .file_complaint(&d.manager, complaint(&d, Tier::General, "repair_quality"))
            .await
            .unwrap();
        // 75 % of the first day: 3/3 04:00.
        w.clock.set(sh(2026, 3, 3, 3, 59));
        assert_eq!(
            w.store
                .sweep_complaints(&crate::testing::system())
                .await
                .unwrap()
                .warnings,
            0,
            "{}",
            t.name
        );
        w.clock.set(sh(2026, 3, 3, 4, 0));
        assert_eq!(
            w.store
                .sweep_complaints(&crate::testing::system())
                .await
                .unwrap()
                .warnings,
            1
        );
        // Nobody answered: breached at 3/3 10:00, escalated to the region.
        w.clock.set(sh(2026, 3, 3, 10, 30));
        let r = w.store.sweep_complaints(&crate::testing::system()).await.unwrap();
        assert_eq!((r.breaches, r.escalations), (1, 1));
        let now = w.store.get_complaint(&d.manager, c.id).await.unwrap().complaint;
        assert_eq!(now.first_response.overdue_seconds, Some(1800), "half an hour late");
        assert_eq!(now.resolution.overdue_seconds, None);
        assert_eq!(
            w.store.sweep_complaints(&crate::testing::system()).await.unwrap(),
            Default::default(),
            "each mark once"
        );
        let region = w.store.complaint_notifications(&d.region_staff).await.unwrap();
        assert_eq!(region.len(), 1);
        assert_eq!(
            (region[0].kind.as_str(), region[0].complaint_id),
            ("escalation", Some(c.id))
        );
        assert!(w
            .store
            .complaint_notifications(&d.brand_staff)
            .await
            .unwrap()
            .is_empty());
        // A day later still open: one level further, the brand.
        w.clock.set(sh(2026, 3, 4, 10, 0));
        assert_eq!(
            w.store
                .sweep_complaints(&crate::testing::system())
                .await
                .unwrap()
                .escalations,
            1
        );
        let brand = w.store.complaint_notifications(&d.brand_staff).await.unwrap();
        assert!(brand.iter().any(|n| n.complaint_id == Some(c.id) && n.level == 2));
        w.clock.set(sh(2026, 3, 9, 10, 0));
        assert_eq!(
            w.store
                .sweep_complaints(&crate::testing::system())
                .await
                .unwrap()
                .escalations,
            0,
            "no level above the brand"
        );

        // Answering late stops the clock late; the breach stays.
        let m = &d.manager;
        let late = w
            .store
            .transition_complaint(m, c.id, to(State::Acknowledged))
            .await
            .unwrap()
            .complaint;
        assert_eq!(late.first_response.status, ClockStatus::MetLate);
        assert_eq!(late.first_response.breached_at, Some(sh(2026, 3, 3, 10, 0)));
        assert_eq!(late.escalation_level, 2);

        // Closed at last by a satisfied closure call: both breaches stay on record.
        w.store.save_complaint_form(m, c.id, measures(), false).await.unwrap();
        w.store
            .transition_complaint(m, c.id, to(State::Resolved))
            .await
            .unwrap();
        let f = TaskFilter {
            customer_id: Some(d.customer_id),
            task_type: Some(TaskType::ComplaintClosure),
            ..TaskFilter::default()
        };
        let task = w.store.list_callbacks(&d.agent, &f).await.unwrap().items[0].id;
        let mut happy = satisfied();
        happy.answers.remove("consultant");
        happy.answers.insert(
            "resolved".into(),
            crate::capabilities::callbacks::rules::Answer::YesNo(true),
        );
        w.store.record_attempt(&d.agent, task, happy).await.unwrap();
        let closed = w.store.get_complaint(m, c.id).await.unwrap().complaint;
        assert_eq!(closed.state, State::Closed);
        assert_eq!(closed.resolution.status, ClockStatus::MetLate);
        assert_eq!(closed.resolution.breached_at, Some(sh(2026, 3, 5, 10, 0)));
        assert_eq!(closed.first_response.breached_at, Some(sh(2026, 3, 3, 10, 0)));
        w.clock.set(sh(2026, 3, 20, 10, 0));
        assert_eq!(
            w.store.sweep_complaints(&crate::testing::system()).await.unwrap(),
            Default::default(),
            "closed: no more escalation"
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn closure_needs_a_satisfied_callback_and_a_dissatisfied_one_reopens() {
    for t in test_databases().await.unwrap() {
        let w = world(t.db.clone()).await;
        w.clock.set(sh(2026, 3, 2, 10, 0));
        let d = desk(&w, "长安店", "changan").await;
        let m = &d.manager;
        let c = w
            .store
            .file_complaint(m, complaint(&d, Tier::General, "repair_quality"))
            .await
            .unwrap();
        // Illegal moves are refused with the allowed ones named.
        let e = w.store.transition_complaint(m, c.id, to(State::Resolved)).await;
        assert!(
            matches!(e, Err(StoreError::Invalid(ref e)) if e.0[0].field == "to" && e.0[0].code == "illegal_transition"),
            "{}",
            t.name
        );
        w.store
            .transition_complaint(m, c.id, to(State::Acknowledged))
            .await
            .unwrap();
        w.store
            .transition_complaint(m, c.id, to(State::InProgress))
            .await
            .unwrap();
        let e = w.store.transition_complaint(m, c.id, to(State::Resolved)).await;
        assert!(matches!(e, Err(StoreError::Invalid(ref e)) if e.0[0].field == "form.measures"));
        w.store.save_complaint_form(m, c.id, measures(), true).await.unwrap();
        let r = w
            .store
            .transition_complaint(m, c.id, to(State::Resolved))
            .await
            .unwrap();
        assert_eq!(r.complaint.state, State::ClosureCallback, "resolving asks the customer");
        let e = w
            .store
            .transition_complaint(
                m,
                c.id,
                TransitionInput {
                    to: State::Closed,
                    note: Some("x".into()),
                },
            )
            .await;
        assert!(matches!(
            e,
            Err(StoreError::Conflict {
                code: "closure_call_pending",
                ..
            })
        ));

        let closure = |w: &common::World| {
            let f = TaskFilter {
                customer_id: Some(d.customer_id),
                task_type: Some(TaskType::ComplaintClosure),
                state: Some(crate::capabilities::callbacks::rules::TaskState::Open),
                ..TaskFilter::default()
            };
            let store = w.store.clone();
            let agent = d.agent.clone();
            async move { store.list_callbacks(&agent, &f).await.unwrap().items }
        };
        let task = closure(&w).await;
        assert_eq!(task.len(), 1);
        assert_eq!(task[0].assignee_id, Some(d.agent.user_id));
        let mut unhappy = call(Outcome::ReachedDissatisfied);
        unhappy.answers.insert(
            "resolved".into(),
            crate::capabilities::callbacks::rules::Answer::YesNo(false),
        );
        unhappy.answers.insert(
            "overall".into(),
            crate::capabilities::callbacks::rules::Answer::Score(3),
        );
        w.store.record_attempt(&d.agent, task[0].id, unhappy).await.unwrap();
        let reopened = w.store.get_complaint(m, c.id).await.unwrap();
        assert_eq!(reopened.complaint.state, State::InProgress);
        assert_eq!(reopened.complaint.reopen_count, 1);
        assert!(reopened.events.iter().any(|e| e.kind == "reopened"));
        assert!(
            dissatisfaction_tasks(&w, &d).await == 0,
            "the reopen is the follow-up; no separate dissatisfaction task"
        );

        // Resolved again: a second closure call; this time the customer is satisfied.
        w.clock.set(sh(2026, 3, 3, 15, 0));
        w.store
            .transition_complaint(m, c.id, to(State::Resolved))
            .await
            .unwrap();
        let task = closure(&w).await;
        assert_eq!(task.len(), 1);
        let mut happy = satisfied();
        happy.answers.remove("consultant");
        happy.answers.insert(
            "resolved".into(),
            crate::capabilities::callbacks::rules::Answer::YesNo(true),
        );
        w.store.record_attempt(&d.agent, task[0].id, happy).await.unwrap();
        let closed = w.store.get_complaint(m, c.id).await.unwrap().complaint;
        assert_eq!(closed.state, State::Closed);
        assert_eq!(closed.resolution.status, ClockStatus::Met);
        assert!(w
            .store
            .transition_complaint(m, c.id, to(State::InProgress))
            .await
            .is_err());

        // The statistics count it: answered and closed on time, reopened once.
        let q = ComplaintStatsQuery {
            from: common::ymd("2026-03-01"),
            to: common::ymd("2026-03-31"),
            org_id: None,
        };
        let s = w.store.complaint_stats(&d.gm, &q).await.unwrap();
        assert_eq!((s.filed, s.closed, s.closed_on_time, s.reopened), (1, 1, 1, 1));
        assert_eq!((s.first_response_on_time_bp, s.reopen_bp), (Some(10_000), Some(10_000)));
        assert_eq!(s.mean_seconds_to_close, Some(29 * 3600), "3/2 10:00 → 3/3 15:00");
        assert_eq!(s.by_category[0].key, "repair_quality");
        assert_eq!(s.by_staff[0].key, "王顾问");
        assert!(s.open_by_age.iter().all(|b| b.count == 0));
        assert!(matches!(
            w.store.complaint_stats(&d.agent, &q).await,
            Err(StoreError::Forbidden)
        ));
        t.cleanup().await;
    }
}

async fn dissatisfaction_tasks(w: &common::World, d: &common::complaints::Desk) -> usize {
    let f = TaskFilter {
        customer_id: Some(d.customer_id),
        task_type: Some(TaskType::Dissatisfaction),
        ..TaskFilter::default()
    };
    w.store.list_callbacks(&d.manager, &f).await.unwrap().items.len()
}
