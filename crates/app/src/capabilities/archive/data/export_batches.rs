//! Customer lists for export and counting: the same filters as the search box, read in
//! keyset batches so an export of any size streams with flat memory.

use crate::capabilities::archive::data::customer_search::{filtered_query, CustomerFilter};
use crate::core::error::Result;
use crate::core::principal::Principal;
use crate::Store;
use dcrc_domain::phone::mask_digits;
use dcrc_domain::Permission;

/// One exported customer.
#[derive(Debug, Clone, Default)]
pub struct ExportRow {
    pub id: i64,
    pub dealer: String,
    pub name: String,
    /// Masked unless the export is of personal data.
    pub phones: Vec<String>,
    pub province: String,
    pub city: String,
    pub district: String,
    pub plates: Vec<String>,
    pub models: Vec<String>,
    pub vins: Vec<String>,
    pub membership_level: String,
    pub tags: String,
    pub last_visit_date: String,
}

impl ExportRow {
    /// The cells in the order of [`EXPORT_COLUMNS`].
    pub fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.dealer.clone(),
            self.name.clone(),
            self.phones.join(" / "),
            self.province.clone(),
            self.city.clone(),
            self.district.clone(),
            self.plates.join(" "),
            self.models.join(" "),
            self.vins.join(" "),
            self.membership_level.clone(),
            self.tags.clone(),
            self.last_visit_date.clone(),
        ]
    }
}

/// Translation keys of the exported columns.
pub const EXPORT_COLUMNS: [&str; 13] = [
    "export.id",
    "customer.dealer",
    "customers.name",
    "customers.phone",
    "customer.province",
    "customers.city",
    "customer.district",
    "customers.plates",
    "customers.model",
    "export.vin",
    "customer.membership",
    "customers.tag",
    "customers.last_visit",
];

impl Store {
    /// How many customers in scope match (segments show this live).
    pub async fn count_customers(&self, who: &Principal, f: &CustomerFilter) -> Result<i64> {
        self.authorize(who, Permission::ViewCustomers, "customer").await?;
        self.access(who)
            .fetch_one(&filtered_query(who, f, "COUNT(*) AS n"))
            .await?
            .i64("n")
    }

    /// How many customers in scope match, counted up to `cap` (`None` past it): the
    /// customer list shows its total without counting a million rows for a broad filter.
    pub async fn count_customers_up_to(&self, who: &Principal, f: &CustomerFilter, cap: i64) -> Result<Option<i64>> {
        self.authorize(who, Permission::ViewCustomers, "customer").await?;
        let mut inner = filtered_query(who, f, "c.id");
        let p = inner.param(cap + 1);
        inner.push_sql(&format!(" LIMIT {p}"));
        let mut query = inner;
        query.wrap("SELECT COUNT(*) AS n FROM (", ") AS capped");
        let n = self.access(who).fetch_one(&query).await?.i64("n")?;
        Ok((n <= cap).then_some(n))
    }

    /// The next batch of matching customers after `after` (by id). Unmasked numbers need
    /// the right to export personal data; the caller checks and audits the export.
    pub async fn export_batch(
        &self,
        who: &Principal,
        f: &CustomerFilter,
        after: i64,
        limit: i64,
        unmasked: bool,
    ) -> Result<Vec<ExportRow>> {
        // Unmasked numbers only for whom the permission allows, whoever asks for them.
        if unmasked && !who.can(dcrc_domain::Permission::ExportPersonal) {
            return Err(crate::StoreError::Forbidden);
        }
        let mut query = filtered_query(
            who,
            f,
            "c.id, o.name AS dealer, c.name, c.province, c.city, c.district, c.membership_level, c.tags, c.last_visit_date",
        );
        let p = query.param(after);
        query.push_sql(&format!(" AND c.id > {p}"));
        let p = query.param(limit);
        query.push_sql(&format!(" ORDER BY c.id LIMIT {p}"));
        let mut rows = Vec::new();
        for r in self.access(who).fetch_all(&query).await? {
            rows.push(ExportRow {
                id: r.i64("id")?,
                dealer: r.text("dealer")?,
                name: r.text("name")?,
                province: r.opt_text("province")?.unwrap_or_default(),
                city: r.opt_text("city")?.unwrap_or_default(),
                district: r.opt_text("district")?.unwrap_or_default(),
                membership_level: r.opt_text("membership_level")?.unwrap_or_default(),
                tags: r.text("tags")?,
                last_visit_date: r.opt_text("last_visit_date")?.unwrap_or_default(),
                ..ExportRow::default()
            });
        }
        if rows.is_empty() {
            return Ok(rows);
        }
        let index: std::collections::HashMap<i64, usize> = rows.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
        let mut phones =
            crate::core::db::stmt("SELECT customer_id, digits FROM customer_phones WHERE customer_id IN (");
        let ids: Vec<String> = rows.iter().map(|c| phones.param(c.id)).collect();
        phones.push_sql(&ids.join(", "));
        phones.push_sql(") ORDER BY customer_id, is_primary DESC, id");
        for r in self.access(who).fetch_all(&phones).await? {
            let id = r.i64("customer_id")?;
            let digits = r.text("digits")?;
            if let Some(row) = index.get(&id).map(|i| &mut rows[*i]) {
                row.phones.push(if unmasked { digits } else { mask_digits(&digits) });
            }
        }
        let mut vehicles = crate::core::db::stmt(
            "SELECT w.customer_id, v.vin, v.plate, v.model FROM ownerships w JOIN vehicles v ON v.id = w.vehicle_id WHERE w.end_date IS NULL AND w.customer_id IN (",
        );
        let ids: Vec<String> = rows.iter().map(|c| vehicles.param(c.id)).collect();
        vehicles.push_sql(&ids.join(", "));
        vehicles.push_sql(") ORDER BY w.customer_id, w.id");
        for r in self.access(who).fetch_all(&vehicles).await? {
            let id = r.i64("customer_id")?;
            if let Some(row) = index.get(&id).map(|i| &mut rows[*i]) {
                row.vins.push(r.text("vin")?);
                row.plates.extend(r.opt_text("plate")?);
                row.models.extend(r.opt_text("model")?);
            }
        }
        Ok(rows)
    }
}
