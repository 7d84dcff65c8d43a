//! Complaint statistics: a period's counts by category, tier, channel, dealer and staff,
//! first responses and closures on time, time to close, reopen rate and the age of what is
//! still open — as tables, SVG bars and an XLSX workbook.

use crate::capabilities::complaints::data::stats::{ComplaintStats, ComplaintStatsQuery, Count};
use crate::capabilities::complaints::pages::board::duration_text;
use crate::core::http::chart::{Chart, Series, Unit};
use crate::core::http::extract::WebUser;
use crate::core::http::i18n::Tr;
use crate::core::http::layout::percent;
use crate::core::http::layout::{render, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct StatsForm {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

impl StatsForm {
    /// The last full month by default (as the callback statistics).
    fn query(&self, today: NaiveDate) -> ComplaintStatsQuery {
        let date = |v: &str| NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").ok();
        let (first, last) = crate::capabilities::callbacks::pages::stats::last_full_month(today);
        ComplaintStatsQuery {
            from: date(&self.from).unwrap_or(first),
            to: date(&self.to).unwrap_or(last),
            org_id: None,
        }
    }
}

/// A titled breakdown, drawn by the shared chart component (bars with their data table).
pub struct Breakdown {
    pub id: &'static str,
    pub title: String,
    pub empty: bool,
    pub html: String,
    /// (label, count), for the workbook.
    pub lines: Vec<(String, i64)>,
}

fn breakdown(t: &Tr, id: &'static str, title: String, counts: &[Count], label: impl Fn(&str) -> String) -> Breakdown {
    let chart = Chart {
        id: format!("chart-{id}"),
        title: title.clone(),
        unit: Unit::Count,
        categories: counts.iter().map(|c| label(&c.key)).collect(),
        series: vec![Series {
            name: t.get("cstats.count"),
            class: "s0",
            values: counts.iter().map(|c| Some(c.count)).collect(),
        }],
        target: None,
        category_heading: title.clone(),
    };
    Breakdown {
        id,
        title,
        empty: counts.is_empty(),
        html: chart.bars(),
        lines: chart
            .categories
            .iter()
            .cloned()
            .zip(counts.iter().map(|c| c.count))
            .collect(),
    }
}

fn breakdowns(t: &Tr, s: &ComplaintStats, categories: &[(String, String)]) -> Vec<Breakdown> {
    let category = |k: &str| {
        categories
            .iter()
            .find(|(key, _)| key == k)
            .map_or_else(|| k.to_string(), |(_, v)| v.clone())
    };
    let ages: Vec<Count> = s
        .open_by_age
        .iter()
        .map(|a| Count {
            key: a.bucket.clone(),
            count: a.count,
        })
        .collect();
    vec![
        breakdown(t, "by-category", t.get("complaints.category"), &s.by_category, category),
        breakdown(t, "by-tier", t.get("complaints.tier"), &s.by_tier, |k| {
            t.get(&format!("complaint.tier.{k}"))
        }),
        breakdown(t, "by-channel", t.get("complaints.channel"), &s.by_channel, |k| {
            t.get(&format!("complaint.channel.{k}"))
        }),
        breakdown(t, "by-dealer", t.get("complaints.dealer"), &s.by_dealer, str::to_string),
        breakdown(t, "by-staff", t.get("complaints.staff"), &s.by_staff, str::to_string),
        breakdown(t, "open-by-age", t.get("cstats.open_by_age"), &ages, |k| {
            t.get(&format!("cstats.age.{k}"))
        }),
    ]
}

#[derive(Template)]
#[template(path = "capabilities/complaints/templates/complaint_stats.html")]
struct StatsPage {
    l: Layout,
    f: StatsForm,
    s: ComplaintStats,
    parts: Vec<Breakdown>,
    mean: String,
    p90: String,
    export: String,
    last_month: String,
    this_month: String,
}

async fn categories(state: &AppState, me: &crate::Principal) -> Vec<(String, String)> {
    let zh = crate::core::http::i18n::current() == dcrc_domain::Lang::ZhCn;
    state
        .store
        .effective_policy(me, me.org_id)
        .await
        .map(|p| {
            p.section::<crate::capabilities::complaints::rules::policy::ComplaintPolicy>(Some("complaints"))
                .unwrap_or_default()
                .categories
                .iter()
                .map(|c| (c.key.clone(), if zh { c.zh.clone() } else { c.en.clone() }))
                .collect()
        })
        .unwrap_or_default()
}

pub async fn stats(State(state): State<AppState>, WebUser(me): WebUser, Query(mut f): Query<StatsForm>) -> Response {
    let q = f.query(state.store.clock.today());
    let s = match state.store.complaint_stats(&me, &q).await {
        Ok(s) => s,
        Err(e) => return crate::core::http::layout::error_page(Some(&me), e),
    };
    f.from = q.from.to_string();
    f.to = q.to.to_string();
    let l = Layout::new(Some(&me), "/complaints");
    let labels = categories(&state, &me).await;
    let view = StatsPage {
        parts: breakdowns(&l.t, &s, &labels),
        mean: s
            .mean_seconds_to_close
            .map(|x| duration_text(&l, x))
            .unwrap_or_else(|| "—".into()),
        p90: s
            .p90_seconds_to_close
            .map(|x| duration_text(&l, x))
            .unwrap_or_else(|| "—".into()),
        export: format!("from={}&to={}", f.from, f.to),
        last_month: {
            let (a, b) = crate::capabilities::callbacks::pages::stats::last_full_month(state.store.clock.today());
            format!("/complaints/stats?from={a}&to={b}")
        },
        this_month: {
            let today = state.store.clock.today();
            let first = crate::capabilities::callbacks::pages::stats::months_back(today, 0);
            format!("/complaints/stats?from={first}&to={today}")
        },
        l,
        f,
        s,
    };
    render(StatusCode::OK, &view)
}

/// The statistics as an XLSX workbook: the rates, then every breakdown.
pub async fn stats_xlsx(State(state): State<AppState>, WebUser(me): WebUser, Query(f): Query<StatsForm>) -> Response {
    let q = f.query(state.store.clock.today());
    let s = match state.store.complaint_stats(&me, &q).await {
        Ok(s) => s,
        Err(e) => return crate::core::http::layout::error_page(Some(&me), e),
    };
    let t = Tr(crate::core::http::i18n::current());
    let labels = categories(&state, &me).await;
    match workbook(&t, &s, &labels) {
        Ok(bytes) => crate::core::http::layout::xlsx_download(&format!("complaints-{}-{}.xlsx", q.from, q.to), bytes),
        Err(_) => crate::core::http::layout::error_page(Some(&me), crate::StoreError::Internal("xlsx".into())),
    }
}

fn workbook(t: &Tr, s: &ComplaintStats, labels: &[(String, String)]) -> Result<Vec<u8>, dcrc_io::IoError> {
    let (what, value) = (t.get("cstats.what"), t.get("cstats.value"));
    let mut sheet = dcrc_io::write::XlsxSheet::new("complaints", &[what.as_str(), value.as_str()])?;
    let rows = [
        (t.get("cstats.filed"), s.filed.to_string()),
        (t.get("cstats.first_on_time"), percent(s.first_response_on_time_bp)),
        (t.get("cstats.closed"), s.closed.to_string()),
        (t.get("cstats.closure_on_time"), percent(s.closure_on_time_bp)),
        (
            t.get("cstats.mean_to_close_h"),
            s.mean_seconds_to_close
                .map(|x| (x / 3600).to_string())
                .unwrap_or_default(),
        ),
        (
            t.get("cstats.p90_to_close_h"),
            s.p90_seconds_to_close
                .map(|x| (x / 3600).to_string())
                .unwrap_or_default(),
        ),
        (t.get("cstats.reopen_rate"), percent(s.reopen_bp)),
    ];
    for (k, v) in rows {
        sheet.push(&[k, v])?;
    }
    for b in breakdowns(t, s, labels) {
        for (label, count) in b.lines {
            sheet.push(&[format!("{} · {}", b.title, label), count.to_string()])?;
        }
    }
    sheet.finish()
}
