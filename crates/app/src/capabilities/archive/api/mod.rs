pub mod customers;
pub mod export_files;
pub mod history;
pub mod imports;
pub mod merge;
pub mod privacy;
pub mod segments;
pub mod vehicles;

use crate::core::registry::ApiRouter;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Largest accepted import upload: 512 MiB.
pub const UPLOAD_LIMIT: usize = 512 * 1024 * 1024;

/// This capability's API routes.
pub fn routes(r: ApiRouter) -> ApiRouter {
    r.routes(routes!(customers::list, customers::create))
        .routes(routes!(customers::get, customers::update))
        .routes(routes!(customers::timeline))
        .routes(routes!(customers::export))
        .routes(routes!(merge::duplicates))
        .routes(routes!(merge::merge))
        .routes(routes!(privacy::personal_data))
        .routes(routes!(privacy::erase))
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
        .routes(routes!(imports::get))
        .routes(routes!(imports::errors_xlsx))
        .merge(
            // Uploads may be large; they stream to a temporary file, never into memory.
            OpenApiRouter::new()
                .routes(routes!(imports::list, imports::create))
                .layer(axum::extract::DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
}
