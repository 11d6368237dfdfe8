//! The shop's background jobs: the dead ones for staff to see, and their retry.

use crate::Problem;
use crate::extract::{Auth, Id, QueryParams};
use crate::problem::ApiError;
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use tilaus_app::App;
use tilaus_app::job::{JobPage, JobView};
use utoipa::IntoParams;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/api/v1/jobs", get(list_jobs))
        .route("/api/v1/jobs/{id}/retry", post(retry_job))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct JobQuery {
    /// `queued`, `running`, `done` or `dead`; every state when absent.
    state: Option<String>,
    /// The `next_cursor` of the previous page.
    before: Option<uuid::Uuid>,
    /// 1–200, default 50.
    limit: Option<u64>,
}

/// The shop's jobs, newest first (owners and managers).
#[utoipa::path(get, path = "/api/v1/jobs", tag = "jobs", params(JobQuery),
    responses((status = 200, body = JobPage), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub(crate) async fn list_jobs(
    State(app): State<App>,
    Auth(principal): Auth,
    QueryParams(query): QueryParams<JobQuery>,
) -> Result<Json<JobPage>, ApiError> {
    let page = app
        .list_jobs(
            &principal,
            query.state.as_deref(),
            query.before,
            query.limit,
        )
        .await?;
    Ok(Json(page))
}

/// Runs a dead job again, with a fresh round of attempts (owners and managers).
#[utoipa::path(post, path = "/api/v1/jobs/{id}/retry", tag = "jobs", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = JobView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub(crate) async fn retry_job(
    State(app): State<App>,
    Auth(principal): Auth,
    Id(id): Id,
) -> Result<Json<JobView>, ApiError> {
    Ok(Json(app.retry_job(&principal, id).await?))
}
