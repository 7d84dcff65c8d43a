//! The fast path of an owner-list import: rows whose customer and vehicle are both new
//! (no source id, phone or VIN already on file or earlier in the batch) are inserted
//! together with multi-row INSERTs, a handful of statements per batch instead of a dozen
//! per row. Every other row takes the row-by-row path, in file order, so the outcome is
//! the same as if each row had been applied alone.

use super::row::{Outcome, Parsed};
use crate::capabilities::archive::data::types::{join_list, CustomerKind, PhoneStatus};
use crate::core::db::{stmt, Query, Tx, Value};
use crate::core::error::{Result, StoreError};
use chrono::NaiveDate;
use dcrc_domain::phone::PhoneKind;
use std::collections::{HashMap, HashSet};

/// Keys that identify a customer or a vehicle of one dealer.
#[derive(Default)]
pub(crate) struct Keys {
    sources: HashSet<String>,
    phones: HashSet<String>,
    vins: HashSet<String>,
}

impl Keys {
    fn of(p: &Parsed) -> impl Iterator<Item = (u8, &str)> {
        let c = p.customer.as_ref();
        c.and_then(|c| c.source_id.as_deref())
            .map(|s| (0, s))
            .into_iter()
            .chain(c.into_iter().flat_map(|c| c.phones.iter().map(|p| (1, p.digits()))))
            .chain(p.vehicle.as_ref().map(|v| (2, v.vin.as_str())))
    }

    fn set(&mut self, kind: u8) -> &mut HashSet<String> {
        match kind {
            0 => &mut self.sources,
            1 => &mut self.phones,
            _ => &mut self.vins,
        }
    }

    fn contains(&self, kind: u8, key: &str) -> bool {
        match kind {
            0 => self.sources.contains(key),
            1 => self.phones.contains(key),
            _ => self.vins.contains(key),
        }
    }

    /// Records the row's keys; true when none of them was seen before.
    fn claim(&mut self, p: &Parsed) -> bool {
        let mut fresh = true;
        for (kind, key) in Self::of(p) {
            fresh &= self.set(kind).insert(key.to_string());
        }
        fresh
    }
}

/// The keys of a batch that already exist in the dealer's archive, in three queries.
pub(crate) async fn known_keys(tx: &mut Tx, org_id: i64, rows: &[&Parsed]) -> Result<Keys> {
    let mut wanted = Keys::default();
    for p in rows {
        for (kind, key) in Keys::of(p) {
            wanted.set(kind).insert(key.to_string());
        }
    }
    let mut known = Keys::default();
    let lookups = [
        (
            0,
            "SELECT source_record_id AS k FROM customers WHERE org_id = $1 AND source_record_id IN ",
        ),
        // Numbers of merged or erased customers count as known too: such rows take the
        // row path, which knows to skip those customers.
        (
            1,
            "SELECT digits AS k FROM customer_phones WHERE org_id = $1 AND digits IN ",
        ),
        (2, "SELECT vin AS k FROM vehicles WHERE org_id = $1 AND vin IN "),
    ];
    for (kind, sql) in lookups {
        let keys: Vec<String> = wanted.set(kind).drain().collect();
        if keys.is_empty() {
            continue;
        }
        let mut query = stmt(sql).bind(org_id);
        let list: Vec<String> = keys.into_iter().map(|k| query.param(k)).collect();
        query.push_sql(&format!("({})", list.join(", ")));
        for r in tx.fetch_all(&query).await? {
            known.set(kind).insert(r.text("k")?);
        }
    }
    Ok(known)
}

/// Rows waiting for the fast path, and what the batch has seen so far.
pub(crate) struct Pending {
    known: Keys,
    seen: Keys,
    /// Each row, with the index of the earlier row whose customer it belongs to when it
    /// only adds a further vehicle of a customer new in this batch.
    rows: Vec<(Parsed, Option<usize>)>,
    /// Customer keys (source id, phone) of the waiting new customers → their row.
    owners: HashMap<(u8, String), usize>,
}

impl Pending {
    pub(crate) fn new(known: Keys) -> Pending {
        Pending {
            known,
            seen: Keys::default(),
            rows: Vec::new(),
            owners: HashMap::new(),
        }
    }

    /// Takes a row for the fast path and says what it will do, or hands it back when it
    /// must be applied by the row path (after [`Pending::flush`]).
    pub(crate) fn offer(&mut self, p: Parsed) -> std::result::Result<Outcome, Box<Parsed>> {
        let named = p.customer.as_ref().is_some_and(|c| c.name.is_some());
        let unknown = Keys::of(&p).all(|(kind, key)| !self.known.contains(kind, key));
        if named && unknown {
            if let Some(parent) = self.parent_of(&p) {
                // The same customer again with one more vehicle: the row path would find
                // the customer unchanged and add the vehicle, which counts as an update.
                if let Some(v) = &p.vehicle {
                    self.seen.set(2).insert(v.vin.as_str().to_string());
                }
                self.rows.push((p, Some(parent)));
                return Ok(Outcome::Updated);
            }
        }
        // Claimed even when not taken, so a later row with the same key waits for this one.
        let first = self.seen.claim(&p);
        if !(named && unknown && first) {
            return Err(Box::new(p));
        }
        let i = self.rows.len();
        for (kind, key) in Keys::of(&p).filter(|(kind, _)| *kind < 2) {
            self.owners.insert((kind, key.to_string()), i);
        }
        self.rows.push((p, None));
        Ok(Outcome::Inserted)
    }

    /// The waiting new customer a row repeats exactly, when the row's vehicle is new too.
    fn parent_of(&self, p: &Parsed) -> Option<usize> {
        let vin = p.vehicle.as_ref()?.vin.as_str();
        if self.seen.contains(2, vin) {
            return None;
        }
        let mut parents = Keys::of(p)
            .filter(|(kind, _)| *kind < 2)
            .map(|(kind, key)| self.owners.get(&(kind, key.to_string())).copied());
        let first = parents.next()??;
        if !parents.all(|o| o == Some(first)) {
            return None;
        }
        let (parent, _) = self.rows.get(first)?;
        (parent.customer == p.customer).then_some(first)
    }

    /// Inserts the waiting rows.
    /// Writes the pending rows; returns the ids of the customers it created.
    pub(crate) async fn flush(&mut self, tx: &mut Tx, now: i64, today: NaiveDate, org_id: i64) -> Result<Vec<i64>> {
        if self.rows.is_empty() {
            return Ok(Vec::new());
        }
        let created = insert_rows(tx, now, today, org_id, &self.rows).await?;
        self.rows.clear();
        self.owners.clear();
        Ok(created)
    }
}

/// Runs a multi-row INSERT of `rows` (each a list of values for `columns`) and returns
/// the new ids in row order. Ids of a table are handed out in increasing order as the rows
/// of one statement are inserted (SQLite rowids, PostgreSQL identity sequences), so
/// sorting the returned ids restores the order of the VALUES list.
async fn insert_many(
    tx: &mut Tx,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Value>>,
    returning: bool,
) -> Result<Vec<i64>> {
    let mut ids = Vec::with_capacity(if returning { rows.len() } else { 0 });
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        // At most 500 rows a statement keeps every INSERT under SQLite's 32,766 parameters.
        let chunk: Vec<Vec<Value>> = rows.by_ref().take(500).collect();
        let n = chunk.len();
        let mut query: Query = stmt(format!("INSERT INTO {table} ({}) VALUES ", columns.join(", ")));
        let mut tuples = Vec::with_capacity(n);
        for row in chunk {
            let ps: Vec<String> = row.into_iter().map(|v| query.param(v)).collect();
            tuples.push(format!("({})", ps.join(", ")));
        }
        query.push_sql(&tuples.join(", "));
        if !returning {
            tx.execute(&query).await?;
            continue;
        }
        query.push_sql(" RETURNING id");
        let mut got = tx
            .fetch_all(&query)
            .await?
            .iter()
            .map(|r| r.i64("id"))
            .collect::<Result<Vec<_>>>()?;
        if got.len() != n {
            return Err(StoreError::Internal(format!(
                "{table}: inserted {n} rows, got {} ids",
                got.len()
            )));
        }
        got.sort_unstable();
        ids.extend(got);
    }
    Ok(ids)
}

/// Inserts waiting rows: new customers and their phones, vehicles, ownerships and mileage.
async fn insert_rows(
    tx: &mut Tx,
    now: i64,
    today: NaiveDate,
    org_id: i64,
    rows: &[(Parsed, Option<usize>)],
) -> Result<Vec<i64>> {
    let new_customers = || {
        rows.iter()
            .filter(|(_, parent)| parent.is_none())
            .filter_map(|(p, _)| p.customer.as_ref())
    };
    let customers: Vec<Vec<Value>> = new_customers()
        .map(|c| {
            let get = |k: &str| Value::Text(c.fields.iter().find(|(f, _)| *f == k).map(|(_, v)| v.clone()));
            let kind = if c.attributes.iter().any(|a| a == "company") {
                CustomerKind::Company
            } else {
                CustomerKind::default()
            };
            vec![
                org_id.into(),
                kind.as_str().into(),
                c.name.clone().unwrap_or_default().into(),
                get("gender"),
                get("id_number"),
                get("province"),
                get("city"),
                get("district"),
                get("address"),
                join_list(&c.attributes).into(),
                join_list(&c.tags).into(),
                get("membership_level"),
                Value::Text(c.source_id.clone()),
                now.into(),
                now.into(),
            ]
        })
        .collect();
    let customer_ids = insert_many(
        tx,
        "customers",
        &[
            "org_id",
            "kind",
            "name",
            "gender",
            "id_number",
            "province",
            "city",
            "district",
            "address",
            "attributes",
            "tags",
            "membership_level",
            "source_record_id",
            "created_at",
            "updated_at",
        ],
        customers,
        true,
    )
    .await?;
    let mut phones = Vec::new();
    for (c, id) in new_customers().zip(&customer_ids) {
        for (i, phone) in c.phones.iter().enumerate() {
            let kind = match phone.kind() {
                PhoneKind::Mobile => "mobile",
                PhoneKind::Landline => "landline",
            };
            phones.push(vec![
                (*id).into(),
                org_id.into(),
                phone.digits().into(),
                kind.into(),
                phone.last4().into(),
                PhoneStatus::Valid.as_str().into(),
                (i == 0).into(),
                now.into(),
                now.into(),
            ]);
        }
    }
    insert_many(
        tx,
        "customer_phones",
        &[
            "customer_id",
            "org_id",
            "digits",
            "kind",
            "last4",
            "status",
            "is_primary",
            "created_at",
            "updated_at",
        ],
        phones,
        false,
    )
    .await?;
    // Each row's customer: its own new one, or its parent row's.
    let mut owner_ids: Vec<i64> = Vec::with_capacity(rows.len());
    let mut next = customer_ids.iter();
    for (_, parent) in rows {
        let id = match parent {
            Some(i) => owner_ids.get(*i).copied(),
            None => next.next().copied(),
        };
        owner_ids.push(id.ok_or_else(|| StoreError::Internal("import batch: customer id missing".into()))?);
    }
    let with_vehicle: Vec<(&Parsed, i64)> = rows
        .iter()
        .zip(owner_ids)
        .filter(|((p, _), _)| p.vehicle.is_some())
        .map(|((p, _), id)| (p, id))
        .collect();
    let vehicles: Vec<Vec<Value>> = with_vehicle
        .iter()
        .filter_map(|(p, _)| p.vehicle.as_ref())
        .map(|v| {
            let get = |k: &str| Value::Text(v.fields.iter().find(|(f, _)| *f == k).map(|(_, x)| x.clone()));
            vec![
                org_id.into(),
                v.vin.as_str().into(),
                v.vin.as_str().chars().rev().collect::<String>().into(),
                false.into(),
                get("plate"),
                get("brand"),
                get("model"),
                get("trim_level"),
                get("colour"),
                get("purchase_date"),
                get("delivery_date"),
                now.into(),
                now.into(),
            ]
        })
        .collect();
    let vehicle_ids = insert_many(
        tx,
        "vehicles",
        &[
            "org_id",
            "vin",
            "vin_rev",
            "vin_check_overridden",
            "plate",
            "brand",
            "model",
            "trim_level",
            "colour",
            "purchase_date",
            "delivery_date",
            "created_at",
            "updated_at",
        ],
        vehicles,
        true,
    )
    .await?;
    let day = |d: NaiveDate| Value::from(d.format("%Y-%m-%d").to_string());
    let mut ownerships = Vec::new();
    let mut mileage = Vec::new();
    for ((p, customer_id), vehicle_id) in with_vehicle.iter().zip(&vehicle_ids) {
        let since = p.vehicle_since.or(p.event_day()).unwrap_or(today);
        ownerships.push(vec![
            (*vehicle_id).into(),
            (*customer_id).into(),
            org_id.into(),
            day(since),
            now.into(),
        ]);
        if let Some(km) = p.mileage {
            let on = p.event_day().unwrap_or(today);
            mileage.push(vec![
                (*vehicle_id).into(),
                org_id.into(),
                day(on),
                km.into(),
                "import".into(),
            ]);
        }
    }
    insert_many(
        tx,
        "ownerships",
        &["vehicle_id", "customer_id", "org_id", "start_date", "created_at"],
        ownerships,
        false,
    )
    .await?;
    insert_many(
        tx,
        "mileage_readings",
        &["vehicle_id", "org_id", "read_on", "km", "source"],
        mileage,
        false,
    )
    .await?;
    Ok(customer_ids)
}
