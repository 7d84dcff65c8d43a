//! What the complaint rules read for one dealer: complaints' section of the policy
//! document, the business calendar, and the callback rules its closure calls follow.

use crate::capabilities::callbacks::data::obligations::Rules;
use crate::capabilities::complaints::rules::policy::ComplaintPolicy;
use crate::core::db::Tx;
use crate::core::error::Result;
use crate::core::policy::{document_of, typed, PolicySection};
use dcrc_domain::calendar::BusinessCalendar;
use dcrc_domain::FieldError;

/// Complaints' section of the policy document: the `complaints` object.
pub const SECTION: PolicySection = PolicySection {
    key: Some("complaints"),
    preset: |name| serde_json::to_value(ComplaintPolicy::preset(name)).unwrap_or_default(),
    check: |section, errors| match serde_json::from_value::<ComplaintPolicy>(section.clone()) {
        Ok(p) => p.check(errors),
        Err(_) => errors.push(FieldError::new("complaints", "wrong_type").with("expected", "policy")),
    },
};

/// The rules of one dealer's complaints.
pub struct ComplaintRules {
    pub complaints: ComplaintPolicy,
    pub calendar: BusinessCalendar,
    /// For the closure call a resolved complaint raises.
    pub callbacks: Rules,
}

impl ComplaintRules {
    /// Reads the policy document once for both sections.
    pub(crate) async fn load(tx: &mut Tx, org_id: i64) -> Result<ComplaintRules> {
        let doc = document_of(tx, org_id).await?;
        let callbacks = Rules::with_policy(tx, org_id, typed(&doc, None)?).await?;
        let complaints = typed(&doc, Some("complaints"))?;
        Ok(ComplaintRules {
            complaints,
            calendar: callbacks.calendar.clone(),
            callbacks,
        })
    }
}
