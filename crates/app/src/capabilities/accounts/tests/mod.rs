mod accounts;
pub mod isolation;
