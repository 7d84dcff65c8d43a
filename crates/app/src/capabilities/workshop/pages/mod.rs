//! The workshop's pages: the appointment day with each bay's bookings and free time, and
//! the booking form that answers a full workshop with the next free times.

pub mod day;
pub mod setup;

use crate::core::registry::PageRouter;
use axum::routing::{get, post};

pub fn routes(r: PageRouter) -> PageRouter {
    r.route("/workshop", get(day::page).post(day::book))
        .route("/workshop/appointments/{id}/state", post(day::set_state))
        .route("/workshop/setup", get(setup::page))
        .route("/workshop/setup/bays", post(setup::add_bay))
        .route("/workshop/setup/technicians", post(setup::add_technician))
}
