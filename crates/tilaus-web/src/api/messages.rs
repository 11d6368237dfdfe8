//! The communication log: an order's messages, and sending one again; the shop's messaging
//! settings, and the SMS provider's delivery reports.

use crate::Problem;
use crate::extract::{Auth, Id, JsonBody};
use crate::problem::ApiError;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use tilaus_app::message::sms::MessageSettings;
use tilaus_app::message::{MessageList, MessageView, NewMessage, Resend};
use tilaus_app::{App, AppError};

pub fn routes() -> Router<App> {
    Router::new()
        .route(
            "/api/v1/orders/{id}/messages",
            get(order_messages).post(write_message),
        )
        .route("/api/v1/messages/{id}/resend", post(resend_message))
        .route("/api/v1/customers/{id}/messages", get(customer_messages))
        .route(
            "/api/v1/message-settings",
            get(get_message_settings).put(put_message_settings),
        )
        .route(
            "/api/v1/providers/gatewayapi/reports",
            post(gatewayapi_report),
        )
}

/// The shop's messaging settings: automatic e-mail, reply-to, and text messages (sender name,
/// quiet hours, the country of numbers without a country code).
#[utoipa::path(get, path = "/api/v1/message-settings", tag = "messages",
    responses((status = 200, body = MessageSettings)))]
pub(crate) async fn get_message_settings(
    State(app): State<App>,
    Auth(principal): Auth,
) -> Result<Json<MessageSettings>, ApiError> {
    Ok(Json(app.message_settings(&principal).await?))
}

/// Sets the shop's messaging settings (owner or manager). With an `sms_sender` the shop's rules
/// also send text messages (by default: shipped and delayed).
#[utoipa::path(put, path = "/api/v1/message-settings", tag = "messages", request_body = MessageSettings,
    responses((status = 200, body = MessageSettings), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub(crate) async fn put_message_settings(
    State(app): State<App>,
    Auth(principal): Auth,
    body: JsonBody<MessageSettings>,
) -> Result<Json<MessageSettings>, ApiError> {
    Ok(Json(
        app.put_message_settings(&principal, &body.value).await?,
    ))
}

/// GatewayAPI's delivery report for a text of `?shop=` (ours, in the callback URL), signed in
/// `X-Gwapi-Signature`. 204 when taken (also a repeat or an interim status); 400 when it is not
/// trusted, and nothing changes.
async fn gatewayapi_report(
    State(app): State<App>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let refused = || {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "bad-callback",
            "not a valid delivery report",
        )
        .into_response()
    };
    let shop = super::pairs(query.as_deref())
        .into_iter()
        .find(|(k, _)| k == "shop")
        .and_then(|(_, v)| uuid::Uuid::parse_str(&v).ok());
    let signature = headers
        .get(tilaus_app::message::sms::SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok());
    let (Some(shop), Some(signature)) = (shop, signature) else {
        tracing::warn!("an SMS delivery report without a shop or signature was refused");
        return refused();
    };
    match app.sms_delivery_report(shop, signature, &body).await {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(AppError::Forbidden(_)) => refused(),
        Err(error) => ApiError::from(error).into_response(),
    }
}

/// The order's messages to the customer, oldest first, with their state and attempts.
#[utoipa::path(get, path = "/api/v1/orders/{id}/messages", tag = "messages", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = MessageList), (status = 404, body = Problem)))]
pub(crate) async fn order_messages(
    State(app): State<App>,
    Auth(principal): Auth,
    Id(id): Id,
) -> Result<Json<MessageList>, ApiError> {
    Ok(Json(app.order_messages(&principal, id).await?))
}

/// The customer's latest 50 messages over all their orders, newest first (CUS-7).
#[utoipa::path(get, path = "/api/v1/customers/{id}/messages", tag = "messages", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = MessageList), (status = 404, body = Problem)))]
pub(crate) async fn customer_messages(
    State(app): State<App>,
    Auth(principal): Auth,
    Id(id): Id,
) -> Result<Json<MessageList>, ApiError> {
    Ok(Json(app.customer_messages(&principal, id).await?))
}

/// Writes a message from staff to the order's customer (to the order's e-mail address unless
/// `to` is given), in the shop's layout; it is logged and sent like any other message.
#[utoipa::path(post, path = "/api/v1/orders/{id}/messages", tag = "messages", params(("id" = uuid::Uuid, Path)),
    request_body = NewMessage,
    responses((status = 201, body = MessageView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, description = "No subject or text, a bad address, or no address at all", body = Problem)))]
pub(crate) async fn write_message(
    State(app): State<App>,
    Auth(principal): Auth,
    Id(id): Id,
    body: JsonBody<NewMessage>,
) -> Result<(StatusCode, Json<MessageView>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(app.write_message(&principal, id, &body.value).await?),
    ))
}

/// Sends a message again as a new message linked to the original; `{"to": "…"}` sends it to a
/// corrected address; `{}` sends it to the same address.
#[utoipa::path(post, path = "/api/v1/messages/{id}/resend", tag = "messages", params(("id" = uuid::Uuid, Path)),
    request_body = Resend,
    responses((status = 201, body = MessageView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, description = "The corrected address is not an email address", body = Problem)))]
pub(crate) async fn resend_message(
    State(app): State<App>,
    Auth(principal): Auth,
    Id(id): Id,
    body: JsonBody<Resend>,
) -> Result<(StatusCode, Json<MessageView>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(app.resend_message(&principal, id, &body.value).await?),
    ))
}
