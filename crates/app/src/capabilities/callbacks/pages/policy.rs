//! The callback policy page: the effective rules of the caller's organisation (or one in
//! scope), the preset and overrides it sets itself, and the year's public holidays.

use crate::capabilities::callbacks::data::policy::CalendarDay;
use crate::capabilities::callbacks::rules::policy::CallbackPolicy;
use crate::capabilities::callbacks::rules::Due;
use crate::core::http::error::ApiError;
use crate::core::http::extract::WebUser;
use crate::core::http::form::Posted;
use crate::core::http::form_view::FormView;
use crate::core::http::layout::{render, Layout};
use crate::core::policy::PRESETS;
use crate::core::policy::{EffectivePolicy, PolicySetting};
use crate::AppState;
use crate::Principal;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Datelike;
use dcrc_domain::Permission;
use serde::Deserialize;

pub struct RuleRow {
    pub type_key: String,
    pub enabled: bool,
    pub due: String,
    pub window_days: u32,
    pub role_key: String,
    pub assign_key: String,
    pub max_attempts: u32,
    pub retry: u32,
    pub priority: u8,
}

#[derive(Template)]
#[template(path = "capabilities/callbacks/templates/callback_policy.html")]
struct PolicyPage {
    l: Layout,
    csrf: String,
    org_id: i64,
    preset: String,
    presets: Vec<(String, String)>,
    rows: Vec<RuleRow>,
    threshold: u32,
    churn_months: u32,
    hours: String,
    dealers_may_edit: bool,
    can_edit: bool,
    holidays: Vec<CalendarDay>,
    year: i32,
    can_edit_calendar: bool,
    form: FormView,
    calendar: FormView,
}

/// What a refused save typed, and which of the page's two forms it belongs to.
pub enum Refused {
    Policy(FormView, ApiError),
    Calendar(FormView, ApiError),
}

#[derive(Deserialize, Default)]
pub struct PolicyQuery {
    org_id: Option<i64>,
}

fn due_text(l: &Layout, due: Due) -> String {
    match due {
        Due::WithinWorkingDays(n) => l.t.fmt("policy.due.within", "n", &n.to_string()),
        Due::OnDay(n) => l.t.fmt("policy.due.on_day", "n", &n.to_string()),
        Due::DaysBefore(n) => l.t.fmt("policy.due.before", "n", &n.to_string()),
    }
}

async fn show(state: &AppState, me: &Principal, org_id: i64, refused: Option<Refused>) -> Response {
    let p: EffectivePolicy = match state.store.effective_policy(me, org_id).await {
        Ok(p) => p,
        Err(e) => return crate::core::http::layout::error_page(Some(me), e),
    };
    let year = state.store.clock.today().year();
    let holidays = state.store.calendar_year(&me, year).await.unwrap_or_default();
    let Some(policy) = p.section::<CallbackPolicy>(None) else {
        return crate::core::http::layout::error_page(Some(me), crate::StoreError::Internal("stored policy".into()));
    };
    let l = Layout::new(Some(me), "/callbacks");
    let rows = policy
        .types
        .iter()
        .map(|(t, r)| RuleRow {
            type_key: format!("task.{}", t.as_str()),
            enabled: r.enabled,
            due: due_text(&l, r.due),
            window_days: r.window_days,
            role_key: format!("role.{}", r.role.as_str()),
            assign_key: format!("policy.assign.{}", r.assign.as_str()),
            max_attempts: r.max_attempts,
            retry: r.retry_after_working_days,
            priority: r.priority,
        })
        .collect();
    let calendar_text = holidays
        .iter()
        .map(|d| format!("{} {} {}", d.day, d.kind.as_str(), d.name))
        .collect::<Vec<_>>()
        .join("\n");
    let policy_labels: &[(&str, &str)] = &[("preset", "policy.preset"), ("overrides", "policy.overrides")];
    let calendar_labels: &[(&str, &str)] = &[("year", "policy.calendar_year"), ("days", "policy.calendar_days")];
    let mut form = FormView::new()
        .set("preset", p.own.preset.clone().unwrap_or_default())
        .set(
            "overrides",
            serde_json::to_string_pretty(&p.own.overrides).unwrap_or_default(),
        )
        .labelled(&l.t, policy_labels);
    let mut calendar = FormView::new()
        .set("year", year)
        .set("days", &calendar_text)
        .labelled(&l.t, calendar_labels);
    let status = match &refused {
        Some(Refused::Policy(_, e) | Refused::Calendar(_, e)) => e.status,
        None => StatusCode::OK,
    };
    match refused {
        Some(Refused::Policy(kept, e)) => {
            form = kept.labelled(&l.t, policy_labels).with_document_error(&e, "overrides");
        }
        Some(Refused::Calendar(kept, e)) => {
            calendar = kept.labelled(&l.t, calendar_labels).with_error(&e, |f| {
                // `days[2].kind` is the third line of the text.
                if f.starts_with("days[") {
                    "days".into()
                } else {
                    f.to_string()
                }
            });
        }
        None => {}
    }
    let view = PolicyPage {
        csrf: me.csrf_token.clone(),
        org_id,
        preset: policy.preset.clone(),
        presets: PRESETS
            .iter()
            .map(|p| (p.to_string(), l.t.get(&format!("preset.{p}"))))
            .collect(),
        rows,
        threshold: policy.compliance_threshold_pct,
        churn_months: policy.churn_months,
        hours: format!("{}–{}", policy.opens, policy.closes),
        dealers_may_edit: policy.dealers_may_edit,
        can_edit: me.can(Permission::EditPolicy),
        form,
        calendar,
        can_edit_calendar: me.can(Permission::ManageCalendar) && me.scope().is_root(),
        holidays,
        year,
        l,
    };
    render(status, &view)
}

pub async fn page(State(state): State<AppState>, WebUser(me): WebUser, Query(q): Query<PolicyQuery>) -> Response {
    show(&state, &me, q.org_id.unwrap_or(me.org_id), None).await
}

/// Saves the organisation's preset and overrides (a JSON merge patch).
pub async fn save(State(state): State<AppState>, Posted(me, form): Posted) -> Response {
    let org_id = form.get("org_id").and_then(|v| v.parse().ok()).unwrap_or(me.org_id);
    let overrides = match serde_json::from_str::<serde_json::Value>(form.get("overrides").unwrap_or("{}").trim()) {
        Ok(v) => v,
        Err(_) => {
            let e = dcrc_domain::Invalid(vec![
                dcrc_domain::FieldError::new("overrides", "wrong_type").with("expected", "JSON object")
            ]);
            let refused = Refused::Policy(FormView::submitted(&form), crate::StoreError::from(e).into());
            return show(&state, &me, org_id, Some(refused)).await;
        }
    };
    let setting = PolicySetting {
        preset: form.get("preset").filter(|p| !p.is_empty()).map(str::to_string),
        overrides,
    };
    match state.store.set_policy(&me, org_id, setting).await {
        Ok(_) => crate::core::http::flash::redirect(
            &format!("/callbacks/policy?org_id={org_id}"),
            crate::core::http::flash::Flash::new("done.policy.saved"),
        ),
        Err(e) => {
            show(
                &state,
                &me,
                org_id,
                Some(Refused::Policy(FormView::submitted(&form), e.into())),
            )
            .await
        }
    }
}

/// Reads calendar lines `YYYY-MM-DD holiday|workday [name]`; blank lines are skipped.
fn calendar_lines(text: &str) -> Result<Vec<CalendarDay>, dcrc_domain::Invalid> {
    let mut days = Vec::new();
    let mut errors = dcrc_domain::Invalid::default();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let mut parts = line.split_whitespace();
        let day = parts
            .next()
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
        let kind = parts.next().and_then(dcrc_domain::calendar::DayKind::parse);
        match (day, kind) {
            (Some(day), Some(kind)) => days.push(CalendarDay {
                day,
                kind,
                name: parts.collect::<Vec<_>>().join(" "),
            }),
            (None, _) => errors.push(dcrc_domain::FieldError::new(format!("days[{i}].day"), "date_format")),
            (_, None) => errors.push(
                dcrc_domain::FieldError::new(format!("days[{i}].kind"), "unknown_value")
                    .with("allowed", "holiday, workday"),
            ),
        }
    }
    errors.finish().map(|()| days)
}

/// Replaces a year's public holidays and make-up working days from the policy page.
pub async fn save_calendar(State(state): State<AppState>, Posted(me, form): Posted) -> Response {
    let year = form.get("year").and_then(|y| y.trim().parse().ok()).unwrap_or(0);
    let result = match calendar_lines(form.get("days").unwrap_or("")) {
        Ok(days) => state.store.set_calendar_year(&me, year, days).await.map(|_| ()),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(()) => crate::core::http::flash::redirect(
            "/callbacks/policy",
            crate::core::http::flash::Flash::new("done.calendar.saved").with("year", year),
        ),
        Err(crate::StoreError::Forbidden) => {
            crate::core::http::layout::error_page(Some(&me), crate::StoreError::Forbidden)
        }
        Err(e) => {
            let refused = Refused::Calendar(FormView::submitted(&form), e.into());
            show(&state, &me, me.org_id, Some(refused)).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::calendar_lines;

    #[test]
    fn calendar_lines_are_read_and_bad_ones_named() {
        let days = calendar_lines("2027-01-01 holiday 元旦\n\n2027-02-07 workday 春节 调休\n").unwrap();
        assert_eq!(days.len(), 2);
        assert_eq!(days[1].name, "春节 调休");
        let e = calendar_lines("2027-13-01 holiday\n2027-01-02 rest").unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|f| (f.field.as_str(), f.code)).collect();
        assert_eq!(
            fields,
            vec![("days[0].day", "date_format"), ("days[1].kind", "unknown_value")]
        );
    }
}
