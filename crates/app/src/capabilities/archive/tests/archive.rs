//! The customer archive on both databases: normalisation, duplicates, ownership,
//! history and timeline, search, scope, reveal.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use crate::testing::store as common;

use crate::capabilities::archive::data::customer_search::CustomerFilter;
use crate::capabilities::archive::data::customers::{ConsentInput, NewCustomer, PhoneInput};
use crate::capabilities::archive::data::history::{InsurancePolicy, RepairOrder, Sale};
use crate::capabilities::archive::data::vehicles::{NewVehicle, OwnerChange};
use crate::test_db::test_databases;
use crate::{stmt, StoreError};
use common::{customer, vin, world, ymd};
use dcrc_domain::Vin;

#[tokio::test]
async fn customers_are_normalised_masked_and_duplicates_caught() {
    for t in test_databases().await.unwrap() {
        let w = world(t.db.clone()).await;
        let c = w
            .store
            .create_customer(&w.agent, customer("王小明", "+86 138-1234-5678"))
            .await
            .unwrap();
        assert_eq!(c.phones[0].masked, "138****5678");
        assert_eq!(c.org_id, w.agent.org_id, "defaults to the agent's dealer");
        let stored = w
            .store
            .raw_db()
            .fetch_one(&stmt("SELECT digits FROM customer_phones WHERE customer_id = $1").bind(c.id))
            .await
            .unwrap()
            .text("digits")
            .unwrap();
        assert_eq!(stored, "13812345678");
        // The same number again in the same dealer is a duplicate…
        let again = w
            .store
            .create_customer(&w.agent, customer("王晓明", "138 1234 5678"))
            .await;
        assert!(
            matches!(again, Err(StoreError::Duplicate { existing_id }) if existing_id == c.id),
            "{}",
            t.name
        );
        // …unless explicitly allowed, and another dealer may have the same person.
        let mut family = customer("王小红", "13812345678");
        family.allow_duplicate = true;
        assert!(w.store.create_customer(&w.agent, family).await.is_ok());
        assert!(w
            .store
            .create_customer(&w.other, customer("王小明", "13812345678"))
            .await
            .is_ok());
        // Bad input names the field and stores nothing.
        let before = w
            .store
            .raw_db()
            .fetch_one(&stmt("SELECT COUNT(*) AS n FROM customers"))
            .await
            .unwrap()
            .i64("n")
            .unwrap();
        let Err(StoreError::Invalid(inv)) = w
            .store
            .create_customer(
                &w.agent,
                NewCustomer {
                    name: " ".into(),
                    phones: vec![PhoneInput {
                        number: "12345".into(),
                        status: None,
                    }],
                    id_number: Some("123".into()),
                    ..NewCustomer::default()
                },
            )
            .await
        else {
            panic!("invalid")
        };
        let fields: Vec<_> = inv.0.iter().map(|f| (f.field.as_str(), f.code)).collect();
        assert_eq!(
            fields,
            vec![
                ("name", "required"),
                ("id_number", "id_number_format"),
                ("phones[0].number", "phone_format")
            ]
        );
        let after = w
            .store
            .raw_db()
            .fetch_one(&stmt("SELECT COUNT(*) AS n FROM customers"))
            .await
            .unwrap()
            .i64("n")
            .unwrap();
        assert_eq!(before, after);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn vins_are_checked_and_ownership_history_gives_loyalty() {
    for t in test_databases().await.unwrap() {
        let w = world(t.db.clone()).await;
        let first = w
            .store
            .create_customer(&w.agent, customer("李雷", "13900001111"))
            .await
            .unwrap();
        let second = w
            .store
            .create_customer(&w.agent, customer("韩梅梅", "13900002222"))
            .await
            .unwrap();
        let v = vin("E2123456");
        let lower = format!(" {} ", v.to_lowercase());
        let car = NewVehicle {
            vin: lower,
            plate: Some("粤A·12345".into()),
            model: Some("哈弗H6".into()),
            owner_id: Some(first.id),
            owner_since: Some(ymd("2019-05-06")),
            ..NewVehicle::default()
        };
        let car = w.store.create_vehicle(&w.agent, car).await.unwrap();
        assert_eq!((car.vin.as_str(), car.plate.as_deref()), (v.as_str(), Some("粤A12345")));
        // A China-built VIN with a wrong check digit is refused outright.
        let mut bad = v.clone().into_bytes();
        bad[8] = if bad[8] == b'1' { b'2' } else { b'1' };
        let Err(StoreError::Invalid(inv)) = w
            .store
            .create_vehicle(
                &w.agent,
                NewVehicle {
                    vin: String::from_utf8(bad.clone()).unwrap(),
                    ..NewVehicle::default()
                },
            )
            .await
        else {
            panic!()
        };
        assert_eq!(inv.0[0].code, "vin_check_digit");
        // A foreign VIN with a wrong check digit needs a role that may override it.
        bad[0] = b'W';
        let foreign = String::from_utf8(bad).unwrap();
        if Vin::parse(&foreign).unwrap().1.is_some() {
            let r = w
                .store
                .create_vehicle(
                    &w.agent,
                    NewVehicle {
                        vin: foreign.clone(),
                        accept_vin_check_warning: true,
                        ..NewVehicle::default()
                    },
                )
                .await;
            assert!(matches!(r, Err(StoreError::Invalid(ref i)) if i.0[0].code == "vin_check_digit_forbidden"));
            let ok = w
                .store
                .create_vehicle(
                    &w.other,
                    NewVehicle {
                        vin: foreign,
                        accept_vin_check_warning: true,
                        ..NewVehicle::default()
                    },
                )
                .await
                .unwrap();
            assert!(ok.vin_check_overridden);
        }
        assert_eq!(w.store.get_customer(&w.agent, first.id).await.unwrap().loyalty_years, 7);
        let car = w
            .store
            .change_owner(
                &w.agent,
                car.id,
                OwnerChange {
                    customer_id: second.id,
                    date: ymd("2024-03-01"),
                },
            )
            .await
            .unwrap();
        assert_eq!(car.current_owner_id, Some(second.id));
        assert_eq!(car.owners.len(), 2);
        assert_eq!(car.owners[1].end_date, Some(ymd("2024-03-01")));
        let first = w.store.get_customer(&w.agent, first.id).await.unwrap();
        assert_eq!(first.loyalty_years, 4, "2019-05-06 to 2024-03-01 ({})", t.name);
        assert_eq!(
            w.store.get_customer(&w.agent, second.id).await.unwrap().loyalty_years,
            2
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn history_fills_one_timeline_newest_first() {
    for t in test_databases().await.unwrap() {
        let w = world(t.db.clone()).await;
        let c = w
            .store
            .create_customer(&w.agent, customer("张伟", "13700001234"))
            .await
            .unwrap();
        let v = w
            .store
            .create_vehicle(
                &w.agent,
                NewVehicle {
                    vin: vin("F2000001"),
                    model: Some("坦克300".into()),
                    ..NewVehicle::default()
                },
            )
            .await
            .unwrap();
        w.store
            .create_sale(
                &w.agent,
                Sale {
                    id: 0,
                    org_id: 0,
                    customer_id: c.id,
                    vehicle_id: v.id,
                    consultant_name: Some("冯磊".into()),
                    contract_date: Some(ymd("2025-01-02")),
                    delivery_date: Some(ymd("2025-01-10")),
                    amount_fen: Some(25_980_000),
                    source_record_id: None,
                },
            )
            .await
            .unwrap();
        for (day, km) in [("2025-04-01", 5000), ("2025-10-03", 12000)] {
            let ro = RepairOrder {
                id: 0,
                org_id: 0,
                customer_id: c.id,
                vehicle_id: v.id,
                ro_number: None,
                opened_on: ymd(day),
                delivered_on: None,
                kind: "maintenance".into(),
                mileage_km: Some(km),
                labour_fen: Some(20000),
                parts_fen: Some(35000),
                total_fen: None,
                advisor_name: Some("陈晨".into()),
                fault_description: None,
                fault_code: None,
                source_record_id: None,
            };
            assert_eq!(
                w.store.create_repair_order(&w.agent, ro).await.unwrap().total_fen,
                Some(55000)
            );
        }
        w.store
            .create_insurance_policy(
                &w.agent,
                InsurancePolicy {
                    id: 0,
                    org_id: 0,
                    customer_id: c.id,
                    vehicle_id: v.id,
                    insurer: "平安".into(),
                    kind: "commercial".into(),
                    policy_number: None,
                    start_date: ymd("2025-01-10"),
                    expiry_date: ymd("2026-01-09"),
                    premium_fen: Some(450_000),
                    source_record_id: None,
                },
            )
            .await
            .unwrap();
        let page1 = w.store.customer_timeline(&w.agent, c.id, None, Some(2)).await.unwrap();
        let kinds: Vec<_> = page1.items.iter().map(|e| (e.date.as_str(), e.kind.as_str())).collect();
        assert_eq!(
            kinds,
            vec![("2025-10-03", "repair_order"), ("2025-04-01", "repair_order")],
            "{}",
            t.name
        );
        let page2 = w
            .store
            .customer_timeline(&w.agent, c.id, page1.next_cursor.as_deref(), Some(10))
            .await
            .unwrap();
        let kinds: Vec<_> = page2.items.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, vec!["insurance_policy", "ownership_start", "sale"]);
        assert!(page2.next_cursor.is_none());
        let c = w.store.get_customer(&w.agent, c.id).await.unwrap();
        assert_eq!(c.last_visit_date, Some(ymd("2025-10-03")));
        assert_eq!(w.store.get_vehicle(&w.agent, v.id).await.unwrap().mileage[0].km, 12000);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn one_search_box_finds_by_name_phone_last4_plate_and_vin_within_scope() {
    for t in test_databases().await.unwrap() {
        let w = world(t.db.clone()).await;
        let c = w
            .store
            .create_customer(&w.agent, customer("欧阳娜娜", "13612349876"))
            .await
            .unwrap();
        let v = vin("G3456789");
        w.store
            .create_vehicle(
                &w.agent,
                NewVehicle {
                    vin: v.clone(),
                    plate: Some("粤B88K66".into()),
                    model: Some("哈弗H6".into()),
                    owner_id: Some(c.id),
                    ..NewVehicle::default()
                },
            )
            .await
            .unwrap();
        let noise = w
            .store
            .create_customer(&w.agent, customer("陈大文", "13500000000"))
            .await
            .unwrap();
        // Dealer B has a customer with the same name and number: never visible to A.
        w.store
            .create_customer(&w.other, customer("欧阳娜娜", "13612349876"))
            .await
            .unwrap();
        let find = |text: &str| CustomerFilter {
            q: Some(text.into()),
            ..CustomerFilter::default()
        };
        for text in [
            "欧阳",
            "娜娜",
            "136 1234 9876",
            "+8613612349876",
            "9876",
            "88K6",
            "粤b88k66",
            &v[..8],
            &v[11..],
            &v[9..],
        ] {
            let page = w.store.search_customers(&w.agent, &find(text)).await.unwrap();
            let ids: Vec<_> = page.items.iter().map(|c| c.id).collect();
            assert_eq!(ids, vec![c.id], "search {text:?} on {}", t.name);
        }
        let hit = &w.store.search_customers(&w.agent, &find("9876")).await.unwrap().items[0];
        assert_eq!(
            (hit.phone_masked.as_deref(), hit.plates.clone()),
            (Some("136****9876"), vec!["粤B88K66".to_string()])
        );
        let by_model = w
            .store
            .search_customers(
                &w.agent,
                &CustomerFilter {
                    model: Some("哈弗H6".into()),
                    ..CustomerFilter::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(by_model.items.len(), 1);
        let all = w
            .store
            .search_customers(&w.agent, &CustomerFilter::default())
            .await
            .unwrap();
        assert_eq!(all.items.iter().map(|c| c.id).collect::<Vec<_>>(), vec![c.id, noise.id]);
        // The brand sees both dealers' customers; the other dealer cannot open A's.
        assert_eq!(
            w.store
                .search_customers(&w.staff, &find("欧阳"))
                .await
                .unwrap()
                .items
                .len(),
            2
        );
        assert!(matches!(
            w.store.get_customer(&w.other, c.id).await,
            Err(StoreError::NotFound)
        ));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn revealing_personal_data_is_for_permitted_roles_and_audited() {
    for t in test_databases().await.unwrap() {
        let w = world(t.db.clone()).await;
        let mut input = customer("赵六", "13812340000");
        input.id_number = Some("11010519491231002X".into());
        input.consents = vec![ConsentInput {
            purpose: crate::capabilities::archive::data::types::ConsentPurpose::Marketing,
            granted: true,
            source: Some("in_store".into()),
        }];
        let c = w.store.create_customer(&w.agent, input).await.unwrap();
        assert_eq!(c.id_number_masked.as_deref(), Some("110***********002X"));
        let r = w.store.reveal_customer(&w.agent, c.id).await.unwrap();
        assert_eq!(
            (r.phones[0].number.as_str(), r.id_number.as_deref()),
            ("13812340000", Some("11010519491231002X"))
        );
        assert!(
            matches!(
                w.store.reveal_customer(&w.staff, c.id).await,
                Err(StoreError::Forbidden)
            ),
            "brand staff see masked data only"
        );
        let n = w
            .store
            .raw_db()
            .fetch_one(&stmt("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'reveal'"))
            .await
            .unwrap()
            .i64("n")
            .unwrap();
        assert_eq!(n, 1, "{}", t.name);
        // Withdrawal takes effect at once.
        assert!(w
            .store
            .may_contact(
                &w.staff,
                c.id,
                crate::capabilities::archive::data::types::ConsentPurpose::Marketing
            )
            .await
            .unwrap());
        w.store
            .record_consents(
                &w.agent,
                c.id,
                &[ConsentInput {
                    purpose: crate::capabilities::archive::data::types::ConsentPurpose::Marketing,
                    granted: false,
                    source: None,
                }],
            )
            .await
            .unwrap();
        assert!(!w
            .store
            .may_contact(
                &w.staff,
                c.id,
                crate::capabilities::archive::data::types::ConsentPurpose::Marketing
            )
            .await
            .unwrap());
        t.cleanup().await;
    }
}

/// Unmasked numbers in an export are refused to whoever may not export personal data,
/// whatever the caller of the store asks for.
#[tokio::test]
async fn an_unmasked_export_needs_the_permission_at_the_store() {
    for t in test_databases().await.unwrap() {
        let w = world(t.db.clone()).await;
        let filter = CustomerFilter::default();
        assert!(w.store.export_batch(&w.agent, &filter, 0, 10, false).await.is_ok());
        assert!(
            matches!(
                w.store.export_batch(&w.agent, &filter, 0, 10, true).await,
                Err(StoreError::Forbidden)
            ),
            "{}",
            t.name
        );
        t.cleanup().await;
    }
}
