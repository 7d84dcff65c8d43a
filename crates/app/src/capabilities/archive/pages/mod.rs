pub mod customer;
pub mod customer_edit;
pub mod customers;
pub mod home;
pub mod import_mapping;
pub mod imports;
pub mod merge;
pub mod picker;
pub mod segments;
pub mod timeline_text;

use crate::core::registry::PageRouter;
use axum::routing::{get, post};

/// This capability's pages.
pub fn routes(r: PageRouter) -> PageRouter {
    r.route("/customers", get(customers::list))
        .route("/customers/export", get(customers::export))
        .route("/customers/pick", get(picker::pick))
        .route("/customers/duplicates", get(merge::duplicates))
        .route("/customers/{id}/merge", get(merge::merge_preview).post(merge::merge))
        .route("/segments", get(segments::segments).post(segments::create_segment))
        .route("/customers/new", get(customers::new_page).post(customers::create))
        .route("/customers/{id}", get(customer::page))
        .route(
            "/customers/{id}/edit",
            get(customer_edit::page).post(customer_edit::save),
        )
        .route("/customers/{id}/phones/{phone_id}", post(customer_edit::fix_phone))
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
        .route("/imports/confirm", post(import_mapping::confirm))
        .route("/imports/template/{kind}", get(import_mapping::template))
        .route("/imports/{id}", get(imports::page))
        .route("/imports/{id}/errors.xlsx", get(imports::errors_xlsx))
}
