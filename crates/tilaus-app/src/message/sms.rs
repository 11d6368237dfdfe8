//! Text messages (NTF-2): the installation's SMS provider, each shop's SMS settings, quiet hours,
//! and the provider's delivery reports.
//!
//! A shop texts its customers once it has a sender name; the rules say which messages go by
//! SMS (by default: shipped and delayed). A text is written like an e-mail (rendered, logged,
//! queued with its job in the event's transaction), held back to the end of the shop's quiet
//! hours, sent by the `message.send` job through the provider, and moved to `delivered` or
//! `failed` by the provider's signed delivery report.

use crate::{App, AppError, Principal};
use jiff::civil::Time;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use tilaus_domain::customer::Email;
use tilaus_domain::sms::{PhoneNumber, QuietHours, countries};
use tilaus_domain::text::{self, MAX_SHORT};
use tilaus_domain::validation::ValidationErrors;
use tilaus_integrations::sms::{
    EU_BASE_URL, GatewayApi, ReportStatus, SmsSender, sender_name, verify_delivery_report,
};
use tilaus_store::message::{self as store, Report, SettingsRow};
use tilaus_store::{ShopScope, now_micros};
use utoipa::ToSchema;
use uuid::Uuid;

/// The header GatewayAPI signs its delivery reports in.
pub use tilaus_integrations::sms::SIGNATURE_HEADER;

/// The installation's SMS provider account, and the secret its delivery reports are signed
/// with (without one, no reports are asked for: they could not be trusted).
#[derive(Debug, Clone)]
pub struct SmsConfig {
    pub sender: Arc<dyn SmsSender>,
    pub webhook_secret: Option<String>,
}

impl SmsConfig {
    /// GatewayAPI from the environment: `TILAUS_SMS_TOKEN` (none: the installation sends no
    /// SMS), `TILAUS_SMS_URL` (the EU platform `https://gatewayapi.eu` by default) and
    /// `TILAUS_SMS_WEBHOOK_SECRET` (the secret of the account's delivery-report webhook).
    pub fn from_env() -> Result<Option<SmsConfig>, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let Some(token) = var("TILAUS_SMS_TOKEN") else {
            return Ok(None);
        };
        let url = var("TILAUS_SMS_URL").unwrap_or_else(|| EU_BASE_URL.to_owned());
        let sender = GatewayApi::new(&url, &token).map_err(|e| e.to_string())?;
        Ok(Some(SmsConfig {
            sender: Arc::new(sender),
            webhook_secret: var("TILAUS_SMS_WEBHOOK_SECRET"),
        }))
    }
}

/// A shop's messaging settings as the API shows and takes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageSettings {
    /// Order events send e-mail by the shop's rules (on by default).
    pub automatic_email: bool,
    /// Where customers' replies go: the shop's own mailbox.
    pub reply_to: Option<String>,
    /// The sender customers see on text messages: up to 11 letters A–Z and digits, or a phone
    /// number. Without it the shop sends no SMS.
    pub sms_sender: Option<String>,
    /// Quiet hours, local `HH:MM` (e.g. `21:00` to `08:00`): texts due inside them wait for
    /// their end. Both or neither.
    pub quiet_from: Option<String>,
    pub quiet_until: Option<String>,
    /// The country of phone numbers written without a country code: FI, SE, NO, DK, EE or DE.
    pub phone_country: String,
}

impl From<SettingsRow> for MessageSettings {
    fn from(row: SettingsRow) -> Self {
        MessageSettings {
            automatic_email: row.automatic_email,
            reply_to: row.reply_to,
            sms_sender: row.sms_sender,
            quiet_from: row.quiet_from,
            quiet_until: row.quiet_until,
            phone_country: row.phone_country,
        }
    }
}

fn clock(text: &str) -> Result<Time, String> {
    Time::strptime("%H:%M", text.trim()).map_err(|_| "give a time as HH:MM, e.g. 21:00".into())
}

impl MessageSettings {
    /// Checks the settings as given; blank text is none.
    fn validate(&self) -> Result<SettingsRow, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let optional = |value: &Option<String>| text::optional(value.as_deref(), MAX_SHORT);
        let reply_to = match optional(&self.reply_to) {
            Ok(Some(address)) => errors
                .check("/reply_to", Email::parse(&address))
                .map(|e| e.as_str().to_owned()),
            Ok(None) => None,
            Err(e) => errors.check("/reply_to", Err(e)),
        };
        let sms_sender = match optional(&self.sms_sender) {
            Ok(Some(name)) => {
                errors.check("/sms_sender", sender_name(&name).map_err(|e| e.to_string()))
            }
            Ok(None) => None,
            Err(e) => errors.check("/sms_sender", Err(e)),
        };
        let from = optional(&self.quiet_from).unwrap_or_default();
        let until = optional(&self.quiet_until).unwrap_or_default();
        let (quiet_from, quiet_until) = match (&from, &until) {
            (Some(f), Some(u)) => (
                errors
                    .check("/quiet_from", clock(f))
                    .map(|t| t.strftime("%H:%M").to_string()),
                errors
                    .check("/quiet_until", clock(u))
                    .map(|t| t.strftime("%H:%M").to_string()),
            ),
            (None, None) => (None, None),
            (None, Some(_)) => {
                errors.push(
                    "/quiet_from",
                    "give both ends of the quiet hours, or neither",
                );
                (None, None)
            }
            (Some(_), None) => {
                errors.push(
                    "/quiet_until",
                    "give both ends of the quiet hours, or neither",
                );
                (None, None)
            }
        };
        let country = self.phone_country.trim().to_ascii_uppercase();
        if !countries().any(|c| c == country) {
            let known: Vec<_> = countries().collect();
            errors.push(
                "/phone_country",
                format!("give one of {}", known.join(", ")),
            );
        }
        errors.into_result().map(|()| SettingsRow {
            automatic_email: self.automatic_email,
            reply_to,
            sms_sender,
            quiet_from,
            quiet_until,
            phone_country: country,
        })
    }
}

/// The shop's quiet hours, if it keeps any (stored values were checked when saved).
pub(crate) fn quiet_hours(settings: &SettingsRow) -> Option<QuietHours> {
    let from = clock(settings.quiet_from.as_deref()?).ok()?;
    let until = clock(settings.quiet_until.as_deref()?).ok()?;
    Some(QuietHours {
        start: from,
        end: until,
    })
}

/// How long a text due after `delay` must wait so that it leaves outside the shop's quiet
/// hours, in the shop's time zone.
pub(crate) fn outside_quiet_hours(
    settings: &SettingsRow,
    zone: &jiff::tz::TimeZone,
    delay: Duration,
) -> Duration {
    let Some(quiet) = quiet_hours(settings) else {
        return delay;
    };
    let due = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::try_from(delay).unwrap_or_default())
        .unwrap_or_else(|_| jiff::Timestamp::now())
        .to_zoned_datetime(zone.clone());
    let allowed = quiet.next_allowed(due.clone());
    let wait = allowed.timestamp().duration_since(due.timestamp());
    delay + Duration::try_from(wait).unwrap_or_default()
}

/// The order's customer's phone in E.164, read with the shop's country; `None` without a number,
/// the reason when the number cannot be used.
pub(crate) fn recipient(
    phone: Option<&str>,
    settings: &SettingsRow,
) -> Option<Result<PhoneNumber, String>> {
    let phone = phone.map(str::trim).filter(|p| !p.is_empty())?;
    Some(
        PhoneNumber::parse(phone, &settings.phone_country)
            .map_err(|e| format!("the phone number {phone} cannot take a text message: {e}")),
    )
}

impl App {
    /// Replaces the payment configuration's sibling: the installation's SMS provider (the
    /// binary's start-up and tests call this).
    pub fn with_sms(mut self, config: SmsConfig) -> App {
        self.sms = Some(Arc::new(config));
        self
    }

    pub(crate) fn sms(&self) -> Option<&SmsConfig> {
        self.sms.as_deref()
    }

    pub async fn message_settings(
        &self,
        principal: &Principal,
    ) -> Result<MessageSettings, AppError> {
        let mut conn = self.db.read().await?;
        Ok(store::settings(&mut conn, principal.read_scope())
            .await?
            .into())
    }

    /// Sets the shop's messaging settings (owner or manager).
    pub async fn put_message_settings(
        &self,
        principal: &Principal,
        input: &MessageSettings,
    ) -> Result<MessageSettings, AppError> {
        let scope = principal.admin_scope()?;
        let row = input.validate()?;
        let mut tx = self.db.begin().await?;
        store::put_settings(&mut tx, scope, &row, now_micros()).await?;
        tx.commit().await?;
        Ok(row.into())
    }

    /// A delivery report from the SMS provider for a text of `shop_id`: verified by its
    /// signature, then recorded on the message (the first final word wins). `Ok(false)` when it
    /// changed nothing (a repeat, an interim status, a message we do not know).
    pub async fn sms_delivery_report(
        &self,
        shop_id: Uuid,
        signature: &str,
        body: &[u8],
    ) -> Result<bool, AppError> {
        let secret = self
            .sms()
            .and_then(|c| c.webhook_secret.as_deref())
            .ok_or_else(|| AppError::Forbidden("SMS delivery reports are not set up".into()))?;
        let report = verify_delivery_report(signature, body, secret.as_bytes()).map_err(|e| {
            tracing::warn!(%shop_id, error = %e, "an SMS delivery report was refused");
            AppError::Forbidden(format!("the delivery report is not trusted: {e}"))
        })?;
        let Some(message_id) = report
            .userref
            .as_deref()
            .and_then(|r| Uuid::parse_str(r).ok())
        else {
            return Ok(false);
        };
        let outcome = report.outcome();
        let report_of = match &outcome {
            ReportStatus::Delivered => Report::Delivered,
            ReportStatus::Failed(reason) => Report::Failed(reason),
            ReportStatus::Pending => return Ok(false),
        };
        let scope = ShopScope::authorised(shop_id);
        let mut tx = self.db.begin().await?;
        let provider_id = report.id.to_string();
        let changed = store::record_report(
            &mut tx,
            scope,
            message_id,
            &provider_id,
            report_of,
            now_micros(),
        )
        .await?;
        tx.commit().await?;
        Ok(changed)
    }
}
