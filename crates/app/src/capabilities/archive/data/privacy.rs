//! PIPL rights on request: a customer's data as JSON (access and portability) and erasure
//! (personal fields anonymised, non-personal history kept for aggregates). Both audited.

use crate::core::audit::{self, Actor, Event};
use crate::core::db::stmt;
use crate::core::error::Result;
use crate::core::principal::Principal;
use crate::Store;
use dcrc_domain::Permission;

impl Store {
    /// Everything personal DCRC holds about a customer, unmasked, as one JSON document.
    pub async fn customer_personal_data(&self, who: &Principal, id: i64) -> Result<serde_json::Value> {
        let org_id = self.customer_org(who, id).await?;
        self.authorize(who, Permission::ErasePersonal, "customer").await?;
        let c = self.get_customer(who, id).await?;
        let raw = self
            .access(who)
            .fetch_one(&stmt("SELECT id_number, source_record_id FROM customers WHERE id = $1").bind(id))
            .await?;
        let phones = self.reveal_customer(who, id).await?.phones;
        let consents = self
            .access(who)
            .fetch_all(
                &stmt(
                    "SELECT purpose, granted, source, recorded_by, at FROM consents WHERE customer_id = $1 ORDER BY id",
                )
                .bind(id),
            )
            .await?
            .iter()
            .map(|r| {
                Ok(serde_json::json!({
                    "purpose": r.text("purpose")?, "granted": r.bool("granted")?, "source": r.text("source")?,
                    "recorded_by": r.text("recorded_by")?, "at": dcrc_domain::clock::ms_to_time(r.i64("at")?),
                }))
            })
            .collect::<Result<Vec<_>>>()?;
        // Every record of every kind, from the one list of customer-owned tables.
        let mut tx = self.access(who).read().await?;
        let records = crate::capabilities::archive::data::customer_tables::export_rows(&mut tx, id).await?;
        drop(tx);
        let doc = serde_json::json!({
            "customer": c,
            "id_number": raw.opt_text("id_number")?,
            "phones": phones.iter().map(|p| &p.number).collect::<Vec<_>>(),
            "consent_history": consents,
            "records": records,
        });
        self.audit(
            &who.into(),
            Event::on(
                "export",
                "customer_personal_data",
                id,
                org_id,
                serde_json::json!({ "rows": 1 }),
            ),
        )
        .await?;
        Ok(doc)
    }

    /// Anonymises a customer: name, numbers, ID, address, tags and the DMS id are removed;
    /// vehicles and history stay (they are not personal on their own) so the dealer's
    /// statistics remain true. Irreversible.
    pub async fn erase_customer(
        &self,
        who: &Principal,
        id: i64,
    ) -> Result<crate::capabilities::archive::data::customers::Customer> {
        self.customer_org(who, id).await?;
        self.authorize(who, Permission::ErasePersonal, "customer").await?;
        let now = self.now_ms();
        let mut tx = self.access(who).begin().await?;
        let org_id = crate::capabilities::archive::data::customer_records::lock_customer(&mut tx, who, id).await?;
        let erased: std::collections::BTreeMap<&str, u64> =
            crate::capabilities::archive::data::customer_tables::erase_rows(&mut tx, id)
                .await?
                .into_iter()
                .collect();
        let phones = erased.get("customer_phones").copied().unwrap_or(0);
        tx.execute(
            &stmt("UPDATE customers SET name = $1, gender = NULL, id_number = NULL, address = NULL, district = NULL, tags = '', \
                source_record_id = NULL, referred_by = NULL, erased_at = $2, updated_at = $2 WHERE id = $3")
            .bind(format!("已匿名客户 #{id}"))
            .bind(now)
            .bind(id),
        )
        .await?;
        // Erasure also withdraws every consent, so no contact work is ever created again.
        for purpose in crate::capabilities::archive::data::types::ConsentPurpose::ALL {
            tx.execute(
                &stmt("INSERT INTO consents (customer_id, org_id, purpose, granted, source, recorded_by, at) VALUES ($1, $2, $3, FALSE, 'erasure', $4, $5)")
                    .bind(id)
                    .bind(org_id)
                    .bind(purpose.as_str())
                    .bind(&who.username)
                    .bind(now),
            )
            .await?;
        }
        let erased_event = crate::capabilities::archive::events::CustomerErased {
            now_ms: now,
            actor: Actor::from(who),
            org_id,
            customer_id: id,
        };
        crate::core::events::publish(&mut tx, &erased_event).await?;
        let detail = serde_json::json!({ "phones_removed": phones, "rows": erased });
        audit::record(
            &mut tx,
            now,
            &Actor::from(who),
            Event::on("erase", "customer", id, org_id, detail),
        )
        .await?;
        tx.commit().await?;
        self.get_customer(who, id).await
    }
}
