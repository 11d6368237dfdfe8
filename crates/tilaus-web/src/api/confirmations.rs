//! Confirmation links (ORD-7), the confirmations made through them, and the shop's terms they
//! show.

use crate::Problem;
use crate::extract::{Auth, Id, JsonBody, QueryParams};
use crate::problem::ApiError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use tilaus_app::App;
use tilaus_app::confirmation::{
    ConfirmationLinkView, ConfirmationList, NewConfirmationLink, TermsInput, TermsView,
};

pub fn routes() -> Router<App> {
    Router::new()
        .route(
            "/api/v1/orders/{id}/confirmation-link",
            post(create_confirmation_link),
        )
        .route(
            "/api/v1/orders/{id}/confirmations",
            get(order_confirmations),
        )
        .route("/api/v1/terms", get(get_terms).put(put_terms))
}

/// Makes a confirmation link for an open order: the customer reads the content, prices and the
/// shop's terms at `url` and confirms by name, which confirms the order. The `url` is shown only
/// now; the link expires after `expires_in_days` (default 14) and confirms nothing once the
/// order's content changes.
#[utoipa::path(post, path = "/api/v1/orders/{id}/confirmation-link", tag = "confirmations", params(("id" = uuid::Uuid, Path)),
    request_body = Option<NewConfirmationLink>,
    responses((status = 201, body = ConfirmationLinkView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "The order is not open", body = Problem),
        (status = 422, body = Problem)))]
pub(crate) async fn create_confirmation_link(
    State(app): State<App>,
    Auth(principal): Auth,
    Id(id): Id,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<ConfirmationLinkView>), Response> {
    let input: NewConfirmationLink =
        crate::extract::optional_json(&body).map_err(IntoResponse::into_response)?;
    let link = app
        .create_confirmation_link(&principal, id, &input)
        .await
        .map_err(|e| ApiError(e).into_response())?;
    Ok((StatusCode::CREATED, Json(link)))
}

/// The order's confirmations, oldest first: the exact snapshot confirmed and its SHA-256, who,
/// when, from which address and browser, and whether the order's content is still what was
/// confirmed (`valid`).
#[utoipa::path(get, path = "/api/v1/orders/{id}/confirmations", tag = "confirmations", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = ConfirmationList), (status = 404, body = Problem)))]
pub(crate) async fn order_confirmations(
    State(app): State<App>,
    Auth(principal): Auth,
    Id(id): Id,
) -> Result<Json<ConfirmationList>, ApiError> {
    Ok(Json(app.order_confirmations(&principal, id).await?))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct TermsQuery {
    /// `fi`, `sv` or `en`: the terms a reader of this language sees; the shop's default
    /// language when absent.
    language: Option<String>,
}

/// The shop's terms as a confirmation page in `language` shows them: in that language, else in
/// the shop's default language, else in any it has.
#[utoipa::path(get, path = "/api/v1/terms", tag = "confirmations", params(TermsQuery),
    responses((status = 200, body = TermsView), (status = 404, description = "The shop has no terms", body = Problem)))]
pub(crate) async fn get_terms(
    State(app): State<App>,
    Auth(principal): Auth,
    QueryParams(query): QueryParams<TermsQuery>,
) -> Result<Json<TermsView>, ApiError> {
    Ok(Json(
        app.terms(&principal, query.language.as_deref()).await?,
    ))
}

/// Sets the shop's terms in one language (owner or manager; the shop's default language when
/// none is given). Confirmation pages show them from now on; each
/// confirmation keeps the text it showed.
#[utoipa::path(put, path = "/api/v1/terms", tag = "confirmations",
    request_body = TermsInput,
    responses((status = 200, body = TermsView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub(crate) async fn put_terms(
    State(app): State<App>,
    Auth(principal): Auth,
    body: JsonBody<TermsInput>,
) -> Result<Json<TermsView>, ApiError> {
    Ok(Json(app.put_terms(&principal, &body.value).await?))
}
