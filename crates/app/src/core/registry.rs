//! What a capability declares about itself, in one place (its `mod.rs`): the application
//! is assembled from these declarations, and the registry tests check them (every route in
//! the isolation walk, every navigation entry on a route, every customer-owned table
//! claimed, every string in both languages, no dependency cycle).

use crate::core::customer_tables::CustomerTable;
use crate::core::events::Subscription;
use crate::core::jobs::{JobKind, Running};
use crate::core::migrate::Migration;
use crate::core::policy::PolicySection;
use crate::core::principal::Principal;
use crate::AppState;

/// The JSON API routes with their OpenAPI document.
pub type ApiRouter = utoipa_axum::router::OpenApiRouter<AppState>;
/// The server-rendered pages.
pub type PageRouter = axum::Router<AppState>;

/// One capability of the product.
pub struct Capability {
    /// Its folder name under `capabilities/`.
    pub name: &'static str,
    /// The capabilities whose code it may use (the registry test refuses cycles and
    /// undeclared uses).
    pub depends_on: &'static [&'static str],
    /// Its schema changes, for both databases.
    pub migrations: &'static [Migration],
    /// Adds its API routes.
    pub api: fn(ApiRouter) -> ApiRouter,
    /// Adds its pages.
    pub pages: fn(PageRouter) -> PageRouter,
    /// Its entries in the navigation, each shown to whom it works for.
    pub nav: &'static [NavEntry],
    /// Its tables holding a customer's data (merge, erase, personal-data export, timeline).
    pub customer_tables: &'static [CustomerTable],
    /// Its sections of the policy document.
    pub policy: &'static [PolicySection],
    /// Its kinds of durable job.
    pub jobs: &'static [JobKind],
    /// Its periodic check, run on every scheduler tick by any instance (idempotent).
    pub tick: Option<for<'a> fn(&'a crate::Store, &'a crate::core::access::System) -> Running<'a>>,
    /// Its cases of the tenant-isolation walk, one per API route.
    #[cfg(test)]
    pub isolation: crate::testing::isolation::CaseFn,
    /// Its handlers of other capabilities' events.
    pub subscriptions: fn() -> Vec<Subscription>,
    /// Its panels on the home page, for the people it serves.
    pub home: Option<crate::core::http::home::HomePanels>,
}

/// A navigation entry: shown when `visible` says the signed-in person can use the page.
pub struct NavEntry {
    /// The translation key of its label.
    pub key: &'static str,
    pub href: &'static str,
    /// Position in the menu (lower first).
    pub order: u16,
    pub visible: fn(&Principal) -> bool,
}

static INSTALLED: std::sync::OnceLock<&'static [&'static Capability]> = std::sync::OnceLock::new();

/// For capabilities that subscribe to nothing.
pub fn no_subscriptions() -> Vec<Subscription> {
    Vec::new()
}

/// Makes the application's capabilities known to the core's mechanisms (navigation,
/// events, jobs): done once, when the first [`crate::Store`] is built.
pub fn install(capabilities: &'static [&'static Capability]) {
    let _ = INSTALLED.set(capabilities);
}

/// The installed capabilities (none before [`install`]).
pub fn installed() -> &'static [&'static Capability] {
    INSTALLED.get().copied().unwrap_or(&[])
}
