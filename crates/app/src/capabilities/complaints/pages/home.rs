//! Complaints on the home page: for whoever handles complaints, the clocks at risk and
//! breached and their own open complaints; for managers and supervisors, the open
//! complaints by state.

use crate::capabilities::complaints::data::intake::ComplaintFilter;
use crate::capabilities::complaints::data::Complaint;
use crate::capabilities::complaints::rules::{ClockStatus, State as Stage};
use crate::core::http::home::{Panel, PanelLine};
use crate::core::http::i18n::{self, Tr};
use crate::core::http::layout::local_time;
use crate::AppState;
use crate::Principal;
use dcrc_domain::Permission;
use std::future::Future;
use std::pin::Pin;

fn is(c: &Complaint, s: ClockStatus) -> bool {
    c.first_response.status == s || c.resolution.status == s
}

pub fn panels<'a>(state: &'a AppState, me: &'a Principal) -> Pin<Box<dyn Future<Output = Vec<Panel>> + Send + 'a>> {
    Box::pin(async move {
        let t = Tr(i18n::current());
        if !me.can(Permission::HandleComplaints) && !me.can(Permission::ViewComplaintStats) {
            return Vec::new();
        }
        let filter = ComplaintFilter {
            open: Some(true),
            limit: Some(500),
            ..ComplaintFilter::default()
        };
        let Ok(open) = state.store.list_complaints(me, &filter).await else {
            return Vec::new();
        };
        let open = open.items;
        let at_risk = open.iter().filter(|c| is(c, ClockStatus::Warning)).count();
        let breached = open.iter().filter(|c| is(c, ClockStatus::Breached)).count();
        let mine: Vec<&Complaint> = open.iter().filter(|c| c.assignee_id == Some(me.user_id)).collect();
        let mut p = Panel::new(15, "home-complaints", t.get("home.complaints.title"))
            .figure(
                "complaints-breached",
                t.get("clock.breached"),
                breached,
                "/complaints?clock=breached".into(),
                if breached > 0 { "danger" } else { "ok" },
            )
            .figure(
                "complaints-at-risk",
                t.get("clock.warning"),
                at_risk,
                "/complaints?clock=warning".into(),
                if at_risk > 0 { "warn" } else { "" },
            );
        if me.can(Permission::HandleComplaints) {
            p = p.figure(
                "complaints-mine",
                t.get("complaints.mine"),
                mine.len(),
                "/complaints?owner=mine".into(),
                "",
            );
            for c in mine.iter().take(5) {
                p.lines.push(PanelLine {
                    text: format!("#{} {} · {}", c.id, c.title, c.customer_name),
                    href: format!("/complaints/{}", c.id),
                    note: format!(
                        "{} · {}",
                        t.get(&format!("complaint.state.{}", c.state.as_str())),
                        c.resolution
                            .deadline
                            .map(|d| t.fmt("home.callbacks.deadline", "at", &local_time(d)))
                            .unwrap_or_else(|| t.get("clock.paused"))
                    ),
                    tone: if is(c, ClockStatus::Breached) {
                        "danger"
                    } else if is(c, ClockStatus::Warning) {
                        "warn"
                    } else {
                        ""
                    },
                });
            }
            p.empty = t.get("home.complaints.none_mine");
        }
        let mut out = vec![p.link(t.get("complaints.board"), "/complaints")];
        if me.can(Permission::ViewComplaintStats) {
            let mut by_state = Panel::new(24, "home-complaint-states", t.get("home.complaints.by_state"));
            for s in Stage::ALL.iter().filter(|s| s.is_open()) {
                let n = open.iter().filter(|c| c.state == *s).count();
                by_state = by_state.figure(
                    &format!("state-{}", s.as_str()),
                    t.get(&format!("complaint.state.{}", s.as_str())),
                    n,
                    format!("/complaints?state={}", s.as_str()),
                    "",
                );
            }
            out.push(by_state.link(t.get("complaints.stats"), "/complaints/stats"));
        }
        out
    })
}
