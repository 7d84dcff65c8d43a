mod archive;
mod archive_api;
mod archive_care;
mod cross_dealer;
mod import;
mod import_jobs;
mod import_truth;
pub mod isolation;
mod search;
