//! The search box and the filters: one text that finds customers by name fragment, full
//! phone or its last four digits, plate fragment, VIN prefix or VIN tail; never outside
//! the caller's scope.

use crate::archive_types::parse_date;
use crate::db::Query;
use crate::dialect::like_escape;
use crate::error::Result;
use crate::page::{self, Page};
use crate::principal::Principal;
use crate::Store;
use chrono::NaiveDate;
use dcrc_domain::phone::mask_digits;
use dcrc_domain::text::compact_upper;
use dcrc_domain::{Permission, Phone};
use serde::Serialize;

/// Filters of the customer list.
#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    /// The search box.
    pub q: Option<String>,
    /// Only this dealer (must be in scope).
    pub org_id: Option<i64>,
    pub province: Option<String>,
    pub city: Option<String>,
    /// Model of a vehicle the customer owns now.
    pub model: Option<String>,
    pub attribute: Option<String>,
    pub tag: Option<String>,
    pub membership_level: Option<String>,
    pub last_visit_from: Option<NaiveDate>,
    pub last_visit_to: Option<NaiveDate>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// A customer as a search result row.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CustomerSummary {
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    /// The primary number, masked.
    pub phone_masked: Option<String>,
    /// Plates of the vehicles owned now.
    pub plates: Vec<String>,
    pub models: Vec<String>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub membership_level: Option<String>,
    pub last_visit_date: Option<NaiveDate>,
}

/// SQL condition (on alias `v`) matching a normalised text against VIN and plate.
pub fn vehicle_match(query: &mut Query, t: &str) -> String {
    let mut conds = Vec::new();
    // A plate has at most eight characters; longer text can only be a VIN.
    if t.chars().count() <= 8 {
        let plate = query.param(format!("%{}%", like_escape(t)));
        conds.push(format!("v.plate LIKE {plate} ESCAPE '\\'"));
    }
    if t.is_ascii() && t.len() >= 3 && t.chars().all(|c| c.is_ascii_alphanumeric()) {
        // Prefix searches as index range scans, which work the same on both databases.
        let (lo, hi) = prefix_range(t);
        let (lo, hi) = (query.param(lo), query.param(hi));
        conds.push(format!("(v.vin >= {lo} AND v.vin < {hi})"));
        if t.len() >= 6 {
            let rev: String = t.chars().rev().collect();
            let (lo, hi) = prefix_range(&rev);
            let (lo, hi) = (query.param(lo), query.param(hi));
            conds.push(format!("(v.vin_rev >= {lo} AND v.vin_rev < {hi})"));
        }
    }
    conds.join(" OR ")
}

/// `[prefix, prefix with its last character incremented)`: every string starting with
/// an upper-case ASCII alphanumeric prefix falls inside.
fn prefix_range(prefix: &str) -> (String, String) {
    let mut hi: Vec<u8> = prefix.as_bytes().to_vec();
    if let Some(last) = hi.last_mut() {
        *last += 1;
    }
    (prefix.to_string(), String::from_utf8(hi).unwrap_or_default())
}

/// SQL condition (on alias `c`) for the search box.
/// SQL condition (on alias `c`) for the search box. The text is classified first so a
/// phone number or a VIN is an index lookup, not a scan: a full phone matches numbers
/// only; four digits match the last four digits or a plate; letters and digits match a
/// VIN (prefix or tail) or a plate; anything else is a name fragment (or a plate when it
/// starts with a province character).
fn search_condition(query: &mut Query, raw: &str) -> String {
    let raw = raw.trim();
    if raw.chars().any(|c| c.is_ascii_digit()) {
        if let Ok(phone) = Phone::parse(raw) {
            if raw.chars().filter(char::is_ascii_digit).count() >= 7 {
                let p = query.param(phone.digits());
                return format!("c.id IN (SELECT customer_id FROM customer_phones WHERE digits = {p})");
            }
        }
    }
    let mut conds = Vec::new();
    let t = compact_upper(raw);
    let plate_like = t.chars().count() >= 3
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || dcrc_domain::plate::PROVINCES.contains(c));
    if raw.len() == 4 && raw.chars().all(|c| c.is_ascii_digit()) {
        let p = query.param(raw);
        conds.push(format!(
            "c.id IN (SELECT customer_id FROM customer_phones WHERE last4 = {p})"
        ));
    }
    if plate_like {
        let vm = vehicle_match(query, &t);
        conds.push(format!(
            "c.id IN (SELECT w.customer_id FROM ownerships w WHERE w.end_date IS NULL AND w.vehicle_id IN (SELECT v.id FROM vehicles v WHERE {vm}))"
        ));
    }
    if !t.chars().all(|c| c.is_ascii_alphanumeric()) || conds.is_empty() {
        let name = query.param(format!("%{}%", like_escape(raw)));
        conds.push(format!("c.name LIKE {name} ESCAPE '\\'"));
    }
    conds.join(" OR ")
}

fn list_filter(query: &mut Query, column: &str, value: &str) -> String {
    let p = query.param(format!("%,{},%", like_escape(value.trim())));
    format!("(',' || {column} || ',') LIKE {p} ESCAPE '\\'")
}

/// The customers in scope matching a filter (no paging), selecting `columns`.
pub(crate) fn filtered_query(who: &Principal, f: &CustomerFilter, columns: &str) -> Query {
    let mut query = crate::db::q(format!(
        "SELECT {columns} FROM customers c JOIN orgs o ON o.id = c.org_id WHERE c.merged_into IS NULL AND o.path LIKE "
    ));
    let p = query.param(who.scope.like_pattern());
    query.push_sql(&p);
    let and = |query: &mut Query, cond: String| query.push_sql(&format!(" AND ({cond})"));
    if let Some(text) = f.q.as_deref().filter(|t| !t.trim().is_empty()) {
        let cond = search_condition(&mut query, text);
        and(&mut query, cond);
    }
    for (col, value) in [
        ("c.org_id", f.org_id.map(|v| v.to_string())),
        ("c.province", f.province.clone()),
        ("c.city", f.city.clone()),
        ("c.membership_level", f.membership_level.clone()),
    ] {
        if let Some(v) = value.filter(|v| !v.trim().is_empty()) {
            let p = if col == "c.org_id" {
                query.param(v.parse::<i64>().unwrap_or(-1))
            } else {
                query.param(v.trim())
            };
            and(&mut query, format!("{col} = {p}"));
        }
    }
    if let Some(model) = f.model.as_deref().filter(|m| !m.trim().is_empty()) {
        let p = query.param(model.trim());
        and(&mut query, format!("c.id IN (SELECT w.customer_id FROM ownerships w JOIN vehicles v ON v.id = w.vehicle_id WHERE w.end_date IS NULL AND v.model = {p})"));
    }
    if let Some(a) = f.attribute.as_deref().filter(|a| !a.trim().is_empty()) {
        let cond = list_filter(&mut query, "c.attributes", a);
        and(&mut query, cond);
    }
    if let Some(t) = f.tag.as_deref().filter(|a| !a.trim().is_empty()) {
        let cond = list_filter(&mut query, "c.tags", t);
        and(&mut query, cond);
    }
    if let Some(d) = f.last_visit_from {
        let p = query.param(d.format("%Y-%m-%d").to_string());
        and(&mut query, format!("c.last_visit_date >= {p}"));
    }
    if let Some(d) = f.last_visit_to {
        let p = query.param(d.format("%Y-%m-%d").to_string());
        and(&mut query, format!("c.last_visit_date <= {p}"));
    }
    query
}

impl Store {
    /// Customers in scope matching the search box and filters, in id order.
    pub async fn search_customers(&self, who: &Principal, f: &CustomerFilter) -> Result<Page<CustomerSummary>> {
        self.authorize(who, Permission::ViewCustomers, "customer").await?;
        let limit = page::limit(f.limit);
        let cursor = page::decode_cursor(f.cursor.as_deref())?;
        let mut query = filtered_query(
            who,
            f,
            "c.id, c.org_id, c.name, c.province, c.city, c.membership_level, c.last_visit_date",
        );
        let and = |query: &mut Query, cond: String| query.push_sql(&format!(" AND ({cond})"));
        if let Some(c) = cursor {
            let p = query.param(c);
            and(&mut query, format!("c.id > {p}"));
        }
        let p = query.param(limit + 1);
        query.push_sql(&format!(" ORDER BY c.id LIMIT {p}"));
        let rows = self.db.fetch_all(&query).await?;
        let mut items = Vec::with_capacity(rows.len());
        for r in &rows {
            items.push(CustomerSummary {
                id: r.i64("id")?,
                org_id: r.i64("org_id")?,
                name: r.text("name")?,
                phone_masked: None,
                plates: Vec::new(),
                models: Vec::new(),
                province: r.opt_text("province")?,
                city: r.opt_text("city")?,
                membership_level: r.opt_text("membership_level")?,
                last_visit_date: parse_date(r.opt_text("last_visit_date")?),
            });
        }
        let mut page = page::paginate(items, limit, |c| c.id);
        self.fill_summaries(&mut page.items).await?;
        Ok(page)
    }

    /// Adds the primary phone (masked) and current vehicles to result rows, in two queries.
    async fn fill_summaries(&self, items: &mut [CustomerSummary]) -> Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        let mut phones = crate::db::q(
            "SELECT customer_id, digits FROM customer_phones WHERE is_primary = TRUE AND customer_id IN (",
        );
        let ids: Vec<String> = items.iter().map(|c| phones.param(c.id)).collect();
        phones.push_sql(&ids.join(", "));
        phones.push_sql(")");
        for r in self.db.fetch_all(&phones).await? {
            let id = r.i64("customer_id")?;
            if let Some(c) = items.iter_mut().find(|c| c.id == id) {
                c.phone_masked = Some(mask_digits(&r.text("digits")?));
            }
        }
        let mut vehicles = crate::db::q(
            "SELECT w.customer_id, v.plate, v.model FROM ownerships w JOIN vehicles v ON v.id = w.vehicle_id WHERE w.end_date IS NULL AND w.customer_id IN (",
        );
        let ids: Vec<String> = items.iter().map(|c| vehicles.param(c.id)).collect();
        vehicles.push_sql(&ids.join(", "));
        vehicles.push_sql(") ORDER BY w.id");
        for r in self.db.fetch_all(&vehicles).await? {
            let id = r.i64("customer_id")?;
            if let Some(c) = items.iter_mut().find(|c| c.id == id) {
                if let Some(p) = r.opt_text("plate")? {
                    c.plates.push(p);
                }
                if let Some(m) = r.opt_text("model")? {
                    if !c.models.contains(&m) {
                        c.models.push(m);
                    }
                }
            }
        }
        Ok(())
    }
}
