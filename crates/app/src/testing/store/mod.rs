//! Shared fixtures of the archive tests: two dealers, an agent, a manager of the other
//! dealer, brand staff, and helpers for valid identifiers.
#![allow(dead_code)]

pub mod callbacks;
pub mod complaints;
pub mod imports;

use crate::capabilities::accounts::data::orgs::NewOrg;
use crate::capabilities::accounts::data::users::NewUser;
use crate::capabilities::archive::data::customers::{NewCustomer, PhoneInput};
use crate::{Principal, Store};
use chrono::{NaiveDate, TimeZone, Utc};
use dcrc_domain::{OrgKind, Role, TestClock, Vin};
use std::sync::Arc;

pub struct World {
    pub store: Store,
    pub agent: Principal,
    pub other: Principal,
    pub staff: Principal,
    pub clock: Arc<TestClock>,
}

pub async fn world(db: crate::Db) -> World {
    let clock = Arc::new(TestClock::new(Utc.with_ymd_and_hms(2026, 11, 23, 1, 0, 0).unwrap()));
    let store = Store::new(db, clock.clone());
    store
        .initialise(&crate::testing::system(), "长城汽车", "root", "root-password")
        .await
        .unwrap();
    let root = store.test_user("root").await.unwrap();
    let org = |name: &str, parent| NewOrg {
        name: name.into(),
        kind: OrgKind::Dealer,
        parent_id: Some(parent),
        code: None,
    };
    let a = store.create_org(&root, org("A店", root.org_id)).await.unwrap();
    let b = store.create_org(&root, org("B店", root.org_id)).await.unwrap();
    let user = |u: &str, org_id, role| NewUser {
        username: u.into(),
        password: "test-secret-1".into(),
        display_name: u.into(),
        org_id,
        roles: vec![role],
        locale: None,
    };
    store
        .create_user(&root, user("agent", a.id, Role::CallbackAgent))
        .await
        .unwrap();
    store
        .create_user(&root, user("other", b.id, Role::CustomerManager))
        .await
        .unwrap();
    store
        .create_user(&root, user("staff", root.org_id, Role::BrandStaff))
        .await
        .unwrap();
    World {
        agent: store.test_user("agent").await.unwrap(),
        other: store.test_user("other").await.unwrap(),
        staff: store.test_user("staff").await.unwrap(),
        store,
        clock,
    }
}

pub fn vin(seed: &str) -> String {
    let mut raw = [b'0'; 17];
    raw.copy_from_slice(format!("LGWEF4A50{}", seed).as_bytes());
    Vin::with_check_digit(raw).unwrap().as_str().to_string()
}

pub fn customer(name: &str, phone: &str) -> NewCustomer {
    NewCustomer {
        name: name.into(),
        phones: vec![PhoneInput {
            number: phone.into(),
            status: None,
        }],
        province: Some("广东".into()),
        city: Some("广州".into()),
        ..NewCustomer::default()
    }
}

pub fn ymd(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}
