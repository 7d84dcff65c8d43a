//! The example's data: notes, read in the caller's scope and written to a customer
//! loaded (and locked) in scope inside the same transaction.

use crate::core::db::{stmt, Tx};
use crate::core::error::Result;
use crate::core::principal::Principal;
use crate::core::scoped::lock_in_scope;
use crate::Store;
use dcrc_domain::{FieldError, Invalid};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ExampleNote {
    pub id: i64,
    pub customer_id: i64,
    pub day: String,
    pub body: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewExampleNote {
    pub customer_id: i64,
    pub body: String,
}

pub(crate) async fn insert(tx: &mut Tx, now: i64, org_id: i64, customer_id: i64, body: &str) -> Result<i64> {
    let day = dcrc_domain::clock::business_date(dcrc_domain::clock::ms_to_time(now)).to_string();
    tx.fetch_one(
        &stmt("INSERT INTO example_notes (org_id, customer_id, day, body, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(org_id)
            .bind(customer_id)
            .bind(day)
            .bind(body)
            .bind(now),
    )
    .await?
    .i64("id")
}

impl Store {
    /// A customer's notes, when the customer is in scope.
    pub async fn example_notes(&self, who: &Principal, customer_id: i64) -> Result<Vec<ExampleNote>> {
        self.customer_org(who, customer_id).await?;
        let rows = self
            .access(who)
            .fetch_all(
                &stmt("SELECT id, customer_id, day, body FROM example_notes WHERE customer_id = $1 ORDER BY id")
                    .bind(customer_id),
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(ExampleNote {
                    id: r.i64("id")?,
                    customer_id: r.i64("customer_id")?,
                    day: r.text("day")?,
                    body: r.text("body")?,
                })
            })
            .collect()
    }

    /// Adds a note to a customer in scope.
    pub async fn add_example_note(&self, who: &Principal, note: NewExampleNote) -> Result<ExampleNote> {
        let body = note.body.trim();
        if body.is_empty() {
            return Err(Invalid(vec![FieldError::new("body", "required")]).into());
        }
        let mut tx = self.access(who).begin().await?;
        let customer = lock_in_scope(
            &mut tx,
            who,
            "customers",
            "r.org_id",
            note.customer_id,
            " AND r.merged_into IS NULL",
        )
        .await?;
        let id = insert(&mut tx, self.now_ms(), customer.i64("org_id")?, note.customer_id, body).await?;
        tx.commit().await?;
        let notes = self.example_notes(who, note.customer_id).await?;
        notes
            .into_iter()
            .find(|n| n.id == id)
            .ok_or(crate::StoreError::NotFound)
    }
}
