//! Records that tie a customer to another record must stay within one dealer, even for a
//! brand administrator who sees both: the check runs on the rows the write locks.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use crate::capabilities::archive::data::customers::CustomerPatch;
use crate::capabilities::archive::data::history::Sale;
use crate::capabilities::archive::data::vehicles::{NewVehicle, OwnerChange};
use crate::test_db::test_databases;
use crate::testing::store::{customer, vin, world, ymd};
use crate::StoreError;

/// The field and code of a refused write's single error.
fn refusal<T: std::fmt::Debug>(r: crate::Result<T>) -> (String, String) {
    match r {
        Err(StoreError::Invalid(i)) => (i.0[0].field.clone(), i.0[0].code.to_string()),
        other => panic!("expected a field error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_customer_of_one_dealer_is_never_linked_to_another_dealers_records() {
    for t in test_databases().await.unwrap() {
        let w = world(t.db.clone()).await;
        let root = w.store.test_user("root").await.unwrap();
        let a = w
            .store
            .create_customer(&w.agent, customer("张伟", "13700001234"))
            .await
            .unwrap();
        let b = w
            .store
            .create_customer(&w.other, customer("李娜", "13700005678"))
            .await
            .unwrap();
        let b_car = w
            .store
            .create_vehicle(
                &w.other,
                NewVehicle {
                    vin: vin("X3000001"),
                    owner_id: Some(b.id),
                    owner_since: Some(ymd("2023-06-01")),
                    ..NewVehicle::default()
                },
            )
            .await
            .unwrap();
        let sale = Sale {
            id: 0,
            org_id: 0,
            customer_id: a.id,
            vehicle_id: b_car.id,
            consultant_name: None,
            contract_date: None,
            delivery_date: Some(ymd("2025-01-10")),
            amount_fen: None,
            source_record_id: None,
        };
        assert_eq!(
            refusal(w.store.create_sale(&root, sale).await),
            ("vehicle_id".into(), "different_dealer".into()),
            "{}",
            t.name
        );
        let change = OwnerChange {
            customer_id: a.id,
            date: ymd("2025-01-10"),
        };
        assert_eq!(
            refusal(w.store.change_owner(&root, b_car.id, change).await),
            ("customer_id".into(), "different_dealer".into())
        );
        let patch = CustomerPatch {
            referred_by: Some(b.id),
            ..CustomerPatch::default()
        };
        assert_eq!(
            refusal(w.store.update_customer(&root, a.id, patch).await),
            ("referred_by".into(), "different_dealer".into())
        );
        let vehicle = NewVehicle {
            org_id: Some(a.org_id),
            vin: vin("X3000002"),
            owner_id: Some(b.id),
            ..NewVehicle::default()
        };
        assert_eq!(
            refusal(w.store.create_vehicle(&root, vehicle).await),
            ("owner_id".into(), "different_dealer".into())
        );
        // Nothing of the refused writes was stored.
        let car = w.store.get_vehicle(&w.other, b_car.id).await.unwrap();
        assert_eq!((car.current_owner_id, car.owners.len()), (Some(b.id), 1));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn an_owner_change_cannot_start_before_the_current_owner() {
    for t in test_databases().await.unwrap() {
        let w = world(t.db.clone()).await;
        let first = w
            .store
            .create_customer(&w.agent, customer("张伟", "13700001234"))
            .await
            .unwrap();
        let second = w
            .store
            .create_customer(&w.agent, customer("王芳", "13700004321"))
            .await
            .unwrap();
        let car = w
            .store
            .create_vehicle(
                &w.agent,
                NewVehicle {
                    vin: vin("X3000003"),
                    owner_id: Some(first.id),
                    owner_since: Some(ymd("2023-06-01")),
                    ..NewVehicle::default()
                },
            )
            .await
            .unwrap();
        let change = |date| OwnerChange {
            customer_id: second.id,
            date: ymd(date),
        };
        assert_eq!(
            refusal(w.store.change_owner(&w.agent, car.id, change("2023-05-31")).await),
            ("date".into(), "before_current_owner".into()),
            "{}",
            t.name
        );
        let moved = w
            .store
            .change_owner(&w.agent, car.id, change("2023-06-01"))
            .await
            .unwrap();
        assert_eq!(moved.current_owner_id, Some(second.id));
        t.cleanup().await;
    }
}
