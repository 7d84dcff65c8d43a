//! Who gets a task (the customer's own consultant where policy says so) and the daily care
//! calls on customers' birthdays, on both databases.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use crate::testing::store as common;

use crate::capabilities::accounts::data::users::NewUser;
use crate::capabilities::archive::data::customers::ConsentInput;
use crate::capabilities::archive::data::types::ConsentPurpose;
use crate::capabilities::callbacks::rules::TaskType;
use crate::core::policy::PolicySetting;
use crate::test_db::test_databases;
use common::callbacks::{owner, sale, sh, tasks_of};
use common::{customer, world, ymd};
use dcrc_domain::Role;

/// An 18-digit ID number born on `born` (YYYYMMDD) with its check character.
fn id_number(born: &str) -> String {
    let first17 = format!("440106{born}123");
    let check = dcrc_domain::idnum::check_char(first17.as_bytes()).unwrap();
    format!("{first17}{}", check as char)
}

#[tokio::test]
async fn policy_can_give_the_sales_call_to_the_consultant_named_on_the_sale() {
    for t in test_databases().await.unwrap() {
        let w = world(t.db.clone()).await;
        w.clock.set(sh(2026, 11, 23, 9, 0));
        let root = w.store.test_user("root").await.unwrap();
        let consultant = w
            .store
            .create_user(
                &root,
                NewUser {
                    username: "li.consultant".into(),
                    password: "test-secret-1".into(),
                    display_name: "李顾问".into(),
                    org_id: w.agent.org_id,
                    roles: vec![Role::SalesConsultant],
                    locale: None,
                },
            )
            .await
            .unwrap();
        let owner_first = PolicySetting {
            preset: None,
            overrides: serde_json::json!({"types": {"sales_first": {"assign": "owner"}}}),
        };
        w.store.set_policy(&w.staff, w.agent.org_id, owner_first).await.unwrap();

        // The sale names 李顾问: the first-level call is theirs, the second the team's.
        let (c, v) = owner(&w, 90).await;
        w.store.create_sale(&w.agent, sale(c, v, "2026-11-23")).await.unwrap();
        let tasks = tasks_of(&w, c).await;
        let who = |ty: TaskType| tasks.iter().find(|x| x.task_type == ty).unwrap().assignee_id;
        assert_eq!(who(TaskType::SalesFirst), Some(consultant.id), "{}", t.name);
        assert_eq!(who(TaskType::SalesSecond), Some(w.agent.user_id));

        // A consultant who is not a user of the dealer: the team's round-robin.
        let (c2, v2) = owner(&w, 91).await;
        let mut s2 = sale(c2, v2, "2026-11-23");
        s2.consultant_name = Some("王顾问".into());
        w.store.create_sale(&w.agent, s2).await.unwrap();
        let first = tasks_of(&w, c2).await;
        assert!(first.iter().all(|x| x.assignee_id == Some(w.agent.user_id)));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn customers_who_agreed_to_marketing_get_a_care_call_on_their_birthday() {
    for t in test_databases().await.unwrap() {
        let w = world(t.db.clone()).await;
        w.clock.set(sh(2026, 11, 23, 7, 0));
        let agree = ConsentInput {
            purpose: ConsentPurpose::Marketing,
            granted: true,
            source: Some("paper form".into()),
        };
        let mut ids = Vec::new();
        for (n, born, consents) in [
            (1, "19850301", true),  // far away
            (2, "19851123", true),  // today
            (3, "19901125", true),  // in two days
            (4, "19801123", false), // today, but no marketing consent
            (5, "19801110", true),  // 13 days ago: outside the 7-day window
        ] {
            let mut c = customer(&format!("寿星{n}"), &format!("1380013{n:04}"));
            c.id_number = Some(id_number(born));
            let c = w.store.create_customer(&w.agent, c).await.unwrap();
            if consents {
                w.store
                    .record_consents(&w.agent, c.id, std::slice::from_ref(&agree))
                    .await
                    .unwrap();
            }
            ids.push(c.id);
        }
        assert_eq!(
            w.store
                .generate_daily_obligations(&crate::testing::system())
                .await
                .unwrap(),
            1,
            "{}",
            t.name
        );
        let care = tasks_of(&w, ids[1]).await;
        assert_eq!(care.len(), 1);
        assert_eq!(
            (care[0].task_type, care[0].due_date),
            (TaskType::Care, ymd("2026-11-23"))
        );
        assert_eq!(care[0].purpose, "marketing");
        for i in [0, 2, 3, 4] {
            assert!(tasks_of(&w, ids[i]).await.is_empty(), "customer {}", i + 1);
        }
        // Two days later: the next birthday, and nothing twice.
        w.clock.set(sh(2026, 11, 25, 7, 0));
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
            0
        );
        assert_eq!(tasks_of(&w, ids[2]).await[0].due_date, ymd("2026-11-25"));
        t.cleanup().await;
    }
}
