//! Appointments (预约): booked against the workshop's capacity in one transaction that
//! holds the dealer's workshop lock, so two bookings never take the same bay or
//! technician; refused with the reason and the next free times when the job does not fit.

use super::setup::skills_of;
use crate::capabilities::workshop::rules::capacity::{BayKind, Resource, Workshop};
use crate::capabilities::workshop::rules::policy::WorkshopPolicy;
use crate::core::audit::{self, Actor, Event};
use crate::core::db::{stmt, Tx};
use crate::core::error::{Result, StoreError, TimeSlot};
use crate::core::principal::Principal;
use crate::core::scoped::lock_in_scope;
use crate::Store;
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use dcrc_domain::clock::{ms_to_time, shanghai};
use dcrc_domain::{validation, FieldError, Invalid, Permission};
use serde::{Deserialize, Serialize};

/// An appointment's state: booked, then the customer arrived, did not come, or cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentState {
    Booked,
    Arrived,
    NoShow,
    Cancelled,
}

impl AppointmentState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Booked => "booked",
            Self::Arrived => "arrived",
            Self::NoShow => "no_show",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Booked, Self::Arrived, Self::NoShow, Self::Cancelled]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Appointment {
    pub id: i64,
    pub org_id: i64,
    pub customer_id: i64,
    pub customer_name: String,
    pub vehicle_id: Option<i64>,
    pub plate: Option<String>,
    pub model: Option<String>,
    pub job_type: String,
    pub bay_kind: BayKind,
    pub minutes: i64,
    pub start: DateTime<FixedOffset>,
    pub end: DateTime<FixedOffset>,
    pub bay_id: i64,
    pub bay_name: String,
    pub technician_id: i64,
    pub technician_name: String,
    pub advisor_id: Option<i64>,
    pub advisor_name: Option<String>,
    pub requested_work: String,
    pub work_content: Option<String>,
    pub parts_note: Option<String>,
    pub state: AppointmentState,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAppointment {
    pub customer_id: i64,
    #[serde(default)]
    pub vehicle_id: Option<i64>,
    /// A job type key of the dealer's workshop policy (`regular_maintenance` …).
    pub job_type: String,
    /// When the work starts (RFC 3339, e.g. `2026-12-07T09:00:00+08:00`).
    pub start: DateTime<FixedOffset>,
    /// What the customer asks for (顾客需求).
    pub requested_work: String,
    /// The work planned (作业内容).
    #[serde(default)]
    pub work_content: Option<String>,
    /// Parts to reserve.
    #[serde(default)]
    pub parts_note: Option<String>,
    /// The service advisor (a user of the dealer); the caller when omitted and an advisor.
    #[serde(default)]
    pub advisor_id: Option<i64>,
}

const COLUMNS: &str = "a.id, a.org_id, a.customer_id, c.name AS customer_name, a.vehicle_id, v.plate, v.model, \
    a.job_type, a.bay_kind, a.minutes, a.starts_at, a.ends_at, a.bay_id, b.name AS bay_name, a.technician_id, \
    t.name AS technician_name, a.advisor_id, u.display_name AS advisor_name, a.requested_work, a.work_content, \
    a.parts_note, a.state";

const FROM: &str = "FROM appointments a JOIN customers c ON c.id = a.customer_id \
    LEFT JOIN vehicles v ON v.id = a.vehicle_id JOIN workshop_bays b ON b.id = a.bay_id \
    JOIN workshop_technicians t ON t.id = a.technician_id LEFT JOIN users u ON u.id = a.advisor_id";

fn local(ms: i64) -> DateTime<FixedOffset> {
    ms_to_time(ms).with_timezone(&shanghai()).fixed_offset()
}

fn from_row(r: &crate::core::db::Row) -> Result<Appointment> {
    Ok(Appointment {
        id: r.i64("id")?,
        org_id: r.i64("org_id")?,
        customer_id: r.i64("customer_id")?,
        customer_name: r.text("customer_name")?,
        vehicle_id: r.opt_i64("vehicle_id")?,
        plate: r.opt_text("plate")?,
        model: r.opt_text("model")?,
        job_type: r.text("job_type")?,
        bay_kind: BayKind::parse(&r.text("bay_kind")?).unwrap_or(BayKind::Mechanical),
        minutes: r.i64("minutes")?,
        start: local(r.i64("starts_at")?),
        end: local(r.i64("ends_at")?),
        bay_id: r.i64("bay_id")?,
        bay_name: r.text("bay_name")?,
        technician_id: r.i64("technician_id")?,
        technician_name: r.text("technician_name")?,
        advisor_id: r.opt_i64("advisor_id")?,
        advisor_name: r.opt_text("advisor_name")?,
        requested_work: r.text("requested_work")?,
        work_content: r.opt_text("work_content")?,
        parts_note: r.opt_text("parts_note")?,
        state: AppointmentState::parse(&r.text("state")?).unwrap_or(AppointmentState::Booked),
    })
}

/// The dealer's workshop as the capacity check sees it from `from` for `days` days: its
/// active bays and technicians, each with the times it is booked.
async fn workshop_state(tx: &mut Tx, org_id: i64, from: i64, days: i64) -> Result<(Vec<Resource>, Vec<Resource>)> {
    let until = from + days * 86_400_000;
    let busy = tx
        .fetch_all(
            &stmt(
                "SELECT bay_id, technician_id, starts_at, ends_at FROM appointments \
                   WHERE org_id = $1 AND state IN ('booked', 'arrived') AND ends_at > $2 AND starts_at < $3",
            )
            .bind(org_id)
            .bind(from)
            .bind(until),
        )
        .await?;
    let mut spans = Vec::with_capacity(busy.len());
    for r in &busy {
        spans.push((
            r.i64("bay_id")?,
            r.i64("technician_id")?,
            ms_to_time(r.i64("starts_at")?),
            ms_to_time(r.i64("ends_at")?),
        ));
    }
    let mut bays = Vec::new();
    for r in tx
        .fetch_all(
            &stmt("SELECT id, kind FROM workshop_bays WHERE org_id = $1 AND active = TRUE ORDER BY id").bind(org_id),
        )
        .await?
    {
        let id = r.i64("id")?;
        bays.push(Resource {
            id,
            kinds: BayKind::parse(&r.text("kind")?).into_iter().collect(),
            busy: spans.iter().filter(|s| s.0 == id).map(|s| (s.2, s.3)).collect(),
        });
    }
    let mut techs = Vec::new();
    for r in tx
        .fetch_all(
            &stmt("SELECT id, skills FROM workshop_technicians WHERE org_id = $1 AND active = TRUE ORDER BY id")
                .bind(org_id),
        )
        .await?
    {
        let id = r.i64("id")?;
        techs.push(Resource {
            id,
            kinds: skills_of(&r.text("skills")?),
            busy: spans.iter().filter(|s| s.1 == id).map(|s| (s.2, s.3)).collect(),
        });
    }
    Ok((bays, techs))
}

/// The dealer's workshop policy and its business calendar with the workshop's hours.
pub(crate) async fn rules(
    tx: &mut Tx,
    org_id: i64,
) -> Result<(WorkshopPolicy, dcrc_domain::calendar::BusinessCalendar)> {
    let policy: WorkshopPolicy = crate::core::policy::section_of(tx, org_id, Some("workshop")).await?;
    let (opens, closes) = policy
        .hours()
        .ok_or_else(|| StoreError::Internal("stored workshop hours".into()))?;
    let calendar = crate::capabilities::callbacks::data::policy::calendar_with_hours(tx, opens, closes).await?;
    Ok((policy, calendar))
}

fn note(field: &str, v: &Option<String>, errors: &mut Invalid) -> Option<String> {
    let t = v.as_deref().map(str::trim).filter(|t| !t.is_empty())?;
    if t.chars().count() > 1000 {
        errors.push(FieldError::new(field, "length").with("min", 0).with("max", 1000));
    }
    Some(t.to_string())
}

impl Store {
    /// Books an appointment if the job fits; otherwise `NoCapacity` with the reason and
    /// the next free times.
    pub async fn book_appointment(&self, who: &Principal, input: NewAppointment) -> Result<Appointment> {
        self.authorize(who, Permission::BookAppointments, "appointment").await?;
        let mut errors = Invalid::default();
        let requested = validation::text("requested_work", &input.requested_work, 1000, &mut errors);
        let work_content = note("work_content", &input.work_content, &mut errors);
        let parts_note = note("parts_note", &input.parts_note, &mut errors);
        let start = input.start.with_timezone(&Utc);
        let now = self.now_ms();
        if start.timestamp_millis() < now {
            errors.push(FieldError::new("start", "in_past"));
        }
        errors.finish()?;
        let mut tx = self.access(who).begin().await?;
        let customer = lock_in_scope(
            &mut tx,
            who,
            "customers",
            "r.org_id",
            input.customer_id,
            " AND r.merged_into IS NULL",
        )
        .await?;
        let org_id = customer.i64("org_id")?;
        if let Some(v) = input.vehicle_id {
            let owned = tx
                .fetch_optional(
                    &stmt("SELECT 1 AS ok FROM ownerships WHERE vehicle_id = $1 AND customer_id = $2 AND end_date IS NULL")
                        .bind(v)
                        .bind(input.customer_id),
                )
                .await?;
            if owned.is_none() {
                return Err(Invalid(vec![FieldError::new("vehicle_id", "not_the_customers")]).into());
            }
        }
        let advisor_id = match input.advisor_id {
            Some(a) => {
                let row = tx
                    .fetch_optional(
                        &stmt("SELECT id FROM users WHERE id = $1 AND org_id = $2 AND active = TRUE")
                            .bind(a)
                            .bind(org_id),
                    )
                    .await?;
                if row.is_none() {
                    return Err(Invalid(vec![FieldError::new("advisor_id", "different_dealer")]).into());
                }
                Some(a)
            }
            None => (who.org_id == org_id && who.roles().contains(&dcrc_domain::Role::ServiceAdvisor))
                .then_some(who.user_id),
        };
        let (policy, calendar) = rules(&mut tx, org_id).await?;
        let Some(job) = policy.job(&input.job_type).cloned() else {
            let keys: Vec<&str> = policy.jobs.iter().map(|j| j.key.as_str()).collect();
            return Err(Invalid(vec![
                FieldError::new("job_type", "unknown_value").with("allowed", keys.join(", "))
            ])
            .into());
        };
        // Every booking of this dealer's workshop waits here for the one before it.
        tx.lock_key(&format!("workshop:{org_id}")).await?;
        let day_start = start - Duration::days(1);
        let days = i64::from(policy.look_ahead_days) * 2 + 9;
        let (bays, techs) = workshop_state(&mut tx, org_id, day_start.timestamp_millis(), days).await?;
        let shop = Workshop {
            calendar: &calendar,
            bays: &bays,
            technicians: &techs,
        };
        let placed = match shop.place(job.bay, start, job.minutes) {
            Ok(p) => p,
            Err(reason) => {
                let next = shop
                    .next_slots(
                        job.bay,
                        start,
                        job.minutes,
                        policy.slot_minutes,
                        policy.offered_slots as usize,
                        policy.look_ahead_days,
                    )
                    .into_iter()
                    .map(|(a, b)| TimeSlot::new(a, b))
                    .collect();
                return Err(StoreError::NoCapacity {
                    reason: reason.as_str(),
                    next_slots: next,
                });
            }
        };
        let end = start + Duration::minutes(i64::from(job.minutes));
        let day = start.with_timezone(&shanghai()).date_naive().to_string();
        let id = tx
            .fetch_one(
                &stmt("INSERT INTO appointments (org_id, customer_id, vehicle_id, job_type, bay_kind, minutes, requested_work, \
                       work_content, parts_note, advisor_id, starts_at, ends_at, day, bay_id, technician_id, state, created_by, created_at, updated_at) \
                       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 'booked', $16, $17, $17) RETURNING id")
                .bind(org_id)
                .bind(input.customer_id)
                .bind(input.vehicle_id)
                .bind(job.key.as_str())
                .bind(job.bay.as_str())
                .bind(i64::from(job.minutes))
                .bind(requested.as_str())
                .bind(work_content)
                .bind(parts_note)
                .bind(advisor_id)
                .bind(start.timestamp_millis())
                .bind(end.timestamp_millis())
                .bind(day)
                .bind(placed.bay)
                .bind(placed.technician)
                .bind(who.user_id)
                .bind(now),
            )
            .await?
            .i64("id")?;
        let detail = serde_json::json!({ "job_type": job.key, "start": input.start.to_rfc3339(), "bay_id": placed.bay, "technician_id": placed.technician });
        audit::record(
            &mut tx,
            now,
            &Actor::from(who),
            Event::on("create", "appointment", id, org_id, detail),
        )
        .await?;
        let row = tx
            .fetch_one(&stmt(format!("SELECT {COLUMNS} {FROM} WHERE a.id = $1")).bind(id))
            .await?;
        tx.commit().await?;
        from_row(&row)
    }

    /// A dealer's appointments of one business day, by start time.
    pub async fn list_appointments(
        &self,
        who: &Principal,
        org_id: Option<i64>,
        day: NaiveDate,
    ) -> Result<Vec<Appointment>> {
        self.authorize(who, Permission::ViewCustomers, "appointment").await?;
        let org_id = self.workshop_dealer(who, org_id).await?;
        let rows = self
            .access(who)
            .fetch_all(
                &stmt(format!(
                    "SELECT {COLUMNS} {FROM} WHERE a.org_id = $1 AND a.day = $2 ORDER BY a.starts_at, a.id"
                ))
                .bind(org_id)
                .bind(day.to_string()),
            )
            .await?;
        rows.iter().map(from_row).collect()
    }

    /// One appointment in scope.
    pub async fn get_appointment(&self, who: &Principal, id: i64) -> Result<Appointment> {
        self.authorize(who, Permission::ViewCustomers, "appointment").await?;
        let row = self
            .access(who)
            .fetch_optional(
                &stmt(format!(
                    "SELECT {COLUMNS} {FROM} JOIN orgs o ON o.id = a.org_id WHERE a.id = $1 AND o.path LIKE $2"
                ))
                .bind(id)
                .bind(who.scope().like_pattern()),
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        from_row(&row)
    }

    /// Records that the customer arrived, did not come, or cancelled: only a booked
    /// appointment moves, once.
    pub async fn set_appointment_state(&self, who: &Principal, id: i64, to: AppointmentState) -> Result<Appointment> {
        self.authorize(who, Permission::BookAppointments, "appointment").await?;
        if to == AppointmentState::Booked {
            return Err(Invalid(vec![
                FieldError::new("to", "unknown_value").with("allowed", "arrived, no_show, cancelled")
            ])
            .into());
        }
        let now = self.now_ms();
        let mut tx = self.access(who).begin().await?;
        let row = lock_in_scope(&mut tx, who, "appointments", "r.org_id, r.state", id, "").await?;
        let from = row.text("state")?;
        if from != AppointmentState::Booked.as_str() {
            return Err(StoreError::Conflict {
                code: "appointment_not_booked",
                field: Some("to"),
            });
        }
        tx.execute(
            &stmt("UPDATE appointments SET state = $1, state_at = $2, updated_at = $2 WHERE id = $3")
                .bind(to.as_str())
                .bind(now)
                .bind(id),
        )
        .await?;
        let detail = serde_json::json!({ "from": from, "to": to.as_str() });
        audit::record(
            &mut tx,
            now,
            &Actor::from(who),
            Event::on("update", "appointment", id, row.i64("org_id")?, detail),
        )
        .await?;
        tx.commit().await?;
        self.get_appointment(who, id).await
    }
}
