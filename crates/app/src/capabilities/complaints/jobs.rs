//! Complaints' periodic check: the clocks (warnings, breaches, escalation).

use crate::core::jobs::Running;
use crate::Store;

/// Run on every scheduler tick; idempotent, so every instance may run it.
pub fn sweep(store: &Store) -> Running<'_> {
    Box::pin(async move {
        let swept = store.sweep_complaints().await?;
        if swept != Default::default() {
            tracing::info!(?swept, "complaint clocks");
        }
        Ok(())
    })
}
