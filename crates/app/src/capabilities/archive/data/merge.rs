//! Duplicates: the same person entered twice (the same normalised phone in one dealer).
//! A merge moves everything of one record onto the other — phones, consents, vehicles,
//! every history record, referrals — fills the survivor's empty fields, and keeps the
//! merged record as a pointer. A preview runs the same merge and rolls it back.

use crate::capabilities::archive::data::customer_records::{different_dealer, lock_customer};
use crate::capabilities::archive::data::customers::Customer;
use crate::capabilities::archive::data::types::{join_list, split_list};
use crate::core::audit::{self, Actor, Event};
use crate::core::db::stmt;
use crate::core::error::{Result, StoreError};
use crate::core::principal::Principal;
use crate::Store;
use dcrc_domain::{FieldError, Invalid, Permission};
use serde::Serialize;

/// What a merge moved (or would move): rows per table of
/// [`crate::core::customer_tables`], and the customers it referred.
pub type MergeCounts = std::collections::BTreeMap<String, u64>;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MergeResult {
    pub into: i64,
    pub from: i64,
    pub dry_run: bool,
    pub moved: MergeCounts,
    /// The surviving customer after the merge.
    pub customer: Customer,
}

/// A set of customers of one dealer sharing a phone number.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DuplicateGroup {
    pub org_id: i64,
    /// The shared number, masked.
    pub phone_masked: String,
    pub customer_ids: Vec<i64>,
    pub names: Vec<String>,
}

const FILL: [&str; 9] = [
    "gender",
    "id_number",
    "province",
    "city",
    "district",
    "address",
    "membership_level",
    "referred_by",
    "last_visit_date",
];

impl Store {
    /// Customers in scope who share a number with another customer of their dealer.
    pub async fn duplicate_groups(&self, who: &Principal, limit: i64) -> Result<Vec<DuplicateGroup>> {
        self.authorize(who, Permission::EditCustomers, "customer").await?;
        let rows = self
            .access(who)
            .fetch_all(
                &stmt("SELECT p.org_id, p.digits, c.id, c.name FROM customer_phones p JOIN customers c ON c.id = p.customer_id JOIN orgs o ON o.id = p.org_id \
                    WHERE o.path LIKE $1 AND c.merged_into IS NULL AND c.erased_at IS NULL AND (p.org_id, p.digits) IN ( \
                      SELECT p2.org_id, p2.digits FROM customer_phones p2 JOIN customers c2 ON c2.id = p2.customer_id \
                      WHERE c2.merged_into IS NULL AND c2.erased_at IS NULL GROUP BY p2.org_id, p2.digits HAVING COUNT(DISTINCT p2.customer_id) > 1) \
                    ORDER BY p.org_id, p.digits, c.id")
                .bind(who.scope().like_pattern()),
            )
            .await?;
        let mut groups: Vec<DuplicateGroup> = Vec::new();
        for r in rows {
            let (org_id, digits) = (r.i64("org_id")?, r.text("digits")?);
            let masked = dcrc_domain::phone::mask_digits(&digits);
            match groups.last_mut() {
                Some(g)
                    if g.org_id == org_id && g.phone_masked == masked && !g.customer_ids.contains(&r.i64("id")?) =>
                {
                    g.customer_ids.push(r.i64("id")?);
                    g.names.push(r.text("name")?);
                }
                _ => groups.push(DuplicateGroup {
                    org_id,
                    phone_masked: masked,
                    customer_ids: vec![r.i64("id")?],
                    names: vec![r.text("name")?],
                }),
            }
            if groups.len() as i64 > limit {
                groups.pop();
                break;
            }
        }
        Ok(groups)
    }

    /// Merges customer `from` into `into` (both in scope, same dealer).
    pub async fn merge_customers(&self, who: &Principal, into: i64, from: i64, dry_run: bool) -> Result<MergeResult> {
        self.retrying(|| self.merge_customers_once(who, into, from, dry_run))
            .await
    }

    async fn merge_customers_once(&self, who: &Principal, into: i64, from: i64, dry_run: bool) -> Result<MergeResult> {
        // Out of scope either does not exist (404) before the permission is asked.
        self.customer_org(who, into).await?;
        self.customer_org(who, from).await?;
        self.authorize(who, Permission::MergeCustomers, "customer").await?;
        if into == from {
            return Err(Invalid(vec![FieldError::new("from", "merge_same")]).into());
        }
        let now = self.now_ms();
        let mut tx = self.access(who).begin().await?;
        // Both customers are locked in id order and checked inside the transaction: of two
        // opposite merges (a←b and b←a) at once, the second finds its survivor merged away
        // and stops; and both must be of one dealer.
        let mut dealers = Vec::with_capacity(2);
        for id in [into.min(from), into.max(from)] {
            dealers.push(lock_customer(&mut tx, who, id).await?);
        }
        if dealers[0] != dealers[1] {
            return Err(different_dealer("from"));
        }
        let mut moved: MergeCounts =
            crate::capabilities::archive::data::customer_tables::merge_rows(&mut tx, into, from)
                .await?
                .into_iter()
                .map(|(t, n)| (if t == "customer_phones" { "phones" } else { t }.to_string(), n))
                .collect();
        let referrals = tx
            .execute(
                &stmt("UPDATE customers SET referred_by = $1 WHERE referred_by = $2 AND id <> $1")
                    .bind(into)
                    .bind(from),
            )
            .await?;
        moved.insert("referrals".into(), referrals);
        let a = tx
            .fetch_one(&stmt("SELECT * FROM customers WHERE id = $1").bind(into))
            .await?;
        let b = tx
            .fetch_one(&stmt("SELECT * FROM customers WHERE id = $1").bind(from))
            .await?;
        for col in FILL {
            let empty = if col == "referred_by" {
                a.opt_i64(col)?.is_none()
            } else {
                a.opt_text(col)?.is_none()
            };
            if !empty {
                continue;
            }
            let sql = format!("UPDATE customers SET {col} = (SELECT {col} FROM customers WHERE id = $1) WHERE id = $2");
            tx.execute(&stmt(sql).bind(from).bind(into)).await?;
        }
        // The later visit wins.
        tx.execute(
            &stmt("UPDATE customers SET last_visit_date = $1 WHERE id = $2 AND last_visit_date < $1")
                .bind(b.opt_text("last_visit_date")?)
                .bind(into),
        )
        .await?;
        for col in ["tags", "attributes"] {
            let mut all = split_list(&a.text(col)?);
            all.extend(split_list(&b.text(col)?));
            tx.execute(
                &stmt(format!("UPDATE customers SET {col} = $1 WHERE id = $2"))
                    .bind(join_list(&all))
                    .bind(into),
            )
            .await?;
        }
        tx.execute(&stmt("UPDATE customers SET referred_by = NULL WHERE id = $1 AND referred_by = $1").bind(into))
            .await?;
        tx.execute(
            &stmt("UPDATE customers SET merged_into = $1, updated_at = $2 WHERE id = $3")
                .bind(into)
                .bind(now)
                .bind(from),
        )
        .await?;
        tx.execute(
            &stmt("UPDATE customers SET updated_at = $1 WHERE id = $2")
                .bind(now)
                .bind(into),
        )
        .await?;
        if dry_run {
            drop(tx);
            let customer = self.get_customer(who, into).await?;
            // The preview shows the survivor as it is now plus what would move.
            return Ok(MergeResult {
                into,
                from,
                dry_run,
                moved,
                customer,
            });
        }
        let detail = serde_json::json!({ "from": from, "into": into, "moved": moved });
        audit::record(
            &mut tx,
            now,
            &Actor::from(who),
            Event::on("merge", "customer", into, dealers[0], detail),
        )
        .await?;
        tx.commit().await?;
        let customer = self.get_customer(who, into).await?;
        Ok(MergeResult {
            into,
            from,
            dry_run,
            moved,
            customer,
        })
    }

    /// A merged-away customer's survivor (so old links keep working).
    pub async fn merged_into(&self, who: &Principal, id: i64) -> Result<Option<i64>> {
        let row = self
            .access(who)
            .fetch_optional(&stmt("SELECT c.merged_into FROM customers c JOIN orgs o ON o.id = c.org_id WHERE c.id = $1 AND o.path LIKE $2").bind(id).bind(who.scope().like_pattern()))
            .await?
            .ok_or(StoreError::NotFound)?;
        row.opt_i64("merged_into")
    }
}
