//! How values read on the pages: times in Shanghai, planning dates with their weekday,
//! percentages from basis points, money from fen, revealed phone numbers grouped.

use crate::core::http::i18n::Tr;
use chrono::{DateTime, Utc};

/// An instant as Shanghai local time, `2026-11-23 09:30`.
pub fn local_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&dcrc_domain::clock::shanghai())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// Basis points as a percentage, `93.75%`; `—` when there is nothing to divide.
pub fn percent(bp: impl std::borrow::Borrow<Option<i64>>) -> String {
    bp.borrow()
        .map(|b| format!("{}.{:02}%", b / 100, b % 100))
        .unwrap_or_else(|| "—".into())
}

/// Money in fen as yuan with thousands separators, `¥323,000.00`; `—` for none.
pub fn yuan(fen: impl std::borrow::Borrow<Option<i64>>) -> String {
    let Some(f) = *fen.borrow() else { return "—".into() };
    let sign = if f < 0 { "-" } else { "" };
    let (whole, cents) = (f.unsigned_abs() / 100, f.unsigned_abs() % 100);
    format!("{sign}¥{}.{cents:02}", grouped(whole))
}

/// `1234567` → `1,234,567`.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A revealed mobile number grouped for reading aloud, `189 4769 4978`; other numbers as
/// they are.
pub fn phone_display(digits: &str) -> String {
    if digits.len() == 11 && digits.bytes().all(|b| b.is_ascii_digit()) && digits.starts_with('1') {
        format!("{} {} {}", &digits[..3], &digits[3..7], &digits[7..])
    } else {
        digits.to_string()
    }
}

/// A date a person plans with: `2026-12-03 周四` / `2026-12-03 Thu`.
pub fn plan_date(t: &Tr, d: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!(
        "{} {}",
        d.format("%Y-%m-%d"),
        t.get(&format!("weekday.{}", d.weekday().num_days_from_monday()))
    )
}

/// An instant as a planning time, `12-03 周四 08:30`.
pub fn plan_time(t: &Tr, at: DateTime<Utc>) -> String {
    use chrono::Datelike;
    let local = at.with_timezone(&dcrc_domain::clock::shanghai());
    format!(
        "{} {} {}",
        local.format("%m-%d"),
        t.get(&format!("weekday.{}", local.weekday().num_days_from_monday())),
        local.format("%H:%M")
    )
}
