//! Tests of the assembled application: the API contract, isolation, concurrency,
//! hardening, exports and operations, across capabilities.

mod api;
mod concurrency;
mod customer_data;
mod exports;
mod forms;
mod hardening;
mod isolation;
mod lists;
mod migrations;
mod openapi;
mod ops;
mod page_races;
mod pages;
mod registry;
mod storage;
