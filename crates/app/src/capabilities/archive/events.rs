//! What the archive tells other capabilities (see `core::events`).

use crate::core::audit::Actor;
use crate::core::events::Event;
use chrono::NaiveDate;

/// Which kind of history record was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryKind {
    Sale,
    RepairOrder,
    InsurancePolicy,
}

impl HistoryKind {
    /// The table its records live in.
    pub fn table(self) -> &'static str {
        match self {
            HistoryKind::Sale => "sales",
            HistoryKind::RepairOrder => "repair_orders",
            HistoryKind::InsurancePolicy => "insurance_policies",
        }
    }

    /// The kind of the records of `table`.
    pub fn of_table(table: &str) -> Option<HistoryKind> {
        [
            HistoryKind::Sale,
            HistoryKind::RepairOrder,
            HistoryKind::InsurancePolicy,
        ]
        .into_iter()
        .find(|k| k.table() == table)
    }
}

/// A sale, repair order or insurance policy was stored (by hand, through the API or by
/// an import). `day` is its event day: delivery, repair delivery or policy expiry.
#[derive(Debug, Clone)]
pub struct HistoryRecorded {
    pub now_ms: i64,
    pub kind: HistoryKind,
    pub org_id: i64,
    pub record_id: i64,
    pub customer_id: i64,
    pub vehicle_id: i64,
    pub day: Option<NaiveDate>,
    /// The sales consultant or service advisor named on the record.
    pub staff: Option<String>,
}

impl Event for HistoryRecorded {
    const NAME: &'static str = "archive.history_recorded";
}

/// A customer withdrew consent to be contacted for a purpose.
#[derive(Debug, Clone)]
pub struct ConsentWithdrawn {
    pub now_ms: i64,
    pub customer_id: i64,
    pub purpose: String,
}

impl Event for ConsentWithdrawn {
    const NAME: &'static str = "archive.consent_withdrawn";
}

/// A customer's personal data was erased (PIPL): no contact work may remain.
#[derive(Debug, Clone)]
pub struct CustomerErased {
    pub now_ms: i64,
    pub actor: Actor,
    pub org_id: i64,
    pub customer_id: i64,
}

impl Event for CustomerErased {
    const NAME: &'static str = "archive.customer_erased";
}
