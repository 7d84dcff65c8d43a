//! Value types of the customer archive shared by customers, vehicles and history.

use serde::{Deserialize, Serialize};

/// A person or a company.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CustomerKind {
    #[default]
    Person,
    Company,
}

impl CustomerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CustomerKind::Person => "person",
            CustomerKind::Company => "company",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [CustomerKind::Person, CustomerKind::Company]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// What calls have taught us about a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PhoneStatus {
    #[default]
    Valid,
    /// 号码错误
    WrongNumber,
    /// 空号
    EmptyNumber,
    /// 非车主
    NotOwner,
    /// 关机
    PoweredOff,
}

impl PhoneStatus {
    pub const ALL: [PhoneStatus; 5] = [
        PhoneStatus::Valid,
        PhoneStatus::WrongNumber,
        PhoneStatus::EmptyNumber,
        PhoneStatus::NotOwner,
        PhoneStatus::PoweredOff,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PhoneStatus::Valid => "valid",
            PhoneStatus::WrongNumber => "wrong_number",
            PhoneStatus::EmptyNumber => "empty_number",
            PhoneStatus::NotOwner => "not_owner",
            PhoneStatus::PoweredOff => "powered_off",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// What a customer may be contacted for (PIPL: consent per purpose).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConsentPurpose {
    /// Service contact: callbacks, reminders about their own vehicle.
    ServiceContact,
    /// Marketing: campaigns, offers.
    Marketing,
    /// Sharing their data with the brand (OEM).
    ShareWithBrand,
}

impl ConsentPurpose {
    pub const ALL: [ConsentPurpose; 3] = [
        ConsentPurpose::ServiceContact,
        ConsentPurpose::Marketing,
        ConsentPurpose::ShareWithBrand,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ConsentPurpose::ServiceContact => "service_contact",
            ConsentPurpose::Marketing => "marketing",
            ConsentPurpose::ShareWithBrand => "share_with_brand",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Parses an optional business date (`YYYY-MM-DD`) field.
pub fn date_text(d: Option<chrono::NaiveDate>) -> Option<String> {
    d.map(|d| d.format("%Y-%m-%d").to_string())
}

/// Reads a stored business date.
pub fn parse_date(s: Option<String>) -> Option<chrono::NaiveDate> {
    s.and_then(|s| chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
}

/// A comma-separated list column as a vector (attributes, tags).
pub fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// Normalises a list for storage: trimmed, no commas, no duplicates, sorted.
pub fn join_list(items: &[String]) -> String {
    let mut v: Vec<String> = items
        .iter()
        .map(|t| t.trim().replace(',', " "))
        .filter(|t| !t.is_empty())
        .collect();
    v.sort();
    v.dedup();
    v.join(",")
}
