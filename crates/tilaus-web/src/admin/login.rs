//! Getting in and out: login, logout, choosing a shop, choosing a language.

use super::cookies::{self, LANGUAGE, PRELOGIN, SESSION};
use super::guard::Ctx;
use super::i18n::Lang;
use super::render::{self, Layout, Page};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tilaus_app::session::{LoginAttempt, SESSION_LIFETIME, random_token};
use tilaus_app::{App, AppError};
use tilaus_domain::language::Language;
use uuid::Uuid;

#[derive(Template, WebTemplate)]
#[template(path = "admin/login.html")]
struct LoginPage {
    t: Lang,
    layout: Layout,
    email: String,
    error: Option<String>,
}

fn login_page(ctx: &Ctx, email: String, error: Option<String>) -> LoginPage {
    LoginPage {
        t: ctx.lang,
        layout: Layout::new(ctx, ctx.lang.t("login-title"), ""),
        email,
        error,
    }
}

pub(crate) async fn show(mut ctx: Ctx) -> Response {
    if ctx.session.is_some() {
        return Redirect::to("/admin").into_response();
    }
    let mut headers = HeaderMap::new();
    if ctx.prelogin.is_none() {
        let token = random_token();
        headers.insert(
            header::SET_COOKIE,
            cookies::set(PRELOGIN, &token, 3600, ctx.secure, "Strict"),
        );
        ctx.prelogin = Some(token);
    }
    (headers, login_page(&ctx, String::new(), None)).into_response()
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

pub(crate) async fn submit(
    State(app): State<App>,
    ctx: Ctx,
    Form(form): Form<LoginForm>,
) -> Response {
    let attempt = LoginAttempt {
        email: form.email.trim(),
        password: &form.password,
        client: ctx.client,
    };
    match app.login(&attempt).await {
        Ok(session) => {
            let mut headers = HeaderMap::new();
            headers.append(
                header::SET_COOKIE,
                cookies::set(
                    SESSION,
                    &session.token,
                    SESSION_LIFETIME / 1_000_000,
                    ctx.secure,
                    "Lax",
                ),
            );
            headers.append(
                header::SET_COOKIE,
                cookies::set(PRELOGIN, "", 0, ctx.secure, "Strict"),
            );
            let to = if session.needs_shop {
                "/admin/shops"
            } else {
                "/admin"
            };
            (headers, Redirect::to(to)).into_response()
        }
        Err(error @ (AppError::Unauthenticated(_) | AppError::TooManyAttempts { .. })) => {
            let (status, message, _) = render::explain(ctx.lang, &error);
            let message = if status == StatusCode::UNAUTHORIZED {
                ctx.lang.t("login-failed")
            } else {
                message
            };
            (status, login_page(&ctx, form.email, Some(message))).into_response()
        }
        Err(other) => render::app_error(&ctx, other),
    }
}

pub(crate) async fn logout(State(app): State<App>, ctx: Ctx) -> Page {
    if let Some(token) = &ctx.token {
        app.logout(token)
            .await
            .map_err(|e| render::app_error(&ctx, e))?;
    }
    let cookie = cookies::set(SESSION, "", 0, ctx.secure, "Lax");
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/admin/login")).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/shops.html")]
struct ShopsPage {
    t: Lang,
    layout: Layout,
    shops: Vec<ShopItem>,
}

struct ShopItem {
    id: Uuid,
    name: String,
    role: String,
    current: bool,
}

pub(crate) async fn shops(ctx: Ctx) -> Response {
    let Some(session) = ctx.session.clone() else {
        return Redirect::to("/admin/login").into_response();
    };
    let current = session.current.as_ref().map(|s| s.id);
    let page = ShopsPage {
        t: ctx.lang,
        layout: Layout::new(&ctx, ctx.lang.t("shops-title"), ""),
        shops: session
            .shops
            .iter()
            .map(|s| ShopItem {
                id: s.id,
                name: s.name.clone(),
                role: ctx.lang.t(&format!("role-{}", s.role)),
                current: Some(s.id) == current,
            })
            .collect(),
    };
    page.into_response()
}

#[derive(Deserialize)]
pub(crate) struct ChooseShop {
    #[serde(default)]
    shop_id: String,
}

pub(crate) async fn choose_shop(
    State(app): State<App>,
    ctx: Ctx,
    Form(form): Form<ChooseShop>,
) -> Page {
    let (Some(session), Some(token)) = (ctx.session.clone(), ctx.token.clone()) else {
        return Ok(Redirect::to("/admin/login").into_response());
    };
    let shop_id = Uuid::parse_str(form.shop_id.trim())
        .map_err(|_| render::app_error(&ctx, AppError::NotFound("shop")))?;
    app.choose_shop(&token, &session, shop_id)
        .await
        .map_err(|e| render::app_error(&ctx, e))?;
    Ok(Redirect::to("/admin").into_response())
}

#[derive(Deserialize)]
pub(crate) struct LanguageChoice {
    #[serde(default)]
    lang: String,
}

/// Switches the language before login: a preference cookie, nothing on the server. Returns to
/// the page the user came from.
pub(crate) async fn language(
    ctx: Ctx,
    headers: HeaderMap,
    Query(choice): Query<LanguageChoice>,
) -> Response {
    let Some(lang) = Lang::parse(&choice.lang) else {
        return unknown_language(&ctx);
    };
    switched(&ctx, &headers, lang)
}

/// Switches the language of a signed-in user and remembers it on their account (a form post,
/// so it passes the CSRF check like every other change).
pub(crate) async fn remember_language(
    State(app): State<App>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(choice): Form<LanguageChoice>,
) -> Response {
    let Some(lang) = Lang::parse(&choice.lang) else {
        return unknown_language(&ctx);
    };
    if let Some(session) = ctx.session.as_deref() {
        // Every UI language is an order language too.
        if let Some(language) = Language::parse(lang.code())
            && let Err(error) = app.remember_ui_language(session, language).await
        {
            return render::app_error(&ctx, error);
        }
    }
    switched(&ctx, &headers, lang)
}

fn unknown_language(ctx: &Ctx) -> Response {
    render::message(
        ctx,
        StatusCode::NOT_FOUND,
        "error-title",
        &ctx.lang.t("error-not-found"),
    )
}

/// Sets the language cookie and goes back to the admin page the request came from.
fn switched(ctx: &Ctx, headers: &HeaderMap, lang: Lang) -> Response {
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(local_admin_path)
        .unwrap_or_else(|| "/admin".to_owned());
    let cookie = cookies::set(LANGUAGE, lang.code(), 365 * 24 * 3600, ctx.secure, "Lax");
    ([(header::SET_COOKIE, cookie)], Redirect::to(&back)).into_response()
}

/// The path and query of an admin URL on this site, never another site.
fn local_admin_path(url: &str) -> Option<String> {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = &after_scheme[after_scheme.find('/')?..];
    (path.starts_with("/admin") && !path.starts_with("//") && !path.contains('\\'))
        .then(|| path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::local_admin_path;

    #[test]
    fn language_switch_returns_only_to_admin_pages() {
        assert_eq!(
            local_admin_path("http://h:1/admin/orders?state=open").as_deref(),
            Some("/admin/orders?state=open")
        );
        assert_eq!(local_admin_path("http://h/other"), None);
        assert_eq!(local_admin_path("garbage"), None);
    }
}
