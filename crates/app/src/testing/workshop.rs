//! A small workshop for tests: one bay and one technician of each kind at a dealer.

use crate::capabilities::workshop::data::appointments::NewAppointment;
use crate::capabilities::workshop::data::setup::{NewBay, NewTechnician};
use crate::capabilities::workshop::rules::capacity::BayKind;
use crate::{Principal, Store};

/// Sets up the dealer's workshop (one bay and one technician per kind) if it has none.
pub async fn set_up(store: &Store, who: &Principal) {
    if !store.list_bays(who, None).await.unwrap().is_empty() {
        return;
    }
    for kind in BayKind::ALL {
        let bay = NewBay {
            org_id: None,
            name: format!("{} 1", kind.as_str()),
            kind,
        };
        store.create_bay(who, bay).await.unwrap();
        let tech = NewTechnician {
            org_id: None,
            name: format!("技师 {}", kind.as_str()),
            skills: vec![kind],
        };
        store.create_technician(who, tech).await.unwrap();
    }
}

/// An appointment for the customer the day after the test clock's start, at 10:00.
pub async fn appointment_for(store: &Store, who: &Principal, customer_id: i64) -> i64 {
    set_up(store, who).await;
    let day = dcrc_domain::clock::Clock::today(store.clock.as_ref()) + chrono::Duration::days(1);
    let start = chrono::DateTime::parse_from_rfc3339(&format!("{day}T10:00:00+08:00")).unwrap();
    let input = NewAppointment {
        customer_id,
        vehicle_id: None,
        job_type: "regular_maintenance".into(),
        start,
        requested_work: "SECRET 保养".into(),
        work_content: None,
        parts_note: None,
        advisor_id: None,
    };
    store.book_appointment(who, input).await.unwrap().id
}
