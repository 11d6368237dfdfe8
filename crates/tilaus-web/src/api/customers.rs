//! The shop's customers (CUS-1): search and one customer.

use crate::Problem;
use crate::extract::{Auth, Id, QueryParams};
use crate::problem::ApiError;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use tilaus_app::App;
use tilaus_app::customer::{CustomerPage, CustomerRecord};
use utoipa::IntoParams;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/api/v1/customers", get(list_customers))
        .route("/api/v1/customers/{id}", get(get_customer))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct CustomerQuery {
    /// Part of the name, e-mail address, phone number, business id, VAT id or contact person;
    /// case does not matter.
    q: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// 1–200, default 50.
    limit: Option<u64>,
}

/// The shop's customers, newest first.
#[utoipa::path(get, path = "/api/v1/customers", tag = "customers", params(CustomerQuery),
    responses((status = 200, body = CustomerPage), (status = 422, body = Problem)))]
pub(crate) async fn list_customers(
    State(app): State<App>,
    Auth(principal): Auth,
    QueryParams(query): QueryParams<CustomerQuery>,
) -> Result<Json<CustomerPage>, ApiError> {
    let page = app
        .list_customers(
            &principal,
            query.q.as_deref(),
            query.cursor.as_deref(),
            query.limit,
        )
        .await?;
    Ok(Json(page))
}

#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "customers", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = CustomerRecord), (status = 404, body = Problem)))]
pub(crate) async fn get_customer(
    State(app): State<App>,
    Auth(principal): Auth,
    Id(id): Id,
) -> Result<Json<CustomerRecord>, ApiError> {
    Ok(Json(app.get_customer(&principal, id).await?))
}
