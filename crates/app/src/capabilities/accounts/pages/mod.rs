pub mod account;
pub mod audit;
pub mod login;
pub mod orgs;
pub mod users;

use crate::core::registry::PageRouter;
use axum::routing::{get, post};

/// This capability's pages.
pub fn routes(r: PageRouter) -> PageRouter {
    r.route("/login", get(login::page).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/admin/orgs", get(orgs::page).post(orgs::create))
        .route("/admin/orgs/{id}", get(orgs::edit_page).post(orgs::save))
        .route("/admin/orgs/{id}/active", post(orgs::set_active))
        .route("/admin/users", get(users::page).post(users::create))
        .route("/admin/users/{id}", get(users::edit_page).post(users::save))
        .route("/admin/users/{id}/active", post(users::set_active))
        .route("/admin/audit", get(audit::page))
        .route("/account", get(account::page))
        .route("/account/password", post(account::change_password))
        .route("/account/locale", post(account::set_locale))
        .route("/account/tokens", post(account::create_token))
        .route("/account/tokens/{id}/revoke", post(account::revoke_token))
}
