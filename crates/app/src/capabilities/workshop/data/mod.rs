//! The workshop's data: set-up (bays, technicians) and appointments.

pub mod appointments;
pub mod setup;
