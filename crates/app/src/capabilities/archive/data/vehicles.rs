//! Vehicles, their owners over time and their mileage readings.

use crate::capabilities::archive::data::customer_records::{lock_customer_of, lock_vehicle};
use crate::capabilities::archive::data::types::{date_text, parse_date};
use crate::core::audit::{self, Actor, Event};
use crate::core::db::{stmt, Row, Tx};
use crate::core::error::{Result, StoreError};
use crate::core::page::{self, Page};
use crate::core::principal::Principal;
use crate::Store;
use chrono::{DateTime, NaiveDate, Utc};
use dcrc_domain::clock::ms_to_time;
use dcrc_domain::{FieldError, Invalid, Permission, Plate, Vin};
use serde::{Deserialize, Serialize};

/// One owner and the period they owned the vehicle.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Owner {
    pub customer_id: i64,
    pub customer_name: String,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MileageReading {
    pub read_on: NaiveDate,
    pub km: i64,
    /// `repair_order`, `manual`, `import` …
    pub source: String,
}

/// A vehicle with its ownership history (newest first) and mileage readings.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Vehicle {
    pub id: i64,
    pub org_id: i64,
    pub vin: String,
    /// Whether a non-matching check digit was accepted by an authorised user.
    pub vin_check_overridden: bool,
    pub plate: Option<String>,
    pub brand: Option<String>,
    pub model: Option<String>,
    pub trim_level: Option<String>,
    pub colour: Option<String>,
    pub purchase_date: Option<NaiveDate>,
    pub delivery_date: Option<NaiveDate>,
    pub source_record_id: Option<String>,
    pub current_owner_id: Option<i64>,
    pub owners: Vec<Owner>,
    pub mileage: Vec<MileageReading>,
    pub created_at: DateTime<Utc>,
}

/// Input for a new vehicle.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVehicle {
    /// The dealer; defaults to the caller's dealer.
    #[serde(default)]
    pub org_id: Option<i64>,
    /// 17 characters; case, spaces and full-width characters are normalised.
    pub vin: String,
    #[serde(default)]
    pub plate: Option<String>,
    #[serde(default)]
    pub brand: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub trim_level: Option<String>,
    #[serde(default)]
    pub colour: Option<String>,
    #[serde(default)]
    pub purchase_date: Option<NaiveDate>,
    #[serde(default)]
    pub delivery_date: Option<NaiveDate>,
    /// The current owner; ownership starts at `owner_since` (default: delivery or purchase date, else today).
    #[serde(default)]
    pub owner_id: Option<i64>,
    #[serde(default)]
    pub owner_since: Option<NaiveDate>,
    #[serde(default)]
    pub mileage_km: Option<i64>,
    #[serde(default)]
    pub source_record_id: Option<String>,
    /// Accept a non-Chinese VIN whose check digit does not match (needs the right to override).
    #[serde(default)]
    pub accept_vin_check_warning: bool,
}

/// A change of owner: the previous ownership ends on `date`, the new one starts.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OwnerChange {
    pub customer_id: i64,
    pub date: NaiveDate,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMileage {
    pub read_on: NaiveDate,
    pub km: i64,
}

const VEHICLE_COLUMNS: &str =
    "v.id, v.org_id, v.vin, v.vin_check_overridden, v.plate, v.brand, v.model, v.trim_level, v.colour, \
     v.purchase_date, v.delivery_date, v.source_record_id, v.created_at";

pub(crate) fn vehicle_from_row(r: &Row) -> Result<Vehicle> {
    Ok(Vehicle {
        id: r.i64("id")?,
        org_id: r.i64("org_id")?,
        vin: r.text("vin")?,
        vin_check_overridden: r.bool("vin_check_overridden")?,
        plate: r.opt_text("plate")?,
        brand: r.opt_text("brand")?,
        model: r.opt_text("model")?,
        trim_level: r.opt_text("trim_level")?,
        colour: r.opt_text("colour")?,
        purchase_date: parse_date(r.opt_text("purchase_date")?),
        delivery_date: parse_date(r.opt_text("delivery_date")?),
        source_record_id: r.opt_text("source_record_id")?,
        current_owner_id: None,
        owners: Vec::new(),
        mileage: Vec::new(),
        created_at: ms_to_time(r.i64("created_at")?),
    })
}

/// A validated VIN: a hard error for China-built VINs with a wrong check digit; a
/// warning the caller must accept (with the right to) otherwise.
pub(crate) fn check_vin(
    input: &str,
    accept_warning: bool,
    may_override: bool,
    errors: &mut Invalid,
) -> Option<(Vin, bool)> {
    match Vin::parse(input) {
        Ok((vin, None)) => Some((vin, false)),
        Ok((vin, Some(_))) if accept_warning && may_override => Some((vin, true)),
        Ok((_, Some(_))) => {
            errors.push(FieldError::new(
                "vin",
                if may_override {
                    "vin_check_digit_warning"
                } else {
                    "vin_check_digit_forbidden"
                },
            ));
            None
        }
        Err(e) => {
            errors.push(FieldError::new("vin", e.code()));
            None
        }
    }
}

pub(crate) fn check_plate(input: Option<&str>, errors: &mut Invalid) -> Option<String> {
    let v = input.map(str::trim).filter(|v| !v.is_empty())?;
    match Plate::parse(v) {
        Ok(p) => Some(p.as_str().to_string()),
        Err(e) => {
            errors.push(FieldError::new("plate", e.code()));
            None
        }
    }
}

fn short(v: Option<&str>) -> Option<String> {
    v.map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| v.chars().take(60).collect())
}

/// Starts an ownership, ending the current one the day the new one starts.
pub(crate) async fn start_ownership(
    tx: &mut Tx,
    now: i64,
    vehicle_id: i64,
    customer_id: i64,
    org_id: i64,
    date: NaiveDate,
) -> Result<()> {
    let d = date.format("%Y-%m-%d").to_string();
    tx.execute(
        &stmt("UPDATE ownerships SET end_date = $1 WHERE vehicle_id = $2 AND end_date IS NULL AND customer_id <> $3")
            .bind(&d)
            .bind(vehicle_id)
            .bind(customer_id),
    )
    .await?;
    let current = tx
        .fetch_optional(
            &stmt("SELECT id FROM ownerships WHERE vehicle_id = $1 AND customer_id = $2 AND end_date IS NULL")
                .bind(vehicle_id)
                .bind(customer_id),
        )
        .await?;
    if current.is_none() {
        tx.execute(
            &stmt("INSERT INTO ownerships (vehicle_id, customer_id, org_id, start_date, created_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(vehicle_id)
                .bind(customer_id)
                .bind(org_id)
                .bind(&d)
                .bind(now),
        )
        .await?;
    }
    Ok(())
}

pub(crate) async fn add_mileage(
    tx: &mut Tx,
    vehicle_id: i64,
    org_id: i64,
    read_on: NaiveDate,
    km: i64,
    source: &str,
) -> Result<()> {
    tx.execute(
        &stmt("INSERT INTO mileage_readings (vehicle_id, org_id, read_on, km, source) VALUES ($1, $2, $3, $4, $5)")
            .bind(vehicle_id)
            .bind(org_id)
            .bind(read_on.format("%Y-%m-%d").to_string())
            .bind(km)
            .bind(source),
    )
    .await?;
    Ok(())
}

impl Store {
    /// Creates a vehicle (and its current ownership when an owner is named).
    pub async fn create_vehicle(&self, who: &Principal, input: NewVehicle) -> Result<Vehicle> {
        self.authorize(who, Permission::EditCustomers, "vehicle").await?;
        let dealer = self.dealer_for(who, input.org_id).await?;
        let mut errors = Invalid::default();
        let vin = check_vin(
            &input.vin,
            input.accept_vin_check_warning,
            who.can(Permission::OverrideVinCheck),
            &mut errors,
        );
        let plate = check_plate(input.plate.as_deref(), &mut errors);
        if input.mileage_km.is_some_and(|k| !(0..=5_000_000).contains(&k)) {
            errors.push(
                FieldError::new("mileage_km", "range")
                    .with("min", 0)
                    .with("max", 5_000_000),
            );
        }
        if let Some(owner) = input.owner_id {
            if self.customer_org(who, owner).await? != dealer.id {
                errors.push(FieldError::new("owner_id", "different_dealer"));
            }
        }
        errors.finish()?;
        let Some((vin, overridden)) = vin else {
            return Err(StoreError::Internal("vin".into()));
        };
        let now = self.now_ms();
        let today = self.clock.today();
        let mut tx = self.access(who).begin().await?;
        if let Some(owner) = input.owner_id {
            lock_customer_of(&mut tx, who, owner, dealer.id, "owner_id").await?;
        }
        let row = tx
            .fetch_one(
                &stmt("INSERT INTO vehicles (org_id, vin, vin_rev, vin_check_overridden, plate, brand, model, trim_level, colour, purchase_date, delivery_date, \
                    source_record_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id")
                .bind(dealer.id)
                .bind(vin.as_str())
                .bind(vin.as_str().chars().rev().collect::<String>())
                .bind(overridden)
                .bind(plate)
                .bind(short(input.brand.as_deref()))
                .bind(short(input.model.as_deref()))
                .bind(short(input.trim_level.as_deref()))
                .bind(short(input.colour.as_deref()))
                .bind(date_text(input.purchase_date))
                .bind(date_text(input.delivery_date))
                .bind(short(input.source_record_id.as_deref()))
                .bind(now),
            )
            .await
            .map_err(|e| if e.is_unique_violation() { StoreError::Conflict { code: "vin_taken", field: Some("vin") } } else { e })?;
        let id = row.i64("id")?;
        if let Some(owner) = input.owner_id {
            let since = input
                .owner_since
                .or(input.delivery_date)
                .or(input.purchase_date)
                .unwrap_or(today);
            start_ownership(&mut tx, now, id, owner, dealer.id, since).await?;
        }
        if let Some(km) = input.mileage_km {
            add_mileage(&mut tx, id, dealer.id, today, km, "manual").await?;
        }
        let detail =
            serde_json::json!({ "vin": vin.as_str(), "vin_check_overridden": overridden, "owner_id": input.owner_id });
        audit::record(
            &mut tx,
            now,
            &Actor::from(who),
            Event::on("create", "vehicle", id, dealer.id, detail),
        )
        .await?;
        tx.commit().await?;
        self.get_vehicle(who, id).await
    }

    /// The dealer of a vehicle in scope.
    pub async fn vehicle_org(&self, who: &Principal, id: i64) -> Result<i64> {
        self.scoped_row(who, "vehicles", "v", "v.org_id", id, "")
            .await?
            .i64("org_id")
    }

    pub async fn get_vehicle(&self, who: &Principal, id: i64) -> Result<Vehicle> {
        self.authorize(who, Permission::ViewCustomers, "vehicle").await?;
        let row = self.scoped_row(who, "vehicles", "v", VEHICLE_COLUMNS, id, "").await?;
        let mut v = vehicle_from_row(&row)?;
        for r in self
            .access(who)
            .fetch_all(
                &stmt("SELECT w.customer_id, c.name, w.start_date, w.end_date FROM ownerships w JOIN customers c ON c.id = w.customer_id \
                    WHERE w.vehicle_id = $1 ORDER BY w.start_date DESC, w.id DESC")
                .bind(id),
            )
            .await?
        {
            let owner = Owner {
                customer_id: r.i64("customer_id")?,
                customer_name: r.text("name")?,
                start_date: parse_date(Some(r.text("start_date")?)).unwrap_or_default(),
                end_date: parse_date(r.opt_text("end_date")?),
            };
            if owner.end_date.is_none() {
                v.current_owner_id = Some(owner.customer_id);
            }
            v.owners.push(owner);
        }
        for r in self.access(who).fetch_all(&stmt("SELECT read_on, km, source FROM mileage_readings WHERE vehicle_id = $1 ORDER BY read_on DESC, id DESC").bind(id)).await? {
            v.mileage.push(MileageReading { read_on: parse_date(Some(r.text("read_on")?)).unwrap_or_default(), km: r.i64("km")?, source: r.text("source")? });
        }
        Ok(v)
    }

    /// Vehicles in scope; `q` matches a VIN (full, prefix or last 6–8 characters) or a plate fragment.
    pub async fn list_vehicles(
        &self,
        who: &Principal,
        text: Option<&str>,
        cursor: Option<&str>,
        limit: Option<i64>,
    ) -> Result<Page<Vehicle>> {
        self.authorize(who, Permission::ViewCustomers, "vehicle").await?;
        let limit = page::limit(limit);
        let cursor = page::decode_cursor(cursor)?;
        let mut query = stmt(format!(
            "SELECT {VEHICLE_COLUMNS} FROM vehicles v JOIN orgs o ON o.id = v.org_id WHERE o.path LIKE "
        ));
        let p = query.param(who.scope().like_pattern());
        query.push_sql(&p);
        if let Some(t) = text.map(dcrc_domain::text::compact_upper).filter(|t| !t.is_empty()) {
            let cond = crate::capabilities::archive::data::customer_search::vehicle_match(&mut query, &t);
            query.push_sql(&format!(" AND ({cond})"));
        }
        if let Some(c) = cursor {
            let p = query.param(c);
            query.push_sql(&format!(" AND v.id > {p}"));
        }
        let p = query.param(limit + 1);
        query.push_sql(&format!(" ORDER BY v.id LIMIT {p}"));
        let rows = self.access(who).fetch_all(&query).await?;
        let items = rows.iter().map(vehicle_from_row).collect::<Result<Vec<_>>>()?;
        Ok(page::paginate(items, limit, |v| v.id))
    }

    /// Hands the vehicle to another customer of the same dealer from a date on.
    pub async fn change_owner(&self, who: &Principal, vehicle_id: i64, change: OwnerChange) -> Result<Vehicle> {
        self.vehicle_org(who, vehicle_id).await?;
        self.authorize(who, Permission::EditCustomers, "vehicle").await?;
        let now = self.now_ms();
        let mut tx = self.access(who).begin().await?;
        // The vehicle, the new owner and the current ownership are read on the locked rows.
        let org_id = lock_vehicle(&mut tx, who, vehicle_id).await?;
        lock_customer_of(&mut tx, who, change.customer_id, org_id, "customer_id").await?;
        let current = tx
            .fetch_optional(
                &stmt("SELECT customer_id, start_date FROM ownerships WHERE vehicle_id = $1 AND end_date IS NULL ORDER BY start_date DESC LIMIT 1")
                    .bind(vehicle_id),
            )
            .await?;
        let from = match &current {
            Some(r) => {
                if r.text("start_date")? > change.date.format("%Y-%m-%d").to_string() {
                    return Err(Invalid(vec![FieldError::new("date", "before_current_owner")]).into());
                }
                Some(r.i64("customer_id")?)
            }
            None => None,
        };
        start_ownership(&mut tx, now, vehicle_id, change.customer_id, org_id, change.date).await?;
        let detail = serde_json::json!({ "from": from, "to": change.customer_id, "date": change.date });
        audit::record(
            &mut tx,
            now,
            &Actor::from(who),
            Event::on("change_owner", "vehicle", vehicle_id, org_id, detail),
        )
        .await?;
        tx.commit().await?;
        self.get_vehicle(who, vehicle_id).await
    }

    /// Records a mileage reading.
    pub async fn record_mileage(&self, who: &Principal, vehicle_id: i64, reading: NewMileage) -> Result<Vehicle> {
        self.vehicle_org(who, vehicle_id).await?;
        self.authorize(who, Permission::EditCustomers, "vehicle").await?;
        if !(0..=5_000_000).contains(&reading.km) {
            return Err(Invalid(vec![FieldError::new("km", "range")
                .with("min", 0)
                .with("max", 5_000_000)])
            .into());
        }
        let mut tx = self.access(who).begin().await?;
        let org_id = lock_vehicle(&mut tx, who, vehicle_id).await?;
        add_mileage(&mut tx, vehicle_id, org_id, reading.read_on, reading.km, "manual").await?;
        tx.commit().await?;
        self.get_vehicle(who, vehicle_id).await
    }
}
