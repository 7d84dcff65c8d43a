//! Customers: the heart of the archive. Phones are normalised and stored as digits, shown
//! masked; consents are kept per purpose as an append-only history.

use crate::capabilities::accounts::data::orgs::Org;
use crate::capabilities::archive::data::types::{split_list, ConsentPurpose, CustomerKind, PhoneStatus};
use crate::core::audit::{self, Actor, Event};
use crate::core::db::{stmt, Row};
use crate::core::error::{Result, StoreError};
use crate::core::principal::Principal;
use crate::Store;
use chrono::{DateTime, NaiveDate, Utc};
use dcrc_domain::clock::ms_to_time;
use dcrc_domain::phone::mask_digits;
use dcrc_domain::{FieldError, Invalid, OrgKind, Permission, PhoneKind};
use serde::{Deserialize, Serialize};

pub(crate) use crate::capabilities::archive::data::customer_records::{
    find_duplicate, insert_consents, insert_customer, opt_text, parse_phones, replace_phones, CustomerFields,
};

/// A phone number as shown: masked unless revealed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PhoneView {
    pub id: i64,
    /// `138****5678`
    pub masked: String,
    pub kind: PhoneKind,
    pub status: PhoneStatus,
    pub is_primary: bool,
}

/// The latest decision for one purpose.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ConsentView {
    pub purpose: ConsentPurpose,
    pub granted: bool,
    pub at: DateTime<Utc>,
    /// Where the decision came from: `in_store`, `phone`, `import`, `web` …
    pub source: String,
}

/// A vehicle the customer owns now or owned.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OwnedVehicle {
    pub vehicle_id: i64,
    pub vin: String,
    pub plate: Option<String>,
    pub model: Option<String>,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
}

/// A customer with everything the 360 view shows at the top.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Customer {
    pub id: i64,
    /// The dealer the customer belongs to.
    pub org_id: i64,
    pub kind: CustomerKind,
    pub name: String,
    pub gender: Option<String>,
    /// The resident ID number, masked (`440***********123X`).
    pub id_number_masked: Option<String>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub district: Option<String>,
    pub address: Option<String>,
    /// e.g. `private`, `company`, `fleet`, `taxi`.
    pub attributes: Vec<String>,
    pub tags: Vec<String>,
    pub membership_level: Option<String>,
    /// The customer who referred this one (以老带新).
    pub referred_by: Option<i64>,
    /// The record's id in the DMS it was imported from.
    pub source_record_id: Option<String>,
    pub last_visit_date: Option<NaiveDate>,
    /// Whole years since the customer's first vehicle with this dealer, computed from
    /// ownership history.
    pub loyalty_years: i64,
    pub phones: Vec<PhoneView>,
    pub consents: Vec<ConsentView>,
    pub vehicles: Vec<OwnedVehicle>,
    /// Set when the customer was anonymised on request.
    pub erased: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One phone number in input.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhoneInput {
    /// Any common way of writing it: `138 1234 5678`, `+86-138…`, `020-8888 1234`, full-width digits.
    pub number: String,
    #[serde(default)]
    pub status: Option<PhoneStatus>,
}

/// A consent decision in input.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentInput {
    pub purpose: ConsentPurpose,
    pub granted: bool,
    /// Where it came from (default `api`).
    #[serde(default)]
    pub source: Option<String>,
}

/// Input for a new customer.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCustomer {
    /// The dealer; defaults to the caller's own organisation when that is a dealer.
    #[serde(default)]
    pub org_id: Option<i64>,
    #[serde(default)]
    pub kind: CustomerKind,
    pub name: String,
    /// The first is the primary number.
    #[serde(default)]
    pub phones: Vec<PhoneInput>,
    #[serde(default)]
    pub gender: Option<String>,
    #[serde(default)]
    pub id_number: Option<String>,
    #[serde(default)]
    pub province: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub district: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub attributes: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub membership_level: Option<String>,
    #[serde(default)]
    pub referred_by: Option<i64>,
    #[serde(default)]
    pub source_record_id: Option<String>,
    #[serde(default)]
    pub consents: Vec<ConsentInput>,
    /// Create even though another customer of the dealer has one of these numbers
    /// (a family sharing a phone); otherwise that is a `duplicate_customer` conflict.
    #[serde(default)]
    pub allow_duplicate: bool,
}

/// A change to a customer; absent fields stay as they are. `phones`, when present,
/// replaces the list (numbers kept keep their id and status).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerPatch {
    pub kind: Option<CustomerKind>,
    pub name: Option<String>,
    pub phones: Option<Vec<PhoneInput>>,
    pub gender: Option<String>,
    pub id_number: Option<String>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub district: Option<String>,
    pub address: Option<String>,
    pub attributes: Option<Vec<String>>,
    pub tags: Option<Vec<String>>,
    pub membership_level: Option<String>,
    pub referred_by: Option<i64>,
    pub consents: Option<Vec<ConsentInput>>,
}

const CUSTOMER_COLUMNS: &str = "c.id, c.org_id, c.kind, c.name, c.gender, c.id_number, c.province, c.city, c.district, c.address, \
     c.attributes, c.tags, c.membership_level, c.referred_by, c.source_record_id, c.last_visit_date, c.erased_at, c.created_at, c.updated_at";

fn customer_from_row(r: &Row) -> Result<Customer> {
    Ok(Customer {
        id: r.i64("id")?,
        org_id: r.i64("org_id")?,
        kind: CustomerKind::parse(&r.text("kind")?).unwrap_or_default(),
        name: r.text("name")?,
        gender: r.opt_text("gender")?,
        id_number_masked: r.opt_text("id_number")?.map(|n| mask_digits(&n)),
        province: r.opt_text("province")?,
        city: r.opt_text("city")?,
        district: r.opt_text("district")?,
        address: r.opt_text("address")?,
        attributes: split_list(&r.text("attributes")?),
        tags: split_list(&r.text("tags")?),
        membership_level: r.opt_text("membership_level")?,
        referred_by: r.opt_i64("referred_by")?,
        source_record_id: r.opt_text("source_record_id")?,
        last_visit_date: crate::capabilities::archive::data::types::parse_date(r.opt_text("last_visit_date")?),
        loyalty_years: 0,
        phones: Vec::new(),
        consents: Vec::new(),
        vehicles: Vec::new(),
        erased: r.opt_i64("erased_at")?.is_some(),
        created_at: ms_to_time(r.i64("created_at")?),
        updated_at: ms_to_time(r.i64("updated_at")?),
    })
}

impl Store {
    /// The dealer a new archive record belongs to: the one named (in scope), or the
    /// caller's own organisation when that is a dealer.
    pub async fn dealer_for(&self, who: &Principal, org_id: Option<i64>) -> Result<Org> {
        let org = match org_id {
            Some(id) => self.get_org(who.scope(), id).await?,
            None if who.org_kind == OrgKind::Dealer => self.get_org(who.scope(), who.org_id).await?,
            None => return Err(Invalid(vec![FieldError::new("org_id", "required")]).into()),
        };
        if org.kind != OrgKind::Dealer {
            return Err(Invalid(vec![FieldError::new("org_id", "must_be_dealer")]).into());
        }
        Ok(org)
    }

    /// Creates a customer; a number another live customer of the dealer already has is a
    /// `duplicate_customer` conflict unless `allow_duplicate` is set.
    pub async fn create_customer(&self, who: &Principal, input: NewCustomer) -> Result<Customer> {
        self.retrying(|| self.create_customer_once(who, input.clone())).await
    }

    async fn create_customer_once(&self, who: &Principal, input: NewCustomer) -> Result<Customer> {
        self.authorize(who, Permission::EditCustomers, "customer").await?;
        let dealer = self.dealer_for(who, input.org_id).await?;
        let mut errors = Invalid::default();
        let fields = CustomerFields::validate(&input, &mut errors);
        let phones = parse_phones(&input.phones, &mut errors);
        let source = opt_text("source_record_id", input.source_record_id.as_deref(), 64, &mut errors);
        if let Some(r) = input.referred_by {
            if self.customer_org(who, r).await? != dealer.id {
                errors.push(FieldError::new("referred_by", "different_dealer"));
            }
        }
        errors.finish()?;
        let now = self.now_ms();
        let mut tx = self.access(who).begin().await?;
        if let Some(r) = input.referred_by {
            crate::capabilities::archive::data::customer_records::lock_customer_of(
                &mut tx,
                who,
                r,
                dealer.id,
                "referred_by",
            )
            .await?;
        }
        if !input.allow_duplicate {
            if let Some(existing) = find_duplicate(&mut tx, dealer.id, &phones, None).await? {
                return Err(StoreError::Duplicate { existing_id: existing });
            }
        }
        let id = insert_customer(&mut tx, now, dealer.id, &fields, source.as_deref()).await?;
        replace_phones(&mut tx, now, id, dealer.id, &phones, false).await?;
        insert_consents(&mut tx, now, id, dealer.id, &input.consents, &who.username).await?;
        let detail = serde_json::json!({ "name": fields.name, "phones": phones.len() });
        audit::record(
            &mut tx,
            now,
            &Actor::from(who),
            Event::on("create", "customer", id, dealer.id, detail),
        )
        .await?;
        tx.commit().await?;
        self.get_customer(who, id).await
    }

    /// The dealer of a customer in scope (`NotFound` outside it).
    pub async fn customer_org(&self, who: &Principal, id: i64) -> Result<i64> {
        self.scoped_row(who, "customers", "c", "c.org_id", id, " AND c.merged_into IS NULL")
            .await?
            .i64("org_id")
    }

    /// A customer in scope, with phones (masked), consents, vehicles and loyalty.
    pub async fn get_customer(&self, who: &Principal, id: i64) -> Result<Customer> {
        self.authorize(who, Permission::ViewCustomers, "customer").await?;
        let row = self
            .scoped_row(
                who,
                "customers",
                "c",
                CUSTOMER_COLUMNS,
                id,
                " AND c.merged_into IS NULL",
            )
            .await?;
        let mut c = customer_from_row(&row)?;
        for r in self.access(who).fetch_all(&stmt("SELECT id, digits, kind, status, is_primary FROM customer_phones WHERE customer_id = $1 ORDER BY is_primary DESC, id").bind(id)).await? {
            c.phones.push(PhoneView {
                id: r.i64("id")?,
                masked: mask_digits(&r.text("digits")?),
                kind: if r.text("kind")? == "landline" { PhoneKind::Landline } else { PhoneKind::Mobile },
                status: PhoneStatus::parse(&r.text("status")?).unwrap_or_default(),
                is_primary: r.bool("is_primary")?,
            });
        }
        for r in self
            .access(who)
            .fetch_all(
                &stmt("SELECT purpose, granted, source, at FROM consents WHERE customer_id = $1 ORDER BY id").bind(id),
            )
            .await?
        {
            let Some(purpose) = ConsentPurpose::parse(&r.text("purpose")?) else {
                continue;
            };
            let view = ConsentView {
                purpose,
                granted: r.bool("granted")?,
                at: ms_to_time(r.i64("at")?),
                source: r.text("source")?,
            };
            c.consents.retain(|v| v.purpose != purpose);
            c.consents.push(view);
        }
        for r in self
            .access(who)
            .fetch_all(
                &stmt("SELECT v.id, v.vin, v.plate, v.model, w.start_date, w.end_date FROM ownerships w JOIN vehicles v ON v.id = w.vehicle_id \
                    WHERE w.customer_id = $1 ORDER BY w.end_date IS NULL DESC, w.start_date DESC")
                .bind(id),
            )
            .await?
        {
            c.vehicles.push(OwnedVehicle {
                vehicle_id: r.i64("id")?,
                vin: r.text("vin")?,
                plate: r.opt_text("plate")?,
                model: r.opt_text("model")?,
                start_date: crate::capabilities::archive::data::types::parse_date(Some(r.text("start_date")?)).unwrap_or_default(),
                end_date: crate::capabilities::archive::data::types::parse_date(r.opt_text("end_date")?),
            });
        }
        c.loyalty_years = loyalty_years(&c.vehicles, self.clock.today());
        Ok(c)
    }
}

/// Whole years from the first ownership start to today (or to the last end when the
/// customer owns nothing now).
pub fn loyalty_years(vehicles: &[OwnedVehicle], today: NaiveDate) -> i64 {
    let Some(first) = vehicles.iter().map(|v| v.start_date).min() else {
        return 0;
    };
    let until = if vehicles.iter().any(|v| v.end_date.is_none()) {
        today
    } else {
        vehicles.iter().filter_map(|v| v.end_date).max().unwrap_or(today)
    };
    let mut years = i64::from(until.years_since(first).unwrap_or(0));
    if years < 0 {
        years = 0;
    }
    years
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(start: &str, end: Option<&str>) -> OwnedVehicle {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        OwnedVehicle {
            vehicle_id: 1,
            vin: String::new(),
            plate: None,
            model: None,
            start_date: d(start),
            end_date: end.map(d),
        }
    }

    #[test]
    fn loyalty_counts_whole_years_of_ownership() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(loyalty_years(&[], today), 0);
        assert_eq!(loyalty_years(&[owned("2020-11-24", None)], today), 5);
        assert_eq!(loyalty_years(&[owned("2020-11-23", None)], today), 6);
        assert_eq!(
            loyalty_years(
                &[owned("2018-01-01", Some("2021-06-01")), owned("2021-06-01", None)],
                today
            ),
            8
        );
        assert_eq!(
            loyalty_years(&[owned("2015-01-01", Some("2019-01-01"))], today),
            4,
            "no vehicle now: counted to the last one"
        );
    }
}
