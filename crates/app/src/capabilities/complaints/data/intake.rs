//! Filing a complaint from any channel, and the lists: the complaint board (every open
//! complaint with its time left) and filtered lists for the API.

use super::{
    add_event, complaint_from, refresh_deadlines, sweep::notify, Complaint, EventRow, Loaded, COMPLAINT_SELECT,
};
use crate::capabilities::callbacks::data::obligations::next_assignee;
use crate::capabilities::callbacks::rules::TaskType;
use crate::capabilities::complaints::data::rules::ComplaintRules;
use crate::capabilities::complaints::rules::{Channel, State, Tier};
use crate::core::audit::{self, Actor, Event};
use crate::core::db::{stmt, Tx};
use crate::core::error::Result;
use crate::core::page::{self, Page};
use crate::core::principal::Principal;
use crate::Store;
use chrono::{DateTime, Utc};
use dcrc_domain::clock::ms_to_time;
use dcrc_domain::{FieldError, Invalid, Permission, Role};
use serde::Deserialize;
use std::collections::HashMap;

/// A complaint to file.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewComplaint {
    pub customer_id: i64,
    #[serde(default)]
    pub vehicle_id: Option<i64>,
    /// The sale or repair order it is about.
    #[serde(default)]
    pub sale_id: Option<i64>,
    #[serde(default)]
    pub repair_order_id: Option<i64>,
    /// The callback it came from (channel `callback`): a dissatisfied call or its
    /// follow-up task, which filing closes.
    #[serde(default)]
    pub callback_task_id: Option<i64>,
    pub channel: Channel,
    /// A key of the policy's category list.
    pub category: String,
    pub tier: Tier,
    pub title: String,
    pub description: String,
    /// The consultant or advisor it is about.
    #[serde(default)]
    pub staff_name: Option<String>,
    /// When the customer complained (default now); not in the future.
    #[serde(default)]
    pub filed_at: Option<DateTime<Utc>>,
}

/// Which complaints to list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ComplaintFilter {
    pub state: Option<State>,
    /// Only complaints not closed.
    pub open: Option<bool>,
    pub tier: Option<Tier>,
    pub channel: Option<Channel>,
    pub category: Option<String>,
    pub customer_id: Option<i64>,
    /// A dealer (or any organisation) in scope.
    pub org_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

fn trimmed(v: &str, max: usize, field: &str, errors: &mut Invalid) -> String {
    let t = v.trim();
    if t.is_empty() {
        errors.push(FieldError::new(field, "required"));
    } else if t.chars().count() > max {
        errors.push(FieldError::new(field, "length").with("min", 1).with("max", max as i64));
    }
    t.to_string()
}

/// Checks that an optional linked row exists at the complaint's dealer and belongs to the
/// customer; names the field otherwise.
async fn check_link(
    tx: &mut Tx,
    table: &str,
    field: &str,
    id: Option<i64>,
    org_id: i64,
    customer_id: i64,
    errors: &mut Invalid,
) -> Result<()> {
    let Some(id) = id else { return Ok(()) };
    let owner = if table == "vehicles" {
        "EXISTS (SELECT 1 FROM ownerships w WHERE w.vehicle_id = x.id AND w.customer_id = $3)"
    } else {
        "x.customer_id = $3"
    };
    let found = tx
        .fetch_optional(
            &stmt(format!(
                "SELECT 1 AS ok FROM {table} x WHERE x.id = $1 AND x.org_id = $2 AND {owner}"
            ))
            .bind(id)
            .bind(org_id)
            .bind(customer_id),
        )
        .await?;
    if found.is_none() {
        errors.push(FieldError::new(field, "not_this_customer"));
    }
    Ok(())
}

/// The dealer's active general manager (major complaints are theirs).
async fn general_manager(tx: &mut Tx, org_id: i64) -> Result<Option<i64>> {
    tx.fetch_optional(
        &stmt(
            "SELECT u.id FROM users u JOIN user_roles r ON r.user_id = u.id \
            WHERE u.org_id = $1 AND u.active AND r.role = $2 ORDER BY u.id LIMIT 1",
        )
        .bind(org_id)
        .bind(Role::GeneralManager.as_str()),
    )
    .await?
    .map(|r| r.i64("id"))
    .transpose()
}

impl Store {
    /// Files a complaint at the customer's dealer: starts both clocks, assigns it (major:
    /// the general manager, notified up the tree; general: the complaint managers in
    /// turn), records any zero-tolerance penalty, and closes the callback follow-up it
    /// came from.
    pub async fn file_complaint(&self, who: &Principal, n: NewComplaint) -> Result<Complaint> {
        let now = self.now_ms();
        // Out of scope the customer does not exist (named); then the permission, asked
        // before the transaction so a refusal's audit entry is written.
        let customer = self
            .access(who)
            .fetch_optional(
                &stmt(
                    "SELECT c.org_id FROM customers c JOIN orgs o ON o.id = c.org_id \
                    WHERE c.id = $1 AND c.merged_into IS NULL AND c.erased_at IS NULL AND o.path LIKE $2",
                )
                .bind(n.customer_id)
                .bind(who.scope().like_pattern()),
            )
            .await?;
        let mut errors = Invalid::default();
        let Some(customer) = customer else {
            errors.push(FieldError::new("customer_id", "not_found"));
            return Err(errors.into());
        };
        self.authorize(who, Permission::FileComplaints, "complaint").await?;
        let mut tx = self.access(who).begin().await?;
        let org_id = customer.i64("org_id")?;
        let rules = ComplaintRules::load(&mut tx, org_id).await?;
        let policy = &rules.complaints;
        if policy.category(n.category.trim()).is_none() {
            let allowed: Vec<&str> = policy.categories.iter().map(|c| c.key.as_str()).collect();
            errors.push(FieldError::new("category", "unknown_value").with("allowed", allowed.join(", ")));
        }
        let title = trimmed(&n.title, 200, "title", &mut errors);
        let description = trimmed(&n.description, 5000, "description", &mut errors);
        let filed_at = n.filed_at.map_or(now, |t| t.timestamp_millis());
        // A complaint told to us earlier may be entered late, but not years late.
        if filed_at < now - 366 * 86_400_000 {
            errors.push(FieldError::new("filed_at", "too_long_ago").with("max_days", 366));
        } else if filed_at > now {
            errors.push(FieldError::new("filed_at", "in_future"));
        }
        check_link(
            &mut tx,
            "vehicles",
            "vehicle_id",
            n.vehicle_id,
            org_id,
            n.customer_id,
            &mut errors,
        )
        .await?;
        check_link(
            &mut tx,
            "sales",
            "sale_id",
            n.sale_id,
            org_id,
            n.customer_id,
            &mut errors,
        )
        .await?;
        check_link(
            &mut tx,
            "repair_orders",
            "repair_order_id",
            n.repair_order_id,
            org_id,
            n.customer_id,
            &mut errors,
        )
        .await?;
        check_link(
            &mut tx,
            "callback_tasks",
            "callback_task_id",
            n.callback_task_id,
            org_id,
            n.customer_id,
            &mut errors,
        )
        .await?;
        errors.finish()?;
        let assignee = match n.tier {
            Tier::Major => general_manager(&mut tx, org_id).await?,
            Tier::General => next_assignee(&mut tx, org_id, Role::ComplaintManager.as_str()).await?,
        };
        let staff = n.staff_name.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let row = tx
            .fetch_one(
                &stmt("INSERT INTO complaints (org_id, customer_id, vehicle_id, sale_id, repair_order_id, callback_task_id, channel, category, tier, \
                    title, description, staff_name, state, assignee_id, filed_at, filed_on, created_by, created_at, updated_at) \
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'new', $13, $14, $15, $16, $17, $17) RETURNING id")
                .bind(org_id)
                .bind(n.customer_id)
                .bind(n.vehicle_id)
                .bind(n.sale_id)
                .bind(n.repair_order_id)
                .bind(n.callback_task_id)
                .bind(n.channel.as_str())
                .bind(n.category.trim())
                .bind(n.tier.as_str())
                .bind(&title)
                .bind(&description)
                .bind(staff.map(|s| s.chars().take(40).collect::<String>()))
                .bind(assignee)
                .bind(filed_at)
                .bind(dcrc_domain::clock::business_date(ms_to_time(filed_at)).format("%Y-%m-%d").to_string())
                .bind(who.user_id)
                .bind(now),
            )
            .await?;
        let id = row.i64("id")?;
        refresh_deadlines(&mut tx, id, &rules).await?;
        let detail = serde_json::json!({ "channel": n.channel.as_str(), "tier": n.tier.as_str(), "category": n.category.trim() });
        add_event(
            &mut tx,
            now,
            Some(who),
            EventRow {
                complaint_id: id,
                org_id,
                kind: "filed",
                from_state: None,
                to_state: Some(State::New),
                detail: detail.clone(),
            },
        )
        .await?;
        if let Some(rule) = policy.penalty(n.category.trim(), n.tier) {
            tx.execute(
                &stmt("INSERT INTO penalties (org_id, complaint_id, rule, amount_fen, state, created_at) VALUES ($1, $2, $3, $4, 'proposed', $5)")
                    .bind(org_id)
                    .bind(id)
                    .bind(&rule.category)
                    .bind(rule.amount_fen)
                    .bind(now),
            )
            .await?;
        }
        if n.tier == Tier::Major {
            notify(&mut tx, now, org_id, id, "major_complaint", 0).await?;
        }
        if let Some(task) = n.callback_task_id {
            // The dissatisfaction follow-up is done once its complaint is filed.
            tx.execute(
                &stmt(
                    "UPDATE callback_tasks SET state = 'done', close_reason = $1, closed_at = $2, updated_at = $2 \
                    WHERE id = $3 AND state = 'open' AND task_type = $4",
                )
                .bind(format!("complaint:{id}"))
                .bind(now)
                .bind(task)
                .bind(TaskType::Dissatisfaction.as_str()),
            )
            .await?;
        }
        audit::record(
            &mut tx,
            now,
            &Actor::from(who),
            Event::on("file", "complaint", id, org_id, detail),
        )
        .await?;
        tx.commit().await?;
        Ok(self.get_complaint(who, id).await?.complaint)
    }

    /// Complaints in scope, filtered. Open complaints come first by the deadline nearest
    /// to running out (the board's order), then closed ones newest first.
    pub async fn list_complaints(&self, who: &Principal, f: &ComplaintFilter) -> Result<Page<Complaint>> {
        self.authorize(who, Permission::ViewCustomers, "complaint").await?;
        let limit = page::limit(f.limit);
        let offset = page::decode_cursor(f.cursor.as_deref())?.unwrap_or(0).max(0);
        let mut query = stmt(format!("{COMPLAINT_SELECT} WHERE o.path LIKE "));
        let p = query.param(who.scope().like_pattern());
        query.push_sql(&p);
        let mut cond = |sql: &str, v: crate::core::db::Value| {
            let p = query.param(v);
            query.push_sql(&sql.replace('?', &p));
        };
        if let Some(s) = f.state {
            cond(" AND k.state = ?", s.as_str().into());
        }
        if f.open == Some(true) {
            cond(" AND k.state <> ?", State::Closed.as_str().into());
        }
        if let Some(t) = f.tier {
            cond(" AND k.tier = ?", t.as_str().into());
        }
        if let Some(c) = f.channel {
            cond(" AND k.channel = ?", c.as_str().into());
        }
        if let Some(c) = f.category.as_deref().filter(|c| !c.is_empty()) {
            cond(" AND k.category = ?", c.into());
        }
        if let Some(c) = f.customer_id {
            cond(" AND k.customer_id = ?", c.into());
        }
        if let Some(a) = f.assignee_id {
            cond(" AND k.assignee_id = ?", a.into());
        }
        if let Some(o) = f.org_id {
            cond(" AND o.path LIKE (SELECT path FROM orgs WHERE id = ?) || '%'", o.into());
        }
        let lp = query.param(limit + 1);
        let op = query.param(offset);
        query.push_sql(&format!(
            " ORDER BY CASE WHEN k.state = 'closed' THEN 1 ELSE 0 END, \
             CASE WHEN k.state = 'closed' THEN -k.closed_at ELSE COALESCE(k.first_response_due_at, k.resolution_due_at, 9000000000000) END, k.id \
             LIMIT {lp} OFFSET {op}"
        ));
        let mut tx = self.access(who).read().await?;
        let rows = tx.fetch_all(&query).await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.i64("id")).collect::<Result<_>>()?;
        let mut pauses = pauses_of_many(&mut tx, &ids).await?;
        let mut rules: HashMap<i64, ComplaintRules> = HashMap::new();
        let now = self.clock.now();
        let mut items = Vec::with_capacity(rows.len());
        for row in rows.into_iter().take(limit as usize) {
            let org = row.i64("org_id")?;
            if let std::collections::hash_map::Entry::Vacant(e) = rules.entry(org) {
                e.insert(ComplaintRules::load(&mut tx, org).await?);
            }
            let id = row.i64("id")?;
            let (list, paused_for) = pauses.remove(&id).unwrap_or_default();
            let loaded = Loaded {
                row,
                pauses: list,
                paused_for,
            };
            if let Some(r) = rules.get(&org) {
                items.push(complaint_from(&loaded, r, now)?);
            }
        }
        tx.commit().await?;
        let more = ids.len() as i64 > limit;
        Ok(Page {
            next_cursor: more.then(|| format!("i{}", offset + limit)),
            items,
        })
    }
}

/// The pauses of several complaints in one query, with each one's running reason.
type PauseList = (Vec<crate::capabilities::complaints::rules::Pause>, Option<String>);

async fn pauses_of_many(tx: &mut Tx, ids: &[i64]) -> Result<HashMap<i64, PauseList>> {
    let mut out: HashMap<i64, PauseList> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let mut query =
        stmt("SELECT complaint_id, reason, from_at, until_at FROM complaint_pauses WHERE complaint_id IN (");
    let ps: Vec<String> = ids.iter().map(|id| query.param(*id)).collect();
    query.push_sql(&ps.join(", "));
    query.push_sql(") ORDER BY complaint_id, from_at, id");
    for r in tx.fetch_all(&query).await? {
        let entry = out.entry(r.i64("complaint_id")?).or_default();
        let until = r.opt_i64("until_at")?.map(ms_to_time);
        if until.is_none() {
            entry.1 = Some(r.text("reason")?);
        }
        entry.0.push(crate::capabilities::complaints::rules::Pause {
            from: ms_to_time(r.i64("from_at")?),
            until,
        });
    }
    Ok(out)
}
