//! Changing customers: fields, phones and their status, consents; and revealing personal
//! data to the roles that may see it, audited.

use crate::capabilities::archive::data::customer_records::{lock_customer, lock_customer_of};
use crate::capabilities::archive::data::customers::{
    find_duplicate, insert_consents, parse_phones, replace_phones, ConsentInput, Customer, CustomerPatch,
};
use crate::capabilities::archive::data::types::{join_list, ConsentPurpose, PhoneStatus};
use crate::core::audit::{self, Actor, Event};
use crate::core::db::stmt;
use crate::core::error::{Result, StoreError};
use crate::core::principal::Principal;
use crate::Store;
use dcrc_domain::{FieldError, IdNumber, Invalid, Permission};
use serde::Serialize;

/// A customer's personal data in full, for a permitted role (each reveal is audited).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Revealed {
    pub customer_id: i64,
    pub phones: Vec<RevealedPhone>,
    pub id_number: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RevealedPhone {
    pub id: i64,
    /// Digits only, ready for `tel:`.
    pub number: String,
}

fn trimmed(v: &Option<String>) -> Option<Option<String>> {
    v.as_ref().map(|s| Some(s.trim().to_string()).filter(|s| !s.is_empty()))
}

impl Store {
    /// Changes a customer in scope.
    pub async fn update_customer(&self, who: &Principal, id: i64, patch: CustomerPatch) -> Result<Customer> {
        self.retrying(|| self.update_customer_once(who, id, patch.clone()))
            .await
    }

    async fn update_customer_once(&self, who: &Principal, id: i64, patch: CustomerPatch) -> Result<Customer> {
        let before = self.get_customer(who, id).await?;
        self.authorize(who, Permission::EditCustomers, "customer").await?;
        let mut errors = Invalid::default();
        let name = patch
            .name
            .as_deref()
            .map(|n| dcrc_domain::validation::text("name", n, 100, &mut errors));
        let phones = patch.phones.as_deref().map(|p| parse_phones(p, &mut errors));
        let id_number = match patch.id_number.as_deref().map(str::trim) {
            None => None,
            Some("") => Some(None),
            Some(v) => match IdNumber::parse(v) {
                Ok(n) => Some(Some(n.as_str().to_string())),
                Err(e) => {
                    errors.push(FieldError::new("id_number", e.code()));
                    None
                }
            },
        };
        if let Some(r) = patch.referred_by {
            if r == id || self.customer_org(who, r).await.ok() != Some(before.org_id) {
                errors.push(FieldError::new("referred_by", "different_dealer"));
            }
        }
        errors.finish()?;
        let now = self.now_ms();
        let mut tx = self.access(who).begin().await?;
        let org_id = lock_customer(&mut tx, who, id).await?;
        if let Some(r) = patch.referred_by {
            // Checked again on the locked rows: the referrer may have moved since.
            lock_customer_of(&mut tx, who, r, org_id, "referred_by").await?;
        }
        if let Some(phones) = &phones {
            if let Some(existing) = find_duplicate(&mut tx, org_id, phones, Some(id)).await? {
                return Err(StoreError::Duplicate { existing_id: existing });
            }
            replace_phones(&mut tx, now, id, org_id, phones, true).await?;
        }
        let mut query = stmt("UPDATE customers SET updated_at = $1");
        let set = |col: &str, v: crate::core::db::Value, query: &mut crate::core::db::Query| {
            let p = query.param(v);
            query.push_sql(&format!(", {col} = {p}"));
        };
        query.param(now);
        if let Some(k) = patch.kind {
            set("kind", k.as_str().into(), &mut query);
        }
        if let Some(n) = &name {
            set("name", n.clone().into(), &mut query);
        }
        for (col, v) in [
            ("gender", trimmed(&patch.gender)),
            ("province", trimmed(&patch.province)),
            ("city", trimmed(&patch.city)),
            ("district", trimmed(&patch.district)),
            ("address", trimmed(&patch.address)),
            ("membership_level", trimmed(&patch.membership_level)),
        ] {
            if let Some(v) = v {
                set(col, v.into(), &mut query);
            }
        }
        if let Some(v) = id_number {
            set("id_number", v.into(), &mut query);
        }
        if let Some(a) = &patch.attributes {
            set("attributes", join_list(a).into(), &mut query);
        }
        if let Some(t) = &patch.tags {
            set("tags", join_list(t).into(), &mut query);
        }
        if let Some(r) = patch.referred_by {
            set("referred_by", r.into(), &mut query);
        }
        let p = query.param(id);
        query.push_sql(&format!(" WHERE id = {p}"));
        tx.execute(&query).await?;
        if let Some(consents) = &patch.consents {
            insert_consents(&mut tx, now, id, org_id, consents, &who.username).await?;
        }
        let detail = serde_json::json!({ "fields": changed_fields(&patch) });
        audit::record(
            &mut tx,
            now,
            &Actor::from(who),
            Event::on("update", "customer", id, org_id, detail),
        )
        .await?;
        tx.commit().await?;
        self.get_customer(who, id).await
    }

    /// Records what a call taught us about a number (wrong number, empty number …).
    pub async fn set_phone_status(
        &self,
        who: &Principal,
        customer_id: i64,
        phone_id: i64,
        status: PhoneStatus,
    ) -> Result<Customer> {
        self.customer_org(who, customer_id).await?;
        self.authorize(who, Permission::EditCustomers, "customer").await?;
        let now = self.now_ms();
        let mut tx = self.access(who).begin().await?;
        let org_id = lock_customer(&mut tx, who, customer_id).await?;
        let found = crate::capabilities::archive::data::customer_records::change_phone_status(
            &mut tx,
            now,
            customer_id,
            phone_id,
            status.as_str(),
            "edit",
            &who.display_name,
        )
        .await?;
        if !found {
            return Err(StoreError::NotFound);
        }
        let detail = serde_json::json!({ "phone_id": phone_id, "status": status });
        audit::record(
            &mut tx,
            now,
            &Actor::from(who),
            Event::on("update", "customer_phone", phone_id, org_id, detail),
        )
        .await?;
        tx.commit().await?;
        self.get_customer(who, customer_id).await
    }

    /// Records consent decisions (grant or withdrawal), effective at once.
    pub async fn record_consents(
        &self,
        who: &Principal,
        customer_id: i64,
        consents: &[ConsentInput],
    ) -> Result<Customer> {
        self.customer_org(who, customer_id).await?;
        self.authorize(who, Permission::EditCustomers, "customer").await?;
        if consents.is_empty() {
            return Err(Invalid(vec![FieldError::new("consents", "required")]).into());
        }
        let now = self.now_ms();
        let mut tx = self.access(who).begin().await?;
        let org_id = lock_customer(&mut tx, who, customer_id).await?;
        insert_consents(&mut tx, now, customer_id, org_id, consents, &who.username).await?;
        let detail = serde_json::json!({ "consents": consents.iter().map(|c| (c.purpose.as_str(), c.granted)).collect::<Vec<_>>() });
        audit::record(
            &mut tx,
            now,
            &Actor::from(who),
            Event::on("consent", "customer", customer_id, org_id, detail),
        )
        .await?;
        tx.commit().await?;
        self.get_customer(who, customer_id).await
    }

    /// The customer's full numbers and ID number; audited as `reveal`.
    pub async fn reveal_customer(&self, who: &Principal, customer_id: i64) -> Result<Revealed> {
        let org_id = self.customer_org(who, customer_id).await?;
        self.authorize(who, Permission::RevealPersonal, "customer").await?;
        let phones = self
            .access(who)
            .fetch_all(
                &stmt("SELECT id, digits FROM customer_phones WHERE customer_id = $1 ORDER BY is_primary DESC, id")
                    .bind(customer_id),
            )
            .await?
            .iter()
            .map(|r| {
                Ok(RevealedPhone {
                    id: r.i64("id")?,
                    number: r.text("digits")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let id_number = self
            .access(who)
            .fetch_one(&stmt("SELECT id_number FROM customers WHERE id = $1").bind(customer_id))
            .await?
            .opt_text("id_number")?;
        let detail = serde_json::json!({ "phones": phones.len(), "id_number": id_number.is_some() });
        self.audit(
            &who.into(),
            Event::on("reveal", "customer", customer_id, org_id, detail),
        )
        .await?;
        Ok(Revealed {
            customer_id,
            phones,
            id_number,
        })
    }

    /// Whether the customer may be contacted for a purpose now (asked by every work
    /// generator): the latest decision wins; service contact is assumed for existing
    /// customers unless withdrawn — a contract with them is its legal basis (PIPL art. 13).
    pub async fn may_contact(&self, who: &Principal, customer_id: i64, purpose: ConsentPurpose) -> Result<bool> {
        self.customer_org(who, customer_id).await?;
        let row = self
            .access(who)
            .fetch_optional(&consent_query(customer_id, purpose.as_str()))
            .await?;
        consent_granted(row.as_ref(), purpose.as_str())
    }
}

/// The customer's latest consent decision for a purpose.
pub(crate) fn consent_query(customer_id: i64, purpose: &str) -> crate::core::db::Query {
    stmt("SELECT granted FROM consents WHERE customer_id = $1 AND purpose = $2 ORDER BY id DESC LIMIT 1")
        .bind(customer_id)
        .bind(purpose)
}

/// What the latest decision allows: with none on file, service contact only.
pub(crate) fn consent_granted(latest: Option<&crate::core::db::Row>, purpose: &str) -> Result<bool> {
    match latest {
        Some(r) => r.bool("granted"),
        None => Ok(purpose == ConsentPurpose::ServiceContact.as_str()),
    }
}

fn changed_fields(p: &CustomerPatch) -> Vec<&'static str> {
    let mut f = Vec::new();
    let mut add = |present: bool, name: &'static str| {
        if present {
            f.push(name);
        }
    };
    add(p.kind.is_some(), "kind");
    add(p.name.is_some(), "name");
    add(p.phones.is_some(), "phones");
    add(p.gender.is_some(), "gender");
    add(p.id_number.is_some(), "id_number");
    add(
        p.province.is_some() || p.city.is_some() || p.district.is_some() || p.address.is_some(),
        "region",
    );
    add(p.attributes.is_some(), "attributes");
    add(p.tags.is_some(), "tags");
    add(p.membership_level.is_some(), "membership_level");
    add(p.referred_by.is_some(), "referred_by");
    add(p.consents.is_some(), "consents");
    f
}
