//! The communication log: an order's messages, and sending one again.

use crate::Problem;
use crate::extract::{Auth, Id, JsonBody};
use crate::problem::ApiError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use tilaus_app::App;
use tilaus_app::message::{MessageList, MessageView, NewMessage, Resend};

pub fn routes() -> Router<App> {
    Router::new()
        .route(
            "/api/v1/orders/{id}/messages",
            get(order_messages).post(write_message),
        )
        .route("/api/v1/messages/{id}/resend", post(resend_message))
        .route("/api/v1/customers/{id}/messages", get(customer_messages))
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
