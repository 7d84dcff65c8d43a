//! Complaints' periodic check: the clocks (warnings, breaches, escalation).

use crate::core::access::System;
use crate::core::jobs::Running;
use crate::Store;

/// Run on every scheduler tick; idempotent, so every instance may run it.
pub fn sweep<'a>(store: &'a Store, system: &'a System) -> Running<'a> {
    Box::pin(async move {
        let swept = store.sweep_complaints(system).await?;
        if swept != Default::default() {
            tracing::info!(?swept, "complaint clocks");
        }
        Ok(())
    })
}
