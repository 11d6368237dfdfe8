//! Deliveries (ORD-13) and the notification rules (NTF-3, NTF-7) that tell customers about
//! them: an order's parcels with their tracking, delay notices, and the shop's rule list.

use crate::Problem;
use crate::extract::{Auth, Id, JsonBody};
use crate::problem::ApiError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use tilaus_app::App;
use tilaus_app::delivery::{DelayNotice, DeliveryInput, DeliveryView};
use tilaus_app::rules::RuleSettings;

pub fn routes() -> Router<App> {
    Router::new()
        .route(
            "/api/v1/orders/{id}/deliveries",
            get(order_deliveries).post(add_delivery),
        )
        .route("/api/v1/deliveries/{id}/advance", post(advance_delivery))
        .route("/api/v1/orders/{id}/delay", post(notify_delay))
        .route("/api/v1/notification-rules", get(get_rules).put(put_rules))
}

/// The order's deliveries, oldest first.
#[utoipa::path(get, path = "/api/v1/orders/{id}/deliveries", tag = "deliveries", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Vec<DeliveryView>), (status = 404, body = Problem)))]
pub(crate) async fn order_deliveries(
    State(app): State<App>,
    Auth(principal): Auth,
    Id(id): Id,
) -> Result<Json<Vec<DeliveryView>>, ApiError> {
    Ok(Json(app.order_deliveries(&principal, id).await?))
}

/// Adds a delivery to a confirmed, invoiced or paid order: `processing` unless `step` says
/// `shipped` (with carrier and tracking) or `delivered`. The order's delivery state follows,
/// and the shop's rules tell the customer (the shipped message carries the tracking link and the
/// order's document).
#[utoipa::path(post, path = "/api/v1/orders/{id}/deliveries", tag = "deliveries", params(("id" = uuid::Uuid, Path)),
    request_body = DeliveryInput,
    responses((status = 201, body = DeliveryView), (status = 404, body = Problem),
        (status = 409, description = "The order's state allows no delivery", body = Problem), (status = 422, body = Problem)))]
pub(crate) async fn add_delivery(
    State(app): State<App>,
    Auth(principal): Auth,
    Id(id): Id,
    body: JsonBody<DeliveryInput>,
) -> Result<(StatusCode, Json<DeliveryView>), ApiError> {
    let delivery = app.add_delivery(&principal, id, &body.value).await?;
    Ok((StatusCode::CREATED, Json(delivery)))
}

/// Moves a delivery on: to `step` if given, else the next one (processing → shipped →
/// delivered). Tracking details given replace those it had. Once every delivery of an invoiced
/// or paid order is delivered, the default rules complete the order.
#[utoipa::path(post, path = "/api/v1/deliveries/{id}/advance", tag = "deliveries", params(("id" = uuid::Uuid, Path)),
    request_body = DeliveryInput,
    responses((status = 200, body = DeliveryView), (status = 404, body = Problem),
        (status = 409, description = "The delivery is past that step", body = Problem), (status = 422, body = Problem)))]
pub(crate) async fn advance_delivery(
    State(app): State<App>,
    Auth(principal): Auth,
    Id(id): Id,
    body: JsonBody<DeliveryInput>,
) -> Result<Json<DeliveryView>, ApiError> {
    Ok(Json(
        app.advance_delivery(&principal, id, &body.value).await?,
    ))
}

/// Tells the customer the order is late, with the day it is now expected (the `order_delayed`
/// message, by the shop's rules); the notice stays in the order's history.
#[utoipa::path(post, path = "/api/v1/orders/{id}/delay", tag = "deliveries", params(("id" = uuid::Uuid, Path)),
    request_body = DelayNotice,
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub(crate) async fn notify_delay(
    State(app): State<App>,
    Auth(principal): Auth,
    Id(id): Id,
    body: JsonBody<DelayNotice>,
) -> Result<StatusCode, ApiError> {
    app.notify_delay(&principal, id, &body.value).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The shop's notification rules (the defaults until changed) and its repeat window.
#[utoipa::path(get, path = "/api/v1/notification-rules", tag = "rules",
    responses((status = 200, body = RuleSettings)))]
pub(crate) async fn get_rules(
    State(app): State<App>,
    Auth(principal): Auth,
) -> Result<Json<RuleSettings>, ApiError> {
    Ok(Json(app.rule_settings(&principal).await?))
}

/// Replaces the shop's rules as a whole (owner or manager).
#[utoipa::path(put, path = "/api/v1/notification-rules", tag = "rules", request_body = RuleSettings,
    responses((status = 200, body = RuleSettings), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub(crate) async fn put_rules(
    State(app): State<App>,
    Auth(principal): Auth,
    body: JsonBody<RuleSettings>,
) -> Result<Json<RuleSettings>, ApiError> {
    Ok(Json(app.put_rule_settings(&principal, &body.value).await?))
}
