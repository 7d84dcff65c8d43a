//! Supervisors' side of callbacks: every agent's load, and moving open tasks between
//! agents of a dealer.

use crate::core::audit::{self, Actor, Event};
use crate::core::db::stmt;
use crate::core::error::{Result, StoreError};
use crate::core::principal::Principal;
use crate::Store;
use dcrc_domain::{FieldError, Invalid, Permission};
use serde::{Deserialize, Serialize};

/// One agent's open work, for supervisors.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AgentLoad {
    /// `null`: tasks nobody is assigned.
    pub assignee_id: Option<i64>,
    pub assignee_name: Option<String>,
    pub org_id: i64,
    pub open: i64,
    /// Open and workable by the end of today.
    pub due_today: i64,
    pub overdue: i64,
}

/// Reassigning tasks in bulk.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reassign {
    pub task_ids: Vec<i64>,
    pub assignee_id: i64,
}

impl Store {
    /// Gives open tasks to another agent of their dealer.
    pub async fn reassign_callbacks(&self, who: &Principal, r: Reassign) -> Result<u64> {
        self.authorize(who, Permission::SuperviseCallbacks, "callback").await?;
        if r.task_ids.is_empty() || r.task_ids.len() > 1000 {
            return Err(Invalid(vec![FieldError::new("task_ids", "length")
                .with("min", 1)
                .with("max", 1000)])
            .into());
        }
        let assignee = self
            .access(who)
            .fetch_optional(
                &stmt("SELECT u.id, u.org_id FROM users u JOIN orgs o ON o.id = u.org_id WHERE u.id = $1 AND u.active AND o.path LIKE $2")
                    .bind(r.assignee_id)
                    .bind(who.scope().like_pattern()),
            )
            .await?
            .ok_or_else(|| StoreError::from(Invalid(vec![FieldError::new("assignee_id", "not_found")])))?;
        let assignee_org = assignee.i64("org_id")?;
        let roles: Vec<dcrc_domain::Role> = self
            .access(who)
            .fetch_all(&stmt("SELECT role FROM user_roles WHERE user_id = $1").bind(r.assignee_id))
            .await?
            .iter()
            .filter_map(|row| row.text("role").ok().and_then(|t| dcrc_domain::Role::parse(&t)))
            .collect();
        if !dcrc_domain::role::allows(&roles, Permission::WorkCallbacks) {
            return Err(Invalid(vec![FieldError::new("assignee_id", "cannot_work_callbacks")]).into());
        }
        let now = self.now_ms();
        let mut tx = self.access(who).begin().await?;
        let mut moved = 0;
        for id in &r.task_ids {
            let n = tx
                .execute(
                    &stmt("UPDATE callback_tasks SET assignee_id = $1, updated_at = $2 WHERE id = $3 AND org_id = $4 AND state = 'open'")
                        .bind(r.assignee_id)
                        .bind(now)
                        .bind(*id)
                        .bind(assignee_org),
                )
                .await?;
            if n == 0 {
                return Err(Invalid(vec![FieldError::new("task_ids", "not_reassignable").with("id", id)]).into());
            }
            moved += n;
        }
        let detail = serde_json::json!({ "task_ids": r.task_ids, "assignee_id": r.assignee_id });
        audit::record(
            &mut tx,
            now,
            &Actor::from(who),
            Event::on("reassign", "callback", r.assignee_id, assignee_org, detail),
        )
        .await?;
        tx.commit().await?;
        Ok(moved)
    }

    /// Every agent's open, due-today and overdue counts in scope (and the unassigned pool).
    pub async fn callback_load(&self, who: &Principal) -> Result<Vec<AgentLoad>> {
        self.authorize(who, Permission::SuperviseCallbacks, "callback").await?;
        let now = self.now_ms();
        let rows = self
            .access(who)
            .fetch_all(
                &stmt(
                    "SELECT t.assignee_id, u.display_name, t.org_id, COUNT(*) AS open_n, \
                    SUM(CASE WHEN t.next_call_at < $1 THEN 1 ELSE 0 END) AS due_n, \
                    SUM(CASE WHEN t.due_at < $2 THEN 1 ELSE 0 END) AS overdue_n \
                    FROM callback_tasks t JOIN orgs o ON o.id = t.org_id LEFT JOIN users u ON u.id = t.assignee_id \
                    WHERE t.state = 'open' AND o.path LIKE $3 \
                    GROUP BY t.assignee_id, u.display_name, t.org_id ORDER BY t.org_id, u.display_name",
                )
                .bind(self.end_of_today_ms())
                .bind(now)
                .bind(who.scope().like_pattern()),
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(AgentLoad {
                    assignee_id: r.opt_i64("assignee_id")?,
                    assignee_name: r.opt_text("display_name")?,
                    org_id: r.i64("org_id")?,
                    open: r.i64("open_n")?,
                    due_today: r.opt_i64("due_n")?.unwrap_or(0),
                    overdue: r.opt_i64("overdue_n")?.unwrap_or(0),
                })
            })
            .collect()
    }
}
