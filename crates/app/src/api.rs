//! The JSON API under `/api/v1`, assembled from the core's routes and every capability's,
//! documented by an OpenAPI document built from the handlers.

use crate::core::http::{contract, health, policies, test_clock};
use crate::AppState;
use axum::Router;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "DCRC API", description = "Dealer Customer Relation Center (经销商客户关系中心). Every call but login and health takes `Authorization: Bearer <token>`; errors are `application/problem+json`; lists answer `{items, next_cursor}`."),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    components(schemas(crate::core::http::error::Problem, crate::capabilities::callbacks::data::stats::Period, crate::capabilities::callbacks::data::stats::By, crate::capabilities::archive::api::export_files::ExportFormat))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
        }
    }
}

/// The API routes and their OpenAPI document. The test-clock routes exist only when
/// `with_test_clock` is set.
pub fn router(with_test_clock: bool) -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let mut r = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(health::metrics))
        .routes(routes!(policies::get))
        .routes(routes!(policies::set));
    for capability in crate::capabilities::ALL {
        r = (capability.api)(r);
    }
    if with_test_clock {
        r = r.routes(routes!(test_clock::get, test_clock::set));
    }
    let (router, doc) = r.split_for_parts();
    let doc_json = std::sync::Arc::new(contract::finish(&doc));
    let router = router.route(
        "/api/openapi.json",
        axum::routing::get(move || {
            let doc = doc_json.clone();
            async move { axum::Json(doc.as_ref().clone()) }
        }),
    );
    (router, doc)
}
