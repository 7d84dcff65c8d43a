//! Writing customers: validated fields, phones and consents, duplicate detection. Shared
//! by the API, the import engine, merging and the demo generator.

use crate::capabilities::archive::data::customers::{ConsentInput, NewCustomer, PhoneInput};
use crate::capabilities::archive::data::types::{join_list, CustomerKind, PhoneStatus};
use crate::core::db::{stmt, Tx};
use crate::core::error::{Result, StoreError};
use crate::core::principal::Principal;
use crate::core::scoped::lock_in_scope;
use dcrc_domain::{validation, FieldError, IdNumber, Invalid, Phone, PhoneKind};

/// Validated phones: (digits, kind, status).
pub(crate) fn parse_phones(inputs: &[PhoneInput], errors: &mut Invalid) -> Vec<(Phone, PhoneStatus)> {
    let mut out: Vec<(Phone, PhoneStatus)> = Vec::new();
    for (i, p) in inputs.iter().enumerate() {
        match Phone::parse(&p.number) {
            Ok(phone) => {
                if !out.iter().any(|(o, _)| o == &phone) {
                    out.push((phone, p.status.unwrap_or_default()));
                }
            }
            Err(e) => errors.push(FieldError::new(format!("phones[{i}].number"), e.code())),
        }
    }
    out
}

pub(crate) fn opt_text(field: &str, value: Option<&str>, max: usize, errors: &mut Invalid) -> Option<String> {
    let v = value.map(str::trim).filter(|v| !v.is_empty())?;
    if v.chars().count() > max {
        errors.push(FieldError::new(field, "length").with("min", 0).with("max", max));
    }
    Some(v.to_string())
}

fn id_number(value: Option<&str>, errors: &mut Invalid) -> Option<String> {
    let v = value.map(str::trim).filter(|v| !v.is_empty())?;
    match IdNumber::parse(v) {
        Ok(id) => Some(id.as_str().to_string()),
        Err(e) => {
            errors.push(FieldError::new("id_number", e.code()));
            None
        }
    }
}

/// Another live customer of the dealer with one of these numbers, if any.
pub(crate) async fn find_duplicate(
    tx: &mut Tx,
    org_id: i64,
    phones: &[(Phone, PhoneStatus)],
    except: Option<i64>,
) -> Result<Option<i64>> {
    // Two requests with the same new number must not both find it free: each number is a
    // lock key for the rest of the transaction, taken in one order.
    let mut keys: Vec<String> = phones
        .iter()
        .map(|(p, _)| format!("phone:{org_id}:{}", p.digits()))
        .collect();
    keys.sort();
    keys.dedup();
    for key in &keys {
        tx.lock_key(key).await?;
    }
    for (phone, _) in phones {
        let row = tx
            .fetch_optional(
                &stmt("SELECT p.customer_id FROM customer_phones p JOIN customers c ON c.id = p.customer_id \
                    WHERE p.org_id = $1 AND p.digits = $2 AND c.merged_into IS NULL AND c.erased_at IS NULL AND p.customer_id <> $3 LIMIT 1")
                .bind(org_id)
                .bind(phone.digits())
                .bind(except.unwrap_or(-1)),
            )
            .await?;
        if let Some(r) = row {
            return Ok(Some(r.i64("customer_id")?));
        }
    }
    Ok(None)
}

/// Locks a customer's row for the rest of the transaction and checks, inside it, that the
/// customer is in the caller's scope and still live (not merged away or erased); returns
/// the customer's dealer. `NotFound` otherwise. Every write to a customer starts here.
pub(crate) async fn lock_customer(tx: &mut Tx, who: &Principal, id: i64) -> Result<i64> {
    lock_in_scope(
        tx,
        who,
        "customers",
        "r.org_id",
        id,
        " AND r.merged_into IS NULL AND r.erased_at IS NULL",
    )
    .await?
    .i64("org_id")
}

/// The refusal of a record tied to another dealer's, on the form's `field`.
pub(crate) fn different_dealer(field: &str) -> StoreError {
    Invalid(vec![FieldError::new(field, "different_dealer")]).into()
}

/// Locks customer `id` inside the transaction and checks it is a live customer of
/// `dealer` in scope; otherwise the form's `field` gets `different_dealer`.
pub(crate) async fn lock_customer_of(tx: &mut Tx, who: &Principal, id: i64, dealer: i64, field: &str) -> Result<()> {
    match lock_customer(tx, who, id).await {
        Ok(o) if o == dealer => Ok(()),
        Ok(_) | Err(StoreError::NotFound) => Err(different_dealer(field)),
        Err(e) => Err(e),
    }
}

/// Locks a vehicle's row in the caller's scope for the rest of the transaction; returns
/// its dealer (`NotFound` outside the scope).
pub(crate) async fn lock_vehicle(tx: &mut Tx, who: &Principal, id: i64) -> Result<i64> {
    lock_in_scope(tx, who, "vehicles", "r.org_id", id, "")
        .await?
        .i64("org_id")
}

/// Replaces a customer's phones, keeping the id and status of numbers that stay.
pub(crate) async fn replace_phones(
    tx: &mut Tx,
    now: i64,
    customer_id: i64,
    org_id: i64,
    phones: &[(Phone, PhoneStatus)],
    keep_status: bool,
) -> Result<()> {
    let existing = tx
        .fetch_all(&stmt("SELECT id, digits FROM customer_phones WHERE customer_id = $1").bind(customer_id))
        .await?;
    let mut kept = Vec::new();
    for r in &existing {
        let digits = r.text("digits")?;
        let id = r.i64("id")?;
        if phones.iter().any(|(p, _)| p.digits() == digits) {
            kept.push((id, digits));
        } else {
            tx.execute(&stmt("DELETE FROM customer_phones WHERE id = $1").bind(id))
                .await?;
        }
    }
    for (i, (phone, status)) in phones.iter().enumerate() {
        let primary = i == 0;
        match kept.iter().find(|(_, d)| d == phone.digits()) {
            Some((id, _)) => {
                let sql = if keep_status {
                    stmt("UPDATE customer_phones SET is_primary = $1, updated_at = $2 WHERE id = $3")
                        .bind(primary)
                        .bind(now)
                        .bind(*id)
                } else {
                    stmt("UPDATE customer_phones SET is_primary = $1, updated_at = $2, status = $4 WHERE id = $3")
                        .bind(primary)
                        .bind(now)
                        .bind(*id)
                        .bind(status.as_str())
                };
                tx.execute(&sql).await?;
            }
            None => {
                tx.execute(
                    &stmt("INSERT INTO customer_phones (customer_id, org_id, digits, kind, last4, status, is_primary, created_at, updated_at) \
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)")
                    .bind(customer_id)
                    .bind(org_id)
                    .bind(phone.digits())
                    .bind(match phone.kind() {
                        PhoneKind::Mobile => "mobile",
                        PhoneKind::Landline => "landline",
                    })
                    .bind(phone.last4())
                    .bind(status.as_str())
                    .bind(primary)
                    .bind(now),
                )
                .await?;
            }
        }
    }
    Ok(())
}

pub(crate) async fn insert_consents(
    tx: &mut Tx,
    now: i64,
    customer_id: i64,
    org_id: i64,
    consents: &[ConsentInput],
    actor: &str,
) -> Result<()> {
    for c in consents {
        tx.execute(
            &stmt("INSERT INTO consents (customer_id, org_id, purpose, granted, source, recorded_by, at, day) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .bind(customer_id)
                .bind(org_id)
                .bind(c.purpose.as_str())
                .bind(c.granted)
                .bind(c.source.clone().unwrap_or_else(|| "api".into()))
                .bind(actor)
                .bind(now)
                .bind(business_day(now)),
        )
        .await?;
        if !c.granted {
            // A withdrawal stops contact work for the purpose at once.
            let withdrawn = crate::capabilities::archive::events::ConsentWithdrawn {
                now_ms: now,
                customer_id,
                purpose: c.purpose.as_str().to_string(),
            };
            crate::core::events::publish(tx, &withdrawn).await?;
        }
    }
    Ok(())
}

/// Validated customer fields, shared by create, update and import.
pub(crate) struct CustomerFields {
    pub kind: CustomerKind,
    pub name: String,
    pub gender: Option<String>,
    pub id_number: Option<String>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub district: Option<String>,
    pub address: Option<String>,
    pub attributes: String,
    pub tags: String,
    pub membership_level: Option<String>,
    pub referred_by: Option<i64>,
}

impl CustomerFields {
    pub(crate) fn validate(input: &NewCustomer, errors: &mut Invalid) -> CustomerFields {
        CustomerFields {
            kind: input.kind,
            name: validation::text("name", &input.name, 100, errors),
            gender: opt_text("gender", input.gender.as_deref(), 10, errors),
            id_number: id_number(input.id_number.as_deref(), errors),
            province: opt_text("province", input.province.as_deref(), 20, errors),
            city: opt_text("city", input.city.as_deref(), 30, errors),
            district: opt_text("district", input.district.as_deref(), 30, errors),
            address: opt_text("address", input.address.as_deref(), 200, errors),
            attributes: join_list(&input.attributes),
            tags: join_list(&input.tags),
            membership_level: opt_text("membership_level", input.membership_level.as_deref(), 30, errors),
            referred_by: input.referred_by,
        }
    }
}

/// Inserts a validated customer and returns its id.
pub(crate) async fn insert_customer(
    tx: &mut Tx,
    now: i64,
    org_id: i64,
    f: &CustomerFields,
    source_record_id: Option<&str>,
) -> Result<i64> {
    let row = tx
        .fetch_one(
            &stmt("INSERT INTO customers (org_id, kind, name, gender, id_number, province, city, district, address, attributes, tags, \
                membership_level, referred_by, source_record_id, created_at, updated_at) \
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING id")
            .bind(org_id)
            .bind(f.kind.as_str())
            .bind(&f.name)
            .bind(f.gender.clone())
            .bind(f.id_number.clone())
            .bind(f.province.clone())
            .bind(f.city.clone())
            .bind(f.district.clone())
            .bind(f.address.clone())
            .bind(&f.attributes)
            .bind(&f.tags)
            .bind(f.membership_level.clone())
            .bind(f.referred_by)
            .bind(source_record_id)
            .bind(now),
        )
        .await
        .map_err(|e| if e.is_unique_violation() { StoreError::Conflict { code: "source_record_taken", field: Some("source_record_id") } } else { e })?;
    row.i64("id")
}

/// The business date (Asia/Shanghai) of an instant in ms, `2026-12-03`.
pub(crate) fn business_day(ms: i64) -> String {
    dcrc_domain::clock::business_date(dcrc_domain::clock::ms_to_time(ms))
        .format("%Y-%m-%d")
        .to_string()
}

/// Changes a number's contact status and records the change for the customer's
/// timeline (`source`: `call`, `edit` or `replaced`), inside the caller's transaction.
/// Returns whether the number belongs to the customer.
pub async fn change_phone_status(
    tx: &mut Tx,
    now: i64,
    customer_id: i64,
    phone_id: i64,
    status: &str,
    source: &str,
    actor: &str,
) -> Result<bool> {
    let Some(row) = tx
        .fetch_optional(
            &stmt("SELECT org_id, last4, status FROM customer_phones WHERE id = $1 AND customer_id = $2")
                .bind(phone_id)
                .bind(customer_id),
        )
        .await?
    else {
        return Ok(false);
    };
    if row.text("status")? == status {
        return Ok(true);
    }
    tx.execute(
        &stmt("UPDATE customer_phones SET status = $1, updated_at = $2 WHERE id = $3")
            .bind(status)
            .bind(now)
            .bind(phone_id),
    )
    .await?;
    tx.execute(
        &stmt(
            "INSERT INTO phone_status_changes (customer_id, org_id, phone_id, last4, status, source, actor, day, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(customer_id)
        .bind(row.i64("org_id")?)
        .bind(phone_id)
        .bind(row.text("last4")?)
        .bind(status)
        .bind(source)
        .bind(actor)
        .bind(business_day(now))
        .bind(now),
    )
    .await?;
    Ok(true)
}
