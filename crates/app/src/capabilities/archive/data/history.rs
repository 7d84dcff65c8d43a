//! History records of the archive: vehicle sales (售车档案), repair orders (维修档案) and
//! insurance policies. Each belongs to a customer and a vehicle of the same dealer.

use crate::capabilities::archive::data::customer_records::{different_dealer, lock_customer, lock_vehicle};
pub use crate::capabilities::archive::data::history_rules::{validate_policy, validate_repair, validate_sale};
use crate::capabilities::archive::data::types::{date_text, parse_date};
use crate::capabilities::archive::data::vehicles::{add_mileage, start_ownership};
use crate::capabilities::archive::events::{HistoryKind, HistoryRecorded};
use crate::core::audit::{self, Actor, Event};
use crate::core::db::{stmt, Row, Tx};
use crate::core::error::{Result, StoreError};
use crate::core::events::publish;
use crate::core::page::{self, Page};
use crate::core::principal::Principal;
use crate::Store;
use chrono::NaiveDate;
use dcrc_domain::{Invalid, Permission};
use serde::{Deserialize, Serialize};

/// A vehicle sale. Money is integer fen (1 yuan = 100 fen).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Sale {
    #[serde(default)]
    pub id: i64,
    #[serde(default)]
    pub org_id: i64,
    pub customer_id: i64,
    pub vehicle_id: i64,
    #[serde(default)]
    pub consultant_name: Option<String>,
    #[serde(default)]
    pub contract_date: Option<NaiveDate>,
    /// Storing a delivery date makes the customer the vehicle's owner from that day.
    #[serde(default)]
    pub delivery_date: Option<NaiveDate>,
    #[serde(default)]
    pub amount_fen: Option<i64>,
    #[serde(default)]
    pub source_record_id: Option<String>,
}

/// A repair order from the DMS.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RepairOrder {
    #[serde(default)]
    pub id: i64,
    #[serde(default)]
    pub org_id: i64,
    pub customer_id: i64,
    pub vehicle_id: i64,
    #[serde(default)]
    pub ro_number: Option<String>,
    pub opened_on: NaiveDate,
    #[serde(default)]
    pub delivered_on: Option<NaiveDate>,
    /// e.g. `maintenance`, `first_maintenance`, `repair`, `warranty`, `accident`, `other`.
    pub kind: String,
    #[serde(default)]
    pub mileage_km: Option<i64>,
    #[serde(default)]
    pub labour_fen: Option<i64>,
    #[serde(default)]
    pub parts_fen: Option<i64>,
    /// Defaults to labour + parts.
    #[serde(default)]
    pub total_fen: Option<i64>,
    #[serde(default)]
    pub advisor_name: Option<String>,
    #[serde(default)]
    pub fault_description: Option<String>,
    #[serde(default)]
    pub fault_code: Option<String>,
    #[serde(default)]
    pub source_record_id: Option<String>,
}

/// An insurance policy on a vehicle.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InsurancePolicy {
    #[serde(default)]
    pub id: i64,
    #[serde(default)]
    pub org_id: i64,
    pub customer_id: i64,
    pub vehicle_id: i64,
    pub insurer: String,
    /// e.g. `compulsory` (交强险), `commercial` (商业险).
    pub kind: String,
    #[serde(default)]
    pub policy_number: Option<String>,
    pub start_date: NaiveDate,
    pub expiry_date: NaiveDate,
    #[serde(default)]
    pub premium_fen: Option<i64>,
    #[serde(default)]
    pub source_record_id: Option<String>,
}

/// Which records to list.
#[derive(Debug, Clone, Default)]
pub struct HistoryFilter {
    pub customer_id: Option<i64>,
    pub vehicle_id: Option<i64>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

pub const REPAIR_KINDS: [&str; 6] = [
    "maintenance",
    "first_maintenance",
    "repair",
    "warranty",
    "accident",
    "other",
];

fn text(v: &Option<String>, max: usize) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.chars().take(max).collect())
}

fn dup(e: StoreError) -> StoreError {
    if e.is_unique_violation() {
        StoreError::Conflict {
            code: "source_record_taken",
            field: Some("source_record_id"),
        }
    } else {
        e
    }
}

fn sale_from_row(r: &Row) -> Result<Sale> {
    Ok(Sale {
        id: r.i64("id")?,
        org_id: r.i64("org_id")?,
        customer_id: r.i64("customer_id")?,
        vehicle_id: r.i64("vehicle_id")?,
        consultant_name: r.opt_text("consultant_name")?,
        contract_date: parse_date(r.opt_text("contract_date")?),
        delivery_date: parse_date(r.opt_text("delivery_date")?),
        amount_fen: r.opt_i64("amount_fen")?,
        source_record_id: r.opt_text("source_record_id")?,
    })
}

fn repair_from_row(r: &Row) -> Result<RepairOrder> {
    Ok(RepairOrder {
        id: r.i64("id")?,
        org_id: r.i64("org_id")?,
        customer_id: r.i64("customer_id")?,
        vehicle_id: r.i64("vehicle_id")?,
        ro_number: r.opt_text("ro_number")?,
        opened_on: parse_date(Some(r.text("opened_on")?)).unwrap_or_default(),
        delivered_on: parse_date(r.opt_text("delivered_on")?),
        kind: r.text("kind")?,
        mileage_km: r.opt_i64("mileage_km")?,
        labour_fen: r.opt_i64("labour_fen")?,
        parts_fen: r.opt_i64("parts_fen")?,
        total_fen: r.opt_i64("total_fen")?,
        advisor_name: r.opt_text("advisor_name")?,
        fault_description: r.opt_text("fault_description")?,
        fault_code: r.opt_text("fault_code")?,
        source_record_id: r.opt_text("source_record_id")?,
    })
}

fn policy_from_row(r: &Row) -> Result<InsurancePolicy> {
    Ok(InsurancePolicy {
        id: r.i64("id")?,
        org_id: r.i64("org_id")?,
        customer_id: r.i64("customer_id")?,
        vehicle_id: r.i64("vehicle_id")?,
        insurer: r.text("insurer")?,
        kind: r.text("kind")?,
        policy_number: r.opt_text("policy_number")?,
        start_date: parse_date(Some(r.text("start_date")?)).unwrap_or_default(),
        expiry_date: parse_date(Some(r.text("expiry_date")?)).unwrap_or_default(),
        premium_fen: r.opt_i64("premium_fen")?,
        source_record_id: r.opt_text("source_record_id")?,
    })
}

/// Stores a sale inside a transaction (API and import share it).
pub(crate) async fn insert_sale(tx: &mut Tx, now: i64, s: &Sale) -> Result<i64> {
    let row = tx
        .fetch_one(
            &stmt("INSERT INTO sales (org_id, customer_id, vehicle_id, consultant_name, contract_date, delivery_date, amount_fen, source_record_id, created_at) \
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id")
            .bind(s.org_id)
            .bind(s.customer_id)
            .bind(s.vehicle_id)
            .bind(text(&s.consultant_name, 40))
            .bind(date_text(s.contract_date))
            .bind(date_text(s.delivery_date))
            .bind(s.amount_fen)
            .bind(text(&s.source_record_id, 64))
            .bind(now),
        )
        .await
        .map_err(dup)?;
    if let Some(d) = s.delivery_date.or(s.contract_date) {
        start_ownership(tx, now, s.vehicle_id, s.customer_id, s.org_id, d).await?;
    }
    let id = row.i64("id")?;
    let recorded = HistoryRecorded {
        now_ms: now,
        kind: HistoryKind::Sale,
        org_id: s.org_id,
        record_id: id,
        customer_id: s.customer_id,
        vehicle_id: s.vehicle_id,
        day: s.delivery_date,
        staff: s.consultant_name.clone(),
    };
    publish(tx, &recorded).await?;
    Ok(id)
}

/// Stores a repair order: the reading joins the vehicle's mileage and the visit updates
/// the customer's last visit.
pub(crate) async fn insert_repair(tx: &mut Tx, now: i64, r: &RepairOrder) -> Result<i64> {
    let total = r.total_fen.or_else(|| match (r.labour_fen, r.parts_fen) {
        (None, None) => None,
        (l, p) => Some(l.unwrap_or(0) + p.unwrap_or(0)),
    });
    let row = tx
        .fetch_one(
            &stmt("INSERT INTO repair_orders (org_id, customer_id, vehicle_id, ro_number, opened_on, delivered_on, kind, mileage_km, labour_fen, parts_fen, \
                total_fen, advisor_name, fault_description, fault_code, source_record_id, created_at) \
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id")
            .bind(r.org_id)
            .bind(r.customer_id)
            .bind(r.vehicle_id)
            .bind(text(&r.ro_number, 40))
            .bind(r.opened_on.format("%Y-%m-%d").to_string())
            .bind(date_text(r.delivered_on))
            .bind(r.kind.as_str())
            .bind(r.mileage_km)
            .bind(r.labour_fen)
            .bind(r.parts_fen)
            .bind(total)
            .bind(text(&r.advisor_name, 40))
            .bind(text(&r.fault_description, 500))
            .bind(text(&r.fault_code, 40))
            .bind(text(&r.source_record_id, 64))
            .bind(now),
        )
        .await
        .map_err(dup)?;
    if let Some(km) = r.mileage_km {
        add_mileage(tx, r.vehicle_id, r.org_id, r.opened_on, km, "repair_order").await?;
    }
    let visit = r.opened_on.format("%Y-%m-%d").to_string();
    tx.execute(
        &stmt("UPDATE customers SET last_visit_date = $1 WHERE id = $2 AND (last_visit_date IS NULL OR last_visit_date < $1)").bind(&visit).bind(r.customer_id),
    )
    .await?;
    let id = row.i64("id")?;
    let recorded = HistoryRecorded {
        now_ms: now,
        kind: HistoryKind::RepairOrder,
        org_id: r.org_id,
        record_id: id,
        customer_id: r.customer_id,
        vehicle_id: r.vehicle_id,
        day: r.delivered_on,
        staff: r.advisor_name.clone(),
    };
    publish(tx, &recorded).await?;
    Ok(id)
}

pub(crate) async fn insert_policy(tx: &mut Tx, now: i64, p: &InsurancePolicy) -> Result<i64> {
    let row = tx
        .fetch_one(
            &stmt("INSERT INTO insurance_policies (org_id, customer_id, vehicle_id, insurer, kind, policy_number, start_date, expiry_date, premium_fen, source_record_id, created_at) \
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id")
            .bind(p.org_id)
            .bind(p.customer_id)
            .bind(p.vehicle_id)
            .bind(p.insurer.trim())
            .bind(p.kind.trim())
            .bind(text(&p.policy_number, 40))
            .bind(p.start_date.format("%Y-%m-%d").to_string())
            .bind(p.expiry_date.format("%Y-%m-%d").to_string())
            .bind(p.premium_fen)
            .bind(text(&p.source_record_id, 64))
            .bind(now),
        )
        .await
        .map_err(dup)?;
    let id = row.i64("id")?;
    let recorded = HistoryRecorded {
        now_ms: now,
        kind: HistoryKind::InsurancePolicy,
        org_id: p.org_id,
        record_id: id,
        customer_id: p.customer_id,
        vehicle_id: p.vehicle_id,
        day: Some(p.expiry_date),
        staff: None,
    };
    publish(tx, &recorded).await?;
    Ok(id)
}

impl Store {
    /// The dealer shared by a customer and a vehicle in scope.
    async fn pair_org(&self, who: &Principal, customer_id: i64, vehicle_id: i64) -> Result<i64> {
        let c = self.customer_org(who, customer_id).await?;
        let v = self.vehicle_org(who, vehicle_id).await?;
        if c != v {
            return Err(different_dealer("vehicle_id"));
        }
        Ok(c)
    }

    /// Writes one history record of the customer and vehicle `pair`, both locked in scope
    /// inside the transaction and still of `org_id` (the dealer [`Self::pair_org`] found).
    async fn record_history(
        &self,
        who: &Principal,
        entity: &str,
        (org_id, customer_id, vehicle_id): (i64, i64, i64),
        detail: serde_json::Value,
        insert: impl AsyncFnOnce(&mut Tx, i64) -> Result<i64>,
    ) -> Result<i64> {
        let now = self.now_ms();
        let mut tx = self.access(who).begin().await?;
        if lock_customer(&mut tx, who, customer_id).await? != org_id
            || lock_vehicle(&mut tx, who, vehicle_id).await? != org_id
        {
            return Err(different_dealer("vehicle_id"));
        }
        let id = insert(&mut tx, now).await?;
        audit::record(
            &mut tx,
            now,
            &Actor::from(who),
            Event {
                action: "create",
                entity,
                entity_id: Some(id.to_string()),
                org_id: Some(org_id),
                detail,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn create_sale(&self, who: &Principal, mut s: Sale) -> Result<Sale> {
        self.authorize(who, Permission::EditCustomers, "sale").await?;
        s.org_id = self.pair_org(who, s.customer_id, s.vehicle_id).await?;
        let mut errors = Invalid::default();
        validate_sale(&s, self.clock.today(), &mut errors);
        errors.finish()?;
        let detail = serde_json::json!({ "customer_id": s.customer_id, "vehicle_id": s.vehicle_id, "delivery_date": s.delivery_date });
        s.id = self
            .record_history(
                who,
                "sale",
                (s.org_id, s.customer_id, s.vehicle_id),
                detail,
                async |tx, now| insert_sale(tx, now, &s).await,
            )
            .await?;
        Ok(s)
    }

    pub async fn create_repair_order(&self, who: &Principal, mut r: RepairOrder) -> Result<RepairOrder> {
        self.authorize(who, Permission::EditCustomers, "repair_order").await?;
        r.org_id = self.pair_org(who, r.customer_id, r.vehicle_id).await?;
        let mut errors = Invalid::default();
        validate_repair(&r, self.clock.today(), &mut errors);
        errors.finish()?;
        let detail =
            serde_json::json!({ "customer_id": r.customer_id, "vehicle_id": r.vehicle_id, "opened_on": r.opened_on });
        r.id = self
            .record_history(
                who,
                "repair_order",
                (r.org_id, r.customer_id, r.vehicle_id),
                detail,
                async |tx, now| insert_repair(tx, now, &r).await,
            )
            .await?;
        if r.total_fen.is_none() && (r.labour_fen.is_some() || r.parts_fen.is_some()) {
            r.total_fen = Some(r.labour_fen.unwrap_or(0) + r.parts_fen.unwrap_or(0));
        }
        Ok(r)
    }

    pub async fn create_insurance_policy(&self, who: &Principal, mut p: InsurancePolicy) -> Result<InsurancePolicy> {
        self.authorize(who, Permission::EditCustomers, "insurance_policy")
            .await?;
        p.org_id = self.pair_org(who, p.customer_id, p.vehicle_id).await?;
        let mut errors = Invalid::default();
        validate_policy(&p, self.clock.today(), &mut errors);
        errors.finish()?;
        let detail = serde_json::json!({ "customer_id": p.customer_id, "vehicle_id": p.vehicle_id, "expiry_date": p.expiry_date });
        p.id = self
            .record_history(
                who,
                "insurance_policy",
                (p.org_id, p.customer_id, p.vehicle_id),
                detail,
                async |tx, now| insert_policy(tx, now, &p).await,
            )
            .await?;
        Ok(p)
    }

    /// Lists one kind of history record in scope, optionally for a customer or vehicle.
    async fn list_history<T>(
        &self,
        who: &Principal,
        table: &str,
        f: &HistoryFilter,
        map: fn(&Row) -> Result<T>,
        id: fn(&T) -> i64,
    ) -> Result<Page<T>> {
        self.authorize(who, Permission::ViewCustomers, table).await?;
        let limit = page::limit(f.limit);
        let cursor = page::decode_cursor(f.cursor.as_deref())?;
        let mut query = stmt(format!(
            "SELECT h.* FROM {table} h JOIN orgs o ON o.id = h.org_id WHERE o.path LIKE "
        ));
        let p = query.param(who.scope().like_pattern());
        query.push_sql(&p);
        if let Some(c) = f.customer_id {
            let p = query.param(c);
            query.push_sql(&format!(" AND h.customer_id = {p}"));
        }
        if let Some(v) = f.vehicle_id {
            let p = query.param(v);
            query.push_sql(&format!(" AND h.vehicle_id = {p}"));
        }
        if let Some(c) = cursor {
            let p = query.param(c);
            query.push_sql(&format!(" AND h.id > {p}"));
        }
        let p = query.param(limit + 1);
        query.push_sql(&format!(" ORDER BY h.id LIMIT {p}"));
        let items = self
            .access(who)
            .fetch_all(&query)
            .await?
            .iter()
            .map(map)
            .collect::<Result<Vec<_>>>()?;
        Ok(page::paginate(items, limit, id))
    }

    pub async fn list_sales(&self, who: &Principal, f: &HistoryFilter) -> Result<Page<Sale>> {
        self.list_history(who, "sales", f, sale_from_row, |s| s.id).await
    }

    pub async fn list_repair_orders(&self, who: &Principal, f: &HistoryFilter) -> Result<Page<RepairOrder>> {
        self.list_history(who, "repair_orders", f, repair_from_row, |r| r.id)
            .await
    }

    pub async fn list_insurance_policies(&self, who: &Principal, f: &HistoryFilter) -> Result<Page<InsurancePolicy>> {
        self.list_history(who, "insurance_policies", f, policy_from_row, |p| p.id)
            .await
    }
}
