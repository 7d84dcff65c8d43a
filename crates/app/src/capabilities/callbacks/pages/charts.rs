//! The callback compliance charts used by the statistics page and the home page: the
//! normative rate per callback type and per dealer against the policy's line, and the
//! trend over months.

use crate::capabilities::callbacks::data::stats::{CallbackStats, StatsRow};
use crate::core::http::chart::{Chart, Series, Unit};
use crate::core::http::i18n::Tr;

fn target(t: &Tr, s: &CallbackStats) -> Option<(i64, String)> {
    Some((
        i64::from(s.threshold_pct) * 100,
        t.fmt("stats.target_line", "pct", &s.threshold_pct.to_string()),
    ))
}

/// The normative rate of each callback type that had calls due, against the line.
pub fn by_type(t: &Tr, s: &CallbackStats, id: &str, title: String) -> Chart {
    let shown: Vec<_> = s.by_type.iter().filter(|r| r.due > 0).collect();
    Chart {
        id: id.into(),
        title,
        unit: Unit::Rate,
        categories: shown
            .iter()
            .map(|r| t.get(&format!("task.{}", r.task_type.as_str())))
            .collect(),
        series: vec![Series {
            name: t.get("stats.rate"),
            class: "s0",
            values: shown.iter().map(|r| r.normative_rate_bp).collect(),
        }],
        target: target(t, s),
        category_heading: t.get("stats.task_type"),
    }
}

/// Dealers ranked by their normative rate, best first (dealers with nothing due last).
pub fn dealer_ranking(t: &Tr, s: &CallbackStats, id: &str, title: String) -> Chart {
    let mut rows: Vec<&StatsRow> = s.rows.iter().filter(|r| r.key_id.is_some()).collect();
    rows.sort_by_key(|r| (std::cmp::Reverse(r.normative_rate_bp.unwrap_or(-1)), r.key_name.clone()));
    Chart {
        id: id.into(),
        title,
        unit: Unit::Rate,
        categories: rows.iter().map(|r| r.key_name.clone().unwrap_or_default()).collect(),
        series: vec![Series {
            name: t.get("stats.rate"),
            class: "s0",
            values: rows.iter().map(|r| r.normative_rate_bp).collect(),
        }],
        target: target(t, s),
        category_heading: t.get("stats.dealer"),
    }
}

/// The rate month by month (rows of a monthly, total query).
pub fn trend(t: &Tr, s: &CallbackStats, id: &str, title: String) -> Chart {
    Chart {
        id: id.into(),
        title,
        unit: Unit::Rate,
        categories: s.rows.iter().map(|r| r.period.clone()).collect(),
        series: vec![Series {
            name: t.get("stats.rate"),
            class: "s0",
            values: s.rows.iter().map(|r| r.normative_rate_bp).collect(),
        }],
        target: target(t, s),
        category_heading: t.get("stats.period"),
    }
}
