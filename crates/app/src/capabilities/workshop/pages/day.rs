//! `/workshop?day=`: the day's appointments per bay with the free time left, and the
//! booking form (customer picker, job, date and time, what the customer asks for). A
//! booking that does not fit comes back with everything typed, the reason, and the next
//! free times as buttons that book at that time.

use crate::capabilities::archive::pages::picker;
use crate::capabilities::workshop::data::appointments::{Appointment, AppointmentState, NewAppointment};
use crate::capabilities::workshop::data::setup::Bay;
use crate::capabilities::workshop::rules::policy::WorkshopPolicy;
use crate::core::error::StoreError;
use crate::core::http::error::ApiError;
use crate::core::http::extract::WebUser;
use crate::core::http::flash::{self, Flash};
use crate::core::http::form::Posted;
use crate::core::http::form_view::FormView;
use crate::core::http::i18n::Tr;
use crate::core::http::layout::{plan_date, render, Layout};
use crate::AppState;
use crate::Principal;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{NaiveDate, NaiveTime};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct DayQuery {
    day: Option<String>,
}

/// One booking as a line of its bay.
pub struct Line {
    pub id: i64,
    pub time: String,
    pub customer: String,
    pub customer_id: i64,
    pub plate: String,
    pub job: String,
    pub technician: String,
    pub state: &'static str,
    pub state_label: String,
    pub work: String,
}

/// A bay with its bookings and the minutes still free in the day.
pub struct BayRow {
    pub name: String,
    pub kind: String,
    pub lines: Vec<Line>,
    pub free: String,
}

#[derive(Template)]
#[template(path = "capabilities/workshop/templates/day.html")]
struct DayPage {
    l: Layout,
    csrf: String,
    day_label: String,
    prev_day: String,
    next_day: String,
    bays: Vec<BayRow>,
    can_book: bool,
    can_set_up: bool,
    form: FormView,
    picker: String,
    jobs: Vec<(String, String)>,
    /// The chosen customer's current vehicles (id, plate · model · VIN end).
    vehicles: Vec<(String, String)>,
    /// (value for `start_at`, label) of the next free times after a refusal.
    slots: Vec<(String, String)>,
}

const LABELS: &[(&str, &str)] = &[
    ("customer_id", "workshop.customer"),
    ("vehicle_id", "workshop.vehicle"),
    ("job_type", "workshop.job"),
    ("date", "workshop.date"),
    ("time", "workshop.time"),
    ("start", "workshop.time"),
    ("requested_work", "workshop.requested"),
    ("work_content", "workshop.work_content"),
    ("parts_note", "workshop.parts"),
];

fn job_label(jobs: &[(String, String)], key: &str) -> String {
    jobs.iter()
        .find(|(k, _)| k == key)
        .map_or_else(|| key.to_string(), |(_, v)| v.clone())
}

fn line(t: &Tr, jobs: &[(String, String)], a: &Appointment) -> Line {
    Line {
        id: a.id,
        time: format!("{}–{}", a.start.format("%H:%M"), a.end.format("%H:%M")),
        customer: a.customer_name.clone(),
        customer_id: a.customer_id,
        plate: a.plate.clone().unwrap_or_default(),
        job: job_label(jobs, &a.job_type),
        technician: a.technician_name.clone(),
        state: a.state.as_str(),
        state_label: t.get(&format!("appointment.state.{}", a.state.as_str())),
        work: a.requested_work.clone(),
    }
}

/// The job types of a workshop policy with their labels in the page's language.
fn jobs(policy: Option<&WorkshopPolicy>) -> Vec<(String, String)> {
    let en = crate::core::http::i18n::current() == dcrc_domain::Lang::En;
    let Some(w) = policy else { return Vec::new() };
    w.jobs
        .iter()
        .map(|j| {
            let label = if en {
                format!("{} ({} min)", j.en, j.minutes)
            } else {
                format!("{}（{} 分钟）", j.zh, j.minutes)
            };
            (j.key.clone(), label)
        })
        .collect()
}

fn bay_rows(t: &Tr, bays: &[Bay], list: &[Appointment], jobs: &[(String, String)], open_minutes: i64) -> Vec<BayRow> {
    bays.iter()
        .filter(|b| b.active)
        .map(|b| {
            let mine: Vec<&Appointment> = list
                .iter()
                .filter(|a| {
                    a.bay_id == b.id && !matches!(a.state, AppointmentState::Cancelled | AppointmentState::NoShow)
                })
                .collect();
            let used: i64 = mine.iter().map(|a| a.minutes).sum();
            BayRow {
                name: b.name.clone(),
                kind: t.get(&format!("bay.{}", b.kind.as_str())),
                lines: list
                    .iter()
                    .filter(|a| a.bay_id == b.id)
                    .map(|a| line(t, jobs, a))
                    .collect(),
                free: t.fmt("workshop.free_minutes", "n", &(open_minutes - used).max(0).to_string()),
            }
        })
        .collect()
}

async fn draw(state: &AppState, me: &Principal, day: NaiveDate, form: FormView, refusal: Option<ApiError>) -> Response {
    let l = Layout::new(Some(me), "/workshop");
    let status = refusal.as_ref().map_or(StatusCode::OK, |e| e.status);
    // The dealer's workshop policy, read once: the job types and the opening hours.
    let policy = state
        .store
        .effective_policy(me, me.org_id)
        .await
        .ok()
        .and_then(|p| p.section::<WorkshopPolicy>(Some("workshop")));
    let job_list = jobs(policy.as_ref());
    let (bays, list) = match (
        state.store.list_bays(me, None).await,
        state.store.list_appointments(me, None, day).await,
    ) {
        (Ok(b), Ok(a)) => (b, a),
        (Err(e), _) | (_, Err(e)) => return crate::core::http::layout::error_page(Some(me), e),
    };
    let hours = policy.as_ref().and_then(WorkshopPolicy::hours);
    let open_minutes = hours.map_or(0, |(o, c)| (c - o).num_minutes());
    let mut form = form.labelled(&l.t, LABELS);
    let mut slots = Vec::new();
    if let Some(e) = &refusal {
        if e.code == "no_capacity" {
            slots = e
                .next_slots
                .iter()
                .map(|s| {
                    let label = format!(
                        "{} {}–{}",
                        plan_date(&l.t, s.start.date_naive()),
                        s.start.format("%H:%M"),
                        s.end.format("%H:%M")
                    );
                    (s.start.format("%Y-%m-%dT%H:%M").to_string(), label)
                })
                .collect();
        }
        form = form.with_error(e, |f| f.to_string());
    }
    let chosen_id = form.value("customer_id").trim().parse::<i64>().ok();
    let chosen = picker::chosen(state, me, chosen_id).await;
    let found = picker::matches(state, me, form.value("customer_id_q")).await;
    let vehicles = match chosen_id {
        Some(id) => state
            .store
            .get_customer(me, id)
            .await
            .map(|c| {
                c.vehicles
                    .iter()
                    .filter(|v| v.end_date.is_none())
                    .map(|v| {
                        // A VIN is 17 ASCII characters: its last six tell two cars apart.
                        let vin_end = v.vin.get(v.vin.len().saturating_sub(6)..).unwrap_or_default();
                        let parts = [
                            v.plate.clone().unwrap_or_default(),
                            v.model.clone().unwrap_or_default(),
                            format!("…{vin_end}"),
                        ];
                        let label: Vec<String> = parts.into_iter().filter(|p| !p.is_empty()).collect();
                        (v.vehicle_id.to_string(), label.join(" · "))
                    })
                    .collect()
            })
            .unwrap_or_default(),
        None => Vec::new(),
    };
    // A customer with one car: that car.
    if let [(only, _)] = vehicles.as_slice() {
        form = form.default_value("vehicle_id", only);
    }
    let view = DayPage {
        vehicles,
        csrf: me.csrf_token.clone(),
        day_label: plan_date(&l.t, day),
        prev_day: (day - chrono::Duration::days(1)).to_string(),
        next_day: (day + chrono::Duration::days(1)).to_string(),
        bays: bay_rows(&l.t, &bays, &list, &job_list, open_minutes),
        can_book: me.can(dcrc_domain::Permission::BookAppointments),
        can_set_up: me.can(dcrc_domain::Permission::ManageWorkshop),
        picker: picker::html(
            &l.t,
            &form,
            "customer_id",
            &l.t.get("workshop.customer"),
            chosen.as_ref(),
            &found,
        ),
        jobs: job_list,
        slots,
        form,
        l,
    };
    render(status, &view)
}

fn day_of(text: Option<&str>, state: &AppState) -> NaiveDate {
    text.and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
        .unwrap_or_else(|| state.store.clock.today())
}

pub async fn page(State(state): State<AppState>, WebUser(me): WebUser, Query(q): Query<DayQuery>) -> Response {
    let day = day_of(q.day.as_deref(), &state);
    let form = FormView::new().set("date", day).set("time", "09:00");
    draw(&state, &me, day, form, None).await
}

/// The start the form asks for: a next-free-time button's value, or date and time.
fn start_of(form: &crate::core::http::form::FormData) -> Result<chrono::DateTime<chrono::FixedOffset>, ApiError> {
    let (date, time) = match form.get("start_at").and_then(|s| s.split_once('T')) {
        Some((d, t)) => (d.to_string(), t.to_string()),
        None => (form.text("date"), form.text("time")),
    };
    let d = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").map_err(|_| ApiError::field("date", "date_format"))?;
    let t = NaiveTime::parse_from_str(time.trim(), "%H:%M").map_err(|_| ApiError::field("time", "time_format"))?;
    let local = d
        .and_time(t)
        .and_local_timezone(dcrc_domain::clock::shanghai())
        .single();
    local
        .map(|l| l.fixed_offset())
        .ok_or_else(|| ApiError::field("time", "time_format"))
}

/// Books from the form; back to that day with what happened.
pub async fn book(State(state): State<AppState>, Posted(me, form): Posted) -> Response {
    let mut kept = FormView::submitted(&form);
    let day = day_of(form.get("date"), &state);
    if form.get("_pick").is_some() {
        return draw(&state, &me, day, kept, None).await;
    }
    let start = match start_of(&form) {
        Ok(s) => s,
        Err(e) => return draw(&state, &me, day, kept, Some(e)).await,
    };
    // A next-free-time button moves the form to that day and time.
    kept = kept.set("date", start.date_naive()).set("time", start.format("%H:%M"));
    let Some(customer_id) = form.get("customer_id").and_then(|v| v.trim().parse().ok()) else {
        return draw(&state, &me, day, kept, Some(ApiError::field("customer_id", "required"))).await;
    };
    let opt = |k: &str| form.get(k).map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
    let input = NewAppointment {
        customer_id,
        vehicle_id: form.get("vehicle_id").and_then(|v| v.trim().parse().ok()),
        job_type: form.text("job_type"),
        start,
        requested_work: form.text("requested_work"),
        work_content: opt("work_content"),
        parts_note: opt("parts_note"),
        advisor_id: None,
    };
    match state.store.book_appointment(&me, input).await {
        Ok(a) => flash::redirect(
            &format!("/workshop?day={}", a.start.date_naive()),
            Flash::new("done.appointment.booked")
                .with("name", &a.customer_name)
                .with(
                    "at",
                    format!("{} {}", a.start.format("%m-%d %H:%M"), a.end.format("–%H:%M")),
                )
                .with("bay", &a.bay_name)
                .with("technician", &a.technician_name),
        ),
        Err(StoreError::NotFound) => {
            draw(
                &state,
                &me,
                day,
                kept,
                Some(ApiError::field("customer_id", "not_found")),
            )
            .await
        }
        Err(e) => draw(&state, &me, start.date_naive(), kept, Some(e.into())).await,
    }
}

/// Arrived, no-show or cancelled; back to the day.
pub async fn set_state(State(state): State<AppState>, Path(id): Path<i64>, Posted(me, form): Posted) -> Response {
    let Some(to) = form.get("to").and_then(AppointmentState::parse) else {
        return crate::core::http::layout::error_page_for(Some(&me), ApiError::field("to", "required"));
    };
    match state.store.set_appointment_state(&me, id, to).await {
        Ok(a) => flash::redirect(
            &format!("/workshop?day={}", a.start.date_naive()),
            Flash::new(match to {
                AppointmentState::Arrived => "done.appointment.arrived",
                AppointmentState::NoShow => "done.appointment.no_show",
                _ => "done.appointment.cancelled",
            })
            .with("name", &a.customer_name),
        ),
        Err(e) => crate::core::http::layout::error_page(Some(&me), e),
    }
}
