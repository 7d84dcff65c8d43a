//! One row of an import: parse and validate every field, then find-or-create its customer,
//! vehicle and history record. A row that fails validation writes nothing.

use super::cells::{customer_row, date_text, policy_kind, repair_kind, vehicle_fields, Cells};
use super::record::upsert_record;
use super::resolve::{current_owner, ensure_owner, upsert_customer, upsert_vehicle, CustomerRow, Upsert, VehicleRow};
use super::ImportKind;
use crate::capabilities::archive::events::{HistoryKind, HistoryRecorded};
use crate::core::db::{stmt, Tx, Value};
use crate::core::error::Result;
use crate::core::events::publish;
use chrono::NaiveDate;
use dcrc_io::columns::{ColumnMap, Field};
use dcrc_io::values::parse_date;

/// A problem with one cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub column: String,
    pub value: String,
    pub code: &'static str,
}

/// What a row did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Inserted,
    Updated,
    Unchanged,
    Rejected(Vec<RowError>),
}

/// A row whose cells are all valid, ready to be stored.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub customer: Option<CustomerRow>,
    pub vehicle: Option<VehicleRow>,
    pub mileage: Option<i64>,
    /// The history record's columns (sales, repair orders, insurance).
    pub event: Vec<(&'static str, Value)>,
    /// The history record's own source id.
    pub source_id: Option<String>,
    /// Delivery (or purchase) date on the row: when the owner got the vehicle.
    pub vehicle_since: Option<NaiveDate>,
}

impl Parsed {
    /// The day the row's event happened, used as the ownership start and mileage date.
    pub(crate) fn event_day(&self) -> Option<NaiveDate> {
        let pick = |k: &str| {
            self.event.iter().find(|(f, _)| *f == k).and_then(|(_, v)| match v {
                Value::Text(Some(t)) => NaiveDate::parse_from_str(t, "%Y-%m-%d").ok(),
                _ => None,
            })
        };
        pick("delivery_date")
            .or(pick("contract_date"))
            .or(pick("start_date"))
            .or(pick("opened_on"))
    }
}

/// Parses and validates every cell of a record; all problems are reported together.
pub fn parse(kind: ImportKind, map: &ColumnMap, record: &[String]) -> std::result::Result<Parsed, Vec<RowError>> {
    let mut c = Cells {
        map,
        record,
        errors: Vec::new(),
    };
    let customer = customer_row(&mut c);
    let vin = match kind {
        ImportKind::Customers if c.raw(Field::Vin).is_none() => None,
        _ => c.vin(),
    };
    // Vehicle cells are checked whenever they hold something, so a bad plate is reported
    // even on a row without a VIN; without a VIN they cannot be stored, which is an error
    // when the file has a VIN column.
    let fields = vehicle_fields(&mut c);
    if !fields.is_empty() && c.raw(Field::Vin).is_none() && map.has(Field::Vin) {
        c.fail(Field::Vin, "required");
    }
    let vehicle = vin.map(|vin| VehicleRow { vin, fields });
    let mileage = c.whole(Field::Mileage);
    if kind == ImportKind::Customers {
        match &customer {
            Some(cr) if cr.phones.is_empty() && cr.source_id.is_none() && c.errors.is_empty() => {
                c.fail(Field::Phone, "required")
            }
            None => c.fail(Field::Phone, "required"),
            _ => {}
        }
    }
    if kind == ImportKind::Sales && customer.is_none() {
        c.fail(Field::Phone, "required");
    }
    let event: Vec<(&'static str, Value)> = match kind {
        ImportKind::Sales => {
            let delivery = c.date(Field::DeliveryDate);
            let contract = c.date(Field::ContractDate).or(c.date(Field::PurchaseDate));
            if delivery.is_none() && contract.is_none() {
                c.fail(Field::DeliveryDate, "required");
            }
            vec![
                ("consultant_name", c.text(Field::Consultant, 40).into()),
                ("contract_date", date_text(contract).into()),
                ("delivery_date", date_text(delivery).into()),
                ("amount_fen", c.money(Field::Amount).into()),
            ]
        }
        ImportKind::RepairOrders => {
            let opened = c.required(Field::OpenedOn).and(c.date(Field::OpenedOn));
            let labour = c.money(Field::Labour);
            let parts = c.money(Field::Parts);
            let total = c.money(Field::Total).or(match (labour, parts) {
                (None, None) => None,
                (l, p) => Some(l.unwrap_or(0) + p.unwrap_or(0)),
            });
            vec![
                ("ro_number", c.text(Field::RoNumber, 40).into()),
                ("opened_on", date_text(opened).into()),
                ("delivered_on", date_text(c.date(Field::DeliveredOn)).into()),
                ("kind", repair_kind(c.raw(Field::RepairKind)).into()),
                ("mileage_km", mileage.into()),
                ("labour_fen", labour.into()),
                ("parts_fen", parts.into()),
                ("total_fen", total.into()),
                ("advisor_name", c.text(Field::Advisor, 40).into()),
                ("fault_description", c.text(Field::FaultDescription, 500).into()),
                ("fault_code", c.text(Field::FaultCode, 40).into()),
            ]
        }
        ImportKind::Insurance => {
            let insurer = c
                .required(Field::Insurer)
                .map(|s| s.chars().take(60).collect::<String>());
            let start = c.required(Field::StartDate).and(c.date(Field::StartDate));
            let expiry = c.required(Field::ExpiryDate).and(c.date(Field::ExpiryDate));
            if let (Some(s), Some(e)) = (start, expiry) {
                if e <= s {
                    c.fail(Field::ExpiryDate, "before_start_date");
                }
            }
            vec![
                ("insurer", insurer.into()),
                (
                    "kind",
                    policy_kind(c.raw(Field::PolicyKind).unwrap_or("commercial")).into(),
                ),
                ("policy_number", c.text(Field::PolicyNumber, 40).into()),
                ("start_date", date_text(start).into()),
                ("expiry_date", date_text(expiry).into()),
                ("premium_fen", c.money(Field::Premium).into()),
            ]
        }
        ImportKind::Customers | ImportKind::Vehicles => Vec::new(),
    };
    if !c.errors.is_empty() {
        return Err(c.errors);
    }
    let source_id = c.text(Field::SourceId, 64);
    let vehicle_since = c
        .raw(Field::DeliveryDate)
        .and_then(parse_date)
        .or(c.raw(Field::PurchaseDate).and_then(parse_date));
    Ok(Parsed {
        customer,
        vehicle,
        mileage,
        event,
        source_id,
        vehicle_since,
    })
}

/// Where and when a row is stored.
pub struct At {
    pub now: i64,
    pub today: NaiveDate,
    pub kind: ImportKind,
    pub org_id: i64,
}

/// Stores a parsed row: finds or creates its customer, vehicle and history record.
/// `claimed` holds the customers this import already wrote (and gains this row's).
pub async fn store(
    tx: &mut Tx,
    at: &At,
    map: &ColumnMap,
    record: &[String],
    p: &Parsed,
    claimed: &mut std::collections::HashSet<i64>,
) -> Result<Outcome> {
    let (now, today, kind, org_id) = (at.now, at.today, at.kind, at.org_id);
    let mut c = Cells {
        map,
        record,
        errors: Vec::new(),
    };
    let (customer, vehicle, mileage, event, source_id) = (&p.customer, &p.vehicle, p.mileage, &p.event, &p.source_id);
    let customer = match &customer {
        Some(cr) => match upsert_customer(tx, now, org_id, cr, claimed).await? {
            Some(u) => {
                claimed.insert(u.id());
                Some(u)
            }
            None => {
                c.fail(Field::Name, "required");
                return Ok(Outcome::Rejected(c.errors));
            }
        },
        None => None,
    };
    let vehicle = match &vehicle {
        Some(v) => Some(upsert_vehicle(tx, now, org_id, v).await?),
        None => None,
    };
    let mut touched = customer.is_some_and(|u| u.touched()) || vehicle.is_some_and(|u| u.touched());
    if let (Some(cu), Some(ve)) = (customer, vehicle) {
        let since = p.vehicle_since.or(p.event_day()).unwrap_or(today);
        // History rows (repairs, insurance) only name an owner when the vehicle has none.
        let link = matches!(kind, ImportKind::Customers | ImportKind::Vehicles | ImportKind::Sales)
            || current_owner(tx, ve.id()).await?.is_none();
        if link && ensure_owner(tx, now, org_id, ve.id(), cu.id(), since).await? {
            touched = true;
        }
    }
    if let (Some(ve), Some(km)) = (vehicle, mileage) {
        let seen = tx
            .fetch_optional(
                &stmt("SELECT id FROM mileage_readings WHERE vehicle_id = $1 AND km = $2")
                    .bind(ve.id())
                    .bind(km),
            )
            .await?;
        if seen.is_none() {
            let on = p.event_day().unwrap_or(today);
            crate::capabilities::archive::data::vehicles::add_mileage(tx, ve.id(), org_id, on, km, "import").await?;
            touched = true;
        }
    }
    let primary = match kind {
        ImportKind::Customers => customer,
        ImportKind::Vehicles => vehicle,
        ImportKind::Sales | ImportKind::RepairOrders | ImportKind::Insurance => {
            let Some(ve) = vehicle else {
                return Ok(Outcome::Rejected(c.errors));
            };
            let customer_id = match customer {
                Some(cu) => cu.id(),
                None => match current_owner(tx, ve.id()).await? {
                    Some(id) => id,
                    None => {
                        c.fail(Field::Phone, "no_customer");
                        return Ok(Outcome::Rejected(c.errors));
                    }
                },
            };
            let table = match kind {
                ImportKind::Sales => "sales",
                ImportKind::RepairOrders => "repair_orders",
                _ => "insurance_policies",
            };
            let mut cols = event.clone();
            cols.push(("customer_id", customer_id.into()));
            let mut keys: Vec<(&str, Value)> = vec![("org_id", org_id.into())];
            let natural = |k: &str| {
                event
                    .iter()
                    .find(|(f, _)| *f == k)
                    .map(|(_, v)| v.clone())
                    .filter(|v| !matches!(v, Value::Text(None)))
            };
            match (&source_id, kind) {
                (Some(s), _) => keys.push(("source_record_id", s.clone().into())),
                (None, ImportKind::RepairOrders) if natural("ro_number").is_some() => {
                    keys.push(("ro_number", natural("ro_number").unwrap_or(Value::Text(None))))
                }
                (None, ImportKind::Insurance) if natural("policy_number").is_some() => {
                    keys.push(("policy_number", natural("policy_number").unwrap_or(Value::Text(None))))
                }
                (None, ImportKind::Sales) => {
                    keys.push(("vehicle_id", ve.id().into()));
                    let day = if natural("delivery_date").is_some() {
                        "delivery_date"
                    } else {
                        "contract_date"
                    };
                    keys.push((day, natural(day).unwrap_or(Value::Text(None))));
                }
                (None, ImportKind::RepairOrders) => {
                    keys.push(("vehicle_id", ve.id().into()));
                    keys.push(("opened_on", natural("opened_on").unwrap_or(Value::Text(None))));
                }
                (None, _) => {
                    keys.push(("vehicle_id", ve.id().into()));
                    keys.push(("start_date", natural("start_date").unwrap_or(Value::Text(None))));
                }
            }
            if !keys.iter().any(|(k, _)| *k == "vehicle_id") {
                cols.push(("vehicle_id", ve.id().into()));
            }
            let up = upsert_record(tx, now, table, &keys, &cols).await?;
            if let Upsert::Created(id) | Upsert::Changed(id) = up {
                let day_field = match kind {
                    ImportKind::Sales => "delivery_date",
                    ImportKind::RepairOrders => "delivered_on",
                    _ => "expiry_date",
                };
                let day = match natural(day_field) {
                    Some(Value::Text(Some(d))) => NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok(),
                    _ => None,
                };
                let staff = match natural(match kind {
                    ImportKind::Sales => "consultant_name",
                    _ => "advisor_name",
                }) {
                    Some(Value::Text(Some(name))) => Some(name),
                    _ => None,
                };
                let recorded = HistoryRecorded {
                    now_ms: now,
                    kind: HistoryKind::of_table(table).unwrap_or(HistoryKind::Sale),
                    org_id,
                    record_id: id,
                    customer_id,
                    vehicle_id: ve.id(),
                    day,
                    staff,
                };
                publish(tx, &recorded).await?;
            }
            if kind == ImportKind::RepairOrders {
                if let Some(Value::Text(Some(day))) = natural("opened_on") {
                    tx.execute(&stmt("UPDATE customers SET last_visit_date = $1 WHERE id = $2 AND (last_visit_date IS NULL OR last_visit_date < $1)").bind(&day).bind(customer_id)).await?;
                }
            }
            Some(up)
        }
    };
    Ok(match primary {
        Some(Upsert::Created(_)) => Outcome::Inserted,
        Some(Upsert::Changed(_)) => Outcome::Updated,
        _ if touched => Outcome::Updated,
        _ => Outcome::Unchanged,
    })
}
