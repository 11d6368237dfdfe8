//! The shop's look in the admin: `/admin/settings/brand` sets the accent colour and uploads or
//! removes the logo (read in the browser and posted as base64, so the form stays an ordinary
//! CSRF-checked form). Owners and managers change it; others see it.

use super::guard::Staff;
use super::i18n::Lang;
use super::render::{self, Layout, Page};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use base64::Engine as _;
use serde::Deserialize;
use tilaus_app::brand::{BrandInput, BrandView};
use tilaus_app::{App, AppError};

const PAGE: &str = "/admin/settings/brand";

#[derive(Template, WebTemplate)]
#[template(path = "admin/brand.html")]
struct BrandPage {
    t: Lang,
    layout: Layout,
    notice: Option<String>,
    error: Option<String>,
    details: Vec<String>,
    can_change: bool,
    accent_colour: String,
    logo_url: Option<String>,
}

fn page(
    staff: &Staff,
    brand: &BrandView,
    accent_colour: String,
    notice: Option<String>,
    refusal: Option<&AppError>,
) -> BrandPage {
    let lang = staff.ctx.lang;
    let (error, details) = render::refusal(lang, refusal);
    BrandPage {
        t: lang,
        layout: Layout::new(&staff.ctx, lang.t("brand-title"), "settings"),
        notice,
        error,
        details,
        can_change: staff.principal.admin_scope().is_ok(),
        accent_colour,
        // Served under this installation; the page shows it from its own origin.
        logo_url: brand
            .logo_url
            .as_ref()
            .map(|_| tilaus_app::brand::logo_path(staff.principal.shop_id())),
    }
}

pub(crate) async fn show(State(app): State<App>, staff: Staff, RawQuery(raw): RawQuery) -> Page {
    let brand = app
        .brand(&staff.principal)
        .await
        .map_err(|e| render::app_error(&staff.ctx, e))?;
    let saved = raw.as_deref() == Some("done=saved");
    let notice = saved.then(|| staff.ctx.lang.t("brand-saved"));
    let colour = brand.accent_colour.clone();
    Ok(page(&staff, &brand, colour, notice, None).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ColourForm {
    #[serde(default)]
    accent_colour: String,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct LogoForm {
    /// The image as base64, filled in by the page's script from the chosen file.
    #[serde(default)]
    logo: String,
}

/// Back to the page, or the page again with why it was refused.
async fn answer(
    app: &App,
    staff: &Staff,
    done: Result<BrandView, AppError>,
    typed_colour: Option<String>,
) -> Page {
    match done {
        Ok(_) => Ok(Redirect::to(&format!("{PAGE}?done=saved")).into_response()),
        Err(error @ AppError::Invalid(_)) => {
            let brand = app
                .brand(&staff.principal)
                .await
                .map_err(|e| render::app_error(&staff.ctx, e))?;
            let colour = typed_colour.unwrap_or_else(|| brand.accent_colour.clone());
            let shown = page(staff, &brand, colour, None, Some(&error));
            Ok((StatusCode::UNPROCESSABLE_ENTITY, shown).into_response())
        }
        Err(error) => Err(render::app_error(&staff.ctx, error)),
    }
}

pub(crate) async fn save_colour(
    State(app): State<App>,
    staff: Staff,
    Form(form): Form<ColourForm>,
) -> Page {
    let input = BrandInput {
        accent_colour: form.accent_colour.clone(),
    };
    let done = app.put_accent_colour(&staff.principal, &input).await;
    answer(&app, &staff, done, Some(form.accent_colour)).await
}

pub(crate) async fn save_logo(
    State(app): State<App>,
    staff: Staff,
    Form(form): Form<LogoForm>,
) -> Page {
    let done = match base64::engine::general_purpose::STANDARD.decode(form.logo.trim()) {
        Ok(bytes) => app.put_logo(&staff.principal, &bytes).await,
        Err(_) => Err(AppError::invalid("/logo", "choose a PNG or SVG file")),
    };
    answer(&app, &staff, done, None).await
}

pub(crate) async fn delete_logo(State(app): State<App>, staff: Staff) -> Page {
    let done = app.delete_logo(&staff.principal).await;
    answer(&app, &staff, done, None).await
}
