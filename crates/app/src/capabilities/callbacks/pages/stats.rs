//! Supervisors' callback pages: every agent's load with bulk reassignment, and the
//! statistics (tables, an SVG chart, XLSX export).

use crate::capabilities::callbacks::data::stats::{By, CallbackStats, Period, StatsQuery, StatsRow};
use crate::capabilities::callbacks::data::supervise::{AgentLoad, Reassign};
use crate::capabilities::callbacks::pages::charts;
use crate::core::http::extract::WebUser;
use crate::core::http::form::Posted;
use crate::core::http::i18n::Tr;
use crate::core::http::layout::{percent, render, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
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

#[derive(Template)]
#[template(path = "capabilities/callbacks/templates/callback_reassign.html")]
struct ConfirmPage {
    l: Layout,
    csrf: String,
    from: String,
    message: String,
    to: i64,
    count: usize,
}

/// Every open task of one agent (or of the unassigned pool), all pages of them.
async fn open_tasks_of(
    state: &AppState,
    me: &crate::Principal,
    from: Option<i64>,
) -> crate::core::error::Result<Vec<i64>> {
    let mut ids = Vec::new();
    let mut cursor = None;
    loop {
        let filter = crate::capabilities::callbacks::data::work::TaskFilter {
            state: Some(crate::capabilities::callbacks::rules::TaskState::Open),
            assignee_id: from,
            unassigned: Some(from.is_none()),
            limit: Some(500),
            cursor: cursor.take(),
            ..Default::default()
        };
        let page = state.store.list_callbacks(me, &filter).await?;
        ids.extend(page.items.iter().map(|t| t.id));
        match page.next_cursor {
            Some(c) if !page.items.is_empty() => cursor = Some(c),
            _ => return Ok(ids),
        }
    }
}

/// Moves every open task of one agent (or the unassigned pool) to another agent — after
/// a confirmation that says how many tasks will move and to whom.
pub async fn reassign(State(state): State<AppState>, Posted(me, form): Posted) -> Response {
    let from = form.get("from").and_then(|v| v.parse::<i64>().ok());
    let Some(to) = form.get("to").and_then(|v| v.parse::<i64>().ok()) else {
        return Redirect::to("/callbacks/team").into_response();
    };
    let load = match state.store.callback_load(&me).await {
        Ok(l) => l,
        Err(e) => return crate::core::http::layout::error_page(Some(&me), e),
    };
    let t = crate::core::http::i18n::Tr(crate::core::http::i18n::current());
    let name_of = |id: Option<i64>| {
        load.iter()
            .find(|a| a.assignee_id == id)
            .and_then(|a| a.assignee_name.clone())
            .unwrap_or_else(|| t.get("callbacks.unassigned"))
    };
    let (from_name, to_name) = (name_of(from), name_of(Some(to)));
    let ids = match open_tasks_of(&state, &me, from).await {
        Ok(ids) => ids,
        Err(e) => return crate::core::http::layout::error_page(Some(&me), e),
    };
    if ids.is_empty() {
        return Redirect::to("/callbacks/team").into_response();
    }
    if form.get("confirm") != Some("yes") {
        return render(
            StatusCode::OK,
            &ConfirmPage {
                l: Layout::new(Some(&me), "/callbacks"),
                csrf: me.csrf_token.clone(),
                from: from.map(|f| f.to_string()).unwrap_or_default(),
                message: crate::core::http::i18n::tf(
                    t.0,
                    "callbacks.reassign_confirm",
                    &[("n", ids.len().to_string()), ("from", from_name), ("to", to_name)],
                ),
                to,
                count: ids.len(),
            },
        );
    }
    let n = ids.len();
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
        Ok(_) => crate::core::http::flash::redirect(
            "/callbacks/team",
            crate::core::http::flash::Flash::new("done.reassigned")
                .with("n", n)
                .with("name", to_name),
        ),
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
    /// The query for these fields; the last full month by default (a month in progress
    /// is one click away).
    fn query(&self, today: NaiveDate) -> StatsQuery {
        let date = |v: &str| NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").ok();
        let (first, last) = last_full_month(today);
        StatsQuery {
            from: date(&self.from).unwrap_or(first),
            to: date(&self.to).unwrap_or(last),
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

/// The first and last day of the month before `today`'s.
pub fn last_full_month(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let this_month = today.with_day(1).unwrap_or(today);
    let last = this_month.pred_opt().unwrap_or(today);
    (last.with_day(1).unwrap_or(last), last)
}

/// The first day of the month `n` months before `d`'s.
pub fn months_back(d: NaiveDate, n: u32) -> NaiveDate {
    let first = d.with_day(1).unwrap_or(d);
    first.checked_sub_months(chrono::Months::new(n)).unwrap_or(first)
}

#[derive(Template)]
#[template(path = "capabilities/callbacks/templates/callback_stats.html")]
struct StatsPage {
    l: Layout,
    f: StatsForm,
    s: CallbackStats,
    type_chart: String,
    ranking: String,
    trend: String,
    export: String,
    last_month: String,
    this_month: String,
}

pub async fn stats(State(state): State<AppState>, WebUser(me): WebUser, Query(mut f): Query<StatsForm>) -> Response {
    let today = state.store.clock.today();
    let q = f.query(today);
    let s = match state.store.callback_stats(&me, &q).await {
        Ok(s) => s,
        Err(e) => return crate::core::http::layout::error_page(Some(&me), e),
    };
    let l = Layout::new(Some(&me), "/callbacks");
    let t = l.t;
    let range = format!("{} – {}", q.from, q.to);
    let type_chart = charts::by_type(&t, &s, "chart-types", t.fmt("stats.chart.types", "range", &range)).bars();
    // Across dealers: for anyone above a single dealer.
    let ranking = if me.org_kind != dcrc_domain::OrgKind::Dealer {
        let dq = StatsQuery {
            by: By::Dealer,
            period: Period::Month,
            ..q.clone()
        };
        match state.store.callback_stats(&me, &dq).await {
            Ok(d) => charts::dealer_ranking(
                &t,
                &merge_periods(d),
                "chart-dealers",
                t.fmt("stats.chart.dealers", "range", &range),
            )
            .bars(),
            Err(e) => return crate::core::http::layout::error_page(Some(&me), e),
        }
    } else {
        String::new()
    };
    let tq = StatsQuery {
        from: months_back(q.to, 5),
        to: q.to,
        period: Period::Month,
        by: By::Total,
        org_id: None,
    };
    let trend = match state.store.callback_stats(&me, &tq).await {
        Ok(ts) => charts::trend(&t, &ts, "chart-trend", t.get("stats.chart.trend")).lines(),
        Err(e) => return crate::core::http::layout::error_page(Some(&me), e),
    };
    f.from = q.from.to_string();
    f.to = q.to.to_string();
    let export = format!("from={}&to={}&period={}&by={}", f.from, f.to, f.period, f.by);
    let (lf, ll) = last_full_month(today);
    let view = StatsPage {
        l,
        f,
        s,
        type_chart,
        ranking,
        trend,
        export,
        last_month: format!("/callbacks/stats?from={lf}&to={ll}"),
        this_month: format!(
            "/callbacks/stats?from={}&to={today}",
            today.with_day(1).unwrap_or(today)
        ),
    };
    render(StatusCode::OK, &view)
}

/// One row per dealer over the whole range (the query's rows are per month and dealer).
pub fn merge_periods(mut s: CallbackStats) -> CallbackStats {
    let mut by: std::collections::BTreeMap<i64, StatsRow> = std::collections::BTreeMap::new();
    for r in s.rows.drain(..) {
        let Some(k) = r.key_id else { continue };
        let e = by.entry(k).or_insert_with(|| StatsRow {
            period: "total".into(),
            key_id: Some(k),
            key_name: r.key_name.clone(),
            ..StatsRow::default()
        });
        e.due += r.due;
        e.done_on_time += r.done_on_time;
        e.done_late += r.done_late;
        e.overdue += r.overdue;
        e.pending += r.pending;
    }
    for r in by.values_mut() {
        let (bp, ok) =
            crate::capabilities::callbacks::rules::compliance(r.done_on_time, r.due - r.pending, s.threshold_pct);
        r.normative_rate_bp = bp;
        r.compliant = ok;
    }
    s.rows = by.into_values().collect();
    s
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
        Ok(bytes) => crate::core::http::layout::xlsx_download(&format!("callbacks-{}-{}.xlsx", q.from, q.to), bytes),
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
