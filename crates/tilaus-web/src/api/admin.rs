//! The shop's API tokens and channels.

use crate::Problem;
use crate::extract::{Auth, Id, JsonBody};
use crate::problem::ApiError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Deserialize;
use tilaus_app::shop::{ChannelInfo, CreatedToken, TokenInfo};
use tilaus_app::{App, AppError};
use tilaus_domain::access::Role;
use utoipa::ToSchema;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/api/v1/tokens", get(list_tokens).post(create_token))
        .route("/api/v1/tokens/{id}", delete(revoke_token))
        .route("/api/v1/channels", get(list_channels).post(create_channel))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewToken {
    name: String,
    /// owner, manager, staff or read_only; no higher than the caller's own.
    role: String,
}

#[utoipa::path(get, path = "/api/v1/tokens", tag = "access", responses((status = 200, body = Vec<TokenInfo>), (status = 403, body = Problem)))]
pub(crate) async fn list_tokens(
    State(app): State<App>,
    Auth(principal): Auth,
) -> Result<Json<Vec<TokenInfo>>, ApiError> {
    Ok(Json(app.list_tokens(&principal).await?))
}

/// Makes an API token; the secret is in this response only.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "access", request_body = NewToken,
    responses((status = 201, body = CreatedToken), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub(crate) async fn create_token(
    State(app): State<App>,
    Auth(principal): Auth,
    body: JsonBody<NewToken>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let role = Role::parse(&body.value.role)
        .ok_or_else(|| AppError::invalid("/role", format!("use one of {}", Role::expected())))?;
    Ok((
        StatusCode::CREATED,
        Json(app.create_token(&principal, &body.value.name, role).await?),
    ))
}

#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "access", params(("id" = uuid::Uuid, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub(crate) async fn revoke_token(
    State(app): State<App>,
    Auth(principal): Auth,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    app.revoke_token(&principal, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/channels", tag = "channels", responses((status = 200, body = Vec<ChannelInfo>)))]
pub(crate) async fn list_channels(
    State(app): State<App>,
    Auth(principal): Auth,
) -> Result<Json<Vec<ChannelInfo>>, ApiError> {
    Ok(Json(app.list_channels(&principal).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewChannel {
    code: String,
    name: String,
    /// web, pos, phone, manual, api, marketplace or channel_manager.
    kind: String,
}

/// Adds a shop's own channel.
#[utoipa::path(post, path = "/api/v1/channels", tag = "channels", request_body = NewChannel,
    responses((status = 201, body = ChannelInfo), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub(crate) async fn create_channel(
    State(app): State<App>,
    Auth(principal): Auth,
    body: JsonBody<NewChannel>,
) -> Result<(StatusCode, Json<ChannelInfo>), ApiError> {
    let channel = app
        .create_channel(
            &principal,
            &body.value.code,
            &body.value.name,
            &body.value.kind,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(channel)))
}
