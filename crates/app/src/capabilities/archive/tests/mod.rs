mod archive;
mod archive_api;
mod archive_care;
mod import;
mod import_truth;
mod search;
