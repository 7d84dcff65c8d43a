//! The data that belongs to a customer, declared by each capability for its own tables
//! (`Capability::customer_tables`): merging two customers, erasing one under PIPL, the
//! personal-data export and the customer timeline all read these declarations, and a test
//! fails when a table with a `customer_id` column is claimed by no capability.

use crate::core::registry;

/// What merging `from` into `into` does with a table's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnMerge {
    /// The rows move to the survivor.
    Move,
    /// Numbers the survivor already has are dropped; the others move (not primary).
    Phones,
    /// Maintained by triggers from the customer row (search suffixes): nothing to do.
    Derived,
}

/// What erasing a customer does with a table's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnErase {
    /// The rows are deleted (they are personal on their own: phone numbers).
    Delete,
    /// The rows stay for the dealer's statistics; the listed SQL `SET` clause clears
    /// their free text, which may name or describe the person.
    Clear(&'static str),
    /// The rows stay as they are (not personal on their own: a sale, a repair order).
    Keep,
}

/// A table that holds a customer's data, found by its `customer_id` column.
#[derive(Debug, Clone, Copy)]
pub struct CustomerTable {
    pub table: &'static str,
    pub merge: OnMerge,
    pub erase: OnErase,
    /// Whether the personal-data export lists its rows (derived tables are not data).
    pub export: bool,
    /// Tables whose rows hang off this table's rows (`<column> = <this>.id`), exported
    /// with them: a complaint's history, pauses and attachments.
    pub children: &'static [(&'static str, &'static str)],
    /// What the table adds to the customer timeline: SELECTs returning (kind, id, day,
    /// vehicle_id, t1, t2, t3, n1) for customer `$1`, joined by `UNION ALL`.
    pub timeline: &'static [&'static str],
}

pub const fn table(table: &'static str, merge: OnMerge, erase: OnErase) -> CustomerTable {
    CustomerTable {
        table,
        merge,
        erase,
        export: true,
        children: &[],
        timeline: &[],
    }
}

/// Every declared table, capability by capability in registration order.
pub fn registered() -> impl Iterator<Item = &'static CustomerTable> {
    registry::installed().iter().flat_map(|c| c.customer_tables.iter())
}
