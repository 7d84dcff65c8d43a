//! The HTTP side of the core: extractors, problem responses, translations, the page
//! layout, middleware and the OpenAPI contract.

pub mod api_docs;
pub mod chart;
pub mod contract;
pub mod error;
pub mod extract;
pub mod flash;
pub mod form;
pub mod form_view;
pub mod format;
pub mod health;
pub mod home;
pub mod i18n;
pub mod layout;
pub mod middleware;
pub mod paging;
pub mod policies;
pub mod test_clock;
