//! The search box and the filters: one text that finds customers by name fragment, full
//! phone or its last four digits, plate fragment, VIN prefix or VIN tail; never outside
//! the caller's scope.

use crate::capabilities::archive::data::types::parse_date;
use crate::core::access::Authority;
use crate::core::db::Query;
use crate::core::dialect::like_escape;
use crate::core::error::Result;
use crate::core::page::{self, Page};
use crate::core::principal::Principal;
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
    /// Customers with a number in this contact status (`wrong_number`, `empty_number` …).
    pub phone_status: Option<String>,
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
    if conds.is_empty() {
        // Too long for a plate and not a VIN's characters: matches nothing.
        return "1 = 0".into();
    }
    conds.join(" OR ")
}

/// `[prefix, prefix with its last character's code point incremented)`: in code point
/// order (SQLite's binary collation, PostgreSQL's "C"), every string starting with the
/// prefix falls inside.
fn prefix_range(prefix: &str) -> (String, String) {
    let mut hi: String = prefix.to_string();
    if let Some(last) = hi.pop() {
        let next = (u32::from(last) + 1..=0x10FFFF)
            .find_map(char::from_u32)
            .unwrap_or(char::MAX);
        hi.push(next);
    }
    (prefix.to_string(), hi)
}

/// One way a search text can match a customer: an index-driven source of customer ids
/// within the scope (`ids`), and the same test for one customer `c` (`test`).
struct Match {
    ids: String,
    test: String,
}

/// The ways the search box text matches. The text is classified first so each way is an
/// index lookup: a full phone matches numbers only; four digits match the last four
/// digits, or a plate or VIN; letters and digits match a VIN (prefix, or tail from six
/// characters) or a plate fragment; anything else is a name fragment (or a plate when it
/// starts with a province character; letters alone also a name). `orgs` is the SQL list of organisations in scope.
fn search_matches(query: &mut Query, raw: &str, orgs: &str) -> Vec<Match> {
    let raw = raw.trim();
    let mut out = Vec::new();
    let owned = |cond: String| Match {
        ids: format!(
            "SELECT {} FROM vehicles v WHERE v.org_id IN {orgs} AND {cond}",
            current_owner("v.id")
        ),
        test: exists(format!(
            "SELECT 1 FROM ownerships w JOIN vehicles v ON v.id = w.vehicle_id \
             WHERE w.customer_id = c.id AND w.end_date IS NULL AND {cond}"
        )),
    };
    let phone = |column: &str, p: String| Match {
        ids: format!("SELECT customer_id FROM customer_phones WHERE org_id IN {orgs} AND {column} = {p}"),
        test: exists(format!(
            "SELECT 1 FROM customer_phones ph WHERE ph.customer_id = c.id AND ph.{column} = {p}"
        )),
    };
    if raw.chars().any(|c| c.is_ascii_digit()) && raw.chars().filter(char::is_ascii_digit).count() >= 7 {
        if let Ok(number) = Phone::parse(raw) {
            let p = query.param(number.digits());
            return vec![phone("digits", p)];
        }
    }
    let t = compact_upper(raw);
    if raw.len() == 4 && raw.chars().all(|c| c.is_ascii_digit()) {
        let p = query.param(raw);
        out.push(phone("last4", p));
    }
    let plate_like = t.chars().count() >= 3
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || dcrc_domain::plate::PROVINCES.contains(c));
    if plate_like {
        // A plate has at most eight characters; longer text can only be a VIN.
        if t.chars().count() <= 8 {
            let (lo, hi) = prefix_range(&t);
            let (lo, hi) = (query.param(lo), query.param(hi));
            out.push(Match {
                ids: format!(
                    "SELECT {} FROM plate_suffixes s WHERE s.org_id IN {orgs} AND s.suffix >= {lo} AND s.suffix < {hi}",
                    current_owner("s.vehicle_id")
                ),
                test: exists(format!(
                    "SELECT 1 FROM ownerships w JOIN plate_suffixes s ON s.vehicle_id = w.vehicle_id \
                     WHERE w.customer_id = c.id AND w.end_date IS NULL AND s.suffix >= {lo} AND s.suffix < {hi}"
                )),
            });
        }
        if t.is_ascii() && t.chars().all(|c| c.is_ascii_alphanumeric()) {
            let (lo, hi) = prefix_range(&t);
            let (lo, hi) = (query.param(lo), query.param(hi));
            out.push(owned(format!("v.vin >= {lo} AND v.vin < {hi}")));
            if t.len() >= 6 {
                let rev: String = t.chars().rev().collect();
                let (lo, hi) = prefix_range(&rev);
                let (lo, hi) = (query.param(lo), query.param(hi));
                out.push(owned(format!("v.vin_rev >= {lo} AND v.vin_rev < {hi}")));
            }
        }
    }
    // Letters alone may be a name written in pinyin or English as well.
    if !t.chars().all(|c| c.is_ascii_alphanumeric()) || out.is_empty() || !t.chars().any(|c| c.is_ascii_digit()) {
        let (lo, hi) = prefix_range(&raw.to_lowercase());
        let (lo, hi) = (query.param(lo), query.param(hi));
        out.push(Match {
            ids: format!(
                "SELECT customer_id FROM name_suffixes WHERE org_id IN {orgs} AND suffix >= {lo} AND suffix < {hi}"
            ),
            test: exists(format!(
                "SELECT 1 FROM name_suffixes ns WHERE ns.customer_id = c.id AND ns.suffix >= {lo} AND ns.suffix < {hi}"
            )),
        });
    }
    out
}

/// A per-customer test that some row exists, as a scalar subquery. Written as `EXISTS`,
/// PostgreSQL turns tests joined by OR into hashed subplans that compute every match
/// before the walk's LIMIT can stop early (480 ms instead of 1 ms at a million customers).
fn exists(select: String) -> String {
    format!("({select} LIMIT 1) IS NOT NULL")
}

/// The current owner of a vehicle as a column `customer_id` (NULL when it has none). A
/// lookup per matched vehicle, streamed from the index range, so the probe's LIMIT stops
/// it early; as a join, SQLite chose to build a Bloom filter over every ownership first.
fn current_owner(vehicle_id: &str) -> String {
    format!(
        "(SELECT w.customer_id FROM ownerships w WHERE w.vehicle_id = {vehicle_id} AND w.end_date IS NULL \
         ORDER BY w.id LIMIT 1) AS customer_id"
    )
}

/// The organisations in the caller's scope, as an SQL list.
fn scope_orgs(query: &mut Query, who: &Principal) -> String {
    let p = query.param(who.scope().like_pattern());
    format!("(SELECT id FROM orgs WHERE path LIKE {p})")
}

/// Up to this many matching customers are fetched by id; more, and the result page is
/// found by walking customers in id order, which then meets a match at least every
/// thousand customers at a million. Fetching costs 2–4 µs per match (the owner of each
/// matched vehicle), walking 1–3 µs per customer passed; a thousand balances the two.
pub const SPARSE: i64 = 1_000;

/// Known matches are looked up this many ids at a time, until the page is full.
const ID_CHUNK: usize = 500;

fn list_filter(query: &mut Query, column: &str, value: &str) -> String {
    let p = query.param(format!("%,{},%", like_escape(value.trim())));
    format!("(',' || {column} || ',') LIKE {p} ESCAPE '\\'")
}

/// How the search box text restricts a query.
enum TextMatch {
    /// Customer ids from the index-driven sources.
    Ids,
    /// These customers (every match, found beforehand).
    List(Vec<i64>),
    /// A test of each customer, for walking customers in id order.
    Tests,
}

/// The customers in scope matching a filter (no paging), selecting `columns`.
pub(crate) fn filtered_query(who: &Principal, f: &CustomerFilter, columns: &str) -> Query {
    query_with(who, f, columns, &TextMatch::Ids)
}

fn query_with(who: &Principal, f: &CustomerFilter, columns: &str, mode: &TextMatch) -> Query {
    let mut query = crate::core::db::stmt(format!(
        "SELECT {columns} FROM customers c JOIN orgs o ON o.id = c.org_id WHERE c.merged_into IS NULL AND o.path LIKE "
    ));
    let p = query.param(who.scope().like_pattern());
    query.push_sql(&p);
    let and = |query: &mut Query, cond: String| query.push_sql(&format!(" AND ({cond})"));
    if let Some(text) = f.q.as_deref().filter(|t| !t.trim().is_empty()) {
        let cond = match mode {
            TextMatch::Ids => {
                let orgs = scope_orgs(&mut query, who);
                let ids: Vec<String> = search_matches(&mut query, text, &orgs)
                    .into_iter()
                    .map(|m| m.ids)
                    .collect();
                format!("c.id IN ({})", ids.join(" UNION "))
            }
            TextMatch::List(ids) if ids.is_empty() => "1 = 0".to_string(),
            TextMatch::List(ids) => {
                let ps: Vec<String> = ids.iter().map(|id| query.param(*id)).collect();
                format!("c.id IN ({})", ps.join(", "))
            }
            TextMatch::Tests => {
                let tests: Vec<String> = search_matches(&mut query, text, "()")
                    .into_iter()
                    .map(|m| m.test)
                    .collect();
                tests.join(" OR ")
            }
        };
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
    if let Some(st) = f.phone_status.as_deref().filter(|s| !s.trim().is_empty()) {
        let p = query.param(st.trim());
        and(
            &mut query,
            format!("c.id IN (SELECT p.customer_id FROM customer_phones p WHERE p.status = {p})"),
        );
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
        let mode = match f.q.as_deref().filter(|t| !t.trim().is_empty()) {
            Some(text) => self.text_match(who, text).await?,
            None => TextMatch::Ids,
        };
        let columns = "c.id, c.org_id, c.name, c.province, c.city, c.membership_level, c.last_visit_date";
        let page_query = |mode: &TextMatch, want: i64| {
            let mut query = query_with(who, f, columns, mode);
            if let Some(c) = cursor {
                let p = query.param(c);
                query.push_sql(&format!(" AND (c.id > {p})"));
            }
            let p = query.param(want);
            query.push_sql(&format!(" ORDER BY c.id LIMIT {p}"));
            query
        };
        let rows = match mode {
            // The matches are known: look them up in id order, a chunk at a time, until
            // the page is full (the other filters may drop some).
            TextMatch::List(ids) => {
                let mut rows = Vec::new();
                let after: Vec<i64> = ids.into_iter().filter(|id| cursor.is_none_or(|c| *id > c)).collect();
                // The first chunk is one page: usually every match passes the other
                // filters, and a short id list plans and runs fastest; then chunks grow.
                let mut rest = after.as_slice();
                let mut size = usize::try_from(limit + 1).unwrap_or(ID_CHUNK);
                while !rest.is_empty() {
                    let (chunk, tail) = rest.split_at(size.min(rest.len()));
                    rest = tail;
                    size = (size * 4).min(ID_CHUNK);
                    let want = limit + 1 - rows.len() as i64;
                    rows.extend(
                        self.access(who)
                            .fetch_all(&page_query(&TextMatch::List(chunk.to_vec()), want))
                            .await?,
                    );
                    if rows.len() as i64 > limit {
                        break;
                    }
                }
                rows
            }
            mode => self.access(who).fetch_all(&page_query(&mode, limit + 1)).await?,
        };
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
        self.fill_summaries(who, &mut page.items).await?;
        Ok(page)
    }

    /// Finds every customer in scope the text matches when there are few; says to walk
    /// customers in id order when there are many.
    async fn text_match(&self, who: &Principal, text: &str) -> Result<TextMatch> {
        // Not DISTINCT: PostgreSQL would sort every match before the LIMIT. A customer
        // found twice (two matching cars) counts twice, which only moves the threshold.
        // Each source carries the LIMIT itself: over a UNION ALL, PostgreSQL planned a
        // wide VIN range as a bitmap scan of every match before the first row came out.
        let mut probe = crate::core::db::stmt("SELECT k.customer_id AS id FROM (");
        let orgs = scope_orgs(&mut probe, who);
        let n = probe.param(self.search_walk_above + 1);
        let ids: Vec<String> = search_matches(&mut probe, text, &orgs)
            .into_iter()
            .enumerate()
            .map(|(i, m)| {
                format!(
                    "SELECT * FROM (SELECT b.customer_id FROM ({}) b WHERE b.customer_id IS NOT NULL LIMIT {n}) b{i}",
                    m.ids
                )
            })
            .collect();
        probe.push_sql(&ids.join(" UNION ALL "));
        probe.push_sql(&format!(") k WHERE k.customer_id IS NOT NULL LIMIT {n}"));
        let mut ids = self
            .access(who)
            .fetch_all(&probe)
            .await?
            .iter()
            .map(|r| r.i64("id"))
            .collect::<Result<Vec<_>>>()?;
        if ids.len() as i64 > self.search_walk_above {
            return Ok(TextMatch::Tests);
        }
        ids.sort_unstable();
        ids.dedup();
        Ok(TextMatch::List(ids))
    }

    /// Adds the primary phone (masked) and current vehicles to result rows, in two queries.
    async fn fill_summaries(&self, who: &impl Authority, items: &mut [CustomerSummary]) -> Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        let mut phones = crate::core::db::stmt(
            "SELECT customer_id, digits FROM customer_phones WHERE is_primary = TRUE AND customer_id IN (",
        );
        let ids: Vec<String> = items.iter().map(|c| phones.param(c.id)).collect();
        phones.push_sql(&ids.join(", "));
        phones.push_sql(")");
        for r in self.access(who).fetch_all(&phones).await? {
            let id = r.i64("customer_id")?;
            if let Some(c) = items.iter_mut().find(|c| c.id == id) {
                c.phone_masked = Some(mask_digits(&r.text("digits")?));
            }
        }
        let mut vehicles = crate::core::db::stmt(
            "SELECT w.customer_id, v.plate, v.model FROM ownerships w JOIN vehicles v ON v.id = w.vehicle_id WHERE w.end_date IS NULL AND w.customer_id IN (",
        );
        let ids: Vec<String> = items.iter().map(|c| vehicles.param(c.id)).collect();
        vehicles.push_sql(&ids.join(", "));
        vehicles.push_sql(") ORDER BY w.id");
        for r in self.access(who).fetch_all(&vehicles).await? {
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
