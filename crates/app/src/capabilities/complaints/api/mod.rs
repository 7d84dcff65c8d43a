pub mod complaints;

use crate::core::registry::ApiRouter;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The schema of this capability's section of the policy document (`complaints` of
/// `EffectivePolicy.policy`).
#[derive(utoipa::OpenApi)]
#[openapi(components(schemas(crate::capabilities::complaints::rules::policy::ComplaintPolicy)))]
struct PolicySchema;

/// This capability's API routes.
pub fn routes(r: ApiRouter) -> ApiRouter {
    r.merge(utoipa_axum::router::OpenApiRouter::with_openapi(
        <PolicySchema as utoipa::OpenApi>::openapi(),
    ))
    .routes(routes!(complaints::list, complaints::create))
    .routes(routes!(complaints::notifications))
    .routes(routes!(complaints::stats))
    .routes(routes!(complaints::attachment))
    .routes(routes!(complaints::penalties))
    .routes(routes!(complaints::decide_penalty))
    .routes(routes!(complaints::get))
    .routes(routes!(complaints::transition))
    .routes(routes!(complaints::pause))
    .routes(routes!(complaints::resume))
    .routes(routes!(complaints::form))
    .merge(
        OpenApiRouter::new()
            .routes(routes!(complaints::attach))
            .layer(axum::extract::DefaultBodyLimit::max(complaints::ATTACHMENT_LIMIT)),
    )
}
