//! Supervisors' callback pages: every agent's load with bulk reassignment, and the
//! statistics (tables, an SVG chart, XLSX export).

use crate::capabilities::callbacks::data::stats::{By, CallbackStats, Period, StatsQuery, StatsRow};
use crate::capabilities::callbacks::data::supervise::{AgentLoad, Reassign};
use crate::core::http::extract::WebUser;
use crate::core::http::i18n::Tr;
use crate::core::http::layout::{percent, render, FormData, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "capabilities/callbacks/templates/callback_team.html")]
struct TeamPage {
    l: Layout,
    csrf: String,
    load: Vec<AgentLoad>,
}

pub async fn team(State(state): State<AppState>, WebUser(me): WebUser) -> Response {
    match state.store.callback_load(&me).await {
        Ok(load) => render(
            StatusCode::OK,
            &TeamPage {
                l: Layout::new(Some(&me), "/callbacks"),
                csrf: me.csrf_token.clone(),
                load,
            },
        ),
        Err(e) => crate::core::http::layout::error_page(Some(&me), e),
    }
}

/// Moves every open task of one agent (or the unassigned pool) to another agent.
pub async fn reassign(State(state): State<AppState>, WebUser(me): WebUser, form: FormData) -> Response {
    if !form.csrf_ok(&me) {
        return crate::core::http::layout::csrf_failed(Some(&me));
    }
    let from = form.get("from").and_then(|v| v.parse::<i64>().ok());
    let Some(to) = form.get("to").and_then(|v| v.parse::<i64>().ok()) else {
        return Redirect::to("/callbacks/team").into_response();
    };
    let filter = crate::capabilities::callbacks::data::work::TaskFilter {
        state: Some(crate::capabilities::callbacks::rules::TaskState::Open),
        assignee_id: from,
        unassigned: Some(from.is_none()),
        limit: Some(500),
        ..Default::default()
    };
    let ids = match state.store.list_callbacks(&me, &filter).await {
        Ok(p) => p.items.into_iter().map(|t| t.id).collect::<Vec<_>>(),
        Err(e) => return crate::core::http::layout::error_page(Some(&me), e),
    };
    if ids.is_empty() {
        return Redirect::to("/callbacks/team").into_response();
    }
    match state
        .store
        .reassign_callbacks(
            &me,
            Reassign {
                task_ids: ids,
                assignee_id: to,
            },
        )
        .await
    {
        Ok(_) => Redirect::to("/callbacks/team").into_response(),
        Err(e) => crate::core::http::layout::error_page(Some(&me), e),
    }
}

#[derive(Deserialize, Default)]
pub struct StatsForm {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    by: String,
}

impl StatsForm {
    /// The query for these fields; this month so far by default.
    fn query(&self, today: NaiveDate) -> StatsQuery {
        let date = |v: &str| NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").ok();
        let first = today.with_day(1).unwrap_or(today);
        StatsQuery {
            from: date(&self.from).unwrap_or(first),
            to: date(&self.to).unwrap_or(today),
            period: match self.period.as_str() {
                "day" => Period::Day,
                "week" => Period::Week,
                _ => Period::Month,
            },
            by: match self.by.as_str() {
                "agent" => By::Agent,
                "dealer" => By::Dealer,
                _ => By::Total,
            },
            org_id: None,
        }
    }
}

/// One bar group of the chart.
pub struct Bar {
    pub label: String,
    pub x: i64,
    pub on_time_h: i64,
    pub late_h: i64,
    pub overdue_h: i64,
    pub on_time_y: i64,
    pub late_y: i64,
    pub overdue_y: i64,
}

const CHART_H: i64 = 160;

/// Stacked bars per row (on time, late, overdue), scaled to the largest total.
fn bars(rows: &[StatsRow]) -> Vec<Bar> {
    let max = rows
        .iter()
        .map(|r| r.done_on_time + r.done_late + r.overdue)
        .max()
        .unwrap_or(0)
        .max(1);
    rows.iter()
        .enumerate()
        .map(|(i, r)| {
            let h = |v: i64| v * CHART_H / max;
            let (a, b, c) = (h(r.done_on_time), h(r.done_late), h(r.overdue));
            Bar {
                label: match &r.key_name {
                    Some(n) => format!("{} {n}", r.period),
                    None => r.period.clone(),
                },
                x: 40 + i as i64 * 48,
                on_time_h: a,
                late_h: b,
                overdue_h: c,
                on_time_y: 10 + CHART_H - a,
                late_y: 10 + CHART_H - a - b,
                overdue_y: 10 + CHART_H - a - b - c,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "capabilities/callbacks/templates/callback_stats.html")]
struct StatsPage {
    l: Layout,
    f: StatsForm,
    s: CallbackStats,
    bars: Vec<Bar>,
    chart_w: i64,
    export: String,
}

pub async fn stats(State(state): State<AppState>, WebUser(me): WebUser, Query(mut f): Query<StatsForm>) -> Response {
    let q = f.query(state.store.clock.today());
    let s = match state.store.callback_stats(&me, &q).await {
        Ok(s) => s,
        Err(e) => return crate::core::http::layout::error_page(Some(&me), e),
    };
    f.from = q.from.to_string();
    f.to = q.to.to_string();
    let export = format!("from={}&to={}&period={}&by={}", f.from, f.to, f.period, f.by);
    let bars = bars(&s.rows);
    let view = StatsPage {
        l: Layout::new(Some(&me), "/callbacks"),
        chart_w: 60 + bars.len() as i64 * 48,
        bars,
        f,
        s,
        export,
    };
    render(StatusCode::OK, &view)
}

/// The statistics table as an XLSX workbook.
pub async fn stats_xlsx(State(state): State<AppState>, WebUser(me): WebUser, Query(f): Query<StatsForm>) -> Response {
    let q = f.query(state.store.clock.today());
    let s = match state.store.callback_stats(&me, &q).await {
        Ok(s) => s,
        Err(e) => return crate::core::http::layout::error_page(Some(&me), e),
    };
    let t = Tr(crate::core::http::i18n::current());
    match stats_workbook(&t, &s) {
        Ok(bytes) => (
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"callbacks-{}-{}.xlsx\"", q.from, q.to),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => crate::core::http::layout::error_page(Some(&me), crate::StoreError::Internal("xlsx".into())),
    }
}

fn stats_workbook(t: &Tr, s: &CallbackStats) -> Result<Vec<u8>, dcrc_io::IoError> {
    let headers: Vec<String> = [
        "stats.period",
        "stats.key",
        "stats.due",
        "stats.on_time",
        "stats.late",
        "stats.overdue",
        "stats.rate",
        "stats.compliant",
    ]
    .iter()
    .map(|k| t.get(k))
    .collect();
    let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut sheet = dcrc_io::write::XlsxSheet::new("callbacks", &refs)?;
    for r in s.rows.iter().chain(std::iter::once(&s.total)) {
        sheet.push(&[
            r.period.clone(),
            r.key_name.clone().unwrap_or_default(),
            r.due.to_string(),
            r.done_on_time.to_string(),
            r.done_late.to_string(),
            r.overdue.to_string(),
            percent(r.normative_rate_bp),
            t.get(if r.compliant { "common.yes" } else { "common.no" }),
        ])?;
    }
    sheet.finish()
}

/// The callback statistics of one month (`2026-11`), or the default range.
pub fn month_link(month: Option<&str>) -> String {
    let first = month.and_then(|m| chrono::NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok());
    match first.and_then(|f| f.checked_add_months(chrono::Months::new(1)).map(|n| (f, n.pred_opt()))) {
        Some((f, Some(last))) => format!("/callbacks/stats?from={f}&to={last}&period=month"),
        _ => "/callbacks/stats".into(),
    }
}

#[cfg(test)]
mod month_tests {
    #[test]
    fn a_months_notice_links_to_that_month() {
        assert_eq!(
            super::month_link(Some("2026-11")),
            "/callbacks/stats?from=2026-11-01&to=2026-11-30&period=month"
        );
        assert_eq!(super::month_link(None), "/callbacks/stats");
    }
}
