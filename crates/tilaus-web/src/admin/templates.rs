//! Message templates in the admin (NTF-4): the list of kinds and languages with the shop's own
//! wording or the default, and an editor with a preview on a real order. The preview renders in
//! a sandboxed frame with a policy of its own: the mail's inline styles, nothing that runs.

use super::guard::Staff;
use super::i18n::Lang;
use super::render::{self, Layout, Page};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use tilaus_app::message::custom::TemplateView;
use tilaus_app::message::template::TemplateSources;
use tilaus_app::{App, AppError};

/// A mail as a reader sees it: its own inline styles, no scripts, no requests anywhere.
const PREVIEW_CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox";

pub(crate) struct TemplateRow {
    kind: String,
    label: String,
    languages: Vec<LanguageCell>,
}

pub(crate) struct LanguageCell {
    code: String,
    label: String,
    custom: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/templates.html")]
struct ListPage {
    t: Lang,
    layout: Layout,
    rows: Vec<TemplateRow>,
    /// The text messages, per kind sent by SMS.
    sms_rows: Vec<TemplateRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/template_edit.html")]
struct EditPage {
    t: Lang,
    layout: Layout,
    kind: String,
    language: String,
    notice: Option<String>,
    error: Option<String>,
    details: Vec<String>,
    custom: bool,
    can_change: bool,
    sources: TemplateSources,
    order: String,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct EditForm {
    #[serde(default)]
    subject: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    html: String,
    /// The order number to preview with; the newest order when blank.
    #[serde(default)]
    order: String,
}

impl EditForm {
    fn sources(&self) -> TemplateSources {
        TemplateSources {
            subject: self.subject.clone(),
            text: self.text.clone(),
            html: self.html.clone(),
        }
    }

    fn number(&self) -> Result<Option<i64>, AppError> {
        match self.order.trim() {
            "" => Ok(None),
            n => n
                .parse()
                .map(Some)
                .map_err(|_| AppError::invalid("/order", "give an order number")),
        }
    }
}

pub(crate) async fn list(State(app): State<App>, staff: Staff) -> Page {
    let lang = staff.ctx.lang;
    let fail = |e| render::app_error(&staff.ctx, e);
    let mail = app
        .message_templates(&staff.principal)
        .await
        .map_err(fail)?;
    let sms = app.sms_templates(&staff.principal).await.map_err(fail)?;
    let page = ListPage {
        t: lang,
        layout: Layout::new(&staff.ctx, lang.t("templates-title"), "settings"),
        rows: rows(lang, mail.iter().map(|v| (&v.kind, &v.language, v.custom))),
        sms_rows: rows(lang, sms.iter().map(|v| (&v.kind, &v.language, v.custom))),
    };
    Ok(page.into_response())
}

/// Templates `(kind, language, custom)` in kind order, one row per kind.
pub(crate) fn rows<'a>(
    lang: Lang,
    templates: impl Iterator<Item = (&'a String, &'a String, bool)>,
) -> Vec<TemplateRow> {
    let mut rows: Vec<TemplateRow> = Vec::new();
    for (kind, language, custom) in templates {
        let cell = LanguageCell {
            code: language.clone(),
            label: lang.t(&format!("language-{language}")),
            custom,
        };
        match rows.last_mut().filter(|r| r.kind == *kind) {
            Some(row) => row.languages.push(cell),
            None => rows.push(TemplateRow {
                kind: kind.clone(),
                label: lang.t(&format!("message-kind-{kind}")),
                languages: vec![cell],
            }),
        }
    }
    rows
}

fn edit_page(
    staff: &Staff,
    view: &TemplateView,
    sources: TemplateSources,
    order: String,
    notice: Option<String>,
    refusal: Option<&AppError>,
) -> EditPage {
    let lang = staff.ctx.lang;
    let (error, details) = render::refusal(lang, refusal);
    let title = lang.t_args(
        "template-edit-title",
        &[
            ("kind", lang.t(&format!("message-kind-{}", view.kind))),
            ("language", lang.t(&format!("language-{}", view.language))),
        ],
    );
    EditPage {
        t: lang,
        layout: Layout::new(&staff.ctx, title, "settings"),
        kind: view.kind.clone(),
        language: view.language.clone(),
        notice,
        error,
        details,
        custom: view.custom,
        can_change: staff.principal.admin_scope().is_ok(),
        sources,
        order,
    }
}

pub(crate) async fn show(
    State(app): State<App>,
    staff: Staff,
    Path((kind, language)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Page {
    let view = app
        .message_template(&staff.principal, &kind, &language)
        .await
        .map_err(|e| render::app_error(&staff.ctx, e))?;
    let notice = match raw.as_deref() {
        Some("done=saved") => Some(staff.ctx.lang.t("template-saved")),
        Some("done=reset") => Some(staff.ctx.lang.t("template-reset-done")),
        _ => None,
    };
    let sources = view.sources.clone();
    Ok(edit_page(&staff, &view, sources, String::new(), notice, None).into_response())
}

pub(crate) async fn save(
    State(app): State<App>,
    staff: Staff,
    Path((kind, language)): Path<(String, String)>,
    Form(form): Form<EditForm>,
) -> Page {
    let saved = app
        .put_message_template(&staff.principal, &kind, &language, &form.sources())
        .await;
    match saved {
        Ok(_) => Ok(Redirect::to(&format!(
            "/admin/settings/messages/{kind}/{language}?done=saved"
        ))
        .into_response()),
        Err(error @ AppError::Invalid(_)) => {
            let view = app
                .message_template(&staff.principal, &kind, &language)
                .await
                .map_err(|e| render::app_error(&staff.ctx, e))?;
            let page = edit_page(
                &staff,
                &view,
                form.sources(),
                form.order,
                None,
                Some(&error),
            );
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(error) => Err(render::app_error(&staff.ctx, error)),
    }
}

pub(crate) async fn reset(
    State(app): State<App>,
    staff: Staff,
    Path((kind, language)): Path<(String, String)>,
) -> Page {
    app.reset_message_template(&staff.principal, &kind, &language)
        .await
        .map_err(|e| render::app_error(&staff.ctx, e))?;
    Ok(Redirect::to(&format!(
        "/admin/settings/messages/{kind}/{language}?done=reset"
    ))
    .into_response())
}

/// The saved (or default) wording on the newest order: what the editor's frame shows first.
pub(crate) async fn preview_saved(
    State(app): State<App>,
    staff: Staff,
    Path((kind, language)): Path<(String, String)>,
) -> Response {
    let sources = app
        .message_template(&staff.principal, &kind, &language)
        .await
        .map(|v| v.sources);
    match sources {
        Ok(sources) => preview(&app, &staff, &kind, &language, &sources, None).await,
        Err(error) => preview_error(&staff, &error),
    }
}

/// The wording as typed, on the order asked for: the Preview button posts here into the frame.
pub(crate) async fn preview_draft(
    State(app): State<App>,
    staff: Staff,
    Path((kind, language)): Path<(String, String)>,
    Form(form): Form<EditForm>,
) -> Response {
    match form.number() {
        Ok(number) => preview(&app, &staff, &kind, &language, &form.sources(), number).await,
        Err(error) => preview_error(&staff, &error),
    }
}

async fn preview(
    app: &App,
    staff: &Staff,
    kind: &str,
    language: &str,
    sources: &TemplateSources,
    number: Option<i64>,
) -> Response {
    let rendered = app
        .preview_message_template(&staff.principal, kind, language, sources, number)
        .await;
    match rendered {
        Ok(mail) => {
            let html = PreviewPage {
                t: staff.ctx.lang,
                subject: mail.subject,
                html: mail.html,
                text: mail.text,
            };
            framed(StatusCode::OK, html.render().unwrap_or_default())
        }
        Err(error) => preview_error(staff, &error),
    }
}

#[derive(Template)]
#[template(path = "admin/template_preview.html")]
struct PreviewPage {
    t: Lang,
    subject: String,
    /// The mail's HTML as written: shown as such, inside this sandboxed frame only.
    html: String,
    text: String,
}

#[derive(Template)]
#[template(path = "admin/template_preview_error.html")]
struct PreviewError {
    message: String,
    details: Vec<String>,
}

fn preview_error(staff: &Staff, error: &AppError) -> Response {
    let (status, message, details) = render::explain(staff.ctx.lang, error);
    let page = PreviewError { message, details };
    framed(status, page.render().unwrap_or_default())
}

/// A preview answer, with the preview's own policy in place of the admin's.
fn framed(status: StatusCode, html: String) -> Response {
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PREVIEW_CSP),
    );
    headers.insert(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("SAMEORIGIN"),
    );
    response
}
