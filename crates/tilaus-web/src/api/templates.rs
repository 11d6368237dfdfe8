//! Message templates (NTF-4): the shop's own wording per message kind and language, and a
//! preview of any wording on a real order.

use crate::Problem;
use crate::extract::{Auth, JsonBody, QueryParams};
use crate::problem::ApiError;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tilaus_app::App;
use tilaus_app::message::custom::TemplateView;
use tilaus_app::message::sms_template::{SmsPreview, SmsTemplateInput, SmsTemplateView};
use tilaus_app::message::template::TemplateSources;
use utoipa::{IntoParams, ToSchema};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/api/v1/message-templates", get(list_templates))
        .route(
            "/api/v1/message-templates/{kind}/{language}",
            get(get_template).put(put_template).delete(reset_template),
        )
        .route(
            "/api/v1/message-templates/{kind}/{language}/preview",
            post(preview_template),
        )
        .route("/api/v1/sms-templates", get(list_sms_templates))
        .route(
            "/api/v1/sms-templates/{kind}/{language}",
            get(get_sms_template)
                .put(put_sms_template)
                .delete(reset_sms_template),
        )
        .route(
            "/api/v1/sms-templates/{kind}/{language}/preview",
            post(preview_sms_template),
        )
}

/// Every message kind sent by SMS in fi, sv and en: the shop's own text or the default.
#[utoipa::path(get, path = "/api/v1/sms-templates", tag = "messages",
    responses((status = 200, body = Vec<SmsTemplateView>)))]
pub(crate) async fn list_sms_templates(
    State(app): State<App>,
    Auth(principal): Auth,
) -> Result<Json<Vec<SmsTemplateView>>, ApiError> {
    Ok(Json(app.sms_templates(&principal).await?))
}

#[utoipa::path(get, path = "/api/v1/sms-templates/{kind}/{language}", tag = "messages",
    params(("kind" = String, Path), ("language" = String, Path)),
    responses((status = 200, body = SmsTemplateView), (status = 404, body = Problem)))]
pub(crate) async fn get_sms_template(
    State(app): State<App>,
    Auth(principal): Auth,
    Path((kind, language)): Path<(String, String)>,
) -> Result<Json<SmsTemplateView>, ApiError> {
    Ok(Json(app.sms_template(&principal, &kind, &language).await?))
}

/// Sets the shop's text message (owner or manager); it must render on the shop's newest order
/// (422 with the line otherwise).
#[utoipa::path(put, path = "/api/v1/sms-templates/{kind}/{language}", tag = "messages",
    params(("kind" = String, Path), ("language" = String, Path)), request_body = SmsTemplateInput,
    responses((status = 200, body = SmsTemplateView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub(crate) async fn put_sms_template(
    State(app): State<App>,
    Auth(principal): Auth,
    Path((kind, language)): Path<(String, String)>,
    body: JsonBody<SmsTemplateInput>,
) -> Result<Json<SmsTemplateView>, ApiError> {
    let saved = app
        .put_sms_template(&principal, &kind, &language, &body.value)
        .await?;
    Ok(Json(saved))
}

/// Goes back to the default text.
#[utoipa::path(delete, path = "/api/v1/sms-templates/{kind}/{language}", tag = "messages",
    params(("kind" = String, Path), ("language" = String, Path)),
    responses((status = 200, body = SmsTemplateView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub(crate) async fn reset_sms_template(
    State(app): State<App>,
    Auth(principal): Auth,
    Path((kind, language)): Path<(String, String)>,
) -> Result<Json<SmsTemplateView>, ApiError> {
    Ok(Json(
        app.reset_sms_template(&principal, &kind, &language).await?,
    ))
}

/// The text a template writes about a real order, with its encoding and how many SMS it takes.
#[utoipa::path(post, path = "/api/v1/sms-templates/{kind}/{language}/preview", tag = "messages",
    params(("kind" = String, Path), ("language" = String, Path), PreviewQuery), request_body = SmsTemplateInput,
    responses((status = 200, body = SmsPreview), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub(crate) async fn preview_sms_template(
    State(app): State<App>,
    Auth(principal): Auth,
    Path((kind, language)): Path<(String, String)>,
    QueryParams(query): QueryParams<PreviewQuery>,
    body: JsonBody<SmsTemplateInput>,
) -> Result<Json<SmsPreview>, ApiError> {
    let preview = app
        .preview_sms_template(&principal, &kind, &language, &body.value, query.order)
        .await?;
    Ok(Json(preview))
}

/// Every editable message kind in fi, sv and en: the shop's own wording or the default.
#[utoipa::path(get, path = "/api/v1/message-templates", tag = "messages",
    responses((status = 200, body = Vec<TemplateView>)))]
pub(crate) async fn list_templates(
    State(app): State<App>,
    Auth(principal): Auth,
) -> Result<Json<Vec<TemplateView>>, ApiError> {
    Ok(Json(app.message_templates(&principal).await?))
}

#[utoipa::path(get, path = "/api/v1/message-templates/{kind}/{language}", tag = "messages",
    params(("kind" = String, Path), ("language" = String, Path)),
    responses((status = 200, body = TemplateView), (status = 404, body = Problem)))]
pub(crate) async fn get_template(
    State(app): State<App>,
    Auth(principal): Auth,
    Path((kind, language)): Path<(String, String)>,
) -> Result<Json<TemplateView>, ApiError> {
    Ok(Json(
        app.message_template(&principal, &kind, &language).await?,
    ))
}

/// Sets the shop's wording (owner or manager). It must render on the shop's newest order: a
/// template that does not is a 422 naming `/subject`, `/text` or `/html` and the line.
#[utoipa::path(put, path = "/api/v1/message-templates/{kind}/{language}", tag = "messages",
    params(("kind" = String, Path), ("language" = String, Path)), request_body = TemplateSources,
    responses((status = 200, body = TemplateView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub(crate) async fn put_template(
    State(app): State<App>,
    Auth(principal): Auth,
    Path((kind, language)): Path<(String, String)>,
    body: JsonBody<TemplateSources>,
) -> Result<Json<TemplateView>, ApiError> {
    let saved = app
        .put_message_template(&principal, &kind, &language, &body.value)
        .await?;
    Ok(Json(saved))
}

/// Goes back to the default wording.
#[utoipa::path(delete, path = "/api/v1/message-templates/{kind}/{language}", tag = "messages",
    params(("kind" = String, Path), ("language" = String, Path)),
    responses((status = 200, body = TemplateView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub(crate) async fn reset_template(
    State(app): State<App>,
    Auth(principal): Auth,
    Path((kind, language)): Path<(String, String)>,
) -> Result<Json<TemplateView>, ApiError> {
    Ok(Json(
        app.reset_message_template(&principal, &kind, &language)
            .await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct PreviewQuery {
    /// The order number to write about; the shop's newest order when absent.
    order: Option<i64>,
}

/// A message as the wording would write it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewView {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// What `sources` write about a real order, with sample values where only some events know
/// (a cancellation's reason, a reminder's amounts).
#[utoipa::path(post, path = "/api/v1/message-templates/{kind}/{language}/preview", tag = "messages",
    params(("kind" = String, Path), ("language" = String, Path), PreviewQuery), request_body = TemplateSources,
    responses((status = 200, body = PreviewView), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub(crate) async fn preview_template(
    State(app): State<App>,
    Auth(principal): Auth,
    Path((kind, language)): Path<(String, String)>,
    QueryParams(query): QueryParams<PreviewQuery>,
    body: JsonBody<TemplateSources>,
) -> Result<Json<PreviewView>, ApiError> {
    let mail = app
        .preview_message_template(&principal, &kind, &language, &body.value, query.order)
        .await?;
    Ok(Json(PreviewView {
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
    }))
}
