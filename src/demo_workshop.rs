//! The demo workshop of the first dealer: bays of each kind, technicians with their
//! skills, and the next working day's appointments, so the advisor's day page opens with
//! bookings and free time to book into.

use dcrc_app::capabilities::archive::data::customer_search::CustomerFilter;
use dcrc_app::capabilities::workshop::data::appointments::NewAppointment;
use dcrc_app::capabilities::workshop::data::setup::{NewBay, NewTechnician};
use dcrc_app::capabilities::workshop::rules::capacity::BayKind;
use dcrc_app::Store;

const BAYS: &[(&str, BayKind)] = &[
    ("机修 1 号", BayKind::Mechanical),
    ("机修 2 号", BayKind::Mechanical),
    ("机修 3 号", BayKind::Mechanical),
    ("钣金 1 号", BayKind::Body),
    ("喷漆房", BayKind::Paint),
    ("快保 1 号", BayKind::QuickService),
    ("快保 2 号", BayKind::QuickService),
];

const TECHNICIANS: &[(&str, &[BayKind])] = &[
    ("刘师傅", &[BayKind::Mechanical, BayKind::QuickService]),
    ("何师傅", &[BayKind::Mechanical]),
    ("林师傅", &[BayKind::Mechanical]),
    ("谢师傅", &[BayKind::Body]),
    ("罗师傅", &[BayKind::Paint]),
    ("郭师傅", &[BayKind::QuickService]),
];

/// (hour, minute, job type, what the customer asks for)
const BOOKINGS: &[(u32, u32, &str, &str)] = &[
    (8, 30, "regular_maintenance", "10,000 公里保养"),
    (9, 0, "diagnosis", "发动机故障灯亮"),
    (9, 30, "regular_maintenance", "更换机油机滤"),
    (10, 0, "body_repair", "右后门凹陷"),
    (10, 30, "first_maintenance", "新车首保"),
    (13, 30, "mechanical_repair", "刹车异响"),
    (13, 0, "paint", "前保险杠补漆"),
];

/// Sets up the first dealer's workshop and books the next working day; how many bookings.
pub async fn seed(store: &Store) -> anyhow::Result<usize> {
    let system = dcrc_app::System::command_line();
    let manager = store.operator_as(&system, "manager").await?;
    let advisor = store.operator_as(&system, "advisor").await?;
    for (name, kind) in BAYS {
        let bay = NewBay {
            org_id: None,
            name: (*name).into(),
            kind: *kind,
        };
        store.create_bay(&manager, bay).await?;
    }
    for (name, skills) in TECHNICIANS {
        let tech = NewTechnician {
            org_id: None,
            name: (*name).into(),
            skills: skills.to_vec(),
        };
        store.create_technician(&manager, tech).await?;
    }
    let filter = CustomerFilter {
        limit: Some(BOOKINGS.len() as i64 + 10),
        ..CustomerFilter::default()
    };
    // The complaints' customers come first in the list: book others.
    let customers = store.search_customers(&advisor, &filter).await?.items;
    let mut day = dcrc_domain::clock::Clock::today(store.clock.as_ref());
    let mut booked = 0;
    // The next day the workshop is open (weekends and public holidays are skipped by the
    // capacity check refusing them).
    for _ in 0..14 {
        day = day.succ_opt().unwrap_or(day);
        for ((h, m, job, asks), customer) in BOOKINGS.iter().zip(customers.iter().skip(10)) {
            let Ok(start) = chrono::DateTime::parse_from_rfc3339(&format!("{day}T{h:02}:{m:02}:00+08:00")) else {
                continue;
            };
            let input = NewAppointment {
                customer_id: customer.id,
                vehicle_id: None,
                job_type: (*job).into(),
                start,
                requested_work: (*asks).into(),
                work_content: None,
                parts_note: None,
                advisor_id: None,
            };
            if store.book_appointment(&advisor, input).await.is_ok() {
                booked += 1;
            }
        }
        if booked > 0 {
            break;
        }
    }
    Ok(booked)
}
