pub mod appointments;
pub mod isolation;
