//! The shop's own details in the admin: `/admin/settings/shop` sets what documents print of the
//! seller (name, ids, address, IBAN and BIC), the numbering series per document kind and the
//! invoicing terms. Owners and managers change them; others see them.

use super::guard::Staff;
use super::i18n::Lang;
use super::render::{self, Layout, Page};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use tilaus_app::document::{InvoicingTerms, SeriesSettings, SeriesView};
use tilaus_app::shop::ShopDetails;
use tilaus_app::{App, AppError};
use tilaus_domain::customer::Address;
use tilaus_domain::money::{Currency, format_major, parse_major};

const PAGE: &str = "/admin/settings/shop";

/// A series row: its kind's words and its form's values.
struct SeriesRow {
    kind: String,
    label: String,
    prefix: String,
    next_number: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/shop_settings.html")]
struct ShopPage {
    t: Lang,
    layout: Layout,
    notice: Option<String>,
    error: Option<String>,
    details_errors: Vec<String>,
    can_change: bool,
    details: ShopDetails,
    address: Address,
    series: Vec<SeriesRow>,
    terms_days: i64,
    /// The agreed late-payment interest in percent, blank for the statutory rate.
    late_interest: String,
}

async fn page(
    app: &App,
    staff: &Staff,
    notice: Option<String>,
    refusal: Option<&AppError>,
) -> Result<ShopPage, axum::response::Response> {
    let fail = |e| render::app_error(&staff.ctx, e);
    let details = app.shop_details(&staff.principal).await.map_err(fail)?;
    let series = app.document_series(&staff.principal).await.map_err(fail)?;
    let terms = app.invoicing_terms(&staff.principal).await.map_err(fail)?;
    let lang = staff.ctx.lang;
    let (error, details_errors) = render::refusal(lang, refusal);
    Ok(ShopPage {
        t: lang,
        layout: Layout::new(&staff.ctx, lang.t("shop-settings-title"), "settings"),
        notice,
        error,
        details_errors,
        can_change: staff.principal.admin_scope().is_ok(),
        address: details.address.clone(),
        details,
        series: series.into_iter().map(|s| series_row(lang, s)).collect(),
        terms_days: terms.payment_terms_days,
        // Basis points print as a percent with two decimals, like a price in cents.
        late_interest: terms
            .late_interest
            .map(|bp| format_major(bp, Currency::Eur, ','))
            .unwrap_or_default(),
    })
}

fn series_row(lang: Lang, series: SeriesView) -> SeriesRow {
    SeriesRow {
        label: lang.t(&format!("document-kind-{}", series.kind)),
        kind: series.kind,
        prefix: series.prefix,
        next_number: series.next_number,
    }
}

pub(crate) async fn show(State(app): State<App>, staff: Staff, RawQuery(raw): RawQuery) -> Page {
    let notice =
        (raw.as_deref() == Some("done=saved")).then(|| staff.ctx.lang.t("shop-settings-saved"));
    Ok(page(&app, &staff, notice, None).await?.into_response())
}

/// Back to the page, or the page again with why it was refused.
async fn answer<T>(app: &App, staff: &Staff, done: Result<T, AppError>) -> Page {
    match done {
        Ok(_) => Ok(Redirect::to(&format!("{PAGE}?done=saved")).into_response()),
        Err(error @ AppError::Invalid(_)) => {
            let shown = page(app, staff, None, Some(&error)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, shown).into_response())
        }
        Err(error) => Err(render::app_error(&staff.ctx, error)),
    }
}

#[derive(Deserialize)]
pub(crate) struct DetailsForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    business_id: String,
    #[serde(default)]
    vat_id: String,
    #[serde(default)]
    line1: String,
    #[serde(default)]
    postal_code: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    iban: String,
    #[serde(default)]
    bic: String,
}

fn blank_is_none(text: String) -> Option<String> {
    Some(text).filter(|t| !t.trim().is_empty())
}

pub(crate) async fn save_details(
    State(app): State<App>,
    staff: Staff,
    Form(form): Form<DetailsForm>,
) -> Page {
    let input = ShopDetails {
        name: form.name,
        business_id: blank_is_none(form.business_id),
        vat_id: blank_is_none(form.vat_id),
        address: Address {
            line1: blank_is_none(form.line1),
            postal_code: blank_is_none(form.postal_code),
            city: blank_is_none(form.city),
            country: blank_is_none(form.country),
            ..Address::default()
        },
        iban: blank_is_none(form.iban),
        bic: blank_is_none(form.bic),
    };
    let done = app.put_shop_details(&staff.principal, &input).await;
    answer(&app, &staff, done).await
}

#[derive(Deserialize)]
pub(crate) struct SeriesForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    prefix: String,
    #[serde(default)]
    next_number: String,
}

pub(crate) async fn save_series(
    State(app): State<App>,
    staff: Staff,
    Form(form): Form<SeriesForm>,
) -> Page {
    let done = match form.next_number.trim().parse::<i64>() {
        Ok(next_number) => {
            let settings = SeriesSettings {
                prefix: form.prefix,
                next_number,
            };
            app.set_document_series(&staff.principal, &form.kind, &settings)
                .await
        }
        Err(_) => Err(AppError::invalid("/next_number", "give a whole number")),
    };
    answer(&app, &staff, done).await
}

#[derive(Deserialize)]
pub(crate) struct TermsForm {
    #[serde(default)]
    payment_terms_days: String,
    #[serde(default)]
    late_interest: String,
}

pub(crate) async fn save_terms(
    State(app): State<App>,
    staff: Staff,
    Form(form): Form<TermsForm>,
) -> Page {
    let days = form
        .payment_terms_days
        .trim()
        .parse::<i64>()
        .map_err(|_| AppError::invalid("/payment_terms_days", "give whole days"));
    let interest = match form.late_interest.trim() {
        "" => Ok(None),
        text => parse_major(text, Currency::Eur)
            .map(Some)
            .map_err(|reason| AppError::invalid("/late_interest", reason)),
    };
    let done = match (days, interest) {
        (Ok(payment_terms_days), Ok(late_interest)) => {
            let terms = InvoicingTerms {
                payment_terms_days,
                late_interest,
            };
            app.set_invoicing_terms(&staff.principal, &terms).await
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    answer(&app, &staff, done).await
}
