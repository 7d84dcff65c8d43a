//! The rules a sale, a repair order and an insurance policy must meet before they are
//! stored (by the API, the pages or an import): money in whole fen, dates within the
//! range the field allows, dates in order.

use crate::capabilities::archive::data::history::{InsurancePolicy, RepairOrder, Sale, REPAIR_KINDS};
use chrono::NaiveDate;
use dcrc_domain::{validation, FieldError, Invalid};

pub(crate) fn money(field: &str, v: Option<i64>, errors: &mut Invalid) {
    if v.is_some_and(|m| !(0..=100_000_000_000).contains(&m)) {
        errors.push(
            FieldError::new(field, "range")
                .with("min", 0)
                .with("max", 100_000_000_000_i64),
        );
    }
}

/// Validation of a sale's own fields.
pub fn validate_sale(s: &Sale, today: NaiveDate, errors: &mut Invalid) {
    money("amount_fen", s.amount_fen, errors);
    // A contract is signed by now; a delivery may be booked up to half a year ahead.
    if let Some(d) = s.contract_date {
        validation::date_until("contract_date", d, today, errors);
    }
    if let Some(d) = s.delivery_date {
        validation::date_until("delivery_date", d, today + chrono::Duration::days(183), errors);
    }
    if let (Some(c), Some(d)) = (s.contract_date, s.delivery_date) {
        if d < c {
            errors.push(FieldError::new("delivery_date", "before_contract_date"));
        }
    }
}

pub fn validate_repair(r: &RepairOrder, today: NaiveDate, errors: &mut Invalid) {
    validation::date_until("opened_on", r.opened_on, today, errors);
    if let Some(d) = r.delivered_on {
        validation::date_until("delivered_on", d, today, errors);
    }
    if !REPAIR_KINDS.contains(&r.kind.as_str()) {
        errors.push(FieldError::new("kind", "unknown_value").with("allowed", REPAIR_KINDS.join(", ")));
    }
    for (f, v) in [
        ("labour_fen", r.labour_fen),
        ("parts_fen", r.parts_fen),
        ("total_fen", r.total_fen),
    ] {
        money(f, v, errors);
    }
    if r.mileage_km.is_some_and(|k| !(0..=5_000_000).contains(&k)) {
        errors.push(
            FieldError::new("mileage_km", "range")
                .with("min", 0)
                .with("max", 5_000_000),
        );
    }
    if r.delivered_on.is_some_and(|d| d < r.opened_on) {
        errors.push(FieldError::new("delivered_on", "before_opened_on"));
    }
}

pub fn validate_policy(p: &InsurancePolicy, today: NaiveDate, errors: &mut Invalid) {
    // A policy may be sold up to a year before it starts, and runs at most ten years.
    validation::date_until("start_date", p.start_date, today + chrono::Duration::days(366), errors);
    validation::date_until(
        "expiry_date",
        p.expiry_date,
        today + chrono::Duration::days(366 * 11),
        errors,
    );
    if p.insurer.trim().is_empty() {
        errors.push(FieldError::new("insurer", "required"));
    }
    if p.kind.trim().is_empty() {
        errors.push(FieldError::new("kind", "required"));
    }
    if p.expiry_date <= p.start_date {
        errors.push(FieldError::new("expiry_date", "before_start_date"));
    }
    money("premium_fen", p.premium_fen, errors);
}
