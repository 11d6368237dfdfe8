//! Orders: ingest, list, export, read, edit, state changes, notes, events.

use crate::Problem;
use crate::extract::{Auth, Id, JsonBody, QueryParams};
use crate::problem::ApiError;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use tilaus_app::App;
use tilaus_app::export::ExportFormat;
use tilaus_app::order::{
    EventView, ListQuery, NewOrderRequest, NoteView, OrderChanges, OrderPage, OrderView,
    StateChange,
};
use utoipa::ToSchema;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/api/v1/orders", post(create_order).get(list_orders))
        .route("/api/v1/orders/export", get(export_orders))
        .route(
            "/api/v1/orders/{id}",
            get(get_order).patch(update_order).delete(delete_order),
        )
        .route("/api/v1/orders/{id}/state", post(change_state))
        .route("/api/v1/orders/{id}/notes", post(add_note))
        .route("/api/v1/orders/{id}/events", get(order_events))
}

/// Takes in an order from any channel, exactly once.
#[utoipa::path(post, path = "/api/v1/orders", tag = "orders", request_body = NewOrderRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: the same key and body replay the first response")),
    responses(
        (status = 201, description = "A new order", body = OrderView),
        (status = 200, description = "The order with this channel and external_id existed already", body = OrderView),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, description = "A request with the same Idempotency-Key is in flight", body = Problem),
        (status = 413, body = Problem), (status = 422, body = Problem)))]
pub(crate) async fn create_order(
    State(app): State<App>,
    Auth(principal): Auth,
    headers: HeaderMap,
    body: JsonBody<NewOrderRequest>,
) -> Result<Response, ApiError> {
    let key = super::idempotency_key(&headers, "/api/v1/orders", &body.raw)?;
    let outcome = app
        .ingest_order(&principal, &body.value, key.as_ref())
        .await?;
    Ok(super::json_answer(
        outcome.status,
        outcome.body,
        outcome.replayed,
    ))
}

/// Lists orders newest first with filters and keyset paging.
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders",
    params(
        ("q" = Option<String>, Query, description = "Text in number, external id, customer name, e-mail, phone or tags"),
        ("state" = Option<Vec<String>>, Query, description = "Repeatable"),
        ("payment_state" = Option<Vec<String>>, Query), ("delivery_state" = Option<Vec<String>>, Query),
        ("channel" = Option<Vec<String>>, Query), ("tag" = Option<String>, Query),
        ("created_from" = Option<String>, Query, description = "Date (shop's zone) or RFC 3339"),
        ("created_to" = Option<String>, Query, description = "Exclusive; a date includes that whole day"),
        ("created" = Option<String>, Query, description = "today, 7d, 30d or 90d: from the start of that many days, today included, in the shop's zone"),
        ("limit" = Option<u64>, Query, description = "1–200, default 50"), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = OrderPage), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub(crate) async fn list_orders(
    State(app): State<App>,
    Auth(principal): Auth,
    QueryParams(query): QueryParams<ListQuery>,
) -> Result<Json<OrderPage>, ApiError> {
    Ok(Json(app.list_orders(&principal, &query).await?))
}

/// The file format; the list's filters come beside it in the same query string.
#[derive(Debug, Deserialize)]
pub(crate) struct ExportParams {
    format: Option<String>,
    delimiter: Option<String>,
}

/// Exports the filtered orders as XLSX or CSV (`;` by default).
#[utoipa::path(get, path = "/api/v1/orders/export", tag = "orders",
    params(("format" = String, Query, description = "xlsx or csv"), ("delimiter" = Option<String>, Query, description = "; (default) or ,")),
    responses((status = 200, description = "The file", content_type = "application/octet-stream"), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub(crate) async fn export_orders(
    State(app): State<App>,
    Auth(principal): Auth,
    QueryParams(params): QueryParams<ExportParams>,
    QueryParams(filter): QueryParams<ListQuery>,
) -> Result<Response, ApiError> {
    let format = ExportFormat::parse(
        params.format.as_deref().unwrap_or("csv"),
        params.delimiter.as_deref(),
    )?;
    Ok(crate::download::export(&app, &principal, &filter, format).await?)
}

#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = OrderView), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub(crate) async fn get_order(
    State(app): State<App>,
    Auth(principal): Auth,
    Id(id): Id,
) -> Result<Json<OrderView>, ApiError> {
    Ok(Json(app.get_order(&principal, id).await?))
}

/// Edits an order: content while open, addresses until confirmed.
#[utoipa::path(patch, path = "/api/v1/orders/{id}", tag = "orders", params(("id" = uuid::Uuid, Path)), request_body = OrderChanges,
    responses((status = 200, body = OrderView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "The state does not allow the change, or the version moved on", body = Problem), (status = 422, body = Problem)))]
pub(crate) async fn update_order(
    State(app): State<App>,
    Auth(principal): Auth,
    Id(id): Id,
    body: JsonBody<OrderChanges>,
) -> Result<Json<OrderView>, ApiError> {
    Ok(Json(app.update_order(&principal, id, &body.value).await?))
}

/// Deletes an open order (its history stays).
#[utoipa::path(delete, path = "/api/v1/orders/{id}", tag = "orders", params(("id" = uuid::Uuid, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub(crate) async fn delete_order(
    State(app): State<App>,
    Auth(principal): Auth,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    app.delete_order(&principal, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Moves an order to another state (ORD-2).
#[utoipa::path(post, path = "/api/v1/orders/{id}/state", tag = "orders", params(("id" = uuid::Uuid, Path)), request_body = StateChange,
    responses((status = 200, body = OrderView), (status = 404, body = Problem),
        (status = 409, description = "Not allowed from the current state; names the allowed ones", body = Problem), (status = 422, body = Problem)))]
pub(crate) async fn change_state(
    State(app): State<App>,
    Auth(principal): Auth,
    Id(id): Id,
    body: JsonBody<StateChange>,
) -> Result<Json<OrderView>, ApiError> {
    Ok(Json(
        app.change_order_state(&principal, id, &body.value).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewNote {
    body: String,
}

/// Adds an internal note (never shown to customers).
#[utoipa::path(post, path = "/api/v1/orders/{id}/notes", tag = "orders", params(("id" = uuid::Uuid, Path)), request_body = NewNote,
    responses((status = 201, body = NoteView), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub(crate) async fn add_note(
    State(app): State<App>,
    Auth(principal): Auth,
    Id(id): Id,
    body: JsonBody<NewNote>,
) -> Result<(StatusCode, Json<NoteView>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(app.add_note(&principal, id, &body.value.body).await?),
    ))
}

/// The order's history, oldest first.
#[utoipa::path(get, path = "/api/v1/orders/{id}/events", tag = "orders", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Vec<EventView>), (status = 404, body = Problem)))]
pub(crate) async fn order_events(
    State(app): State<App>,
    Auth(principal): Auth,
    Id(id): Id,
) -> Result<Json<Vec<EventView>>, ApiError> {
    Ok(Json(app.order_events(&principal, id).await?))
}
