//! The shop's own details as its documents print them (seller, ids, address, bank account),
//! its numbering series per document kind, and its invoicing terms.

use crate::Problem;
use crate::extract::{Auth, JsonBody};
use crate::problem::ApiError;
use axum::extract::{Path, State};
use axum::routing::{get, put};
use axum::{Json, Router};
use tilaus_app::App;
use tilaus_app::document::{InvoicingTerms, SeriesSettings, SeriesView};
use tilaus_app::shop::ShopDetails;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/api/v1/shop", get(get_shop).put(put_shop))
        .route("/api/v1/document-series", get(list_series))
        .route("/api/v1/document-series/{kind}", put(put_series))
        .route(
            "/api/v1/invoicing-terms",
            get(get_invoicing_terms).put(put_invoicing_terms),
        )
}

/// What the shop's documents say of the seller: name, business id, VAT id, address, IBAN and
/// BIC.
#[utoipa::path(get, path = "/api/v1/shop", tag = "shop",
    responses((status = 200, body = ShopDetails)))]
pub(crate) async fn get_shop(
    State(app): State<App>,
    Auth(principal): Auth,
) -> Result<Json<ShopDetails>, ApiError> {
    Ok(Json(app.shop_details(&principal).await?))
}

/// Changes the seller's details new documents print (owner or manager); issued documents keep
/// what they said.
#[utoipa::path(put, path = "/api/v1/shop", tag = "shop", request_body = ShopDetails,
    responses((status = 200, body = ShopDetails), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub(crate) async fn put_shop(
    State(app): State<App>,
    Auth(principal): Auth,
    body: JsonBody<ShopDetails>,
) -> Result<Json<ShopDetails>, ApiError> {
    Ok(Json(app.put_shop_details(&principal, &body.value).await?))
}

/// Every document kind's numbering series: its prefix and the number the next document gets.
#[utoipa::path(get, path = "/api/v1/document-series", tag = "documents",
    responses((status = 200, body = Vec<SeriesView>)))]
pub(crate) async fn list_series(
    State(app): State<App>,
    Auth(principal): Auth,
) -> Result<Json<Vec<SeriesView>>, ApiError> {
    Ok(Json(app.document_series(&principal).await?))
}

/// Sets a series' prefix and next number (owner or manager), e.g. to continue an old system's
/// numbering. The next number may skip ahead, never back to a number already issued.
#[utoipa::path(put, path = "/api/v1/document-series/{kind}", tag = "documents",
    params(("kind" = String, Path, description = "receipt, invoice, credit_note or transfer_slip")),
    request_body = SeriesSettings,
    responses((status = 200, body = SeriesSettings), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub(crate) async fn put_series(
    State(app): State<App>,
    Auth(principal): Auth,
    Path(kind): Path<String>,
    body: JsonBody<SeriesSettings>,
) -> Result<Json<SeriesSettings>, ApiError> {
    Ok(Json(
        app.set_document_series(&principal, &kind, &body.value)
            .await?,
    ))
}

/// The payment terms (days to the due date) and the agreed late-payment interest new invoices
/// print; `late_interest` null is the statutory rate.
#[utoipa::path(get, path = "/api/v1/invoicing-terms", tag = "documents",
    responses((status = 200, body = InvoicingTerms)))]
pub(crate) async fn get_invoicing_terms(
    State(app): State<App>,
    Auth(principal): Auth,
) -> Result<Json<InvoicingTerms>, ApiError> {
    Ok(Json(app.invoicing_terms(&principal).await?))
}

/// Sets the invoicing terms (owner or manager).
#[utoipa::path(put, path = "/api/v1/invoicing-terms", tag = "documents", request_body = InvoicingTerms,
    responses((status = 200, body = InvoicingTerms), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub(crate) async fn put_invoicing_terms(
    State(app): State<App>,
    Auth(principal): Auth,
    body: JsonBody<InvoicingTerms>,
) -> Result<Json<InvoicingTerms>, ApiError> {
    Ok(Json(
        app.set_invoicing_terms(&principal, &body.value).await?,
    ))
}
