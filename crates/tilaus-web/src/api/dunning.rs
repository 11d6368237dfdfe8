//! Payment reminders (NTF-5): the shop's reminder policy and dunning stops on an invoice or a
//! customer. The reminders themselves go out by the daily run and show in the communication log.

use crate::Problem;
use crate::extract::{Auth, Id, JsonBody};
use crate::problem::ApiError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use tilaus_app::App;
use tilaus_app::dunning::{DunningSettings, DunningStopView, StopTarget};

pub fn routes() -> Router<App> {
    Router::new()
        .route(
            "/api/v1/dunning",
            get(get_dunning_settings).put(put_dunning_settings),
        )
        .route("/api/v1/dunning/stops", get(list_dunning_stops))
        .route(
            "/api/v1/documents/{id}/dunning-stop",
            post(stop_invoice).delete(resume_invoice),
        )
        .route(
            "/api/v1/customers/{id}/dunning-stop",
            post(stop_customer).delete(resume_customer),
        )
}

/// The shop's reminder policy (off, with the default levels, until set).
#[utoipa::path(get, path = "/api/v1/dunning", tag = "dunning",
    responses((status = 200, body = DunningSettings)))]
pub(crate) async fn get_dunning_settings(
    State(app): State<App>,
    Auth(principal): Auth,
) -> Result<Json<DunningSettings>, ApiError> {
    Ok(Json(app.dunning_settings(&principal).await?))
}

/// Sets the reminder policy (owner or manager): on or off, the grace period and one to three
/// levels of days past due and fee.
#[utoipa::path(put, path = "/api/v1/dunning", tag = "dunning", request_body = DunningSettings,
    responses((status = 200, body = DunningSettings), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub(crate) async fn put_dunning_settings(
    State(app): State<App>,
    Auth(principal): Auth,
    body: JsonBody<DunningSettings>,
) -> Result<Json<DunningSettings>, ApiError> {
    Ok(Json(
        app.put_dunning_settings(&principal, &body.value).await?,
    ))
}

/// The shop's dunning stops, newest first.
#[utoipa::path(get, path = "/api/v1/dunning/stops", tag = "dunning",
    responses((status = 200, body = Vec<DunningStopView>)))]
pub(crate) async fn list_dunning_stops(
    State(app): State<App>,
    Auth(principal): Auth,
) -> Result<Json<Vec<DunningStopView>>, ApiError> {
    Ok(Json(app.dunning_stops(&principal).await?))
}

/// Stops reminders for this invoice.
#[utoipa::path(post, path = "/api/v1/documents/{id}/dunning-stop", tag = "dunning", params(("id" = uuid::Uuid, Path)),
    responses((status = 201, body = DunningStopView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "Stopped already", body = Problem)))]
pub(crate) async fn stop_invoice(
    State(app): State<App>,
    Auth(principal): Auth,
    Id(id): Id,
) -> Result<(StatusCode, Json<DunningStopView>), ApiError> {
    let stop = app
        .stop_dunning(&principal, StopTarget::Invoice(id))
        .await?;
    Ok((StatusCode::CREATED, Json(stop)))
}

/// Lets reminders for this invoice go out again.
#[utoipa::path(delete, path = "/api/v1/documents/{id}/dunning-stop", tag = "dunning", params(("id" = uuid::Uuid, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub(crate) async fn resume_invoice(
    State(app): State<App>,
    Auth(principal): Auth,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    app.resume_dunning(&principal, StopTarget::Invoice(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Stops reminders for every invoice of this customer.
#[utoipa::path(post, path = "/api/v1/customers/{id}/dunning-stop", tag = "dunning", params(("id" = uuid::Uuid, Path)),
    responses((status = 201, body = DunningStopView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "Stopped already", body = Problem)))]
pub(crate) async fn stop_customer(
    State(app): State<App>,
    Auth(principal): Auth,
    Id(id): Id,
) -> Result<(StatusCode, Json<DunningStopView>), ApiError> {
    let stop = app
        .stop_dunning(&principal, StopTarget::Customer(id))
        .await?;
    Ok((StatusCode::CREATED, Json(stop)))
}

/// Lets reminders for this customer's invoices go out again.
#[utoipa::path(delete, path = "/api/v1/customers/{id}/dunning-stop", tag = "dunning", params(("id" = uuid::Uuid, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub(crate) async fn resume_customer(
    State(app): State<App>,
    Auth(principal): Auth,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    app.resume_dunning(&principal, StopTarget::Customer(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
