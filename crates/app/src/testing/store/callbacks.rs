//! Fixtures of the callback tests: Shanghai times, users, a customer with a car, sales and
//! repair orders that oblige callbacks, and calls to record.

use super::{customer, vin, ymd, World};
use crate::capabilities::accounts::data::users::NewUser;
use crate::capabilities::archive::data::history::{RepairOrder, Sale};
use crate::capabilities::archive::data::vehicles::NewVehicle;
use crate::capabilities::callbacks::data::work::TaskFilter;
use crate::capabilities::callbacks::data::{CallbackTask, NewAttempt};
use crate::capabilities::callbacks::rules::{Answer, Outcome};
use crate::Principal;
use chrono::{DateTime, Duration, TimeZone, Utc};
use dcrc_domain::Role;
use std::collections::BTreeMap;

/// Shanghai wall-clock time as an instant.
pub fn sh(y: i32, m: u32, day: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, day, h, min, 0).unwrap() - Duration::hours(8)
}

pub async fn add_user(w: &World, name: &str, org_id: i64, role: Role) -> Principal {
    let root = w.store.test_user("root").await.unwrap();
    let u = NewUser {
        username: name.into(),
        password: "test-secret-1".into(),
        display_name: name.into(),
        org_id,
        roles: vec![role],
        locale: None,
    };
    w.store.create_user(&root, u).await.unwrap();
    w.store.test_user(name).await.unwrap()
}

/// A customer with a vehicle at the agent's dealer; returns (customer id, vehicle id).
pub async fn owner(w: &World, n: u32) -> (i64, i64) {
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

pub fn sale(customer_id: i64, vehicle_id: i64, delivered: &str) -> Sale {
    Sale {
        id: 0,
        org_id: 0,
        customer_id,
        vehicle_id,
        consultant_name: Some("李顾问".into()),
        contract_date: None,
        delivery_date: Some(ymd(delivered)),
        amount_fen: Some(12_000_000),
        source_record_id: None,
    }
}

pub async fn tasks_of(w: &World, customer_id: i64) -> Vec<CallbackTask> {
    let f = TaskFilter {
        customer_id: Some(customer_id),
        ..TaskFilter::default()
    };
    w.store.list_callbacks(&w.agent, &f).await.unwrap().items
}

pub fn call(outcome: Outcome) -> NewAttempt {
    NewAttempt {
        outcome,
        answers: BTreeMap::new(),
        note: None,
        phone_id: None,
        call_back_at: None,
    }
}

pub fn satisfied() -> NewAttempt {
    let mut a = call(Outcome::ReachedSatisfied);
    a.answers.insert("overall".into(), Answer::Score(9));
    a.answers.insert("consultant".into(), Answer::Score(10));
    a
}

/// A repair order opened on 2026-02-10, not yet delivered.
pub fn repair_order(customer_id: i64, vehicle_id: i64) -> RepairOrder {
    RepairOrder {
        id: 0,
        org_id: 0,
        customer_id,
        vehicle_id,
        ro_number: None,
        opened_on: ymd("2026-02-10"),
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
