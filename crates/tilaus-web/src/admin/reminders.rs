//! Payment reminders in the admin (NTF-5): the settings page (`/admin/settings/reminders`: on or
//! off, the grace period and up to three levels of days past due and fee; owners and managers
//! change them, others see them), and stopping or resuming reminders for one invoice (from its
//! order's Payments tab) or one customer (from their page). The reminders themselves show in
//! each order's communication log.

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
use tilaus_app::dunning::{DunningSettings, StopTarget};
use tilaus_app::{App, AppError};
use tilaus_domain::dunning::{MAX_LEVELS, ReminderLevel};
use tilaus_domain::money::{Currency, format_major, parse_major};
use tilaus_domain::validation::ValidationErrors;
use uuid::Uuid;

const PAGE: &str = "/admin/settings/reminders";

/// One level's fields as typed (blank days: the level is not used).
#[derive(Debug, Clone, Default)]
pub(crate) struct LevelFields {
    number: usize,
    days: String,
    fee: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/reminders.html")]
struct RemindersPage {
    t: Lang,
    layout: Layout,
    notice: Option<String>,
    error: Option<String>,
    details: Vec<String>,
    can_change: bool,
    enabled: bool,
    grace_days: String,
    levels: Vec<LevelFields>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct RemindersForm {
    /// A checkbox: present when ticked.
    enabled: Option<String>,
    #[serde(default)]
    grace_days: String,
    #[serde(default)]
    days_1: String,
    #[serde(default)]
    fee_1: String,
    #[serde(default)]
    days_2: String,
    #[serde(default)]
    fee_2: String,
    #[serde(default)]
    days_3: String,
    #[serde(default)]
    fee_3: String,
}

impl RemindersForm {
    fn of(settings: &DunningSettings) -> Self {
        let level = |i: usize| settings.levels.get(i);
        let days = |i: usize| {
            level(i)
                .map(|l| l.days_overdue.to_string())
                .unwrap_or_default()
        };
        let fee = |i: usize| {
            level(i)
                .map(|l| format_major(l.fee, Currency::Eur, ','))
                .unwrap_or_default()
        };
        Self {
            enabled: settings.enabled.then(|| "on".into()),
            grace_days: settings.grace_days.to_string(),
            days_1: days(0),
            fee_1: fee(0),
            days_2: days(1),
            fee_2: fee(1),
            days_3: days(2),
            fee_3: fee(2),
        }
    }

    fn levels(&self) -> [(&str, &str); MAX_LEVELS] {
        [
            (&self.days_1, &self.fee_1),
            (&self.days_2, &self.fee_2),
            (&self.days_3, &self.fee_3),
        ]
    }

    /// The settings the form says, or what cannot be read, by field.
    fn settings(&self) -> Result<DunningSettings, AppError> {
        let mut errors = ValidationErrors::default();
        let grace_days = errors.check("/grace_days", days(&self.grace_days));
        let mut levels = Vec::new();
        for (i, (days, fee)) in self.levels().into_iter().enumerate() {
            if days.trim().is_empty() {
                continue;
            }
            let days = errors.check(format!("/levels/{i}/days_overdue"), self::days(days));
            let fee = match fee.trim() {
                "" => Some(0),
                fee => errors.check(format!("/levels/{i}/fee"), parse_major(fee, Currency::Eur)),
            };
            if let (Some(days_overdue), Some(fee)) = (days, fee) {
                levels.push(ReminderLevel { days_overdue, fee });
            }
        }
        errors.into_result()?;
        Ok(DunningSettings {
            enabled: self.enabled.is_some(),
            grace_days: grace_days.unwrap_or_default(),
            levels,
        })
    }
}

fn days(text: &str) -> Result<i64, String> {
    text.trim()
        .parse()
        .map_err(|_| "give a whole number of days".into())
}

fn page(
    staff: &Staff,
    form: &RemindersForm,
    notice: Option<String>,
    refusal: Option<&AppError>,
) -> RemindersPage {
    let lang = staff.ctx.lang;
    let (error, details) = render::refusal(lang, refusal);
    RemindersPage {
        t: lang,
        layout: Layout::new(&staff.ctx, lang.t("reminders-title"), "settings"),
        notice,
        error,
        details,
        can_change: staff.principal.admin_scope().is_ok(),
        enabled: form.enabled.is_some(),
        grace_days: form.grace_days.clone(),
        levels: form
            .levels()
            .into_iter()
            .enumerate()
            .map(|(i, (days, fee))| LevelFields {
                number: i + 1,
                days: days.to_owned(),
                fee: fee.to_owned(),
            })
            .collect(),
    }
}

pub(crate) async fn show(State(app): State<App>, staff: Staff, RawQuery(raw): RawQuery) -> Page {
    let settings = app
        .dunning_settings(&staff.principal)
        .await
        .map_err(|e| render::app_error(&staff.ctx, e))?;
    let saved = raw.as_deref() == Some("done=saved");
    let notice = saved.then(|| staff.ctx.lang.t("reminders-saved"));
    Ok(page(&staff, &RemindersForm::of(&settings), notice, None).into_response())
}

pub(crate) async fn save(
    State(app): State<App>,
    staff: Staff,
    Form(form): Form<RemindersForm>,
) -> Page {
    let saved = match form.settings() {
        Ok(settings) => app.put_dunning_settings(&staff.principal, &settings).await,
        Err(error) => Err(error),
    };
    match saved {
        Ok(_) => Ok(Redirect::to(&format!("{PAGE}?done=saved")).into_response()),
        Err(error @ AppError::Invalid(_)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            page(&staff, &form, None, Some(&error)),
        )
            .into_response()),
        Err(error) => Err(render::app_error(&staff.ctx, error)),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct StopForm {
    /// `yes` stops reminders, anything else resumes them.
    #[serde(default)]
    stop: String,
}

async fn toggle(app: &App, staff: &Staff, target: StopTarget, stop: bool) -> Result<(), AppError> {
    if stop {
        app.stop_dunning(&staff.principal, target).await.map(|_| ())
    } else {
        app.resume_dunning(&staff.principal, target).await
    }
}

/// Stops or resumes the reminders of one invoice; back to its order's Payments tab.
pub(crate) async fn invoice(
    State(app): State<App>,
    staff: Staff,
    Path(id): Path<String>,
    Form(form): Form<StopForm>,
) -> Page {
    let fail = |e| render::app_error(&staff.ctx, e);
    let id = Uuid::parse_str(&id).map_err(|_| fail(AppError::NotFound("invoice")))?;
    let invoice = app.get_document(&staff.principal, id).await.map_err(fail)?;
    toggle(&app, &staff, StopTarget::Invoice(id), form.stop == "yes")
        .await
        .map_err(fail)?;
    let order = invoice.order_id;
    Ok(Redirect::to(&format!(
        "/admin/orders/{order}?tab=payments&done=reminders"
    ))
    .into_response())
}

/// Stops or resumes the reminders of all of a customer's invoices; back to their page.
pub(crate) async fn customer(
    State(app): State<App>,
    staff: Staff,
    Path(id): Path<String>,
    Form(form): Form<StopForm>,
) -> Page {
    let fail = |e| render::app_error(&staff.ctx, e);
    let id = Uuid::parse_str(&id).map_err(|_| fail(AppError::NotFound("customer")))?;
    toggle(&app, &staff, StopTarget::Customer(id), form.stop == "yes")
        .await
        .map_err(fail)?;
    Ok(Redirect::to(&format!("/admin/customers/{id}")).into_response())
}
