mod complaint_attachments;
mod complaint_pages;
mod complaint_scope;
mod complaint_sweep;
mod complaints;
pub mod isolation;
