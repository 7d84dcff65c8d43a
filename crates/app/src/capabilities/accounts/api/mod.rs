pub mod audit;
pub mod auth;
pub mod orgs;
pub mod users;

use crate::core::registry::ApiRouter;

use utoipa_axum::routes;

/// This capability's API routes.
pub fn routes(r: ApiRouter) -> ApiRouter {
    r.routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        .routes(routes!(auth::change_password))
        .routes(routes!(auth::list_tokens, auth::create_token))
        .routes(routes!(auth::revoke_token))
        .routes(routes!(orgs::list, orgs::create))
        .routes(routes!(orgs::get, orgs::update, orgs::deactivate))
        .routes(routes!(users::list, users::create))
        .routes(routes!(users::get, users::update, users::deactivate))
        .routes(routes!(audit::list))
}
