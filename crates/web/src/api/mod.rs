//! The JSON API under `/api/v1`, documented by an OpenAPI document built from the handlers.

pub mod audit;
pub mod auth;
pub mod callbacks;
pub mod complaints;
pub mod contract;
pub mod customer_care;
pub mod customers;
pub mod health;
pub mod history;
pub mod imports;
pub mod orgs;
pub mod policies;
pub mod segments;
pub mod test_clock;
pub mod users;
pub mod vehicles;

use crate::AppState;
use axum::Router;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Largest accepted import upload: 512 MiB.
pub const UPLOAD_LIMIT: usize = 512 * 1024 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(title = "DCRC API", description = "Dealer Customer Relation Center (经销商客户关系中心). Every call but login and health takes `Authorization: Bearer <token>`; errors are `application/problem+json`; lists answer `{items, next_cursor}`."),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    components(schemas(crate::error::Problem, dcrc_store::callbacks::stats::Period, dcrc_store::callbacks::stats::By, crate::export::ExportFormat))
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
        .routes(routes!(auth::login))
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
        .routes(routes!(customers::list, customers::create))
        .routes(routes!(customers::get, customers::update))
        .routes(routes!(customers::timeline))
        .routes(routes!(customers::export))
        .routes(routes!(customer_care::duplicates))
        .routes(routes!(customer_care::merge))
        .routes(routes!(customer_care::personal_data))
        .routes(routes!(customer_care::erase))
        .routes(routes!(segments::list, segments::create))
        .routes(routes!(segments::get, segments::delete))
        .routes(routes!(customers::reveal))
        .routes(routes!(customers::phone_status))
        .routes(routes!(customers::consents))
        .routes(routes!(vehicles::list, vehicles::create))
        .routes(routes!(vehicles::get))
        .routes(routes!(vehicles::change_owner))
        .routes(routes!(vehicles::mileage))
        .routes(routes!(history::list_sales, history::create_sale))
        .routes(routes!(history::list_repair_orders, history::create_repair_order))
        .routes(routes!(
            history::list_insurance_policies,
            history::create_insurance_policy
        ))
        .merge(
            // Uploads may be large; they stream to a temporary file, never into memory.
            OpenApiRouter::new()
                .routes(routes!(imports::list, imports::create))
                .layer(axum::extract::DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .routes(routes!(imports::get))
        .routes(routes!(imports::errors_xlsx))
        .routes(routes!(callbacks::list))
        .routes(routes!(callbacks::queue))
        .routes(routes!(callbacks::load))
        .routes(routes!(callbacks::stats))
        .routes(routes!(callbacks::reassign))
        .routes(routes!(callbacks::get))
        .routes(routes!(callbacks::attempt))
        .routes(routes!(callbacks::close))
        .routes(routes!(complaints::list, complaints::create))
        .routes(routes!(complaints::notifications))
        .routes(routes!(complaints::stats))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(complaints::attach))
                .layer(axum::extract::DefaultBodyLimit::max(complaints::ATTACHMENT_LIMIT)),
        )
        .routes(routes!(complaints::attachment))
        .routes(routes!(complaints::penalties))
        .routes(routes!(complaints::decide_penalty))
        .routes(routes!(complaints::get))
        .routes(routes!(complaints::transition))
        .routes(routes!(complaints::pause))
        .routes(routes!(complaints::resume))
        .routes(routes!(complaints::form))
        .routes(routes!(policies::get))
        .routes(routes!(policies::set))
        .routes(routes!(policies::calendar, policies::set_calendar));
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
