//! Callbacks on the home page: an agent's day (overdue, due today, done today, the next
//! call), a supervisor's team queue, and — for managers, the group and the brand — this
//! month's compliance per callback type against the policy's line and the dealers'
//! ranking of the last full month.

use crate::capabilities::callbacks::data::stats::{By, Period, StatsQuery};
use crate::capabilities::callbacks::pages::queue::group_of;
use crate::capabilities::callbacks::pages::{charts, stats};
use crate::core::http::home::Panel;
use crate::core::http::i18n::{self, Tr};
use crate::core::http::layout::local_time;
use crate::AppState;
use crate::Principal;
use chrono::Datelike;
use dcrc_domain::{OrgKind, Permission};
use std::future::Future;
use std::pin::Pin;

pub fn panels<'a>(state: &'a AppState, me: &'a Principal) -> Pin<Box<dyn Future<Output = Vec<Panel>> + Send + 'a>> {
    Box::pin(async move {
        let t = Tr(i18n::current());
        let mut out = Vec::new();
        if me.can(Permission::WorkCallbacks) {
            if let Some(p) = my_day(state, me, &t).await {
                out.push(p);
            }
        }
        if me.can(Permission::SuperviseCallbacks) {
            if let Some(p) = team(state, me, &t).await {
                out.push(p);
            }
        }
        if (me.can(Permission::ViewCallbackStats) && !me.can(Permission::WorkCallbacks))
            || me.can(Permission::SuperviseCallbacks)
        {
            out.extend(compliance(state, me, &t).await);
        }
        out
    })
}

async fn my_day(state: &AppState, me: &Principal, t: &Tr) -> Option<Panel> {
    let queue = state.store.my_queue(me).await.ok()?;
    let done = state.store.my_calls_today(me).await.unwrap_or(0);
    let today = state.store.clock.today();
    let mut counts = [0usize; 3];
    for task in &queue {
        counts[group_of(task, today)] += 1;
    }
    let mut p = Panel::new(10, "home-callbacks", t.get("home.callbacks.mine"))
        .figure(
            "my-overdue",
            t.get("callbacks.group.overdue"),
            counts[0],
            "/callbacks?view=mine#group-overdue".into(),
            if counts[0] > 0 { "danger" } else { "ok" },
        )
        .figure(
            "my-due-today",
            t.get("callbacks.group.today"),
            counts[1],
            "/callbacks?view=mine#group-today".into(),
            if counts[1] > 0 { "warn" } else { "" },
        )
        .figure(
            "my-soon",
            t.get("callbacks.group.soon"),
            counts[2],
            "/callbacks?view=mine#group-soon".into(),
            "",
        )
        .figure(
            "my-done-today",
            t.get("home.callbacks.done_today"),
            done,
            "/callbacks?view=mine".into(),
            "ok",
        );
    p.empty = t.get("callbacks.none");
    if let Some(next) = queue.first() {
        p.lines.push(crate::core::http::home::PanelLine {
            text: format!(
                "{} · {} · {}",
                t.get("home.callbacks.next"),
                t.get(&format!("task.{}", next.task_type.as_str())),
                next.customer_name
            ),
            href: format!("/callbacks/{}", next.id),
            note: t.fmt("home.callbacks.deadline", "at", &local_time(next.due_at)),
            tone: if next.overdue { "danger" } else { "" },
        });
    }
    Some(p.link(t.get("home.callbacks.open_queue"), "/callbacks?view=mine"))
}

async fn team(state: &AppState, me: &Principal, t: &Tr) -> Option<Panel> {
    let queue = state.store.team_queue(me).await.ok()?;
    let today = state.store.clock.today();
    let mut counts = [0usize; 3];
    for task in &queue {
        counts[group_of(task, today)] += 1;
    }
    let unassigned = queue.iter().filter(|q| q.assignee_id.is_none()).count();
    Some(
        Panel::new(12, "home-team", t.get("home.callbacks.team"))
            .figure(
                "team-overdue",
                t.get("callbacks.group.overdue"),
                counts[0],
                "/callbacks#group-overdue".into(),
                if counts[0] > 0 { "danger" } else { "ok" },
            )
            .figure(
                "team-due-today",
                t.get("callbacks.group.today"),
                counts[1],
                "/callbacks#group-today".into(),
                "",
            )
            .figure(
                "team-unassigned",
                t.get("callbacks.unassigned"),
                unassigned,
                "/callbacks/team".into(),
                if unassigned > 0 { "warn" } else { "" },
            )
            .link(t.get("callbacks.team_queue"), "/callbacks")
            .link(t.get("callbacks.team"), "/callbacks/team"),
    )
}

async fn compliance(state: &AppState, me: &Principal, t: &Tr) -> Vec<Panel> {
    let today = state.store.clock.today();
    let first = today.with_day(1).unwrap_or(today);
    let q = StatsQuery {
        from: first,
        to: today,
        period: Period::Month,
        by: By::Total,
        org_id: None,
    };
    let mut out = Vec::new();
    if let Ok(s) = state.store.callback_stats(me, &q).await {
        let title = t.fmt("home.compliance.title", "date", &today.to_string());
        let mut p = Panel::new(20, "home-compliance", title.clone()).figure(
            "compliance-overall",
            t.get("stats.rate"),
            crate::core::http::layout::percent(s.total.normative_rate_bp),
            format!("/callbacks/stats?from={first}&to={today}"),
            if s.total.normative_rate_bp.is_none() {
                ""
            } else if s.compliant {
                "ok"
            } else {
                "danger"
            },
        );
        p = p.figure(
            "compliance-overdue",
            t.get("stats.overdue"),
            s.total.overdue,
            "/callbacks#group-overdue".into(),
            if s.total.overdue > 0 { "danger" } else { "" },
        );
        let chart = charts::by_type(t, &s, "home-types", title);
        if chart.categories.is_empty() {
            p.empty = t.get("home.compliance.none");
        } else {
            p.html = chart.bars();
        }
        out.push(p.link(t.get("callbacks.stats"), "/callbacks/stats"));
    }
    if me.org_kind != OrgKind::Dealer {
        let (from, to) = stats::last_full_month(today);
        let dq = StatsQuery {
            from,
            to,
            period: Period::Month,
            by: By::Dealer,
            org_id: None,
        };
        if let Ok(d) = state.store.callback_stats(me, &dq).await {
            let title = t.fmt("home.ranking.title", "month", &from.format("%Y-%m").to_string());
            let mut p = Panel::new(22, "home-ranking", title.clone());
            p.html = charts::dealer_ranking(t, &stats::merge_periods(d), "home-dealers", title).bars();
            out.push(p.link(
                t.get("callbacks.stats"),
                format!("/callbacks/stats?from={from}&to={to}"),
            ));
        }
    }
    out
}
