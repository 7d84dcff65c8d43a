//! Customer data across capabilities: a merge carries every capability's rows, and every
//! table with a customer is claimed by the registry — on both databases.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use crate::testing::store as common;

use crate::capabilities::accounts::data::users::NewUser;
use crate::capabilities::archive::data::customers::PhoneInput;
use crate::capabilities::archive::data::history::RepairOrder;
use crate::capabilities::archive::data::vehicles::NewVehicle;
use crate::test_db::test_databases;
use crate::{stmt, StoreError};
use common::{customer, vin, world, ymd};
use dcrc_domain::Role;

#[tokio::test]
async fn duplicates_are_found_previewed_and_merged_keeping_all_history() {
    for t in test_databases().await.unwrap() {
        let w = world(t.db.clone()).await;
        let root = w.store.test_user("root").await.unwrap();
        let cm = NewUser {
            username: "a.cm".into(),
            password: "test-secret-1".into(),
            display_name: "cm".into(),
            org_id: w.agent.org_id,
            roles: vec![Role::CustomerManager],
            locale: None,
        };
        w.store.create_user(&root, cm).await.unwrap();
        let cm = w.store.test_user("a.cm").await.unwrap();
        let a = w
            .store
            .create_customer(&w.agent, customer("马云", "13800000001"))
            .await
            .unwrap();
        let mut twin = customer("马芸", "138 0000 0001");
        twin.allow_duplicate = true;
        twin.phones.push(PhoneInput {
            number: "020-88880000".into(),
            status: None,
        });
        twin.tags = vec!["VIP".into()];
        let b = w.store.create_customer(&w.agent, twin).await.unwrap();
        let v = w
            .store
            .create_vehicle(
                &w.agent,
                NewVehicle {
                    vin: vin("H1111111"),
                    owner_id: Some(b.id),
                    ..NewVehicle::default()
                },
            )
            .await
            .unwrap();
        let ro = RepairOrder {
            id: 0,
            org_id: 0,
            customer_id: b.id,
            vehicle_id: v.id,
            ro_number: None,
            opened_on: ymd("2026-01-05"),
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
        };
        let ro_template = ro.clone();
        w.store.create_repair_order(&w.agent, ro).await.unwrap();
        let groups = w.store.duplicate_groups(&w.agent, 10).await.unwrap();
        assert_eq!(groups.len(), 1, "{}", t.name);
        assert_eq!(groups[0].customer_ids, vec![a.id, b.id]);
        assert!(
            matches!(
                w.store.merge_customers(&w.agent, a.id, b.id, true).await,
                Err(StoreError::Forbidden)
            ),
            "callback agents do not merge"
        );
        let preview = w.store.merge_customers(&cm, a.id, b.id, true).await.unwrap();
        assert_eq!(
            (
                preview.moved["phones"],
                preview.moved["ownerships"],
                preview.moved["repair_orders"]
            ),
            (1, 1, 1)
        );
        assert_eq!(
            w.store.get_customer(&w.agent, b.id).await.unwrap().name,
            "马芸",
            "a preview changes nothing"
        );
        let complaint = crate::capabilities::complaints::data::intake::NewComplaint {
            customer_id: b.id,
            vehicle_id: Some(v.id),
            sale_id: None,
            repair_order_id: None,
            callback_task_id: None,
            channel: crate::capabilities::complaints::rules::Channel::Phone,
            category: "service_attitude".into(),
            tier: crate::capabilities::complaints::rules::Tier::General,
            title: "态度".into(),
            description: "马芸说接待态度差".into(),
            staff_name: None,
            filed_at: None,
        };
        let complaint = w.store.file_complaint(&cm, complaint).await.unwrap();
        let merged = w.store.merge_customers(&cm, a.id, b.id, false).await.unwrap();
        assert_eq!(merged.moved["complaints"], 1, "complaints follow the customer");
        assert_eq!(
            w.store
                .get_complaint(&cm, complaint.id)
                .await
                .unwrap()
                .complaint
                .customer_id,
            a.id
        );
        assert_eq!(merged.customer.phones.len(), 2);
        assert_eq!(merged.customer.tags, vec!["VIP".to_string()]);
        assert_eq!(merged.customer.vehicles.len(), 1);
        let timeline = w.store.customer_timeline(&w.agent, a.id, None, None).await.unwrap();
        assert!(timeline.items.iter().any(|e| e.kind == "repair_order"), "history moved");
        assert!(matches!(
            w.store.get_customer(&w.agent, b.id).await,
            Err(StoreError::NotFound)
        ));
        assert_eq!(w.store.merged_into(&w.agent, b.id).await.unwrap(), Some(a.id));
        assert!(w.store.duplicate_groups(&w.agent, 10).await.unwrap().is_empty());
        // Erasure: personal data gone, history kept, consents withdrawn.
        let data = w.store.customer_personal_data(&cm, a.id).await.unwrap();
        assert_eq!(data["phones"][0], "13800000001");
        // Every record of every kind, from the one registry.
        let records = &data["records"];
        assert_eq!(records["repair_orders"].as_array().unwrap().len(), 1, "{data}");
        assert_eq!(records["complaints"][0]["description"], "马芸说接待态度差");
        assert!(!records["complaint_events"].as_array().unwrap().is_empty());
        assert!(records["callback_tasks"].is_array() && records["consents"].is_array());
        assert!(
            matches!(w.store.erase_customer(&w.agent, a.id).await, Err(StoreError::Forbidden)),
            "agents cannot erase"
        );
        let count = |sql: String| {
            let db = w.store.raw_db().clone();
            async move { db.fetch_one(&stmt(sql)).await.unwrap().i64("n").unwrap() }
        };
        let open_tasks = format!(
            "SELECT COUNT(*) AS n FROM callback_tasks WHERE customer_id = {} AND state = 'open'",
            a.id
        );
        // A repair delivered three days ago: the archive's event makes callbacks raise the
        // post-repair call.
        let recent = RepairOrder {
            customer_id: a.id,
            vehicle_id: v.id,
            opened_on: ymd("2026-11-18"),
            delivered_on: Some(ymd("2026-11-20")),
            ..ro_template
        };
        w.store.create_repair_order(&w.agent, recent).await.unwrap();
        assert!(
            count(open_tasks.clone()).await > 0,
            "the repair order left a call to make"
        );
        let erased = w.store.erase_customer(&cm, a.id).await.unwrap();
        assert!(erased.erased && erased.phones.is_empty() && erased.name.starts_with("已匿名"));
        // Callbacks heard of the erasure: no open task, and the cancellation is audited.
        assert_eq!(count(open_tasks).await, 0);
        let audited = format!(
            "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'cancel_tasks' AND entity = 'customer' AND entity_id = '{}'",
            a.id
        );
        assert_eq!(count(audited).await, 1, "{}", t.name);
        assert_eq!(erased.vehicles.len(), 1);
        assert!(!w
            .store
            .may_contact(
                &w.agent,
                a.id,
                crate::capabilities::archive::data::types::ConsentPurpose::ServiceContact
            )
            .await
            .unwrap());
        let n = w
            .store
            .raw_db()
            .fetch_one(&stmt(
                "SELECT COUNT(*) AS n FROM customer_phones WHERE digits = '13800000001'",
            ))
            .await
            .unwrap()
            .i64("n")
            .unwrap();
        assert_eq!(n, 0);
        assert_eq!(
            w.store
                .get_complaint(&cm, complaint.id)
                .await
                .unwrap()
                .complaint
                .description,
            "",
            "the complaint stays for the statistics, its words do not"
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn every_table_with_a_customer_id_is_in_the_registry() {
    crate::core::registry::install(crate::capabilities::ALL);
    let declared: Vec<_> = crate::core::customer_tables::registered().collect();
    for t in test_databases().await.unwrap() {
        let sql = match t.db.backend() {
            crate::core::db::Backend::Sqlite => {
                "SELECT m.name AS t FROM sqlite_master m, pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND p.name = 'customer_id' ORDER BY m.name"
            }
            crate::core::db::Backend::Postgres => {
                "SELECT table_name::text AS t FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND column_name = 'customer_id' ORDER BY table_name"
            }
        };
        let tables: Vec<String> =
            t.db.fetch_all(&stmt(sql))
                .await
                .unwrap()
                .iter()
                .map(|r| r.text("t").unwrap())
                .collect();
        assert!(tables.len() >= 10, "{tables:?}");
        // The timeline is read from the same list: each source reads its own table.
        for c in &declared {
            for source in c.timeline {
                assert!(source.contains(&format!("FROM {} ", c.table)), "{}: {source}", c.table);
            }
        }
        assert!(declared
            .iter()
            .any(|c| c.table == "complaints" && !c.timeline.is_empty()));
        let mut claimed: Vec<String> = declared.iter().map(|c| c.table.to_string()).collect();
        claimed.sort();
        assert_eq!(
            tables, claimed,
            "{}: every table with customer_id must be declared in some capability's customer_tables, and nothing else",
            t.name
        );
        t.cleanup().await;
    }
}
