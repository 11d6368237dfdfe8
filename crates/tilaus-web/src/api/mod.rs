//! The JSON API under `/api/v1`.

mod admin;
mod confirmations;
mod customers;
mod documents;
mod dunning;
mod jobs;
mod messages;
mod openapi;

pub use openapi::ApiDoc;
pub(crate) use payment_links::pairs;
mod orders;
mod payment_links;
mod products;
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
