//! Payment providers and payment links; Visma Pay's notify callback, Stripe's webhook, and
//! refunds.

use crate::Problem;
use crate::extract::{Auth, Id, JsonBody};
use crate::problem::ApiError;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use tilaus_app::App;
use tilaus_app::paylink::{
    CallbackRefused, NewPaymentLink, NewRefund, PaymentLinkView, PaymentProviderView,
    StripeSettings, VismaPaySettings,
};
use tilaus_app::payment::RecordedPayment;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/api/v1/payment-providers", get(list_providers))
        .route("/api/v1/payment-providers/vismapay", put(put_vismapay))
        .route("/api/v1/payment-providers/stripe", put(put_stripe))
        .route("/api/v1/payments/{id}/refund", post(refund_payment))
        .route(
            "/api/v1/orders/{id}/payment-link",
            post(create_payment_link),
        )
        .route("/api/v1/providers/vismapay/notify", get(vismapay_notify))
        .route("/api/v1/providers/stripe/webhook", post(stripe_webhook))
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

/// Sets the shop's Stripe secret key (`sk_…` or a restricted `rk_…`) and the signing secret
/// (`whsec_…`) of its webhook endpoint `/api/v1/providers/stripe/webhook?shop={shop_id}`
/// (owner or manager). They are stored encrypted with the server's `TILAUS_SECRET_KEY` and
/// never shown again in full.
#[utoipa::path(put, path = "/api/v1/payment-providers/stripe", tag = "payments",
    request_body = StripeSettings,
    responses((status = 200, body = PaymentProviderView), (status = 403, body = Problem),
        (status = 409, description = "The server has no TILAUS_SECRET_KEY to encrypt credentials with", body = Problem),
        (status = 422, body = Problem)))]
pub(crate) async fn put_stripe(
    State(app): State<App>,
    Auth(principal): Auth,
    body: JsonBody<StripeSettings>,
) -> Result<Json<PaymentProviderView>, ApiError> {
    Ok(Json(app.put_stripe(&principal, &body.value).await?))
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

/// Refunds all or part of a payment taken through Stripe (owner or manager); without `amount`,
/// all that is left of it. Stripe refunds first; then the payment becomes `refunded` or
/// `partially_refunded` and the order's payment state follows.
#[utoipa::path(post, path = "/api/v1/payments/{id}/refund", tag = "payments", params(("id" = uuid::Uuid, Path)),
    request_body = Option<NewRefund>,
    responses((status = 200, body = RecordedPayment), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "Not a Stripe payment, nothing left to refund, or Stripe refused", body = Problem),
        (status = 422, body = Problem),
        (status = 503, description = "Stripe did not answer; nothing changed", body = Problem)))]
pub(crate) async fn refund_payment(
    State(app): State<App>,
    Auth(principal): Auth,
    Id(id): Id,
    body: axum::body::Bytes,
) -> Result<Json<RecordedPayment>, Response> {
    let input: NewRefund =
        crate::extract::optional_json(&body).map_err(IntoResponse::into_response)?;
    Ok(Json(
        app.refund_payment(&principal, id, &input)
            .await
            .map_err(|e| ApiError(e).into_response())?,
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

/// Stripe's webhook for a shop: `?shop=` (ours, in the endpoint URL) and the raw body, signed in
/// `Stripe-Signature`. 204 when taken (also for a repeat, or an event that is not ours); 400
/// when the signature does not verify, and then nothing changed.
async fn stripe_webhook(
    State(app): State<App>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let refused = || {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "bad-callback",
            "not a valid webhook",
        )
        .into_response()
    };
    let shop = pairs(query.as_deref())
        .into_iter()
        .find(|(k, _)| k == "shop")
        .and_then(|(_, v)| uuid::Uuid::parse_str(&v).ok());
    let Some(shop) = shop else {
        tracing::warn!("a Stripe webhook without a valid shop was refused");
        return refused();
    };
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok());
    match app.stripe_webhook(shop, signature, &body).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(CallbackRefused::Untrusted(reason)) => {
            tracing::warn!(shop_id = %shop, %reason, "a Stripe webhook was refused");
            refused()
        }
        Err(CallbackRefused::App(e)) => ApiError::from(e).into_response(),
    }
}
