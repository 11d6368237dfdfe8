//! The text message editor (NTF-4, SMS): `/admin/settings/sms/{kind}/{language}` shows the
//! shop's text (or the default) with what it writes on the newest order and how many SMS that
//! takes; owners and managers save their own wording (refused with the line when it does not
//! render) or go back to the default.

use super::guard::Staff;
use super::i18n::Lang;
use super::render::{self, Layout, Page};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use tilaus_app::message::sms_template::{SmsPreview, SmsTemplateInput};
use tilaus_app::{App, AppError};

#[derive(Template, WebTemplate)]
#[template(path = "admin/sms_template.html")]
struct SmsPage {
    t: Lang,
    layout: Layout,
    notice: Option<String>,
    error: Option<String>,
    details: Vec<String>,
    can_change: bool,
    kind: String,
    language: String,
    title: String,
    custom: bool,
    text: String,
    /// What the text writes on the newest order, and how many SMS that is.
    preview: Option<(String, String)>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct SmsForm {
    #[serde(default)]
    text: String,
}

async fn page(
    app: &App,
    staff: &Staff,
    (kind, language): (&str, &str),
    typed: Option<String>,
    notice: Option<String>,
    refusal: Option<&AppError>,
) -> Result<SmsPage, axum::response::Response> {
    let lang = staff.ctx.lang;
    let fail = |e| render::app_error(&staff.ctx, e);
    let view = app
        .sms_template(&staff.principal, kind, language)
        .await
        .map_err(fail)?;
    let text = typed.unwrap_or(view.text);
    let input = SmsTemplateInput { text: text.clone() };
    // A preview that cannot be made (no order yet, a broken draft) is simply not shown.
    let preview = app
        .preview_sms_template(&staff.principal, kind, language, &input, None)
        .await
        .ok()
        .map(|p: SmsPreview| {
            let cost = lang.t_args(
                "sms-template-segments",
                &[
                    ("count", p.segments.to_string()),
                    ("kind", p.encoding.to_uppercase()),
                ],
            );
            (p.text, cost)
        });
    let (error, details) = render::refusal(lang, refusal);
    let title = lang.t_args(
        "template-edit-title",
        &[
            ("kind", lang.t(&format!("message-kind-{kind}"))),
            ("language", lang.t(&format!("language-{language}"))),
        ],
    );
    Ok(SmsPage {
        t: lang,
        layout: Layout::new(&staff.ctx, title.clone(), "settings"),
        notice,
        error,
        details,
        can_change: staff.principal.admin_scope().is_ok(),
        kind: kind.to_owned(),
        language: language.to_owned(),
        title,
        custom: view.custom,
        text,
        preview,
    })
}

pub(crate) async fn show(
    State(app): State<App>,
    staff: Staff,
    Path((kind, language)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Page {
    let notice = match raw.as_deref() {
        Some("done=saved") => Some(staff.ctx.lang.t("template-saved")),
        Some("done=reset") => Some(staff.ctx.lang.t("template-reset-done")),
        _ => None,
    };
    let shown = page(&app, &staff, (&kind, &language), None, notice, None).await?;
    Ok(shown.into_response())
}

pub(crate) async fn save(
    State(app): State<App>,
    staff: Staff,
    Path((kind, language)): Path<(String, String)>,
    Form(form): Form<SmsForm>,
) -> Page {
    let input = SmsTemplateInput {
        text: form.text.clone(),
    };
    match app
        .put_sms_template(&staff.principal, &kind, &language, &input)
        .await
    {
        Ok(_) => Ok(
            Redirect::to(&format!("/admin/settings/sms/{kind}/{language}?done=saved"))
                .into_response(),
        ),
        Err(error @ AppError::Invalid(_)) => {
            let where_ = (kind.as_str(), language.as_str());
            let shown = page(&app, &staff, where_, Some(form.text), None, Some(&error)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, shown).into_response())
        }
        Err(error) => Err(render::app_error(&staff.ctx, error)),
    }
}

pub(crate) async fn reset(
    State(app): State<App>,
    staff: Staff,
    Path((kind, language)): Path<(String, String)>,
) -> Page {
    app.reset_sms_template(&staff.principal, &kind, &language)
        .await
        .map_err(|e| render::app_error(&staff.ctx, e))?;
    Ok(Redirect::to(&format!("/admin/settings/sms/{kind}/{language}?done=reset")).into_response())
}
