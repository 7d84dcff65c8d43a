//! Values as dealers write them: dates as Excel serial numbers, `2023-05-06`, `2023/5/6`,
//! `2023年5月6日`, `20230506`, `2023.5.6` (a time after the date is ignored); money as
//! `12,345.67`, `¥12345`, `12345元` — always to integer fen, never through floating point.

use chrono::{Duration, NaiveDate};

/// Parses a business date in any of the accepted forms.
pub fn parse_date(input: &str) -> Option<NaiveDate> {
    let s: String = input.trim().chars().map(dcrc_domain::text::half_width).collect();
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    // Excel serial day numbers (1900 date system; 1 = 1900-01-01, with Excel's phantom
    // 1900-02-29, so day 60 and later are one day off, as Excel itself counts).
    if let Ok(serial) = s.split('.').next().unwrap_or("").parse::<i64>() {
        if s.len() != 8 && (1..=2_958_465).contains(&serial) {
            let base = NaiveDate::from_ymd_opt(1899, 12, 30)?;
            let days = if serial < 60 { serial + 1 } else { serial };
            return base.checked_add_signed(Duration::days(days));
        }
    }
    let date_part = s.split([' ', 'T']).next().unwrap_or(s);
    if date_part.len() == 8 && date_part.chars().all(|c| c.is_ascii_digit()) {
        return NaiveDate::parse_from_str(date_part, "%Y%m%d").ok();
    }
    let cleaned: String = date_part.replace(['年', '月', '/', '.'], "-").replace('日', "");
    let mut parts = cleaned.split('-').filter(|p| !p.is_empty());
    let (y, m, d) = (
        parts.next()?.parse::<i32>().ok()?,
        parts.next()?.parse::<u32>().ok()?,
        parts.next()?.parse::<u32>().ok()?,
    );
    if parts.next().is_some() || !(1900..=2200).contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m, d)
}

/// Parses an amount in yuan into fen. Accepts thousands separators, a currency sign or
/// `元`, and up to two decimals; more decimals or anything else is an error.
pub fn parse_money_fen(input: &str) -> Option<i64> {
    let s: String = input
        .trim()
        .chars()
        .map(dcrc_domain::text::half_width)
        .filter(|c| !matches!(c, ',' | '¥' | '￥' | ' ' | '元'))
        .collect();
    let s = s
        .strip_prefix("RMB")
        .or_else(|| s.strip_prefix("CNY"))
        .unwrap_or(&s)
        .trim();
    if s.is_empty() {
        return None;
    }
    let (negative, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() && frac.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 2
    {
        return None;
    }
    let yuan: i64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let fen: i64 = format!("{frac:0<2}").parse().ok()?;
    let total = yuan.checked_mul(100)?.checked_add(fen)?;
    Some(if negative { -total } else { total })
}

/// A whole number such as a mileage, allowing separators and a trailing unit (`12,000 km`, `1.2万`).
pub fn parse_whole(input: &str) -> Option<i64> {
    let s: String = input
        .trim()
        .chars()
        .map(dcrc_domain::text::half_width)
        .filter(|c| *c != ',')
        .collect();
    let s = s.trim_end_matches(|c: char| c.is_alphabetic() && c != '万').trim();
    if let Some(wan) = s.strip_suffix('万') {
        return parse_money_fen(wan).map(|fen| fen * 100);
    }
    if let Some((whole, frac)) = s.split_once('.') {
        if frac.chars().all(|c| c == '0') {
            return whole.parse().ok();
        }
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    #[test]
    fn every_accepted_date_form() {
        for s in [
            "2023-05-06",
            "2023/5/6",
            "2023年5月6日",
            "20230506",
            "2023.5.6",
            "2023-05-06 14:30:00",
            "2023/05/06T08:00",
            "45052",
            "45052.5",
        ] {
            assert_eq!(parse_date(s), d(2023, 5, 6), "{s}");
        }
        assert_eq!(parse_date("1"), d(1900, 1, 1));
        assert_eq!(parse_date("61"), d(1900, 3, 1));
        for bad in ["", "2023-13-01", "2023-02-30", "hello", "5/6/2023", "20231345"] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn money_is_exact() {
        assert_eq!(parse_money_fen("12,345.67"), Some(1_234_567));
        assert_eq!(parse_money_fen("¥138900"), Some(13_890_000));
        assert_eq!(parse_money_fen("0.1元"), Some(10));
        assert_eq!(parse_money_fen("-5.05"), Some(-505));
        assert_eq!(parse_money_fen("1.234"), None);
        assert_eq!(parse_money_fen("abc"), None);
        assert_eq!(parse_whole("12,000 km"), Some(12_000));
        assert_eq!(parse_whole("1.2万"), Some(12_000));
        assert_eq!(parse_whole("3500.0"), Some(3_500));
    }

    proptest! {
        #[test]
        fn fen_round_trip(fen in 0i64..10_000_000_000) {
            let text = format!("{}.{:02}", fen / 100, fen % 100);
            prop_assert_eq!(parse_money_fen(&text), Some(fen));
        }

        #[test]
        fn dates_round_trip_in_every_form(days in 0i64..60_000) {
            let date = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap() + Duration::days(days);
            for f in ["%Y-%m-%d", "%Y/%-m/%-d", "%Y年%-m月%-d日", "%Y%m%d"] {
                prop_assert_eq!(parse_date(&date.format(f).to_string()), Some(date));
            }
        }

        #[test]
        fn parsers_never_panic(s in "\\PC{0,20}") {
            let _ = parse_date(&s);
            let _ = parse_money_fen(&s);
            let _ = parse_whole(&s);
        }
    }
}
