//! Zero-tolerance penalties: a complaint matching a policy rule (e.g. service attitude)
//! records a `proposed` penalty for its dealer, with the complaint as evidence; the brand
//! confirms or waives it, once, with a note.

use crate::core::audit::{self, Actor, Event};
use crate::core::db::{stmt, Row};
use crate::core::error::{Result, StoreError};
use crate::core::principal::Principal;
use crate::Store;
use chrono::{DateTime, Utc};
use dcrc_domain::clock::ms_to_time;
use dcrc_domain::{FieldError, Invalid, Permission};
use serde::{Deserialize, Serialize};

/// A penalty entry.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Penalty {
    pub id: i64,
    pub org_id: i64,
    pub dealer: String,
    /// The complaint it arose from; none for a month of non-compliant callbacks.
    pub complaint_id: Option<i64>,
    pub complaint_title: Option<String>,
    /// The rule's category.
    pub rule: String,
    pub amount_fen: i64,
    /// `proposed`, `confirmed` or `waived`.
    pub state: String,
    pub note: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// The brand's decision.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PenaltyDecision {
    /// `confirmed` or `waived`.
    pub state: String,
    #[serde(default)]
    pub note: Option<String>,
}

const SELECT: &str = "SELECT p.*, o.name AS dealer, k.title FROM penalties p JOIN orgs o ON o.id = p.org_id \
    LEFT JOIN complaints k ON k.id = p.complaint_id";

fn penalty(r: &Row) -> Result<Penalty> {
    Ok(Penalty {
        id: r.i64("id")?,
        org_id: r.i64("org_id")?,
        dealer: r.text("dealer")?,
        complaint_id: r.opt_i64("complaint_id")?,
        complaint_title: r.opt_text("title")?,
        rule: r.text("rule")?,
        amount_fen: r.i64("amount_fen")?,
        state: r.text("state")?,
        note: r.opt_text("note")?,
        decided_at: r.opt_i64("decided_at")?.map(ms_to_time),
        created_at: ms_to_time(r.i64("created_at")?),
    })
}

impl Store {
    /// Penalties of the dealers in scope, newest first (`state` filters).
    pub async fn list_penalties(&self, who: &Principal, state: Option<&str>) -> Result<Vec<Penalty>> {
        self.authorize(who, Permission::ViewCustomers, "penalty").await?;
        let mut query = stmt(format!("{SELECT} WHERE o.path LIKE $1")).bind(who.scope().like_pattern());
        if let Some(s) = state.filter(|s| !s.is_empty()) {
            let p = query.param(s);
            query.push_sql(&format!(" AND p.state = {p}"));
        }
        query.push_sql(" ORDER BY p.id DESC LIMIT 500");
        self.access(who).fetch_all(&query).await?.iter().map(penalty).collect()
    }

    /// Confirms or waives a proposed penalty (brand staff).
    pub async fn decide_penalty(&self, who: &Principal, id: i64, d: PenaltyDecision) -> Result<Penalty> {
        self.scoped_row(who, "penalties", "p", "p.id", id, "").await?;
        self.authorize(who, Permission::DecidePenalties, "penalty").await?;
        if !matches!(d.state.as_str(), "confirmed" | "waived") {
            return Err(Invalid(vec![
                FieldError::new("state", "unknown_value").with("allowed", "confirmed, waived")
            ])
            .into());
        }
        let note = d
            .note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string);
        if d.state == "waived" && note.is_none() {
            return Err(Invalid(vec![FieldError::new("note", "required")]).into());
        }
        let now = self.now_ms();
        let mut tx = self.access(who).begin().await?;
        let n = tx
            .execute(
                &stmt("UPDATE penalties SET state = $1, note = $2, decided_by = $3, decided_at = $4 WHERE id = $5 AND state = 'proposed'")
                    .bind(&d.state)
                    .bind(note.clone())
                    .bind(who.user_id)
                    .bind(now)
                    .bind(id),
            )
            .await?;
        if n == 0 {
            return Err(StoreError::Conflict {
                code: "penalty_decided",
                field: None,
            });
        }
        let row = tx
            .fetch_one(&stmt(format!("{SELECT} WHERE p.id = $1")).bind(id))
            .await?;
        let p = penalty(&row)?;
        let detail = serde_json::json!({ "state": d.state, "note": note, "amount_fen": p.amount_fen });
        audit::record(
            &mut tx,
            now,
            &Actor::from(who),
            Event::on("decide", "penalty", id, p.org_id, detail),
        )
        .await?;
        tx.commit().await?;
        Ok(p)
    }
}
