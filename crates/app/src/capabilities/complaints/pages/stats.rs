//! Complaint statistics: a period's counts by category, tier, channel, dealer and staff,
//! first responses and closures on time, time to close, reopen rate and the age of what is
//! still open — as tables, SVG bars and an XLSX workbook.

use crate::capabilities::complaints::data::stats::{ComplaintStats, ComplaintStatsQuery, Count};
use crate::capabilities::complaints::pages::board::duration_text;
use crate::core::http::extract::WebUser;
use crate::core::http::i18n::Tr;
use crate::core::http::layout::percent;
use crate::core::http::layout::{render, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct StatsForm {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

impl StatsForm {
    /// This month so far by default.
    fn query(&self, today: NaiveDate) -> ComplaintStatsQuery {
        let date = |v: &str| NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").ok();
        ComplaintStatsQuery {
            from: date(&self.from).unwrap_or(today.with_day(1).unwrap_or(today)),
            to: date(&self.to).unwrap_or(today),
            org_id: None,
        }
    }
}

/// A labelled count with its bar length (of 300 px for the largest).
pub struct Line {
    pub label: String,
    pub count: i64,
    pub width: i64,
    pub y: i64,
}

/// A titled breakdown.
pub struct Breakdown {
    pub id: &'static str,
    pub title: String,
    pub lines: Vec<Line>,
    pub height: i64,
}

fn breakdown(id: &'static str, title: String, counts: &[Count], label: impl Fn(&str) -> String) -> Breakdown {
    let max = counts.iter().map(|c| c.count).max().unwrap_or(0).max(1);
    let lines: Vec<Line> = counts
        .iter()
        .enumerate()
        .map(|(i, c)| Line {
            label: label(&c.key),
            count: c.count,
            width: c.count * 300 / max,
            y: 4 + i as i64 * 22,
        })
        .collect();
    Breakdown {
        id,
        title,
        height: 8 + lines.len() as i64 * 22,
        lines,
    }
}

fn breakdowns(t: &Tr, s: &ComplaintStats, categories: &[(String, String)]) -> Vec<Breakdown> {
    let category = |k: &str| {
        categories
            .iter()
            .find(|(key, _)| key == k)
            .map_or_else(|| k.to_string(), |(_, v)| v.clone())
    };
    vec![
        breakdown("by-category", t.get("complaints.category"), &s.by_category, category),
        breakdown("by-tier", t.get("complaints.tier"), &s.by_tier, |k| {
            t.get(&format!("complaint.tier.{k}"))
        }),
        breakdown("by-channel", t.get("complaints.channel"), &s.by_channel, |k| {
            t.get(&format!("complaint.channel.{k}"))
        }),
        breakdown("by-dealer", t.get("complaints.dealer"), &s.by_dealer, str::to_string),
        breakdown("by-staff", t.get("complaints.staff"), &s.by_staff, str::to_string),
        Breakdown {
            lines: Vec::new(),
            ..breakdown("open-by-age", t.get("cstats.open_by_age"), &[], str::to_string)
        },
    ]
    .into_iter()
    .map(|mut b| {
        if b.id == "open-by-age" {
            let ages: Vec<Count> = s
                .open_by_age
                .iter()
                .map(|a| Count {
                    key: a.bucket.clone(),
                    count: a.count,
                })
                .collect();
            b = breakdown("open-by-age", b.title, &ages, |k| t.get(&format!("cstats.age.{k}")));
        }
        b
    })
    .collect()
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
        Ok(bytes) => (
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"complaints-{}-{}.xlsx\"", q.from, q.to),
                ),
            ],
            bytes,
        )
            .into_response(),
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
        for line in b.lines {
            sheet.push(&[format!("{} · {}", b.title, line.label), line.count.to_string()])?;
        }
    }
    sheet.finish()
}
