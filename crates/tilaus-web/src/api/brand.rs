//! The shop's look: its accent colour and logo (on documents, mail and customers' pages), and
//! the public address its logo is served at.

use crate::Problem;
use crate::extract::{Auth, JsonBody};
use crate::problem::ApiError;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use tilaus_app::App;
use tilaus_app::brand::{BrandInput, BrandView};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/api/v1/brand", get(get_brand).put(put_brand))
        .route("/api/v1/brand/logo", put(put_logo).delete(delete_logo))
        .route("/brand/{shop}/logo", get(public_logo))
        .route("/brand/{shop}/brand.css", get(public_style))
}

/// The shop's accent colour and logo (the defaults until set).
#[utoipa::path(get, path = "/api/v1/brand", tag = "shop",
    responses((status = 200, body = BrandView)))]
pub(crate) async fn get_brand(
    State(app): State<App>,
    Auth(principal): Auth,
) -> Result<Json<BrandView>, ApiError> {
    Ok(Json(app.brand(&principal).await?))
}

/// Sets the accent colour (owner or manager).
#[utoipa::path(put, path = "/api/v1/brand", tag = "shop", request_body = BrandInput,
    responses((status = 200, body = BrandView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub(crate) async fn put_brand(
    State(app): State<App>,
    Auth(principal): Auth,
    body: JsonBody<BrandInput>,
) -> Result<Json<BrandView>, ApiError> {
    Ok(Json(app.put_accent_colour(&principal, &body.value).await?))
}

/// Sets the logo (owner or manager): the request body is the image, a PNG or SVG of at most
/// 100 KB (known by its content). Mail shows PNG logos; documents and pages show both.
#[utoipa::path(put, path = "/api/v1/brand/logo", tag = "shop",
    request_body(content = Vec<u8>, content_type = "image/png"),
    responses((status = 200, body = BrandView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub(crate) async fn put_logo(
    State(app): State<App>,
    Auth(principal): Auth,
    body: axum::body::Bytes,
) -> Result<Json<BrandView>, ApiError> {
    Ok(Json(app.put_logo(&principal, &body).await?))
}

/// Removes the logo (owner or manager).
#[utoipa::path(delete, path = "/api/v1/brand/logo", tag = "shop",
    responses((status = 200, body = BrandView), (status = 403, body = Problem)))]
pub(crate) async fn delete_logo(
    State(app): State<App>,
    Auth(principal): Auth,
) -> Result<Json<BrandView>, ApiError> {
    Ok(Json(app.delete_logo(&principal).await?))
}

/// A shop's logo, for anyone (it is in the shop's mail and on its customers' pages). An SVG
/// is served so that it can never run anything: no scripts, no requests, no framing.
async fn public_logo(State(app): State<App>, Path(shop): Path<String>) -> Response {
    let not_found = || StatusCode::NOT_FOUND.into_response();
    let Ok(shop) = uuid::Uuid::parse_str(&shop) else {
        return not_found();
    };
    match app.public_brand(shop).await.map(|b| b.logo) {
        Ok(Some(logo)) => (
            [
                (header::CONTENT_TYPE, logo.format.content_type()),
                (
                    header::CONTENT_SECURITY_POLICY,
                    "default-src 'none'; style-src 'unsafe-inline'; sandbox",
                ),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
                (header::CACHE_CONTROL, "public, max-age=300"),
            ],
            logo.bytes,
        )
            .into_response(),
        Ok(None) => not_found(),
        Err(error) => ApiError::from(error).into_response(),
    }
}

/// A shop's colours for its customers' pages, as a style sheet: the pages allow no inline
/// styles (their CSP), so the accent comes from here.
async fn public_style(State(app): State<App>, Path(shop): Path<String>) -> Response {
    let brand = match uuid::Uuid::parse_str(&shop) {
        Ok(shop) => match app.public_brand(shop).await {
            Ok(brand) => brand,
            Err(error) => return ApiError::from(error).into_response(),
        },
        Err(_) => tilaus_app::brand::Brand::default(),
    };
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        // The colour was checked as #rrggbb when saved.
        format!(":root {{ --accent: {}; }}\n", brand.accent_colour),
    )
        .into_response()
}
