mod callback_pages;
mod callback_rules;
mod callback_work;
mod callbacks;
pub mod isolation;
