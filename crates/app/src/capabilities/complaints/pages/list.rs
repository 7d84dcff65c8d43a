//! The complaint board: every open complaint's time left at a glance, filtered by state,
//! tier, category, clock status and owner, searched by title, customer or dealer, and
//! exported as the list on screen.

use crate::capabilities::complaints::data::intake::ComplaintFilter;
use crate::capabilities::complaints::pages::board::{board_row, categories, BoardRow};
use crate::capabilities::complaints::rules::{State as Stage, Tier};
use crate::core::http::extract::WebUser;
use crate::core::http::layout::{local_time, render, url_encode, Layout};
use crate::AppState;
use crate::Principal;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use dcrc_domain::Permission;
use serde::Deserialize;

/// The board's filters, as the query string carries them.
#[derive(Deserialize, Default, Clone)]
pub struct BoardQuery {
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub tier: String,
    #[serde(default)]
    pub category: String,
    /// `running`, `warning` (at risk), `breached`, `paused`: either clock in that state.
    #[serde(default)]
    pub clock: String,
    /// `mine` for the complaints assigned to me.
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub q: String,
}

impl BoardQuery {
    fn filter(&self, me: &Principal) -> ComplaintFilter {
        let state = Stage::parse(&self.state);
        ComplaintFilter {
            open: Some(state.is_none()),
            state,
            tier: Tier::parse(&self.tier),
            category: Some(self.category.clone()).filter(|c| !c.is_empty()),
            assignee_id: (self.owner == "mine").then_some(me.user_id),
            limit: Some(500),
            ..ComplaintFilter::default()
        }
    }

    /// Whether a row passes the filters the store does not apply (clock, search).
    fn keeps(&self, r: &BoardRow) -> bool {
        let clock = match self.clock.as_str() {
            "" => true,
            other => r.resolution.status == other || r.first.status == other,
        };
        let q = self.q.trim();
        let found = q.is_empty()
            || [&r.title, &r.customer, &r.dealer, &r.category]
                .iter()
                .any(|f| f.contains(q));
        clock && found
    }

    fn query_string(&self) -> String {
        [
            ("state", &self.state),
            ("tier", &self.tier),
            ("category", &self.category),
            ("clock", &self.clock),
            ("owner", &self.owner),
            ("q", &self.q),
        ]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", url_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// The board's rows for `q`; `labels` are the policy's category labels (read once per page).
async fn rows(
    state: &AppState,
    me: &Principal,
    q: &BoardQuery,
    l: &Layout,
    labels: &[(String, String)],
) -> crate::core::error::Result<Vec<BoardRow>> {
    let list = state.store.list_complaints(me, &q.filter(me)).await?;
    Ok(list
        .items
        .iter()
        .map(|c| board_row(l, c, labels))
        .filter(|r| q.keeps(r))
        .collect())
}

#[derive(Template)]
#[template(path = "capabilities/complaints/templates/complaints.html")]
struct BoardPage {
    l: Layout,
    q: BoardQuery,
    export: String,
    rows: Vec<BoardRow>,
    closed: Vec<BoardRow>,
    notices: Vec<(String, String, String, String)>,
    can_file: bool,
    can_stats: bool,
    states: Vec<(String, String)>,
    categories: Vec<(String, String)>,
    filtered: bool,
}

pub async fn board(State(state): State<AppState>, WebUser(me): WebUser, Query(q): Query<BoardQuery>) -> Response {
    let l = Layout::new(Some(&me), "/complaints");
    let labels = categories(&state, &me).await;
    let open = match rows(&state, &me, &q, &l, &labels).await {
        Ok(r) => r,
        Err(e) => return crate::core::http::layout::error_page(Some(&me), e),
    };
    let filtered = !q.query_string().is_empty();
    let closed = if filtered {
        Vec::new()
    } else {
        let recent = BoardQuery {
            state: "closed".into(),
            ..BoardQuery::default()
        };
        let mut r = rows(&state, &me, &recent, &l, &labels).await.unwrap_or_default();
        r.truncate(20);
        r
    };
    let notices = notices(&state, &me, &l).await;
    let view = BoardPage {
        export: q.query_string(),
        rows: open,
        closed,
        notices,
        can_file: me.can(Permission::FileComplaints),
        can_stats: me.can(Permission::ViewComplaintStats),
        states: Stage::ALL
            .iter()
            .map(|s| {
                (
                    s.as_str().to_string(),
                    l.t.get(&format!("complaint.state.{}", s.as_str())),
                )
            })
            .collect(),
        categories: labels,
        filtered,
        q,
        l,
    };
    render(StatusCode::OK, &view)
}

/// The notices for complaint managers and supervisors (escalations, breaches, months
/// not compliant), each linking to what it is about.
async fn notices(state: &AppState, me: &Principal, l: &Layout) -> Vec<(String, String, String, String)> {
    if !crate::capabilities::complaints::data::sweep::sees_notices(me) {
        return Vec::new();
    }
    let list = state.store.complaint_notifications(me).await.unwrap_or_default();
    list.into_iter()
        .map(|n| {
            let (link, text, about) = match (n.complaint_id, &n.month) {
                (Some(id), _) => (
                    format!("/complaints/{id}"),
                    l.t.fmt(&format!("complaints.notice.{}", n.kind), "level", &n.level.to_string()),
                    format!("{} · {}", n.dealer, n.title),
                ),
                (None, month) => (
                    crate::capabilities::callbacks::pages::stats::month_link(month.as_deref()),
                    l.t.fmt(
                        &format!("complaints.notice.{}", n.kind),
                        "month",
                        month.as_deref().unwrap_or_default(),
                    ),
                    n.dealer.clone(),
                ),
            };
            (link, text, about, local_time(n.at))
        })
        .collect()
}

/// The board as filtered, as an XLSX workbook.
pub async fn board_xlsx(State(state): State<AppState>, WebUser(me): WebUser, Query(q): Query<BoardQuery>) -> Response {
    let l = Layout::new(Some(&me), "/complaints");
    let labels = categories(&state, &me).await;
    let rows = match rows(&state, &me, &q, &l, &labels).await {
        Ok(r) => r,
        Err(e) => return crate::core::http::layout::error_page(Some(&me), e),
    };
    let headers: Vec<String> = [
        "complaints.number",
        "complaints.title",
        "complaints.state",
        "complaints.tier",
        "complaints.category",
        "customers.name",
        "complaints.dealer",
        "complaints.assignee",
        "complaints.first_response",
        "complaints.resolution",
    ]
    .iter()
    .map(|k| l.t.get(k))
    .collect();
    let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let book = dcrc_io::write::XlsxSheet::new("complaints", &refs).and_then(|mut sheet| {
        for r in &rows {
            sheet.push(&[
                r.id.to_string(),
                r.title.clone(),
                l.t.get(&format!("complaint.state.{}", r.state)),
                l.t.get(&format!("complaint.tier.{}", r.tier)),
                r.category.clone(),
                r.customer.clone(),
                r.dealer.clone(),
                r.assignee.clone(),
                format!(
                    "{} · {}",
                    l.t.get(&format!("clock.{}", r.first.status)),
                    r.first.deadline
                ),
                format!(
                    "{} · {}",
                    l.t.get(&format!("clock.{}", r.resolution.status)),
                    r.resolution.left
                ),
            ])?;
        }
        sheet.finish()
    });
    match book {
        Ok(bytes) => crate::core::http::layout::xlsx_download("complaints.xlsx", bytes),
        Err(_) => crate::core::http::layout::error_page(Some(&me), crate::StoreError::Internal("xlsx".into())),
    }
}
