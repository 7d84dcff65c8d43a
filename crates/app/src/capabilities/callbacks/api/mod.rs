pub mod callbacks;
pub mod policies;

use crate::core::registry::ApiRouter;

use utoipa_axum::routes;

/// The schema of this capability's section of the policy document (the top-level keys of
/// `EffectivePolicy.policy`).
#[derive(utoipa::OpenApi)]
#[openapi(components(schemas(crate::capabilities::callbacks::rules::policy::CallbackPolicy)))]
struct PolicySchema;

/// This capability's API routes.
pub fn routes(r: ApiRouter) -> ApiRouter {
    r.merge(utoipa_axum::router::OpenApiRouter::with_openapi(
        <PolicySchema as utoipa::OpenApi>::openapi(),
    ))
    .routes(routes!(callbacks::list))
    .routes(routes!(callbacks::queue))
    .routes(routes!(callbacks::load))
    .routes(routes!(callbacks::stats))
    .routes(routes!(callbacks::reassign))
    .routes(routes!(callbacks::get))
    .routes(routes!(callbacks::attempt))
    .routes(routes!(callbacks::close))
    .routes(routes!(policies::calendar, policies::set_calendar))
}
