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
    CallbackRefused, NewPaymentLink, NewRefund, PaymentLinkView, PaymentMethodSettings,
    PaymentProviderView, RefundView, StripeSettings, VismaPaySettings,
};
use tilaus_app::payment::RecordedPayment;

pub fn routes() -> Router<App> {
    Router::new()
        .route(
            "/api/v1/payment-methods",
            get(get_payment_methods).put(put_payment_methods),
        )
        .route("/api/v1/payment-providers", get(list_providers))
        .route("/api/v1/payment-providers/vismapay", put(put_vismapay))
        .route("/api/v1/payment-providers/stripe", put(put_stripe))
        .route("/api/v1/payments/{id}/refund", post(refund_payment))
        .route("/api/v1/payments/{id}/capture", post(capture_payment))
        .route("/api/v1/payments/{id}/cancel", post(cancel_payment))
        .route(
            "/api/v1/orders/{id}/payment-link",
            post(create_payment_link),
        )
        .route("/api/v1/providers/vismapay/notify", get(vismapay_notify))
        .route(
            "/api/v1/providers/vismapay/refund-notify",
            get(vismapay_refund_notify),
        )
        .route("/api/v1/payments/{id}/refunds", get(payment_refunds))
        .route("/api/v1/providers/stripe/webhook", post(stripe_webhook))
}

/// The ways of paying the shop accepts, and the providers whose keys are stored.
#[utoipa::path(get, path = "/api/v1/payment-methods", tag = "payments",
    responses((status = 200, body = PaymentMethodSettings)))]
pub(crate) async fn get_payment_methods(
    State(app): State<App>,
    Auth(principal): Auth,
) -> Result<Json<PaymentMethodSettings>, ApiError> {
    Ok(Json(app.payment_method_settings(&principal).await?))
}

/// Replaces the ways of paying the shop accepts (owner or manager). A switched-off way is
/// refused from now on: payment links offer only accepted providers, and invoices, transfer
/// slips and hand-recorded payments of a switched-off kind answer 409 or 422.
#[utoipa::path(put, path = "/api/v1/payment-methods", tag = "payments",
    request_body = PaymentMethodSettings,
    responses((status = 200, body = PaymentMethodSettings), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
pub(crate) async fn put_payment_methods(
    State(app): State<App>,
    Auth(principal): Auth,
    body: JsonBody<PaymentMethodSettings>,
) -> Result<Json<PaymentMethodSettings>, ApiError> {
    Ok(Json(
        app.put_payment_method_settings(&principal, &body.value)
            .await?,
    ))
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

/// Refunds all or part of a payment taken through Stripe or Visma Pay (owner or manager);
/// without `amount`, all that is left of it. The provider refunds first; then the payment
/// becomes `refunded` or `partially_refunded` and the order's payment state follows. A Visma Pay
/// bank payment is returned through a link Visma Pay emails to the customer: the answer's
/// `refund` is then `pending`, and the payment follows when Visma Pay reports it.
#[utoipa::path(post, path = "/api/v1/payments/{id}/refund", tag = "payments", params(("id" = uuid::Uuid, Path)),
    request_body = Option<NewRefund>,
    responses((status = 200, body = RecordedPayment), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "Not a Stripe or Visma Pay payment, nothing left to refund, or the provider refused", body = Problem),
        (status = 422, body = Problem),
        (status = 503, description = "The provider did not answer; nothing changed", body = Problem)))]
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

/// The payment's refunds, oldest first: done, pending (completed by the customer through the
/// provider's email) or rejected.
#[utoipa::path(get, path = "/api/v1/payments/{id}/refunds", tag = "payments", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Vec<RefundView>), (status = 404, body = Problem)))]
pub(crate) async fn payment_refunds(
    State(app): State<App>,
    Auth(principal): Auth,
    Id(id): Id,
) -> Result<Json<Vec<RefundView>>, ApiError> {
    Ok(Json(app.payment_refunds(&principal, id).await?))
}

/// Takes the money of an authorised payment (FUL-4): Visma Pay settles it first, then the
/// payment is `paid` and the order's payment state follows (with a receipt when that settles
/// the order). An authorised payment taken elsewhere is recorded as captured. A rule
/// (`capture_payments`, on by default when an order ships) does the same by itself.
#[utoipa::path(post, path = "/api/v1/payments/{id}/capture", tag = "payments", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = RecordedPayment), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "The payment is not authorised, or Visma Pay refused", body = Problem),
        (status = 503, description = "Visma Pay did not answer; nothing changed", body = Problem)))]
pub(crate) async fn capture_payment(
    State(app): State<App>,
    Auth(principal): Auth,
    Id(id): Id,
) -> Result<Json<RecordedPayment>, ApiError> {
    Ok(Json(app.capture_payment(&principal, id).await?))
}

/// Releases an authorised payment's reservation on the card: Visma Pay voids it first, then
/// the payment is `cancelled`.
#[utoipa::path(post, path = "/api/v1/payments/{id}/cancel", tag = "payments", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = RecordedPayment), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "The payment is not authorised, or Visma Pay refused", body = Problem),
        (status = 503, description = "Visma Pay did not answer; nothing changed", body = Problem)))]
pub(crate) async fn cancel_payment(
    State(app): State<App>,
    Auth(principal): Auth,
    Id(id): Id,
) -> Result<Json<RecordedPayment>, ApiError> {
    Ok(Json(app.cancel_payment(&principal, id).await?))
}

/// The query's pairs, decoded.
pub(crate) fn pairs(query: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

/// Visma Pay's server-to-server notify of a payment: `?shop=` (ours, in the notify URL) plus
/// its signed parameters. 204 when taken (also for a repeat); 400 when not trusted.
async fn vismapay_notify(State(app): State<App>, RawQuery(query): RawQuery) -> Response {
    let pairs = pairs(query.as_deref());
    let Some(shop) = callback_shop(&pairs) else {
        return untrusted(None, "a Visma Pay notify without a valid shop");
    };
    answer_callback(shop, app.vismapay_notify(shop, &pairs).await)
}

/// Visma Pay's notify of a refund the customer completed (or that was rejected), signed over
/// `RETURN_CODE|REFUND_ID`; answered as [`vismapay_notify`].
async fn vismapay_refund_notify(State(app): State<App>, RawQuery(query): RawQuery) -> Response {
    let pairs = pairs(query.as_deref());
    let Some(shop) = callback_shop(&pairs) else {
        return untrusted(None, "a Visma Pay refund notify without a valid shop");
    };
    answer_callback(shop, app.vismapay_refund_notify(shop, &pairs).await)
}

/// The shop a callback URL names in `?shop=`.
fn callback_shop(pairs: &[(String, String)]) -> Option<uuid::Uuid> {
    pairs
        .iter()
        .find(|(k, _)| k == "shop")
        .and_then(|(_, v)| uuid::Uuid::parse_str(v).ok())
}

/// 400 for a callback that is not trusted; the reason goes to the log, not to the caller.
fn untrusted(shop: Option<uuid::Uuid>, reason: &str) -> Response {
    tracing::warn!(shop_id = ?shop, %reason, "a provider callback was refused");
    Problem::new(
        StatusCode::BAD_REQUEST,
        "bad-callback",
        "not a valid callback",
    )
    .into_response()
}

fn answer_callback(shop: uuid::Uuid, done: Result<(), CallbackRefused>) -> Response {
    match done {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(CallbackRefused::Untrusted(reason)) => untrusted(Some(shop), &reason),
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
    let Some(shop) = callback_shop(&pairs(query.as_deref())) else {
        return untrusted(None, "a Stripe webhook without a valid shop");
    };
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok());
    answer_callback(shop, app.stripe_webhook(shop, signature, &body).await)
}
