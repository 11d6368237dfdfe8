//! Payment reminders for overdue invoices (NTF-5): each shop's policy, dunning stops on an
//! invoice or a customer, and the daily run that sends the next level of every overdue invoice.
//!
//! The daily run (`invoice.overdue_check`, scheduled once a day for the installation) works shop
//! by shop and invoice by invoice, one transaction each: the reminder row (one per invoice and
//! level, by its key), the message with its job, and the order's history event commit together
//! or not at all, so a run that dies or races another sends each level once.

use crate::message::template::ReminderFacts;
use crate::message::{invoice_facts, write_about_order};
use crate::time::rfc3339;
use crate::{App, AppError, Principal};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tilaus_domain::customer::CustomerKind;
use tilaus_domain::document::DocumentKind;
use tilaus_domain::dunning::{DunningPolicy, LastReminder, ReminderLevel};
use tilaus_domain::event::EventKind;
use tilaus_domain::format;
use tilaus_domain::language::Language;
use tilaus_domain::message::MessageKind;
use tilaus_store::dunning::{self as store, ReminderRow, SettingsRow, StopRow};
use tilaus_store::{ShopScope, document, now_micros, order, shop};
use utoipa::ToSchema;
use uuid::Uuid;

/// A shop's reminder policy as the API shows and takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DunningSettings {
    /// Reminders are sent only when on; a new shop has them off.
    pub enabled: bool,
    /// No reminder before an invoice is this many days past due (0–365).
    pub grace_days: i64,
    /// One to three levels, each later than the one before: `{days_overdue, fee}` with the fee
    /// in minor units (a consumer is never charged more than 5,00 €, Saatavien perintälaki 10 e §).
    #[schema(value_type = Vec<Object>)]
    pub levels: Vec<ReminderLevel>,
}

impl Default for DunningSettings {
    fn default() -> Self {
        let policy = DunningPolicy::default();
        Self {
            enabled: false,
            grace_days: policy.grace_days,
            levels: policy.levels,
        }
    }
}

/// A dunning stop on one invoice or on every invoice of one customer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DunningStopView {
    pub id: Uuid,
    pub document_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub by: String,
    pub created_at: String,
}

impl From<StopRow> for DunningStopView {
    fn from(row: StopRow) -> Self {
        Self {
            id: row.stop_id,
            document_id: row.document_id,
            customer_id: row.customer_id,
            by: row.actor_label,
            created_at: rfc3339(row.created_at),
        }
    }
}

/// What a dunning stop holds back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopTarget {
    Invoice(Uuid),
    Customer(Uuid),
}

fn settings_of(row: Option<SettingsRow>) -> DunningSettings {
    row.and_then(|row| {
        Some(DunningSettings {
            enabled: row.enabled,
            grace_days: row.grace_days,
            levels: serde_json::from_str(&row.levels).ok()?,
        })
    })
    .unwrap_or_default()
}

impl App {
    pub async fn dunning_settings(
        &self,
        principal: &Principal,
    ) -> Result<DunningSettings, AppError> {
        let mut conn = self.db.read().await?;
        Ok(settings_of(
            store::settings(&mut conn, principal.read_scope()).await?,
        ))
    }

    /// Sets the shop's reminder policy (owner or manager).
    pub async fn put_dunning_settings(
        &self,
        principal: &Principal,
        input: &DunningSettings,
    ) -> Result<DunningSettings, AppError> {
        let scope = principal.admin_scope()?;
        let policy = DunningPolicy {
            grace_days: input.grace_days,
            levels: input.levels.clone(),
        }
        .validate()?;
        let row = SettingsRow {
            enabled: input.enabled,
            grace_days: policy.grace_days,
            levels: serde_json::to_string(&policy.levels)
                .map_err(|e| AppError::Conflict(format!("the levels cannot be stored: {e}")))?,
        };
        let mut tx = self.db.begin().await?;
        store::put_settings(&mut tx, scope, &row, now_micros()).await?;
        tx.commit().await?;
        Ok(settings_of(Some(row)))
    }

    pub async fn dunning_stops(
        &self,
        principal: &Principal,
    ) -> Result<Vec<DunningStopView>, AppError> {
        let mut conn = self.db.read().await?;
        let rows = store::stops(&mut conn, principal.read_scope()).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Stops reminders for an invoice of the shop, or for every invoice of a customer; 409 when
    /// one is stopped already.
    pub async fn stop_dunning(
        &self,
        principal: &Principal,
        target: StopTarget,
    ) -> Result<DunningStopView, AppError> {
        let scope = principal.write_scope()?;
        let mut tx = self.db.begin().await?;
        let (document_id, customer_id) = match target {
            StopTarget::Invoice(id) => {
                let invoice = document::get(&mut tx, scope, id)
                    .await?
                    .filter(|d| d.kind == DocumentKind::Invoice.as_str())
                    .ok_or(AppError::NotFound("invoice"))?;
                (Some(invoice.document_id), None)
            }
            StopTarget::Customer(id) => {
                let customer = tilaus_store::customer::get(&mut tx, scope, id)
                    .await?
                    .ok_or(AppError::NotFound("customer"))?;
                (None, Some(customer.customer_id))
            }
        };
        let row = StopRow {
            stop_id: Uuid::now_v7(),
            document_id,
            customer_id,
            actor_label: principal.actor.label.clone(),
            created_at: now_micros(),
        };
        if !store::insert_stop(&mut tx, scope, &row).await? {
            return Err(AppError::Conflict("reminders are stopped already".into()));
        }
        tx.commit().await?;
        Ok(row.into())
    }

    /// Lifts a dunning stop; 404 when there was none.
    pub async fn resume_dunning(
        &self,
        principal: &Principal,
        target: StopTarget,
    ) -> Result<(), AppError> {
        let scope = principal.write_scope()?;
        let (document_id, customer_id) = match target {
            StopTarget::Invoice(id) => (Some(id), None),
            StopTarget::Customer(id) => (None, Some(id)),
        };
        let mut tx = self.db.begin().await?;
        if !store::delete_stop(&mut tx, scope, document_id, customer_id).await? {
            return Err(AppError::NotFound("dunning stop"));
        }
        tx.commit().await?;
        Ok(())
    }

    /// The daily run: sends the next reminder level of every overdue invoice of every shop that
    /// has reminders on, as of `now` in each shop's time zone; returns how many were sent.
    pub async fn send_overdue_reminders(&self, now: Timestamp) -> Result<u32, AppError> {
        let shops = {
            let mut conn = self.db.read().await?;
            store::enabled_shops(&mut conn).await?
        };
        let mut sent = 0;
        for shop_id in shops {
            sent += self
                .remind_shop(ShopScope::authorised(shop_id), now)
                .await?;
        }
        Ok(sent)
    }

    async fn remind_shop(&self, scope: ShopScope, now: Timestamp) -> Result<u32, AppError> {
        let (today, settings, stops, overdue) = {
            let mut conn = self.db.read().await?;
            let shop = shop::get_shop(&mut conn, scope)
                .await?
                .ok_or(AppError::NotFound("shop"))?;
            let today = now
                .to_zoned_datetime(crate::time::zone(&shop.time_zone))
                .date();
            let settings = settings_of(store::settings(&mut conn, scope).await?);
            let stops = store::stops(&mut conn, scope).await?;
            let overdue = store::overdue_invoices(&mut conn, scope, &today.to_string()).await?;
            (today, settings, stops, overdue)
        };
        let policy = DunningPolicy {
            grace_days: settings.grace_days,
            levels: settings.levels,
        };
        let stopped = |invoice: &store::OverdueRow| {
            stops.iter().any(|s| {
                s.document_id == Some(invoice.document_id)
                    || s.customer_id == Some(invoice.customer_id)
            })
        };
        let mut sent = 0;
        for invoice in overdue.iter().filter(|i| !stopped(i)) {
            match self.remind(scope, &policy, invoice, today).await {
                Ok(true) => sent += 1,
                Ok(false) => {}
                // One invoice's trouble (e.g. a corrupt row) does not hold back the others.
                Err(error) => tracing::warn!(
                    document_id = %invoice.document_id,
                    %error,
                    "a payment reminder could not be written"
                ),
            }
        }
        Ok(sent)
    }

    /// Sends the invoice's next reminder if one is due today; `false` when none is (or another
    /// run sent it first).
    async fn remind(
        &self,
        scope: ShopScope,
        policy: &DunningPolicy,
        invoice: &store::OverdueRow,
        today: Date,
    ) -> Result<bool, AppError> {
        let corrupt =
            |what: &str| AppError::Conflict(format!("the invoice's {what} is unreadable"));
        let due: Date = invoice.due_date.parse().map_err(|_| corrupt("due date"))?;
        let mut tx = self.db.begin().await?;
        let last = store::reminders(&mut tx, scope, invoice.document_id)
            .await?
            .last()
            .map(|r| -> Result<LastReminder, AppError> {
                Ok(LastReminder {
                    level: u8::try_from(r.level).map_err(|_| corrupt("reminder level"))?,
                    sent_on: r.sent_on.parse().map_err(|_| corrupt("reminder date"))?,
                })
            })
            .transpose()?;
        let Some(level) = policy.level_due(due, today, last) else {
            return Ok(false);
        };
        let (Some(order), Some(document)) = (
            order::get(&mut tx, scope, invoice.order_id).await?,
            document::get(&mut tx, scope, invoice.document_id).await?,
        ) else {
            return Ok(false);
        };
        let amount_due = crate::payment::balance_due(&mut tx, scope, &order).await?;
        if amount_due <= 0 {
            return Ok(false);
        }
        let consumer =
            CustomerKind::parse(&order.customer_kind) != Some(CustomerKind::Organisation);
        let fee = policy.fee(level, consumer);
        let invoice = invoice_facts(&mut tx, scope, &order, document.document_id)
            .await?
            .map(|(_, facts)| facts);
        let language = Language::parse(&order.language).unwrap_or(Language::Fi);
        let money = |minor: i64| format::money(language, minor, &order.currency);
        let facts = ReminderFacts {
            level,
            days_overdue: due.until(today).map_or(0, |s| i64::from(s.get_days())),
            amount_due: money(amount_due),
            fee: (fee > 0).then(|| money(fee)),
            total: money(amount_due.saturating_add(fee)),
            commercial: !consumer,
        };
        let dedupe = format!(
            "{}:{}:{level}",
            MessageKind::InvoiceReminder,
            document.document_id
        );
        let message = write_about_order(
            &mut tx,
            scope,
            &order,
            MessageKind::InvoiceReminder,
            tilaus_domain::message::Channel::Email,
            crate::job::EnqueueOptions {
                dedupe_key: Some(dedupe),
                ..Default::default()
            },
            // The invoice itself goes with every reminder, as Finnish reminders carry it.
            &[document.document_id],
            |context| {
                context.invoice = invoice;
                context.reminder = Some(facts);
            },
        )
        .await?;
        let reminder = ReminderRow {
            document_id: document.document_id,
            level: i32::from(level),
            message_id: message.as_ref().map(|m| m.message_id),
            fee,
            sent_on: today.to_string(),
            created_at: now_micros(),
        };
        if !store::insert_reminder(&mut tx, scope, &reminder).await? {
            return Ok(false);
        }
        let data = json!({
            "document_id": document.document_id, "number": document.display_number, "level": level, "fee": fee,
            "message_id": reminder.message_id,
            "subject": message.as_ref().map(|m| m.subject.clone()),
            "to": message.as_ref().map(|m| m.recipient.clone()),
        });
        let actor = Principal::system(scope.shop_id(), "dunning").actor;
        crate::order::append_event(
            &mut tx,
            scope,
            order.order_id,
            EventKind::ReminderSent,
            &actor,
            data,
        )
        .await?;
        tx.commit().await?;
        self.events_committed(scope);
        self.jobs_committed();
        Ok(true)
    }
}
