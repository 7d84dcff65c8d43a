//! Today's work in numbers: the team's queue for supervisors, and how many calls a person
//! made today (the home page and the queue's counts).

use super::{task_from_row, CallbackTask, TASK_SELECT};
use crate::core::db::stmt;
use crate::core::error::Result;
use crate::core::principal::Principal;
use crate::Store;
use dcrc_domain::Permission;

impl Store {
    /// Every open task in the supervisor's scope workable by the end of today, whoever it
    /// is assigned to (or nobody), overdue first, then by deadline.
    pub async fn team_queue(&self, who: &Principal) -> Result<Vec<CallbackTask>> {
        self.authorize(who, Permission::SuperviseCallbacks, "callback").await?;
        let now = self.now_ms();
        let sql = format!(
            "{TASK_SELECT} WHERE t.state = 'open' AND t.next_call_at < $1 AND o.path LIKE $2 \
             ORDER BY CASE WHEN t.due_at < $3 THEN 0 ELSE 1 END, t.due_at, t.priority, t.id LIMIT 500"
        );
        let rows = self
            .access(who)
            .fetch_all(
                &stmt(sql)
                    .bind(self.end_of_today_ms())
                    .bind(who.scope().like_pattern())
                    .bind(now),
            )
            .await?;
        rows.iter().map(|r| task_from_row(r, now)).collect()
    }

    /// Calls the person recorded today (business date, Asia/Shanghai).
    pub async fn my_calls_today(&self, who: &Principal) -> Result<i64> {
        self.authorize(who, Permission::WorkCallbacks, "callback").await?;
        let today = self.clock.today().format("%Y-%m-%d").to_string();
        self.access(who)
            .fetch_one(
                &stmt("SELECT COUNT(*) AS n FROM callback_attempts WHERE agent_id = $1 AND business_date = $2")
                    .bind(who.user_id)
                    .bind(today),
            )
            .await?
            .i64("n")
    }
}
