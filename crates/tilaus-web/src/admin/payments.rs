//! The shop's payment settings in the admin: `/admin/settings/payments` switches the ways of
//! paying on and off and stores the Visma Pay and Stripe keys (shown again only by their last
//! characters). Owners and managers change them; others see them.

use super::guard::Staff;
use super::i18n::Lang;
use super::render::{self, Layout, Page};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use tilaus_app::paylink::{PaymentMethodSettings, StripeSettings, VismaPaySettings};
use tilaus_app::{App, AppError};
use tilaus_domain::payment_methods::AcceptedMethod;

const PAGE: &str = "/admin/settings/payments";

/// One switch on the page.
struct MethodSwitch {
    name: &'static str,
    label: String,
    on: bool,
}

/// A provider's stored keys, by their last characters.
struct StoredKeys {
    provider: String,
    label: String,
    first: String,
    second: String,
    updated_at: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/payments.html")]
struct PaymentsPage {
    t: Lang,
    layout: Layout,
    notice: Option<String>,
    error: Option<String>,
    details: Vec<String>,
    can_change: bool,
    methods: Vec<MethodSwitch>,
    keys: Vec<StoredKeys>,
    stripe_webhook_url: String,
}

fn page(
    app: &App,
    staff: &Staff,
    settings: &PaymentMethodSettings,
    notice: Option<String>,
    refusal: Option<&AppError>,
) -> PaymentsPage {
    let lang = staff.ctx.lang;
    let (error, details) = render::refusal(lang, refusal);
    let methods = AcceptedMethod::ALL
        .iter()
        .map(|m| MethodSwitch {
            name: m.as_str(),
            label: lang.t(&format!("accepted-{m}")),
            on: settings.accepted.iter().any(|a| a == m.as_str()),
        })
        .collect();
    let keys = settings
        .providers
        .iter()
        .map(|p| {
            let shown = |first: &Option<String>, second: &Option<String>| {
                first.clone().or_else(|| second.clone()).unwrap_or_default()
            };
            StoredKeys {
                provider: p.provider.clone(),
                label: lang.t(&format!("provider-{}", p.provider)),
                first: shown(&p.api_key, &p.secret_key),
                second: shown(&p.private_key, &p.webhook_secret),
                updated_at: p.updated_at.clone(),
            }
        })
        .collect();
    PaymentsPage {
        t: lang,
        layout: Layout::new(&staff.ctx, lang.t("payments-title"), "settings"),
        notice,
        error,
        details,
        can_change: staff.principal.admin_scope().is_ok(),
        methods,
        keys,
        stripe_webhook_url: format!(
            "{}/api/v1/providers/stripe/webhook?shop={}",
            app.public_url(),
            staff.principal.shop_id()
        ),
    }
}

pub(crate) async fn show(State(app): State<App>, staff: Staff, RawQuery(raw): RawQuery) -> Page {
    let settings = app
        .payment_method_settings(&staff.principal)
        .await
        .map_err(|e| render::app_error(&staff.ctx, e))?;
    let notice = (raw.as_deref() == Some("done=saved")).then(|| staff.ctx.lang.t("payments-saved"));
    Ok(page(&app, &staff, &settings, notice, None).into_response())
}

/// Back to the page, or the page again with why it was refused.
async fn answer<T>(app: &App, staff: &Staff, done: Result<T, AppError>) -> Page {
    match done {
        Ok(_) => Ok(Redirect::to(&format!("{PAGE}?done=saved")).into_response()),
        Err(error @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let settings = app
                .payment_method_settings(&staff.principal)
                .await
                .map_err(|e| render::app_error(&staff.ctx, e))?;
            let shown = page(app, staff, &settings, None, Some(&error));
            Ok((StatusCode::UNPROCESSABLE_ENTITY, shown).into_response())
        }
        Err(error) => Err(render::app_error(&staff.ctx, error)),
    }
}

/// The switches: every checked `accepted` box (a box left unchecked is not sent).
pub(crate) async fn save_methods(State(app): State<App>, staff: Staff, body: Bytes) -> Page {
    let accepted = form_urlencoded::parse(&body)
        .filter(|(name, _)| name == "accepted")
        .map(|(_, value)| value.into_owned())
        .collect();
    let input = PaymentMethodSettings {
        accepted,
        providers: Vec::new(),
        updated_by: None,
    };
    let done = app
        .put_payment_method_settings(&staff.principal, &input)
        .await;
    answer(&app, &staff, done).await
}

#[derive(Deserialize)]
pub(crate) struct VismaPayForm {
    #[serde(default)]
    api_key: String,
    #[serde(default)]
    private_key: String,
}

pub(crate) async fn save_vismapay(
    State(app): State<App>,
    staff: Staff,
    Form(form): Form<VismaPayForm>,
) -> Page {
    let input = VismaPaySettings {
        api_key: form.api_key,
        private_key: form.private_key,
    };
    let done = app.put_vismapay(&staff.principal, &input).await;
    answer(&app, &staff, done).await
}

#[derive(Deserialize)]
pub(crate) struct StripeForm {
    #[serde(default)]
    secret_key: String,
    #[serde(default)]
    webhook_secret: String,
}

pub(crate) async fn save_stripe(
    State(app): State<App>,
    staff: Staff,
    Form(form): Form<StripeForm>,
) -> Page {
    let input = StripeSettings {
        secret_key: form.secret_key,
        webhook_secret: form.webhook_secret,
    };
    let done = app.put_stripe(&staff.principal, &input).await;
    answer(&app, &staff, done).await
}
