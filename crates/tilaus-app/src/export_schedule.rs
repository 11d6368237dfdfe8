//! Scheduled exports (NTF-6): a shop has its orders (CSV or XLSX) and documents (PDF) of each
//! ended day, week or month mailed to its accountant, as Johku schedules accounting reports.
//!
//! The daily run (`exports.scheduled`, once a day for the installation) works shop by shop and
//! schedule by schedule, one transaction each: the schedule's "sent up to" day moves on and the
//! message with its job is written together, or not at all. The order list is made when the
//! message is sent, so the mail carries the orders as they stand then.

use crate::message::{Attached, MessageList, OrdersFile, template::ExportFacts, write_about_shop};
use crate::time::rfc3339;
use crate::{App, AppError, Principal};
use serde::{Deserialize, Serialize};
use tilaus_domain::customer::Email;
use tilaus_domain::export_schedule::{Frequency, Period};
use tilaus_domain::format;
use tilaus_domain::language::Language;
use tilaus_domain::message::MessageKind;
use tilaus_domain::validation::ValidationErrors;
use tilaus_store::export_schedule::{self as store, ScheduleRow};
use tilaus_store::{ShopScope, document, now_micros};
use utoipa::ToSchema;
use uuid::Uuid;

/// A schedule as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExportScheduleView {
    pub id: Uuid,
    pub recipient: String,
    /// `daily`, `weekly` or `monthly`.
    pub frequency: String,
    /// `csv` or `xlsx`; none when no order list is sent.
    pub orders_format: Option<String>,
    /// The documents issued in the period go along as PDF.
    pub documents: bool,
    pub language: String,
    /// The last day of the last period sent.
    pub sent_up_to: Option<String>,
    pub created_by: String,
    pub created_at: String,
}

impl From<ScheduleRow> for ExportScheduleView {
    fn from(row: ScheduleRow) -> Self {
        Self {
            id: row.schedule_id,
            recipient: row.recipient,
            frequency: row.frequency,
            orders_format: row.orders_format,
            documents: row.documents,
            language: row.language,
            sent_up_to: row.sent_up_to,
            created_by: row.created_by,
            created_at: rfc3339(row.created_at),
        }
    }
}

/// A new schedule.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewExportSchedule {
    /// Where it goes, e.g. the accountant's address.
    pub recipient: String,
    /// `daily` (yesterday's, every morning), `weekly` (last week's, on Mondays) or `monthly`
    /// (last month's, on the first).
    pub frequency: String,
    /// `csv` or `xlsx` for the order list; none for documents only.
    pub orders_format: Option<String>,
    /// Attach the documents issued in the period as PDF.
    #[serde(default)]
    pub documents: bool,
    /// The mail's language (`fi`, `sv`, `en`); the shop's default when absent.
    pub language: Option<String>,
}

impl NewExportSchedule {
    fn validate(
        &self,
    ) -> Result<(Email, Frequency, Option<String>, Option<Language>), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let recipient = errors.check("/recipient", Email::parse(self.recipient.trim()));
        let frequency = errors.check(
            "/frequency",
            Frequency::parse(&self.frequency)
                .ok_or_else(|| format!("give one of {}", Frequency::expected())),
        );
        let format = match self.orders_format.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(f @ ("csv" | "xlsx")) => Some(f.to_owned()),
            Some(_) => {
                errors.push("/orders_format", "give csv or xlsx, or none");
                None
            }
        };
        if format.is_none() && !self.documents {
            errors.push("/documents", "send the order list, the documents or both");
        }
        let language = match self.language.as_deref() {
            None => None,
            Some(code) => errors.check(
                "/language",
                Language::parse(code).ok_or_else(|| format!("'{code}' is not a language code")),
            ),
        };
        errors.into_result()?;
        match (recipient, frequency) {
            (Some(recipient), Some(frequency)) => Ok((recipient, frequency, format, language)),
            _ => Err(ValidationErrors::single("/", "invalid schedule")),
        }
    }
}

impl App {
    pub async fn export_schedules(
        &self,
        principal: &Principal,
    ) -> Result<Vec<ExportScheduleView>, AppError> {
        let mut conn = self.db.read().await?;
        let rows = store::list(&mut conn, principal.read_scope()).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Adds a schedule (owner or manager). Its first export is the next period to end: a
    /// schedule made today does not send the periods before it.
    pub async fn create_export_schedule(
        &self,
        principal: &Principal,
        input: &NewExportSchedule,
    ) -> Result<ExportScheduleView, AppError> {
        let scope = principal.admin_scope()?;
        let (recipient, frequency, orders_format, language) = input.validate()?;
        let mut tx = self.db.begin().await?;
        let shop = self.shop_context(&mut tx, scope).await?;
        let today = jiff::Timestamp::now()
            .to_zoned_datetime(shop.zone.clone())
            .date();
        let row = ScheduleRow {
            schedule_id: Uuid::now_v7(),
            recipient: recipient.as_str().to_owned(),
            frequency: frequency.as_str().into(),
            orders_format,
            documents: input.documents,
            language: language.unwrap_or_else(|| shop.language()).as_str().into(),
            sent_up_to: frequency.last_ended(today).map(|p| p.last.to_string()),
            created_by: principal.actor.label.clone(),
            created_at: now_micros(),
        };
        store::insert(&mut tx, scope, &row).await?;
        tx.commit().await?;
        Ok(row.into())
    }

    /// The latest scheduled exports sent (or being sent), newest first, with their state.
    pub async fn export_messages(&self, principal: &Principal) -> Result<MessageList, AppError> {
        let mut conn = self.db.read().await?;
        let kind = MessageKind::ScheduledExport.as_str();
        let rows =
            tilaus_store::message::about_shop(&mut conn, principal.read_scope(), kind, 20).await?;
        Ok(MessageList {
            items: rows.into_iter().map(Into::into).collect(),
        })
    }

    pub async fn delete_export_schedule(
        &self,
        principal: &Principal,
        schedule_id: Uuid,
    ) -> Result<(), AppError> {
        let scope = principal.admin_scope()?;
        let mut tx = self.db.begin().await?;
        if !store::delete(&mut tx, scope, schedule_id).await? {
            return Err(AppError::NotFound("export schedule"));
        }
        tx.commit().await?;
        Ok(())
    }

    /// The daily run: for every shop, mails each schedule's period that has ended by `now` in
    /// the shop's time zone and was not sent yet. Returns how many exports were written.
    pub async fn send_scheduled_exports(&self, now: jiff::Timestamp) -> Result<usize, AppError> {
        let shops = {
            let mut conn = self.db.read().await?;
            store::shops(&mut conn).await?
        };
        let mut written = 0;
        for shop_id in shops {
            let scope = ShopScope::authorised(shop_id);
            let schedules = {
                let mut conn = self.db.read().await?;
                store::list(&mut conn, scope).await?
            };
            for schedule in schedules {
                match self.send_due_export(scope, &schedule, now).await {
                    Ok(true) => written += 1,
                    Ok(false) => {}
                    // One shop's broken schedule does not hold back the others.
                    Err(error) => {
                        tracing::warn!(%shop_id, schedule_id = %schedule.schedule_id, %error, "a scheduled export failed")
                    }
                }
            }
        }
        if written > 0 {
            self.jobs_committed();
        }
        Ok(written)
    }

    /// Writes the schedule's due export, if any, in one transaction.
    async fn send_due_export(
        &self,
        scope: ShopScope,
        schedule: &ScheduleRow,
        now: jiff::Timestamp,
    ) -> Result<bool, AppError> {
        let Some(frequency) = Frequency::parse(&schedule.frequency) else {
            return Ok(false);
        };
        let mut tx = self.db.begin().await?;
        let shop = self.shop_context(&mut tx, scope).await?;
        let today = now.to_zoned_datetime(shop.zone.clone()).date();
        let sent_up_to = schedule.sent_up_to.as_deref().and_then(|d| d.parse().ok());
        let Some(period) = frequency.due(today, sent_up_to) else {
            return Ok(false);
        };
        let (first, last) = (period.first.to_string(), period.last.to_string());
        if !store::mark_sent(&mut tx, scope, schedule.schedule_id, &last).await? {
            return Ok(false);
        }
        let mut attached = Vec::new();
        if let Some(format) = &schedule.orders_format {
            attached.push(Attached::Orders {
                orders: OrdersFile {
                    first: first.clone(),
                    last: last.clone(),
                    format: format.clone(),
                },
            });
        }
        let documents = if schedule.documents {
            document::issued_between(&mut tx, scope, &first, &last).await?
        } else {
            Vec::new()
        };
        attached.extend(documents.iter().copied().map(Attached::Document));
        let language = Language::parse(&schedule.language).unwrap_or_else(|| shop.language());
        let facts = ExportFacts {
            period: written_period(language, period),
            orders: schedule.orders_format.as_deref().map(str::to_uppercase),
            documents: documents.len(),
        };
        let dedupe = format!("export:{}:{first}", schedule.schedule_id);
        write_about_shop(
            &mut tx,
            scope,
            MessageKind::ScheduledExport,
            schedule.recipient.clone(),
            language,
            &attached,
            dedupe,
            |context| context.export = Some(facts),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}

/// A period for people: one day, or its first and last day.
fn written_period(language: Language, period: Period) -> String {
    if period.first == period.last {
        format::date(language, period.first)
    } else {
        format!(
            "{}–{}",
            format::date(language, period.first),
            format::date(language, period.last)
        )
    }
}
