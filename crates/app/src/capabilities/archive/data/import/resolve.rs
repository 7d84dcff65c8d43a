//! Finding or creating the customer and the vehicle a row speaks of, and bringing them up
//! to date with what the row says. Every function reports whether it changed anything,
//! so re-importing the same file changes nothing and says so.

use crate::capabilities::archive::data::customers::{insert_customer, replace_phones, CustomerFields};
use crate::capabilities::archive::data::types::{join_list, split_list, PhoneStatus};
use crate::capabilities::archive::data::vehicles::start_ownership;
use crate::core::db::{stmt, Tx, Value};
use crate::core::error::Result;
use chrono::NaiveDate;
use dcrc_domain::{Phone, Vin};

/// A customer as a row describes them; `None` fields are left as they are.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct CustomerRow {
    pub source_id: Option<String>,
    pub name: Option<String>,
    pub phones: Vec<Phone>,
    pub fields: Vec<(&'static str, String)>,
    pub tags: Vec<String>,
    pub attributes: Vec<String>,
}

/// Outcome of a find-or-create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upsert {
    Created(i64),
    Changed(i64),
    Same(i64),
}

impl Upsert {
    pub fn id(self) -> i64 {
        match self {
            Upsert::Created(id) | Upsert::Changed(id) | Upsert::Same(id) => id,
        }
    }

    pub fn touched(self) -> bool {
        !matches!(self, Upsert::Same(_))
    }
}

async fn find_customer(tx: &mut Tx, org_id: i64, c: &CustomerRow) -> Result<Option<i64>> {
    if let Some(src) = &c.source_id {
        if let Some(r) = tx
            .fetch_optional(
                &stmt("SELECT id FROM customers WHERE org_id = $1 AND source_record_id = $2")
                    .bind(org_id)
                    .bind(src),
            )
            .await?
        {
            return Ok(Some(r.i64("id")?));
        }
    }
    for p in &c.phones {
        let row = tx
            .fetch_optional(
                &stmt("SELECT p.customer_id FROM customer_phones p JOIN customers c ON c.id = p.customer_id \
                    WHERE p.org_id = $1 AND p.digits = $2 AND c.merged_into IS NULL AND c.erased_at IS NULL ORDER BY p.customer_id LIMIT 1")
                .bind(org_id)
                .bind(p.digits()),
            )
            .await?;
        if let Some(r) = row {
            return Ok(Some(r.i64("customer_id")?));
        }
    }
    Ok(None)
}

/// Finds the customer by source id or phone, creating them when absent (a name is then required).
pub async fn upsert_customer(
    tx: &mut Tx,
    now: i64,
    org_id: i64,
    c: &CustomerRow,
    claimed: &std::collections::HashSet<i64>,
) -> Result<Option<Upsert>> {
    let phones: Vec<(Phone, PhoneStatus)> = c.phones.iter().map(|p| (p.clone(), PhoneStatus::Valid)).collect();
    let Some(id) = find_customer(tx, org_id, c).await? else {
        let Some(name) = &c.name else { return Ok(None) };
        let get = |k: &str| c.fields.iter().find(|(f, _)| *f == k).map(|(_, v)| v.clone());
        let fields = CustomerFields {
            kind: if c.attributes.iter().any(|a| a == "company") {
                crate::capabilities::archive::data::types::CustomerKind::Company
            } else {
                Default::default()
            },
            name: name.clone(),
            gender: get("gender"),
            id_number: get("id_number"),
            province: get("province"),
            city: get("city"),
            district: get("district"),
            address: get("address"),
            attributes: join_list(&c.attributes),
            tags: join_list(&c.tags),
            membership_level: get("membership_level"),
            referred_by: None,
        };
        let id = insert_customer(tx, now, org_id, &fields, c.source_id.as_deref()).await?;
        replace_phones(tx, now, id, org_id, &phones, false).await?;
        return Ok(Some(Upsert::Created(id)));
    };
    let row = tx
        .fetch_one(&stmt("SELECT name, gender, id_number, province, city, district, address, membership_level, tags, attributes, source_record_id FROM customers WHERE id = $1").bind(id))
        .await?;
    let mut sets: Vec<(&str, Value)> = Vec::new();
    let mut wanted: Vec<(&'static str, String)> = c.fields.clone();
    if let Some(n) = &c.name {
        wanted.push(("name", n.clone()));
    }
    if let Some(s) = &c.source_id {
        wanted.push(("source_record_id", s.clone()));
    }
    // A customer an earlier row of this import wrote keeps that row's values; this row
    // only fills what is still empty.
    let fill_only = claimed.contains(&id);
    for (col, value) in wanted {
        let current = row.opt_text(col)?;
        if current.as_deref() != Some(value.as_str()) && (!fill_only || current.is_none()) {
            sets.push((col, value.into()));
        }
    }
    for (col, add) in [("tags", &c.tags), ("attributes", &c.attributes)] {
        let mut current = split_list(&row.text(col)?);
        let before = current.len();
        current.extend(add.iter().cloned());
        let joined = join_list(&current);
        if split_list(&joined).len() != before {
            sets.push((col, joined.into()));
        }
    }
    let known: Vec<String> = tx
        .fetch_all(
            &stmt("SELECT digits FROM customer_phones WHERE customer_id = $1 ORDER BY is_primary DESC, id").bind(id),
        )
        .await?
        .iter()
        .map(|r| r.text("digits"))
        .collect::<Result<_>>()?;
    let new_phones: Vec<&Phone> = c
        .phones
        .iter()
        .filter(|p| !known.iter().any(|k| k == p.digits()))
        .collect();
    if sets.is_empty() && new_phones.is_empty() {
        return Ok(Some(Upsert::Same(id)));
    }
    if !sets.is_empty() {
        let mut query = stmt("UPDATE customers SET updated_at = $1");
        query.param(now);
        for (col, v) in sets {
            let p = query.param(v);
            query.push_sql(&format!(", {col} = {p}"));
        }
        let p = query.param(id);
        query.push_sql(&format!(" WHERE id = {p}"));
        tx.execute(&query).await?;
    }
    if !new_phones.is_empty() {
        // Numbers already on file keep their place and status; new ones are added after them.
        let mut all: Vec<(Phone, PhoneStatus)> = Vec::new();
        for k in &known {
            if let Ok(p) = Phone::parse(k) {
                all.push((p, PhoneStatus::Valid));
            }
        }
        all.extend(new_phones.into_iter().map(|p| (p.clone(), PhoneStatus::Valid)));
        replace_phones(tx, now, id, org_id, &all, true).await?;
    }
    Ok(Some(Upsert::Changed(id)))
}

/// A vehicle as a row describes it.
#[derive(Debug, Clone)]
pub struct VehicleRow {
    pub vin: Vin,
    pub fields: Vec<(&'static str, String)>,
}

pub async fn upsert_vehicle(tx: &mut Tx, now: i64, org_id: i64, v: &VehicleRow) -> Result<Upsert> {
    let existing = tx
        .fetch_optional(
            &stmt("SELECT * FROM vehicles WHERE org_id = $1 AND vin = $2")
                .bind(org_id)
                .bind(v.vin.as_str()),
        )
        .await?;
    let Some(row) = existing else {
        let get = |k: &str| v.fields.iter().find(|(f, _)| *f == k).map(|(_, x)| x.clone());
        let r = tx
            .fetch_one(
                &stmt("INSERT INTO vehicles (org_id, vin, vin_rev, vin_check_overridden, plate, brand, model, trim_level, colour, purchase_date, delivery_date, \
                    source_record_id, created_at, updated_at) VALUES ($1, $2, $3, FALSE, $4, $5, $6, $7, $8, $9, $10, NULL, $11, $11) RETURNING id")
                .bind(org_id)
                .bind(v.vin.as_str())
                .bind(v.vin.as_str().chars().rev().collect::<String>())
                .bind(get("plate"))
                .bind(get("brand"))
                .bind(get("model"))
                .bind(get("trim_level"))
                .bind(get("colour"))
                .bind(get("purchase_date"))
                .bind(get("delivery_date"))
                .bind(now),
            )
            .await?;
        return Ok(Upsert::Created(r.i64("id")?));
    };
    let id = row.i64("id")?;
    let mut query = stmt("UPDATE vehicles SET updated_at = $1");
    query.param(now);
    let mut changed = false;
    for (col, value) in &v.fields {
        if row.opt_text(col)?.as_deref() != Some(value.as_str()) {
            let p = query.param(value.clone());
            query.push_sql(&format!(", {col} = {p}"));
            changed = true;
        }
    }
    if !changed {
        return Ok(Upsert::Same(id));
    }
    let p = query.param(id);
    query.push_sql(&format!(" WHERE id = {p}"));
    tx.execute(&query).await?;
    Ok(Upsert::Changed(id))
}

/// Makes the customer the vehicle's current owner from `since` unless they already are;
/// returns whether anything changed.
pub async fn ensure_owner(
    tx: &mut Tx,
    now: i64,
    org_id: i64,
    vehicle_id: i64,
    customer_id: i64,
    since: NaiveDate,
) -> Result<bool> {
    let current = tx
        .fetch_optional(
            &stmt("SELECT customer_id FROM ownerships WHERE vehicle_id = $1 AND end_date IS NULL").bind(vehicle_id),
        )
        .await?;
    if current.as_ref().map(|r| r.i64("customer_id")).transpose()? == Some(customer_id) {
        return Ok(false);
    }
    start_ownership(tx, now, vehicle_id, customer_id, org_id, since).await?;
    Ok(true)
}

/// The current owner of a vehicle, if any.
pub async fn current_owner(tx: &mut Tx, vehicle_id: i64) -> Result<Option<i64>> {
    tx.fetch_optional(
        &stmt("SELECT customer_id FROM ownerships WHERE vehicle_id = $1 AND end_date IS NULL").bind(vehicle_id),
    )
    .await?
    .map(|r| r.i64("customer_id"))
    .transpose()
}
