//! Loyalty discounts by years of continuous ownership (Geely preset, domain guide §4): labour
//! and parts percentages by completed years since the current owner's start. A transfer
//! starts the count again (the new owner's start date); warranty work paid by the brand
//! gets none.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// One step of the table: from `years` completed years on, these percentages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LoyaltyStep {
    pub years: u32,
    pub labour_pct: u32,
    pub parts_pct: u32,
}

/// The discount a customer gets on an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Loyalty {
    /// Completed years of continuous ownership.
    pub years: u32,
    pub labour_pct: u32,
    pub parts_pct: u32,
}

/// Geely's table: 1 yr 0/0 · 2 yrs 5/0 · 3 yrs 5/5 · 4 yrs 10/5 · 5 yrs 15/10 · 6–7 yrs
/// 20/15 · 8–9 yrs 20/20 · 10+ yrs 25/25.
pub fn geely_table() -> Vec<LoyaltyStep> {
    [
        (0, 0, 0),
        (2, 5, 0),
        (3, 5, 5),
        (4, 10, 5),
        (5, 15, 10),
        (6, 20, 15),
        (8, 20, 20),
        (10, 25, 25),
    ]
    .into_iter()
    .map(|(years, labour_pct, parts_pct)| LoyaltyStep {
        years,
        labour_pct,
        parts_pct,
    })
    .collect()
}

/// Completed years between the owner's start and `on` (a birthday count: 2024-03-05 to
/// 2026-03-04 is one year, to 2026-03-05 two; 29 February counts from 1 March in
/// other years).
pub fn completed_years(since: NaiveDate, on: NaiveDate) -> u32 {
    if on < since {
        return 0;
    }
    let mut years = on.year() - since.year();
    if (on.month(), on.day()) < (since.month(), since.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

/// The discount for an owner since `since`, on `on`, under `table` (steps in any order).
pub fn loyalty(table: &[LoyaltyStep], since: NaiveDate, on: NaiveDate) -> Loyalty {
    let years = completed_years(since, on);
    let step = table
        .iter()
        .filter(|s| s.years <= years)
        .max_by_key(|s| s.years)
        .copied()
        .unwrap_or(LoyaltyStep {
            years: 0,
            labour_pct: 0,
            parts_pct: 0,
        });
    Loyalty {
        years,
        labour_pct: step.labour_pct,
        parts_pct: step.parts_pct,
    }
}

/// An amount in fen less a percentage, rounded half up to the fen.
pub fn discounted(fen: i64, pct: u32) -> i64 {
    let off = (fen * i64::from(pct) + 50) / 100;
    fen - off
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_geely_table_at_its_edges() {
        let t = geely_table();
        let since = d(2016, 6, 15);
        // (ownership in years as the issue lists them, the day that is, labour, parts)
        let cases = [
            (0.5, d(2016, 12, 15), 0, 0, 0),
            (1.0, d(2017, 6, 15), 1, 0, 0),
            (1.99, d(2018, 6, 14), 1, 0, 0),
            (2.0, d(2018, 6, 15), 2, 5, 0),
            (5.0, d(2021, 6, 15), 5, 15, 10),
            (6.0, d(2022, 6, 15), 6, 20, 15),
            (7.0, d(2023, 6, 15), 7, 20, 15),
            (8.0, d(2024, 6, 15), 8, 20, 20),
            (10.0, d(2026, 6, 15), 10, 25, 25),
            (11.0, d(2027, 6, 15), 11, 25, 25),
        ];
        for (label, on, years, labour, parts) in cases {
            let l = loyalty(&t, since, on);
            assert_eq!(
                (l.years, l.labour_pct, l.parts_pct),
                (years, labour, parts),
                "{label} years"
            );
        }
        assert_eq!(loyalty(&t, since, d(2019, 6, 15)).labour_pct, 5, "3 years: 5/5");
        assert_eq!(loyalty(&t, since, d(2020, 6, 15)).labour_pct, 10, "4 years: 10/5");
    }

    #[test]
    fn a_transfer_starts_the_count_again_and_leap_days_count_from_march() {
        let t = geely_table();
        // Bought second-hand in 2025: the previous owner's eight years do not count.
        assert_eq!(loyalty(&t, d(2025, 1, 10), d(2026, 12, 3)).years, 1);
        assert_eq!(completed_years(d(2024, 2, 29), d(2025, 2, 28)), 0);
        assert_eq!(completed_years(d(2024, 2, 29), d(2025, 3, 1)), 1);
        assert_eq!(
            completed_years(d(2026, 1, 1), d(2025, 1, 1)),
            0,
            "a start after the day"
        );
    }

    #[test]
    fn amounts_lose_their_percentage_to_the_fen() {
        assert_eq!(discounted(32_300_000, 25), 24_225_000);
        assert_eq!(discounted(999, 5), 949, "49.95 fen off rounds to 50");
        assert_eq!(discounted(1_000, 0), 1_000);
    }
}
