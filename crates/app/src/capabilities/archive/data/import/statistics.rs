//! Table statistics during and after a large load: PostgreSQL plans the batch lookups and
//! the searches from them, and keeps planning for empty tables until they are refreshed.

use super::BATCH_ROWS;
use crate::core::access::Authority;
use crate::core::db::{stmt, Backend};
use crate::core::error::Result;
use crate::Store;

impl Store {
    /// On PostgreSQL, refreshes the statistics of the tables a batch grew each time they
    /// have grown tenfold.
    pub(super) async fn refresh_statistics_during_load(
        &self,
        who: &impl Authority,
        before: i64,
        after: i64,
    ) -> Result<()> {
        if self.access(who).backend() == Backend::Postgres && crossed_decade(before, after) {
            self.access(who)
                .execute(&stmt("ANALYZE customers, customer_phones, vehicles, ownerships"))
                .await?;
        }
        Ok(())
    }

    /// After a load of 10,000 rows or more, refreshes the statistics so searches keep using
    /// their indexes. On PostgreSQL also VACUUM, which marks the new pages all-visible:
    /// until autovacuum gets to them, every index-only scan of the search (suffix and VIN
    /// ranges) fetched each row from the heap as well. A failure is logged, not raised: the
    /// import itself succeeded.
    pub(super) async fn refresh_statistics_after_load(&self, who: &impl Authority, inserted: i64) {
        if inserted < 10_000 {
            return;
        }
        let sql = match self.access(who).backend() {
            Backend::Postgres => {
                "VACUUM (ANALYZE) customers, customer_phones, vehicles, ownerships, name_suffixes, plate_suffixes"
            }
            Backend::Sqlite => "ANALYZE",
        };
        if let Err(e) = self.access(who).execute(&stmt(sql)).await {
            tracing::warn!(error = %e, "refreshing statistics after an import failed");
        }
    }
}

/// Whether growing from `before` to `after` rows passed one batch, ten, a hundred …
fn crossed_decade(before: i64, after: i64) -> bool {
    let mut mark = BATCH_ROWS as i64;
    while mark <= after {
        if before < mark {
            return true;
        }
        mark *= 10;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::{crossed_decade, BATCH_ROWS};

    #[test]
    fn statistics_are_refreshed_at_each_tenfold_growth() {
        let b = BATCH_ROWS as i64;
        assert!(!crossed_decade(0, b - 1));
        assert!(crossed_decade(0, b));
        assert!(!crossed_decade(b, 10 * b - 1));
        assert!(crossed_decade(9 * b, 10 * b));
        assert!(crossed_decade(99 * b, 100 * b + 500));
        assert!(!crossed_decade(100 * b + 500, 101 * b + 500));
    }
}
