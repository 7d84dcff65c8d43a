pub mod customer;
pub mod customer_tools;
pub mod customers;
pub mod imports;

use crate::core::registry::PageRouter;
use axum::routing::{get, post};

/// This capability's pages.
pub fn routes(r: PageRouter) -> PageRouter {
    r.route("/customers", get(customers::list))
        .route("/customers/export", get(customers::export))
        .route("/customers/duplicates", get(customer_tools::duplicates))
        .route(
            "/customers/{id}/merge",
            get(customer_tools::merge_preview).post(customer_tools::merge),
        )
        .route(
            "/segments",
            get(customer_tools::segments).post(customer_tools::create_segment),
        )
        .route("/customers/new", get(customers::new_page).post(customers::create))
        .route("/customers/{id}", get(customer::page))
        .route("/customers/{id}/reveal", post(customer::reveal))
        .route("/customers/{id}/consents", post(customer::consent))
        .route("/customers/{id}/personal-data", get(customer::personal_data))
        .route("/customers/{id}/erase", post(customer::erase))
        .route(
            "/imports",
            get(imports::list)
                .post(imports::upload)
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::capabilities::archive::api::UPLOAD_LIMIT,
                )),
        )
        .route("/imports/{id}", get(imports::page))
        .route("/imports/{id}/errors.xlsx", get(imports::errors_xlsx))
}
