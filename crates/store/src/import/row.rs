//! One row of an import: parse and validate every field, then find-or-create its customer,
//! vehicle and history record. A row that fails validation writes nothing.

use super::resolve::{current_owner, ensure_owner, upsert_customer, upsert_vehicle, CustomerRow, Upsert, VehicleRow};
use super::ImportKind;
use crate::db::{q, Query, Tx, Value};
use crate::error::Result;
use chrono::NaiveDate;
use dcrc_domain::{IdNumber, Phone, Plate, Vin};
use dcrc_io::columns::{ColumnMap, Field};
use dcrc_io::values::{parse_date, parse_money_fen, parse_whole};

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

/// Reads typed cells of a record, collecting every problem.
struct Cells<'a> {
    map: &'a ColumnMap,
    record: &'a [String],
    errors: Vec<RowError>,
}

impl<'a> Cells<'a> {
    fn raw(&self, f: Field) -> Option<&'a str> {
        self.map.get(self.record, f)
    }

    fn fail(&mut self, f: Field, code: &'static str) {
        let value = self.raw(f).unwrap_or("").to_string();
        self.errors.push(RowError {
            column: self.map.header(f),
            value,
            code,
        });
    }

    fn text(&self, f: Field, max: usize) -> Option<String> {
        self.raw(f).map(|v| v.chars().take(max).collect())
    }

    fn required(&mut self, f: Field) -> Option<&'a str> {
        let v = self.raw(f);
        if v.is_none() {
            self.fail(f, "required");
        }
        v
    }

    fn date(&mut self, f: Field) -> Option<NaiveDate> {
        let raw = self.raw(f)?;
        let d = parse_date(raw);
        if d.is_none() {
            self.fail(f, "date_format");
        }
        d
    }

    fn money(&mut self, f: Field) -> Option<i64> {
        let raw = self.raw(f)?;
        let m = parse_money_fen(raw).filter(|m| *m >= 0);
        if m.is_none() {
            self.fail(f, "money_format");
        }
        m
    }

    fn whole(&mut self, f: Field) -> Option<i64> {
        let raw = self.raw(f)?;
        let n = parse_whole(raw).filter(|n| (0..=5_000_000).contains(n));
        if n.is_none() {
            self.fail(f, "number_format");
        }
        n
    }

    fn phone(&mut self, f: Field) -> Option<Phone> {
        let raw = self.raw(f)?;
        match Phone::parse(raw) {
            Ok(p) => Some(p),
            Err(e) => {
                self.fail(f, e.code());
                None
            }
        }
    }

    fn vin(&mut self) -> Option<Vin> {
        let raw = self.required(Field::Vin)?;
        match Vin::parse(raw) {
            Ok((v, None)) => Some(v),
            Ok((_, Some(_))) => {
                self.fail(Field::Vin, "vin_check_digit_warning");
                None
            }
            Err(e) => {
                self.fail(Field::Vin, e.code());
                None
            }
        }
    }
}

fn date_text(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.format("%Y-%m-%d").to_string())
}

/// The repair kind from a DMS label.
fn repair_kind(label: Option<&str>) -> String {
    let l = label.unwrap_or("").to_lowercase();
    let kind = if l.contains("首保") || l.contains("first") {
        "first_maintenance"
    } else if l.contains("保养") || l.contains("maint") || l.contains("定保") {
        "maintenance"
    } else if l.contains("保修") || l.contains("索赔") || l.contains("warrant") || l.contains("三包") {
        "warranty"
    } else if l.contains("事故") || l.contains("钣") || l.contains("喷") || l.contains("accident") {
        "accident"
    } else if l.contains("修") || l.contains("repair") {
        "repair"
    } else {
        "other"
    };
    kind.to_string()
}

fn policy_kind(label: &str) -> String {
    if label.contains("交强") || label.eq_ignore_ascii_case("compulsory") {
        "compulsory".into()
    } else if label.contains("商业") || label.eq_ignore_ascii_case("commercial") {
        "commercial".into()
    } else {
        label.chars().take(20).collect()
    }
}

fn customer_row(c: &mut Cells<'_>) -> Option<CustomerRow> {
    if ![Field::CustomerSourceId, Field::Name, Field::Phone, Field::Phone2]
        .iter()
        .any(|f| c.raw(*f).is_some())
    {
        return None;
    }
    let mut row = CustomerRow {
        source_id: c.text(Field::CustomerSourceId, 64),
        name: c.text(Field::Name, 100),
        ..CustomerRow::default()
    };
    for f in [Field::Phone, Field::Phone2] {
        if let Some(p) = c.phone(f) {
            if !row.phones.contains(&p) {
                row.phones.push(p);
            }
        }
    }
    for (f, col, max) in [
        (Field::Gender, "gender", 10),
        (Field::Province, "province", 20),
        (Field::City, "city", 30),
        (Field::District, "district", 30),
        (Field::Address, "address", 200),
        (Field::Membership, "membership_level", 30),
    ] {
        if let Some(v) = c.text(f, max) {
            row.fields.push((col, v));
        }
    }
    if let Some(raw) = c.raw(Field::IdNumber) {
        match IdNumber::parse(raw) {
            Ok(id) => row.fields.push(("id_number", id.as_str().to_string())),
            Err(e) => c.fail(Field::IdNumber, e.code()),
        }
    }
    let list = |v: Option<&str>| {
        v.map(|s| {
            s.split([',', '，', ';', '；', '/', '、'])
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect()
        })
        .unwrap_or_default()
    };
    row.tags = list(c.raw(Field::Tags));
    row.attributes = list(c.raw(Field::Attributes));
    Some(row)
}

/// The vehicle's own fields, validated even when the VIN is bad so every problem is reported.
fn vehicle_fields(c: &mut Cells<'_>) -> Vec<(&'static str, String)> {
    let mut fields = Vec::new();
    if let Some(raw) = c.raw(Field::Plate) {
        match Plate::parse(raw) {
            Ok(p) => fields.push(("plate", p.as_str().to_string())),
            Err(e) => c.fail(Field::Plate, e.code()),
        }
    }
    for (f, col) in [
        (Field::Brand, "brand"),
        (Field::Model, "model"),
        (Field::Trim, "trim_level"),
        (Field::Colour, "colour"),
    ] {
        if let Some(v) = c.text(f, 60) {
            fields.push((col, v));
        }
    }
    for (f, col) in [
        (Field::PurchaseDate, "purchase_date"),
        (Field::DeliveryDate, "delivery_date"),
    ] {
        if let Some(d) = c.date(f) {
            fields.push((col, d.format("%Y-%m-%d").to_string()));
        }
    }
    fields
}

/// Finds a record by its key columns; inserts it, updates it, or leaves it alone.
async fn upsert_record(
    tx: &mut Tx,
    now: i64,
    table: &str,
    keys: &[(&str, Value)],
    cols: &[(&'static str, Value)],
) -> Result<Upsert> {
    let mut find = q(format!("SELECT * FROM {table} WHERE 1 = 1"));
    for (k, v) in keys {
        let p = find.param(v.clone());
        find.push_sql(&format!(" AND {k} = {p}"));
    }
    find.push_sql(" ORDER BY id LIMIT 1");
    if let Some(row) = tx.fetch_optional(&find).await? {
        let id = row.i64("id")?;
        let mut update = q(format!("UPDATE {table} SET id = id"));
        let mut changed = false;
        for (col, v) in cols {
            let same = match v {
                Value::Int(i) => row.opt_i64(col)? == *i,
                Value::Text(t) => row.opt_text(col)? == *t,
                Value::Bool(b) => Some(row.bool(col)?) == *b,
            };
            if !same {
                let p = update.param(v.clone());
                update.push_sql(&format!(", {col} = {p}"));
                changed = true;
            }
        }
        if !changed {
            return Ok(Upsert::Same(id));
        }
        let p = update.param(id);
        update.push_sql(&format!(" WHERE id = {p}"));
        tx.execute(&update).await?;
        return Ok(Upsert::Changed(id));
    }
    let mut names: Vec<&str> = keys.iter().map(|(k, _)| *k).collect();
    names.extend(
        cols.iter()
            .map(|(k, _)| *k)
            .filter(|k| !keys.iter().any(|(kk, _)| kk == k)),
    );
    names.push("created_at");
    let mut insert: Query = q("");
    let mut placeholders = Vec::new();
    for (k, v) in keys {
        let _ = k;
        placeholders.push(insert.param(v.clone()));
    }
    for (k, v) in cols {
        if !keys.iter().any(|(kk, _)| kk == k) {
            placeholders.push(insert.param(v.clone()));
        }
    }
    placeholders.push(insert.param(now));
    insert.push_sql(&format!(
        "INSERT INTO {table} ({}) VALUES ({}) RETURNING id",
        names.join(", "),
        placeholders.join(", ")
    ));
    Ok(Upsert::Created(tx.fetch_one(&insert).await?.i64("id")?))
}

/// Applies one record. `Ok(Outcome::Rejected)` for bad data; `Err` only for database failures.
pub async fn apply(
    tx: &mut Tx,
    now: i64,
    today: NaiveDate,
    kind: ImportKind,
    org_id: i64,
    map: &ColumnMap,
    record: &[String],
) -> Result<Outcome> {
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
        return Ok(Outcome::Rejected(c.errors));
    }
    let source_id = c.text(Field::SourceId, 64);
    let customer = match &customer {
        Some(cr) => match upsert_customer(tx, now, org_id, cr).await? {
            Some(u) => Some(u),
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
    let owner_since = |fields: &[(&str, Value)]| {
        let pick = |k: &str| {
            fields.iter().find(|(f, _)| *f == k).and_then(|(_, v)| {
                if let Value::Text(Some(t)) = v {
                    NaiveDate::parse_from_str(t, "%Y-%m-%d").ok()
                } else {
                    None
                }
            })
        };
        pick("delivery_date")
            .or(pick("contract_date"))
            .or(pick("start_date"))
            .or(pick("opened_on"))
    };
    if let (Some(cu), Some(ve)) = (customer, vehicle) {
        let vr = c
            .map
            .get(record, Field::DeliveryDate)
            .and_then(parse_date)
            .or(c.map.get(record, Field::PurchaseDate).and_then(parse_date));
        let since = vr.or(owner_since(&event)).unwrap_or(today);
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
                &q("SELECT id FROM mileage_readings WHERE vehicle_id = $1 AND km = $2")
                    .bind(ve.id())
                    .bind(km),
            )
            .await?;
        if seen.is_none() {
            let on = owner_since(&event).unwrap_or(today);
            crate::vehicles::add_mileage(tx, ve.id(), org_id, on, km, "import").await?;
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
            if kind == ImportKind::RepairOrders {
                if let Some(Value::Text(Some(day))) = natural("opened_on") {
                    tx.execute(&q("UPDATE customers SET last_visit_date = $1 WHERE id = $2 AND (last_visit_date IS NULL OR last_visit_date < $1)").bind(&day).bind(customer_id)).await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dms_labels_map_to_repair_kinds() {
        assert_eq!(repair_kind(Some("首保")), "first_maintenance");
        assert_eq!(repair_kind(Some("定期保养")), "maintenance");
        assert_eq!(repair_kind(Some("索赔")), "warranty");
        assert_eq!(repair_kind(Some("钣喷")), "accident");
        assert_eq!(repair_kind(Some("一般维修")), "repair");
        assert_eq!(repair_kind(None), "other");
        assert_eq!(policy_kind("交强险"), "compulsory");
    }
}
