//! The page frame every admin page shares, and readable error pages for every app error.

use super::guard::Ctx;
use super::i18n::Lang;
use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use tilaus_app::AppError;

/// A handler's outcome: a page, a redirect, or an error page.
pub(crate) type Page = Result<Response, Response>;

/// What the frame around each page shows.
pub(crate) struct Layout {
    pub title: String,
    pub user_name: Option<String>,
    pub shop_name: Option<String>,
    pub role: Option<String>,
    pub csrf: String,
    pub many_shops: bool,
    /// Which main section is active: "home", "orders", "customers" or "".
    pub section: &'static str,
    pub languages: Vec<LanguageLink>,
}

pub(crate) struct LanguageLink {
    pub code: &'static str,
    pub label: String,
    pub current: bool,
}

impl Layout {
    pub fn new(ctx: &Ctx, title: String, section: &'static str) -> Self {
        let session = ctx.session.as_deref();
        let current = session.and_then(|s| s.current.as_ref());
        Layout {
            title,
            user_name: session.map(|s| s.user_name.clone()),
            shop_name: current.map(|s| s.name.clone()),
            role: current.map(|s| ctx.lang.t(&format!("role-{}", s.role))),
            csrf: session
                .map(|s| s.csrf_token.clone())
                .or_else(|| ctx.prelogin.clone())
                .unwrap_or_default(),
            many_shops: session.is_some_and(|s| s.shops.len() > 1),
            section,
            languages: Lang::ALL
                .iter()
                .map(|l| LanguageLink {
                    code: l.code(),
                    label: l.t("language-name"),
                    current: *l == ctx.lang,
                })
                .collect(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/error.html")]
struct ErrorPage {
    t: Lang,
    layout: Layout,
    message: String,
    details: Vec<String>,
    back: bool,
}

/// An error page with a title key and a message.
pub(crate) fn message(ctx: &Ctx, status: StatusCode, title_key: &str, message: &str) -> Response {
    error_page(ctx, status, title_key, message.to_owned(), Vec::new())
}

fn error_page(
    ctx: &Ctx,
    status: StatusCode,
    title_key: &str,
    message: String,
    details: Vec<String>,
) -> Response {
    let page = ErrorPage {
        t: ctx.lang,
        layout: Layout::new(ctx, ctx.lang.t(title_key), ""),
        message,
        details,
        back: true,
    };
    (status, page).into_response()
}

/// A readable sentence for an app error, and the HTTP status that goes with it.
/// A field's name for the user: `field-{name}` of its pointer's last name, with the place of a
/// list item counted from 1 (`/levels/0/fee` → "Fee (€) 1"); the pointer itself when there is no
/// such text.
fn field_label(lang: Lang, pointer: &str) -> String {
    let path = pointer.trim_start_matches('/');
    if let Some(label) = lang.try_t(&format!("field-{path}")) {
        return label;
    }
    let segments: Vec<&str> = path.split('/').collect();
    let name = segments.iter().rev().find(|s| s.parse::<usize>().is_err());
    let place = segments.iter().find_map(|s| s.parse::<usize>().ok());
    match (name.and_then(|n| lang.try_t(&format!("field-{n}"))), place) {
        (Some(label), Some(i)) => format!("{label} {}", i + 1),
        (Some(label), None) => label,
        (None, _) => path.to_owned(),
    }
}

/// A form page's refusal, if any: the message on top and the details under it.
pub(crate) fn refusal(lang: Lang, error: Option<&AppError>) -> (Option<String>, Vec<String>) {
    match error {
        Some(error) => {
            let (_, message, details) = explain(lang, error);
            (Some(message), details)
        }
        None => (None, Vec::new()),
    }
}

pub(crate) fn explain(lang: Lang, error: &AppError) -> (StatusCode, String, Vec<String>) {
    match error {
        AppError::Unauthenticated(_) => (
            StatusCode::UNAUTHORIZED,
            lang.t("error-unauthenticated"),
            Vec::new(),
        ),
        AppError::TooManyAttempts { minutes } => (
            StatusCode::TOO_MANY_REQUESTS,
            lang.t_args("login-locked", &[("minutes", minutes.to_string())]),
            Vec::new(),
        ),
        AppError::Forbidden(_) => (StatusCode::FORBIDDEN, lang.t("error-forbidden"), Vec::new()),
        AppError::NotFound(_) => (StatusCode::NOT_FOUND, lang.t("error-not-found"), Vec::new()),
        AppError::Invalid(errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            lang.t("error-invalid"),
            errors
                .0
                .iter()
                .map(|e| format!("{}: {}", field_label(lang, &e.pointer), e.detail))
                .collect(),
        ),
        AppError::State(e) => {
            let allowed: Vec<String> = e
                .allowed
                .iter()
                .map(|s| lang.t(&format!("state-{s}")))
                .collect();
            let message = if allowed.is_empty() {
                lang.t_args(
                    "error-state-final",
                    &[("current", lang.t(&format!("state-{}", e.current)))],
                )
            } else {
                lang.t_args(
                    "error-state",
                    &[
                        ("current", lang.t(&format!("state-{}", e.current))),
                        ("allowed", allowed.join(", ")),
                    ],
                )
            };
            (StatusCode::CONFLICT, message, Vec::new())
        }
        AppError::Conflict(detail) => (
            StatusCode::CONFLICT,
            lang.t("error-conflict"),
            vec![detail.clone()],
        ),
        AppError::Amount(_) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            lang.t("error-amount"),
            Vec::new(),
        ),
        AppError::Store(e) => {
            tracing::error!(error = %e, "store failure in the admin UI");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                lang.t("error-unavailable"),
                Vec::new(),
            )
        }
        other => {
            tracing::error!(error = %other, "failure in the admin UI");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                lang.t("error-internal"),
                Vec::new(),
            )
        }
    }
}

/// The page for an app error; an expired login goes back to the login page.
pub(crate) fn app_error(ctx: &Ctx, error: AppError) -> Response {
    if matches!(error, AppError::Unauthenticated(_)) {
        return Redirect::to("/admin/login").into_response();
    }
    let (status, message, details) = explain(ctx.lang, &error);
    error_page(ctx, status, "error-title", message, details)
}

#[cfg(test)]
mod tests {
    /// UI text comes from the Fluent files only: what is left of a template once markup and
    /// template code are taken out must be punctuation and spacing.
    #[test]
    fn templates_hold_no_literal_text() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let dirs = std::fs::read_dir(root).expect("templates");
        let files = dirs.flat_map(|dir| std::fs::read_dir(dir.expect("dir").path()).expect("dir"));
        for entry in files {
            let path = entry.expect("entry").path();
            let mut text = std::fs::read_to_string(&path).expect("template");
            for (open, close) in [("{{", "}}"), ("{%", "%}"), ("<", ">")] {
                while let Some(start) = text.find(open) {
                    let end = text[start..]
                        .find(close)
                        .map_or(text.len(), |e| start + e + close.len());
                    text.replace_range(start..end, " ");
                }
            }
            let stray: String = text.chars().filter(|c| c.is_alphanumeric()).collect();
            assert_eq!(stray, "", "literal text in {}", path.display());
        }
    }
}
