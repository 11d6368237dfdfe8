//! Scheduled exports (NTF-6): where the shop's orders and documents of each ended day, week or
//! month are mailed.

use crate::Problem;
use crate::extract::{Auth, Id, JsonBody};
use crate::problem::ApiError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use tilaus_app::App;
use tilaus_app::export_schedule::{ExportScheduleView, NewExportSchedule};

pub fn routes() -> Router<App> {
    Router::new()
        .route(
            "/api/v1/export-schedules",
            get(list_export_schedules).post(create_export_schedule),
        )
        .route(
            "/api/v1/export-schedules/{id}",
            delete(delete_export_schedule),
        )
}

/// The shop's scheduled exports.
#[utoipa::path(get, path = "/api/v1/export-schedules", tag = "exports",
    responses((status = 200, body = Vec<ExportScheduleView>)))]
pub(crate) async fn list_export_schedules(
    State(app): State<App>,
    Auth(principal): Auth,
) -> Result<Json<Vec<ExportScheduleView>>, ApiError> {
    Ok(Json(app.export_schedules(&principal).await?))
}

/// Schedules an export (owner or manager): the orders as CSV or XLSX and/or the documents as
/// PDF of each ended day (every morning), week (Mondays) or month (on the first), mailed to
/// `recipient`. The first export is the next period to end.
#[utoipa::path(post, path = "/api/v1/export-schedules", tag = "exports", request_body = NewExportSchedule,
    responses((status = 201, body = ExportScheduleView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub(crate) async fn create_export_schedule(
    State(app): State<App>,
    Auth(principal): Auth,
    body: JsonBody<NewExportSchedule>,
) -> Result<(StatusCode, Json<ExportScheduleView>), ApiError> {
    let schedule = app.create_export_schedule(&principal, &body.value).await?;
    Ok((StatusCode::CREATED, Json(schedule)))
}

/// Stops a scheduled export (owner or manager).
#[utoipa::path(delete, path = "/api/v1/export-schedules/{id}", tag = "exports", params(("id" = uuid::Uuid, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub(crate) async fn delete_export_schedule(
    State(app): State<App>,
    Auth(principal): Auth,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    app.delete_export_schedule(&principal, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
