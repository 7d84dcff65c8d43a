//! The archive's data-quality figures for the home page: numbers known to be wrong or
//! empty, customers without a number, and the latest imports with their rejected rows.

use crate::core::db::stmt;
use crate::core::error::Result;
use crate::core::principal::Principal;
use crate::Store;
use dcrc_domain::Permission;

/// Counts over the caller's scope.
#[derive(Debug, Clone, Default)]
pub struct DataQuality {
    pub wrong_numbers: i64,
    pub empty_numbers: i64,
    pub not_owner: i64,
    pub without_phone: i64,
    /// (import id, file name, status, rows read, rows rejected) of the latest five.
    pub imports: Vec<(i64, String, String, i64, i64)>,
}

impl Store {
    pub async fn data_quality(&self, who: &Principal) -> Result<DataQuality> {
        self.authorize(who, Permission::EditCustomers, "customer").await?;
        let pattern = who.scope().like_pattern();
        let mut q = DataQuality::default();
        let rows = self
            .access(who)
            .fetch_all(
                &stmt(
                    "SELECT p.status, COUNT(*) AS n FROM customer_phones p JOIN orgs o ON o.id = p.org_id \
                     WHERE o.path LIKE $1 AND p.status <> 'valid' GROUP BY p.status",
                )
                .bind(&pattern),
            )
            .await?;
        for r in rows {
            let n = r.i64("n")?;
            match r.text("status")?.as_str() {
                "wrong_number" => q.wrong_numbers = n,
                "empty_number" => q.empty_numbers = n,
                "not_owner" => q.not_owner = n,
                _ => {}
            }
        }
        q.without_phone = self
            .access(who)
            .fetch_one(
                &stmt(
                    "SELECT COUNT(*) AS n FROM customers c JOIN orgs o ON o.id = c.org_id \
                     WHERE o.path LIKE $1 AND c.merged_into IS NULL AND c.erased_at IS NULL \
                     AND NOT EXISTS (SELECT 1 FROM customer_phones p WHERE p.customer_id = c.id)",
                )
                .bind(&pattern),
            )
            .await?
            .i64("n")?;
        let imports = self
            .access(who)
            .fetch_all(
                &stmt(
                    "SELECT i.id, i.file_name, i.status, i.rows_read, i.rows_rejected FROM imports i \
                     JOIN orgs o ON o.id = i.org_id WHERE o.path LIKE $1 ORDER BY i.id DESC LIMIT 5",
                )
                .bind(&pattern),
            )
            .await?;
        for r in imports {
            q.imports.push((
                r.i64("id")?,
                r.text("file_name")?,
                r.text("status")?,
                r.i64("rows_read")?,
                r.i64("rows_rejected")?,
            ));
        }
        Ok(q)
    }
}
