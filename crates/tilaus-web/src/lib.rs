//! The HTTP layer: thin handlers that parse, call one app function and render.
// Problems are built only on the error path, once per request; boxing them buys nothing.
#![allow(clippy::result_large_err)]

pub mod admin;
mod api;
mod confirm;
mod download;
mod extract;
mod pay;
mod print;
mod problem;

pub use print::MailAttachments;
pub use problem::Problem;

/// The OpenAPI 3.1 document served at `/api/v1/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    api::ApiDoc::openapi()
}

use axum::Router;
use axum::http::{HeaderName, Request};
use std::time::Duration;
use tilaus_app::App;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// The largest request body accepted (ORD-1: bodies over 1 MiB are refused).
pub const MAX_BODY: usize = 1024 * 1024;

static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole application as one router, with the admin UI's default deployment settings.
pub fn router(app: App) -> Router {
    router_with(app, admin::AdminConfig::default())
}

/// The whole application as one router.
pub fn router_with(app: App, admin: admin::AdminConfig) -> Router {
    let trace = TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
        let id = request.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
        tracing::info_span!("request", method = %request.method(), uri = %pay::loggable(request.uri()), request_id = %id)
    });
    Router::new()
        .merge(api::routes())
        .merge(admin::routes(app.clone(), admin))
        .merge(pay::routes())
        .merge(confirm::routes(app.clone(), admin))
        .fallback(|| async { Problem::not_found("no such endpoint") })
        .with_state(app)
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(120),
        ))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID.clone()))
        .layer(trace)
        .layer(SetRequestIdLayer::new(REQUEST_ID.clone(), MakeRequestUuid))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(|_| {
            Problem::internal().into_response_value()
        }))
}
