//! The OpenAPI 3.1 document, generated from the handlers' annotations and the types they use.

use axum::Json;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

#[derive(OpenApi)]
#[openapi(
    info(title = "Tilaus API", description = "Orders from every channel, exactly once. Amounts are integer minor units; VAT rates are basis points."),
    paths(
        super::orders::create_order, super::orders::list_orders, super::orders::export_orders, super::orders::get_order,
        super::orders::update_order, super::orders::delete_order, super::orders::change_state, super::orders::add_note,
        super::orders::order_events, super::admin::list_tokens, super::admin::create_token, super::admin::revoke_token,
        super::admin::list_channels, super::admin::create_channel,
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
