//! The shop's products and its audit trail.

use crate::Problem;
use crate::extract::{Auth, Id, JsonBody, QueryParams};
use crate::problem::ApiError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use tilaus_app::App;
use tilaus_app::audit::AuditPage;
use tilaus_app::product::{ProductInput, ProductPage, ProductView};
use utoipa::IntoParams;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/api/v1/products", get(list_products).post(create_product))
        .route(
            "/api/v1/products/{id}",
            get(get_product).put(update_product).delete(delete_product),
        )
        .route("/api/v1/audit", get(audit_log))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProductQuery {
    /// Part of a sku or name.
    q: Option<String>,
    /// The `next_cursor` of the previous page.
    after: Option<String>,
    /// 1–200, default 50.
    limit: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/products", tag = "products", params(ProductQuery),
    responses((status = 200, body = ProductPage), (status = 422, body = Problem)))]
pub(crate) async fn list_products(
    State(app): State<App>,
    Auth(principal): Auth,
    QueryParams(query): QueryParams<ProductQuery>,
) -> Result<Json<ProductPage>, ApiError> {
    let page = app
        .list_products(
            &principal,
            query.q.as_deref(),
            query.after.as_deref(),
            query.limit,
        )
        .await?;
    Ok(Json(page))
}

/// Adds a product; order lines can then name it by sku alone.
#[utoipa::path(post, path = "/api/v1/products", tag = "products", request_body = ProductInput,
    responses((status = 201, body = ProductView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub(crate) async fn create_product(
    State(app): State<App>,
    Auth(principal): Auth,
    body: JsonBody<ProductInput>,
) -> Result<(StatusCode, Json<ProductView>), ApiError> {
    let product = app.create_product(&principal, &body.value).await?;
    Ok((StatusCode::CREATED, Json(product)))
}

#[utoipa::path(get, path = "/api/v1/products/{id}", tag = "products", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = ProductView), (status = 404, body = Problem)))]
pub(crate) async fn get_product(
    State(app): State<App>,
    Auth(principal): Auth,
    Id(id): Id,
) -> Result<Json<ProductView>, ApiError> {
    Ok(Json(app.get_product(&principal, id).await?))
}

/// Replaces a product's fields; orders already taken keep their own copy.
#[utoipa::path(put, path = "/api/v1/products/{id}", tag = "products", params(("id" = uuid::Uuid, Path)), request_body = ProductInput,
    responses((status = 200, body = ProductView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub(crate) async fn update_product(
    State(app): State<App>,
    Auth(principal): Auth,
    Id(id): Id,
    body: JsonBody<ProductInput>,
) -> Result<Json<ProductView>, ApiError> {
    Ok(Json(app.update_product(&principal, id, &body.value).await?))
}

#[utoipa::path(delete, path = "/api/v1/products/{id}", tag = "products", params(("id" = uuid::Uuid, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub(crate) async fn delete_product(
    State(app): State<App>,
    Auth(principal): Auth,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    app.delete_product(&principal, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuditQuery {
    /// The `next_cursor` of the previous page.
    before: Option<uuid::Uuid>,
    /// 1–200, default 50.
    limit: Option<u64>,
}

/// Who changed products, tokens, channels and members, newest first (owners and managers).
#[utoipa::path(get, path = "/api/v1/audit", tag = "access", params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 403, body = Problem)))]
pub(crate) async fn audit_log(
    State(app): State<App>,
    Auth(principal): Auth,
    QueryParams(query): QueryParams<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    Ok(Json(
        app.audit_log(&principal, query.before, query.limit).await?,
    ))
}
