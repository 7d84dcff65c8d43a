//! Callbacks' durable jobs.

use crate::core::access::System;
use crate::core::jobs::{Job, JobKind, Running};
use crate::Store;

/// Creates the day's obligations no event stores (churn win-back), daily at 06:00, then
/// checks last month's compliance of every dealer (each notice and penalty once).
pub const DAILY: JobKind = JobKind {
    name: "callbacks_daily",
    run: daily,
    max_attempts: 5,
    daily_at: Some(6),
    catch_up_on_start: true,
    gave_up: None,
};

fn daily<'a>(store: &'a Store, system: &'a System, _job: &'a Job) -> Running<'a> {
    Box::pin(async move {
        let created = store.generate_daily_obligations(system).await?;
        tracing::info!(created, "daily callback obligations");
        let dealers = store.check_callback_compliance(system).await?;
        tracing::info!(dealers, "callback compliance of last month");
        Ok(())
    })
}
