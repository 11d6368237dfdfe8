//! Scheduled exports in the admin (NTF-6): `/admin/settings/exports` lists where the shop's
//! orders and documents are mailed and how often, adds a schedule and stops one. Owners and
//! managers change them; others see them.

use super::detail::MessageItem;
use super::guard::Staff;
use super::i18n::Lang;
use super::render::{self, Layout, Page};
use super::view;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use tilaus_app::export_schedule::{ExportScheduleView, NewExportSchedule};
use tilaus_app::{App, AppError};
use tilaus_domain::export_schedule::Frequency;
use tilaus_domain::language::Language;
use uuid::Uuid;

const PAGE: &str = "/admin/settings/exports";

/// A schedule in words.
pub(crate) struct ScheduleItem {
    id: String,
    recipient: String,
    frequency: String,
    sends: String,
    sent_up_to: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/exports.html")]
struct ExportsPage {
    t: Lang,
    layout: Layout,
    notice: Option<String>,
    error: Option<String>,
    details: Vec<String>,
    can_change: bool,
    schedules: Vec<ScheduleItem>,
    /// The latest exports sent, with their state.
    sent: Vec<MessageItem>,
    form: ScheduleForm,
    frequencies: Vec<&'static str>,
    languages: Vec<&'static str>,
}

/// A new schedule as the form posts it.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ScheduleForm {
    #[serde(default)]
    recipient: String,
    #[serde(default)]
    frequency: String,
    /// `csv`, `xlsx` or empty (documents only).
    #[serde(default)]
    orders_format: String,
    /// A checkbox: present when ticked.
    documents: Option<String>,
    #[serde(default)]
    language: String,
}

impl ScheduleForm {
    fn input(&self) -> NewExportSchedule {
        NewExportSchedule {
            recipient: self.recipient.clone(),
            frequency: self.frequency.clone(),
            orders_format: Some(self.orders_format.clone()).filter(|f| !f.is_empty()),
            documents: self.documents.is_some(),
            language: Some(self.language.clone()).filter(|l| !l.is_empty()),
        }
    }
}

fn item(lang: Lang, s: &ExportScheduleView) -> ScheduleItem {
    let mut sends = Vec::new();
    if let Some(format) = &s.orders_format {
        sends.push(lang.t_args("exports-orders-as", &[("kind", format.to_uppercase())]));
    }
    if s.documents {
        sends.push(lang.t("exports-documents"));
    }
    ScheduleItem {
        id: s.id.to_string(),
        recipient: s.recipient.clone(),
        frequency: lang.t(&format!("exports-frequency-{}", s.frequency)),
        sends: sends.join(", "),
        sent_up_to: s
            .sent_up_to
            .as_deref()
            .and_then(|d| d.parse().ok())
            .map(|d| lang.date(d)),
    }
}

async fn page(
    app: &App,
    staff: &Staff,
    form: ScheduleForm,
    notice: Option<String>,
    refusal: Option<&AppError>,
) -> Result<ExportsPage, axum::response::Response> {
    let lang = staff.ctx.lang;
    let schedules = app
        .export_schedules(&staff.principal)
        .await
        .map_err(|e| render::app_error(&staff.ctx, e))?;
    let sent = app
        .export_messages(&staff.principal)
        .await
        .map_err(|e| render::app_error(&staff.ctx, e))?;
    let zone = view::zone(staff);
    let can_change = staff.principal.admin_scope().is_ok();
    let (error, details) = render::refusal(lang, refusal);
    Ok(ExportsPage {
        t: lang,
        layout: Layout::new(&staff.ctx, lang.t("exports-title"), "settings"),
        notice,
        error,
        details,
        can_change,
        schedules: schedules.iter().map(|s| item(lang, s)).collect(),
        sent: sent
            .items
            .iter()
            // Sent again through the API (`POST /api/v1/messages/{id}/resend`); the page's
            // resend button belongs to an order.
            .map(|m| MessageItem::new(lang, &zone, m, false))
            .collect(),
        form,
        frequencies: Frequency::ALL.iter().map(|f| f.as_str()).collect(),
        languages: [Language::Fi, Language::Sv, Language::En]
            .iter()
            .map(|l| l.as_str())
            .collect(),
    })
}

pub(crate) async fn show(State(app): State<App>, staff: Staff, RawQuery(raw): RawQuery) -> Page {
    let lang = staff.ctx.lang;
    let notice = match raw.as_deref() {
        Some("done=added") => Some(lang.t("exports-added")),
        Some("done=stopped") => Some(lang.t("exports-stopped")),
        _ => None,
    };
    let form = ScheduleForm {
        frequency: "daily".into(),
        orders_format: "csv".into(),
        documents: Some("on".into()),
        language: lang.code().into(),
        ..ScheduleForm::default()
    };
    Ok(page(&app, &staff, form, notice, None)
        .await?
        .into_response())
}

pub(crate) async fn add(
    State(app): State<App>,
    staff: Staff,
    Form(form): Form<ScheduleForm>,
) -> Page {
    match app
        .create_export_schedule(&staff.principal, &form.input())
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("{PAGE}?done=added")).into_response()),
        Err(error @ AppError::Invalid(_)) => {
            let shown = page(&app, &staff, form, None, Some(&error)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, shown).into_response())
        }
        Err(error) => Err(render::app_error(&staff.ctx, error)),
    }
}

pub(crate) async fn stop(State(app): State<App>, staff: Staff, Path(id): Path<String>) -> Page {
    let fail = |e| render::app_error(&staff.ctx, e);
    let id = Uuid::parse_str(&id).map_err(|_| fail(AppError::NotFound("export schedule")))?;
    app.delete_export_schedule(&staff.principal, id)
        .await
        .map_err(fail)?;
    Ok(Redirect::to(&format!("{PAGE}?done=stopped")).into_response())
}
