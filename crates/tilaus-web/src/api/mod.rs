//! The JSON API under `/api/v1`.

mod admin;
mod brand;
mod confirmations;
mod customers;
mod deliveries;
mod documents;
mod dunning;
mod export_schedules;
mod jobs;
mod messages;
mod openapi;

pub use openapi::ApiDoc;
pub(crate) use payment_links::pairs;
mod orders;
mod payment_links;
mod products;
mod shop;
mod templates;

use crate::Problem;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use tilaus_app::App;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/api/v1/openapi.json", get(openapi::document))
        .merge(orders::routes())
        .merge(admin::routes())
        .merge(products::routes())
        .merge(customers::routes())
        .merge(documents::routes())
        .merge(jobs::routes())
        .merge(messages::routes())
        .merge(payment_links::routes())
        .merge(confirmations::routes())
        .merge(dunning::routes())
        .merge(templates::routes())
        .merge(deliveries::routes())
        .merge(export_schedules::routes())
        .merge(brand::routes())
        .merge(shop::routes())
}

/// The request's `Idempotency-Key`, if it has one, with the fingerprint of the request: the path
/// it was sent to and its raw body. A key reused for another order or another endpoint is then
/// a mismatch, not a replay of the wrong answer.
pub(crate) fn idempotency_key(
    headers: &axum::http::HeaderMap,
    path: &str,
    raw: &[u8],
) -> Result<Option<tilaus_app::order::IdempotencyKey>, tilaus_app::AppError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| tilaus_app::AppError::invalid("/Idempotency-Key", "must be visible ASCII"))?;
    let request = [path.as_bytes(), b"\n", raw].concat();
    tilaus_app::order::IdempotencyKey::new(value, &request).map(Some)
}

/// A JSON answer as stored for replays; a replayed one says so in `Idempotent-Replayed`.
pub(crate) fn json_answer(status: u16, body: String, replayed: bool) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    use axum::response::IntoResponse;
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let mut response = (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
    if replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}

/// A keyed write's answer: fresh as `status` with its JSON, or the first answer replayed.
pub(crate) fn keyed_answer<T: serde::Serialize>(
    status: StatusCode,
    answer: tilaus_app::idempotent::Keyed<T>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    match answer {
        tilaus_app::idempotent::Keyed::Fresh(done) => (status, axum::Json(done)).into_response(),
        tilaus_app::idempotent::Keyed::Replayed(replay) => {
            json_answer(replay.status, replay.body, true)
        }
    }
}

/// Ready when the database answers.
async fn ready(
    axum::extract::State(app): axum::extract::State<App>,
) -> Result<&'static str, Problem> {
    app.db.ping().await.map(|_| "ready").map_err(|_| {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not-ready",
            "the database does not answer",
        )
    })
}
