//! Payment providers and payment links; Visma Pay's notify callback.

use crate::Problem;
use crate::extract::{Auth, Id, JsonBody};
use crate::problem::ApiError;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use tilaus_app::App;
use tilaus_app::paylink::{
    CallbackRefused, NewPaymentLink, PaymentLinkView, PaymentProviderView, VismaPaySettings,
};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/api/v1/payment-providers", get(list_providers))
        .route("/api/v1/payment-providers/vismapay", put(put_vismapay))
        .route(
            "/api/v1/orders/{id}/payment-link",
            post(create_payment_link),
        )
        .route("/api/v1/providers/vismapay/notify", get(vismapay_notify))
}

/// The shop's payment providers; keys are shown by their last 4 characters only.
#[utoipa::path(get, path = "/api/v1/payment-providers", tag = "payments",
    responses((status = 200, body = Vec<PaymentProviderView>)))]
pub(crate) async fn list_providers(
    State(app): State<App>,
    Auth(principal): Auth,
) -> Result<Json<Vec<PaymentProviderView>>, ApiError> {
    Ok(Json(app.payment_providers(&principal).await?))
}

/// Sets the shop's Visma Pay api key and private key (owner or manager). They are stored
/// encrypted with the server's `TILAUS_SECRET_KEY` and never shown again in full.
#[utoipa::path(put, path = "/api/v1/payment-providers/vismapay", tag = "payments",
    request_body = VismaPaySettings,
    responses((status = 200, body = PaymentProviderView), (status = 403, body = Problem),
        (status = 409, description = "The server has no TILAUS_SECRET_KEY to encrypt credentials with", body = Problem),
        (status = 422, body = Problem)))]
pub(crate) async fn put_vismapay(
    State(app): State<App>,
    Auth(principal): Auth,
    body: JsonBody<VismaPaySettings>,
) -> Result<Json<PaymentProviderView>, ApiError> {
    Ok(Json(app.put_vismapay(&principal, &body.value).await?))
}

/// Makes a payment link for an open or confirmed order with something left to pay. The `url`
/// is shown only now; the link expires after `expires_in_days` (default 14), and takes no money
/// once the order's content changes.
#[utoipa::path(post, path = "/api/v1/orders/{id}/payment-link", tag = "payments", params(("id" = uuid::Uuid, Path)),
    request_body = Option<NewPaymentLink>,
    responses((status = 201, body = PaymentLinkView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "The order is not open or confirmed, has nothing to pay, or the shop has no payment provider", body = Problem),
        (status = 422, body = Problem)))]
pub(crate) async fn create_payment_link(
    State(app): State<App>,
    Auth(principal): Auth,
    Id(id): Id,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<PaymentLinkView>), Response> {
    let input: NewPaymentLink =
        crate::extract::optional_json(&body).map_err(IntoResponse::into_response)?;
    Ok((
        StatusCode::CREATED,
        Json(
            app.create_payment_link(&principal, id, &input)
                .await
                .map_err(|e| ApiError(e).into_response())?,
        ),
    ))
}

/// The query's pairs, decoded.
pub(crate) fn pairs(query: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

/// Visma Pay's server-to-server notify: `?shop=` (ours, in the notify URL) plus its signed
/// parameters. 204 when taken (also for a repeat); 400 when not trusted.
async fn vismapay_notify(State(app): State<App>, RawQuery(query): RawQuery) -> Response {
    let pairs = pairs(query.as_deref());
    let shop = pairs
        .iter()
        .find(|(k, _)| k == "shop")
        .and_then(|(_, v)| uuid::Uuid::parse_str(v).ok());
    let Some(shop) = shop else {
        tracing::warn!("a Visma Pay notify without a valid shop was refused");
        return Problem::new(
            StatusCode::BAD_REQUEST,
            "bad-callback",
            "not a valid callback",
        )
        .into_response();
    };
    match app.vismapay_notify(shop, &pairs).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(CallbackRefused::Untrusted(reason)) => {
            tracing::warn!(shop_id = %shop, %reason, "a Visma Pay notify was refused");
            Problem::new(
                StatusCode::BAD_REQUEST,
                "bad-callback",
                "not a valid callback",
            )
            .into_response()
        }
        Err(CallbackRefused::App(e)) => ApiError::from(e).into_response(),
    }
}
