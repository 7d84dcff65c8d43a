//! Fixing one number from the archive page: its contact status, or a replacement number
//! (the old one is wrong, the customer gave a new one) — one transaction on the locked
//! customer, the change kept on the customer's timeline and audited.

use crate::capabilities::archive::data::customer_records::{
    change_phone_status, find_duplicate, lock_customer, parse_phones,
};
use crate::capabilities::archive::data::customers::{Customer, PhoneInput};
use crate::capabilities::archive::data::types::PhoneStatus;
use crate::core::audit::{self, Actor, Event};
use crate::core::db::stmt;
use crate::core::error::{Result, StoreError};
use crate::core::principal::Principal;
use crate::Store;
use dcrc_domain::{Invalid, Permission};

/// What to change on one number.
#[derive(Debug, Clone)]
pub struct PhoneFix {
    pub status: PhoneStatus,
    /// A new number in place of this one (becomes valid).
    pub replacement: Option<String>,
}

impl Store {
    /// Changes one number of a customer in scope.
    pub async fn fix_phone(&self, who: &Principal, customer_id: i64, phone_id: i64, fix: PhoneFix) -> Result<Customer> {
        self.customer_org(who, customer_id).await?;
        self.authorize(who, Permission::EditCustomers, "customer").await?;
        let mut errors = Invalid::default();
        let replacement = fix
            .replacement
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(|r| {
                parse_phones(
                    &[PhoneInput {
                        number: r.to_string(),
                        status: None,
                    }],
                    &mut errors,
                )
            });
        // `phones[0]` is the replacement's field as parse_phones names it.
        let errors = Invalid(
            errors
                .0
                .into_iter()
                .map(|mut e| {
                    e.field = "replacement".into();
                    e
                })
                .collect(),
        );
        errors.finish()?;
        let now = self.now_ms();
        let mut tx = self.access(who).begin().await?;
        let org_id = lock_customer(&mut tx, who, customer_id).await?;
        let detail = match replacement.as_deref() {
            Some([(phone, _)]) => {
                let new = [(phone.clone(), PhoneStatus::Valid)];
                if let Some(existing) = find_duplicate(&mut tx, org_id, &new, Some(customer_id)).await? {
                    return Err(StoreError::Duplicate { existing_id: existing });
                }
                let n = tx
                    .execute(
                        &stmt(
                            "UPDATE customer_phones SET digits = $1, last4 = $2, status = 'valid', updated_at = $3 \
                             WHERE id = $4 AND customer_id = $5",
                        )
                        .bind(phone.digits())
                        .bind(phone.last4())
                        .bind(now)
                        .bind(phone_id)
                        .bind(customer_id),
                    )
                    .await?;
                if n == 0 {
                    return Err(StoreError::NotFound);
                }
                tx.execute(
                    &stmt(
                        "INSERT INTO phone_status_changes (customer_id, org_id, phone_id, last4, status, source, actor, day, at) \
                         VALUES ($1, $2, $3, $4, 'valid', 'replaced', $5, $6, $7)",
                    )
                    .bind(customer_id)
                    .bind(org_id)
                    .bind(phone_id)
                    .bind(phone.last4())
                    .bind(who.display_name.as_str())
                    .bind(crate::capabilities::archive::data::customer_records::business_day(now))
                    .bind(now),
                )
                .await?;
                serde_json::json!({ "phone_id": phone_id, "replaced": true })
            }
            _ => {
                let status = fix.status.as_str();
                if !change_phone_status(&mut tx, now, customer_id, phone_id, status, "edit", &who.display_name).await? {
                    return Err(StoreError::NotFound);
                }
                serde_json::json!({ "phone_id": phone_id, "status": status })
            }
        };
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
}
