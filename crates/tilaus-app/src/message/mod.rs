//! Messages to customers (issue 6): the rules that write them, the communication log, resending,
//! and the job that sends them (see [`send`]).
//!
//! An order event that should tell the customer something (by the shop's rules, see
//! [`crate::rules`]) writes the message, already rendered, and its `message.send` job in the
//! event's own transaction: [`crate::order::append_event`] runs the rules, so no use case can
//! forget it. If the transaction rolls back, neither exists;
//! if it commits, the runner sends the message at least once and the message's state makes the
//! repeat harmless.

pub mod custom;
mod send;
pub mod sms;
pub mod sms_template;
pub mod template;

pub use send::{DocumentFiles, SendMessage, SendMessages};
pub use tilaus_integrations::mail::Attachment;
pub use tilaus_integrations::mail::Mailer;

use crate::job::{self, EnqueueOptions, Enqueued};
use crate::time::rfc3339;
use crate::{App, AppError, Principal};
use serde::{Deserialize, Serialize};
use template::{
    Context, CustomerFacts, DelayFacts, DeliveryFacts, InvoiceFacts, LineFacts, OrderFacts,
    PaymentFacts, PersonalFacts, ShopFacts, TotalsFacts,
};
use tilaus_domain::customer::Email;
use tilaus_domain::document::DocumentKind;
use tilaus_domain::event::EventKind;
use tilaus_domain::format;
use tilaus_domain::language::Language;
use tilaus_domain::message::{Channel, MessageKind, MessageState};
use tilaus_domain::text::{self, MAX_LONG, MAX_SHORT};
use tilaus_domain::validation::ValidationErrors;
use tilaus_store::message::{self as store, MessageRow};
use tilaus_store::{Queries, ShopScope, now_micros, order, shop};
use utoipa::ToSchema;
use uuid::Uuid;

/// A message in the communication log, as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MessageView {
    pub id: Uuid,
    pub order_id: Option<Uuid>,
    /// e.g. `order_confirmed`.
    pub kind: String,
    /// `email` (SMS later).
    pub channel: String,
    pub to: String,
    /// The language it was written in.
    pub language: String,
    /// The order's language when the shop had no template in it and its default was used.
    pub fallback_from: Option<String>,
    pub subject: String,
    /// The plain-text body as sent.
    pub body_text: String,
    /// `queued`, `sending`, `sent`, `delivered` or `failed`.
    pub state: String,
    /// SMTP conversations started for it.
    pub attempts: i32,
    pub failure_reason: Option<String>,
    /// The SMTP Message-ID.
    pub provider_id: Option<String>,
    /// The message this one sends again.
    pub resend_of: Option<Uuid>,
    /// The documents sent with it as PDF.
    pub attachments: Vec<Uuid>,
    pub created_at: String,
    pub sent_at: Option<String>,
}

impl From<MessageRow> for MessageView {
    fn from(row: MessageRow) -> Self {
        let attachments = documents_of(&row);
        Self {
            id: row.message_id,
            order_id: row.order_id,
            kind: row.kind,
            channel: row.channel,
            to: row.recipient,
            language: row.language,
            fallback_from: row.fallback_from,
            subject: row.subject,
            body_text: row.body_text,
            state: row.state,
            attempts: row.attempts,
            failure_reason: row.failure_reason,
            provider_id: row.provider_id,
            resend_of: row.resend_of,
            attachments,
            created_at: rfc3339(row.created_at),
            sent_at: row.sent_at.map(rfc3339),
        }
    }
}

/// How many of a customer's latest messages their page and the API show.
const CUSTOMER_MESSAGES: u64 = 50;

/// The order's messages, oldest first; a customer's, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MessageList {
    pub items: Vec<MessageView>,
}

/// A message staff write to the order's customer in their own words.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    pub subject: String,
    /// Plain text; blank lines separate paragraphs.
    pub body: String,
    /// The address to write to; the customer's e-mail on the order when absent.
    pub to: Option<String>,
}

/// Sending a message again, optionally to a corrected address.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Resend {
    /// A corrected address; the original's when absent.
    pub to: Option<String>,
}

impl App {
    /// The communication log of one order.
    pub async fn order_messages(
        &self,
        principal: &Principal,
        order_id: Uuid,
    ) -> Result<MessageList, AppError> {
        let scope = principal.read_scope();
        let mut conn = self.db.read().await?;
        order::get(&mut conn, scope, order_id)
            .await?
            .ok_or(AppError::NotFound("order"))?;
        let rows = store::for_order(&mut conn, scope, order_id).await?;
        Ok(MessageList {
            items: rows.into_iter().map(MessageView::from).collect(),
        })
    }

    /// A customer's latest messages over all their orders, newest first (CUS-7).
    pub async fn customer_messages(
        &self,
        principal: &Principal,
        customer_id: Uuid,
    ) -> Result<MessageList, AppError> {
        let scope = principal.read_scope();
        let mut conn = self.db.read().await?;
        tilaus_store::customer::get(&mut conn, scope, customer_id)
            .await?
            .ok_or(AppError::NotFound("customer"))?;
        let rows = store::for_customer(&mut conn, scope, customer_id, CUSTOMER_MESSAGES).await?;
        Ok(MessageList {
            items: rows.into_iter().map(MessageView::from).collect(),
        })
    }

    /// Writes a message from staff to the order's customer (ORD-14): logged and sent like any
    /// other, in the shop's layout, and noted in the order's history with who wrote it.
    pub async fn write_message(
        &self,
        principal: &Principal,
        order_id: Uuid,
        message: &NewMessage,
    ) -> Result<MessageView, AppError> {
        let scope = principal.write_scope()?;
        let mut errors = ValidationErrors::default();
        let subject = errors.check("/subject", text::required(&message.subject, MAX_SHORT));
        let body = errors.check("/body", text::required(&message.body, MAX_LONG));
        let to = match text::optional(message.to.as_deref(), MAX_SHORT) {
            Ok(to) => to.and_then(|to| errors.check("/to", Email::parse(&to))),
            Err(e) => errors.check("/to", Err(e)),
        };
        errors.into_result()?;
        let (subject, body) = (subject.unwrap_or_default(), body.unwrap_or_default());
        let mut tx = self.db.begin().await?;
        let order = order::get(&mut tx, scope, order_id)
            .await?
            .ok_or(AppError::NotFound("order"))?;
        let to = match (to, &order.customer_email) {
            (Some(to), _) => to.as_str().to_owned(),
            (None, Some(email)) => email.clone(),
            (None, None) => {
                return Err(AppError::invalid(
                    "/to",
                    "the order's customer has no e-mail address; give one",
                ));
            }
        };
        let shop = shop::get_shop(&mut tx, scope)
            .await?
            .ok_or(AppError::NotFound("shop"))?;
        let lines = order::lines(&mut tx, scope, order_id).await?;
        let language = Language::parse(&order.language).unwrap_or(Language::Fi);
        let brand = crate::brand::brand_of(&mut tx, scope).await?;
        let mut context = context(&shop, &brand, &order, &lines, language);
        context.personal = Some(PersonalFacts::new(&subject, &body));
        let (sources, _) = template::choose(MessageKind::Personal, language, language);
        let mail = template::render(sources, &context)
            .map_err(|e| AppError::invalid("/body", e.to_string()))?;
        let mut row = new_row(&order, MessageKind::Personal, to, language);
        row.subject = mail.subject;
        row.body_text = mail.text;
        row.body_html = mail.html;
        let row = queue(&mut tx, scope, row, EnqueueOptions::default())
            .await?
            .ok_or_else(|| AppError::Conflict("the message was not queued".into()))?;
        let data = serde_json::json!({"message_id": row.message_id, "subject": row.subject, "to": row.recipient});
        crate::order::append_event(
            &mut tx,
            scope,
            order_id,
            EventKind::MessageWritten,
            &principal.actor,
            data,
        )
        .await?;
        tx.commit().await?;
        self.events_committed(scope);
        self.jobs_committed();
        Ok(row.into())
    }

    /// Sends a message again as a new message linked to the original (to `to` if given).
    pub async fn resend_message(
        &self,
        principal: &Principal,
        message_id: Uuid,
        resend: &Resend,
    ) -> Result<MessageView, AppError> {
        let scope = principal.write_scope()?;
        let to = resend
            .to
            .as_deref()
            .map(Email::parse)
            .transpose()
            .map_err(|e| AppError::invalid("/to", e))?;
        let mut tx = self.db.begin().await?;
        let original = store::get(&mut tx, scope, message_id)
            .await?
            .ok_or(AppError::NotFound("message"))?;
        let now = now_micros();
        let row = MessageRow {
            message_id: Uuid::now_v7(),
            recipient: to.map_or(original.recipient.clone(), |e| e.as_str().to_owned()),
            state: MessageState::Queued.as_str().into(),
            provider_id: None,
            failure_reason: None,
            resend_of: Some(original.message_id),
            job_id: None,
            attempts: 0,
            created_at: now,
            updated_at: now,
            sent_at: None,
            ..original
        };
        let row = queue(&mut tx, scope, row, EnqueueOptions::default())
            .await?
            .ok_or_else(|| AppError::Conflict("the message was not queued".into()))?;
        tx.commit().await?;
        self.jobs_committed();
        Ok(row.into())
    }
}

/// Enqueues the message's job and writes the message with it; `None` when the dedupe key says
/// the message was already written (nothing is).
async fn queue(
    tx: &mut impl Queries,
    scope: ShopScope,
    mut row: MessageRow,
    options: EnqueueOptions,
) -> Result<Option<MessageRow>, AppError> {
    let send = SendMessage {
        message_id: row.message_id,
    };
    match job::enqueue(tx, Some(scope), &send, options).await? {
        Enqueued::Duplicate => Ok(None),
        Enqueued::New(job_id) => {
            row.job_id = Some(job_id);
            store::insert(tx, scope, &row).await?;
            Ok(Some(row))
        }
    }
}

/// What an event adds to its message: the documents it carries as PDF and the facts the
/// templates show about it (the invoice, the parcel's tracking, the delay, the payment).
#[derive(Debug, Default)]
pub(crate) struct EventFacts {
    pub documents: Vec<Uuid>,
    reason: Option<String>,
    invoice: Option<InvoiceFacts>,
    delivery: Option<DeliveryFacts>,
    delay: Option<DelayFacts>,
    payment: Option<PaymentFacts>,
}

impl EventFacts {
    /// Reads what a message of `kind` needs from its event's `data` and the order's documents.
    pub(crate) async fn gather(
        tx: &mut impl Queries,
        scope: ShopScope,
        order: &order::OrderRow,
        kind: MessageKind,
        data: &serde_json::Value,
    ) -> Result<EventFacts, AppError> {
        let text = |key: &str| data[key].as_str().map(str::to_owned);
        let language = Language::parse(&order.language).unwrap_or(Language::Fi);
        let mut facts = EventFacts {
            reason: text("reason"),
            ..EventFacts::default()
        };
        match kind {
            MessageKind::InvoiceIssued => {
                if let Some(Ok(id)) = data["document_id"].as_str().map(Uuid::parse_str)
                    && let Some((id, invoice)) = invoice_facts(tx, scope, order, id).await?
                {
                    facts.documents.push(id);
                    facts.invoice = Some(invoice);
                }
            }
            MessageKind::OrderShipped => {
                // The parcel's paperwork: the order's latest invoice or receipt.
                let sales = [DocumentKind::Invoice, DocumentKind::Receipt];
                let document = latest_document(tx, scope, order, &sales).await?;
                facts.delivery = Some(DeliveryFacts {
                    carrier: text("carrier"),
                    tracking_number: text("tracking_number"),
                    tracking_url: text("tracking_url"),
                    document: document.as_ref().map(|d| d.display_number.clone()),
                });
                facts.documents.extend(document.map(|d| d.document_id));
            }
            MessageKind::OrderDelayed => {
                let expected =
                    text("expected_on").and_then(|d| d.parse::<jiff::civil::Date>().ok());
                facts.delay = expected.map(|date| DelayFacts {
                    expected_on: format::date(language, date),
                });
            }
            MessageKind::PaymentReceived => {
                let receipt = latest_document(tx, scope, order, &[DocumentKind::Receipt]).await?;
                facts.payment = Some(PaymentFacts {
                    amount: data["amount"]
                        .as_i64()
                        .map(|a| format::money(language, a, &order.currency))
                        .unwrap_or_default(),
                    receipt: receipt.as_ref().map(|r| r.display_number.clone()),
                });
                facts.documents.extend(receipt.map(|r| r.document_id));
            }
            _ => {}
        }
        Ok(facts)
    }

    pub(crate) fn fill(self, context: &mut Context) {
        context.reason = self.reason;
        context.invoice = self.invoice;
        context.delivery = self.delivery;
        context.delay = self.delay;
        context.payment = self.payment;
    }
}

/// The order's newest document of one of `kinds`.
async fn latest_document(
    tx: &mut impl Queries,
    scope: ShopScope,
    order: &order::OrderRow,
    kinds: &[DocumentKind],
) -> Result<Option<tilaus_store::document::DocumentRow>, AppError> {
    let documents = tilaus_store::document::for_order(tx, scope, order.order_id).await?;
    Ok(documents
        .into_iter()
        .filter(|d| DocumentKind::parse(&d.kind).is_some_and(|k| kinds.contains(&k)))
        .max_by_key(|d| d.created_at))
}

/// An invoice of the order in the order's language, for the messages about it; `None` when the
/// shop has no such document.
pub(crate) async fn invoice_facts(
    tx: &mut impl Queries,
    scope: ShopScope,
    order: &order::OrderRow,
    document_id: Uuid,
) -> Result<Option<(Uuid, InvoiceFacts)>, AppError> {
    let Some(row) = tilaus_store::document::get(tx, scope, document_id).await? else {
        return Ok(None);
    };
    let content = crate::document::content_of(&row)?;
    let language = Language::parse(&order.language).unwrap_or(Language::Fi);
    let facts = InvoiceFacts {
        number: row.display_number.clone(),
        issue_date: format::date(language, content.issue_date),
        due_date: content
            .due_date
            .map(|d| format::date(language, d))
            .unwrap_or_default(),
        total: format::money(language, row.total, &row.currency),
        reference: content.reference.as_ref().map(|r| r.printed()),
        iban: content.seller.iban.clone(),
        bic: content.seller.bic.clone(),
    };
    Ok(Some((row.document_id, facts)))
}

/// Writes a message of `kind` about `order` to its customer through `channel` (their e-mail
/// address, or their phone for a text message), in the order's language (falling back as
/// [`template::choose`] says), with `facts` added to what the templates see and `documents`
/// attached as PDF (e-mail only), and queues it with `options` (once per its dedupe key, after
/// its delay; a text also waits out the shop's quiet hours). `None` when the customer has no
/// address or number, the kind is not sent by SMS, or the key was used. A template that cannot
/// be rendered, or a number that cannot take texts, leaves a `failed` message with the reason in
/// the log, and the caller's change goes through.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn write_about_order(
    tx: &mut impl Queries,
    scope: ShopScope,
    order: &order::OrderRow,
    kind: MessageKind,
    channel: Channel,
    mut options: EnqueueOptions,
    documents: &[Uuid],
    facts: impl FnOnce(&mut Context),
) -> Result<Option<MessageRow>, AppError> {
    let order_id = order.order_id;
    let shop = shop::get_shop(tx, scope)
        .await?
        .ok_or(AppError::NotFound("shop"))?;
    let wanted = Language::parse(&order.language).unwrap_or(Language::Fi);
    let shop_default = Language::parse(&shop.default_language).unwrap_or(Language::Fi);
    let (to, sources, language) = match channel {
        Channel::Email => {
            let Some(to) = order.customer_email.clone() else {
                return Ok(None);
            };
            let (sources, language) = custom::choose(tx, scope, kind, wanted, shop_default).await?;
            (Ok(to), Written::Email(sources), language)
        }
        Channel::Sms => {
            let settings = store::settings(tx, scope).await?;
            let Some(to) = sms::recipient(order.customer_phone.as_deref(), &settings) else {
                return Ok(None);
            };
            let chosen = custom::choose_sms(tx, scope, kind, wanted, shop_default).await?;
            let Some((source, language)) = chosen else {
                return Ok(None);
            };
            let zone = crate::time::zone(&shop.time_zone);
            options.delay = sms::outside_quiet_hours(&settings, &zone, options.delay);
            let to = to.map(|phone| phone.as_str().to_owned());
            (to, Written::Sms(source), language)
        }
    };
    let fallback_from = (language != wanted).then_some(wanted);
    if let Some(wanted) = fallback_from {
        tracing::info!(%order_id, %kind, %wanted, %language, "no template in the order's language: the message falls back");
    }
    let lines = order::lines(tx, scope, order_id).await?;
    let brand = crate::brand::brand_of(tx, scope).await?;
    let mut context = context(&shop, &brand, order, &lines, language);
    facts(&mut context);
    let recipient = to
        .clone()
        .unwrap_or_else(|_| order.customer_phone.clone().unwrap_or_default());
    let mut row = new_row(order, kind, recipient, language);
    row.channel = channel.as_str().into();
    row.fallback_from = fallback_from.map(|l| l.as_str().to_owned());
    if channel == Channel::Email {
        row.attachments = serde_json::json!(documents).to_string();
    }
    let rendered = to.and_then(|_| sources.render(&context).map_err(|e| e.to_string()));
    match rendered {
        Ok((subject, text, html)) => {
            row.subject = subject;
            row.body_text = text;
            row.body_html = html;
            queue(tx, scope, row, options).await
        }
        Err(reason) => {
            tracing::warn!(%order_id, %kind, %reason, "a message could not be written");
            row.state = MessageState::Failed.as_str().into();
            row.failure_reason = Some(reason);
            store::insert(tx, scope, &row).await?;
            Ok(Some(row))
        }
    }
}

/// The templates of one message, per channel.
enum Written {
    Email(template::TemplateSources),
    Sms(String),
}

impl Written {
    /// Subject, text and HTML (a text message has only its text).
    fn render(
        &self,
        context: &Context,
    ) -> Result<(String, String, String), template::TemplateError> {
        match self {
            Written::Email(sources) => template::render(sources.sources(), context)
                .map(|mail| (mail.subject, mail.text, mail.html)),
            Written::Sms(source) => template::render_sms(source, context)
                .map(|text| (String::new(), text, String::new())),
        }
    }
}

/// A message about `order` (e-mail until the caller says otherwise), queued and not yet written.
fn new_row(
    order: &order::OrderRow,
    kind: MessageKind,
    to: String,
    language: Language,
) -> MessageRow {
    let now = now_micros();
    MessageRow {
        message_id: Uuid::now_v7(),
        order_id: Some(order.order_id),
        customer_id: Some(order.customer_id),
        kind: kind.as_str().into(),
        channel: Channel::Email.as_str().into(),
        recipient: to,
        language: language.as_str().into(),
        fallback_from: None,
        subject: String::new(),
        body_text: String::new(),
        body_html: String::new(),
        state: MessageState::Queued.as_str().into(),
        provider_id: None,
        failure_reason: None,
        resend_of: None,
        job_id: None,
        attempts: 0,
        created_at: now,
        updated_at: now,
        sent_at: None,
        attachments: "[]".into(),
    }
}

/// What a message carries: an issued document as PDF (stored as its id), or the shop's orders
/// of some days as a spreadsheet made when the message is sent (stored as `{"orders": …}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub(crate) enum Attached {
    Document(Uuid),
    Orders { orders: OrdersFile },
}

/// The orders created from `first` to `last` (`YYYY-MM-DD` in the shop's zone, both included)
/// as `csv` or `xlsx`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct OrdersFile {
    pub first: String,
    pub last: String,
    pub format: String,
}

/// What a stored message carries; a list that cannot be read is a corrupt row.
pub(crate) fn attachments_of(row: &MessageRow) -> Result<Vec<Attached>, AppError> {
    serde_json::from_str(&row.attachments)
        .map_err(|e| AppError::Store(tilaus_store::StoreError::corrupt("messages.attachments", e)))
}

/// The documents among what a message carries.
fn documents_of(row: &MessageRow) -> Vec<Uuid> {
    attachments_of(row)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|a| match a {
            Attached::Document(id) => Some(id),
            Attached::Orders { .. } => None,
        })
        .collect()
}

/// Writes an e-mail of `kind` from the shop to `to` about no order (a scheduled export), in
/// `language`, carrying `attached`, once per `dedupe_key`; the templates see the shop and
/// `facts`, and empty order placeholders. `None` when the key was used.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn write_about_shop(
    tx: &mut impl Queries,
    scope: ShopScope,
    kind: MessageKind,
    to: String,
    language: Language,
    attached: &[Attached],
    dedupe_key: String,
    facts: impl FnOnce(&mut Context),
) -> Result<Option<MessageRow>, AppError> {
    let shop = shop::get_shop(tx, scope)
        .await?
        .ok_or(AppError::NotFound("shop"))?;
    let shop_default = Language::parse(&shop.default_language).unwrap_or(Language::Fi);
    let (sources, language) = custom::choose(tx, scope, kind, language, shop_default).await?;
    let brand = crate::brand::brand_of(tx, scope).await?;
    let mut context = Context {
        language,
        shop: ShopFacts::of(&shop.name, &brand),
        order: OrderFacts::default(),
        customer: CustomerFacts::default(),
        lines: Vec::new(),
        reason: None,
        links: Default::default(),
        personal: None,
        invoice: None,
        reminder: None,
        delivery: None,
        delay: None,
        payment: None,
        export: None,
    };
    facts(&mut context);
    let mail = template::render(sources.sources(), &context)
        .map_err(|e| AppError::Conflict(format!("the {kind} message cannot be written: {e}")))?;
    let now = now_micros();
    let row = MessageRow {
        message_id: Uuid::now_v7(),
        order_id: None,
        customer_id: None,
        kind: kind.as_str().into(),
        channel: Channel::Email.as_str().into(),
        recipient: to,
        language: language.as_str().into(),
        fallback_from: None,
        subject: mail.subject,
        body_text: mail.text,
        body_html: mail.html,
        state: MessageState::Queued.as_str().into(),
        provider_id: None,
        failure_reason: None,
        resend_of: None,
        job_id: None,
        attempts: 0,
        created_at: now,
        updated_at: now,
        sent_at: None,
        attachments: serde_json::json!(attached).to_string(),
    };
    let options = EnqueueOptions {
        dedupe_key: Some(dedupe_key),
        ..EnqueueOptions::default()
    };
    queue(tx, scope, row, options).await
}

fn context(
    shop: &shop::ShopRow,
    brand: &crate::brand::Brand,
    order: &order::OrderRow,
    lines: &[order::LineRow],
    language: Language,
) -> Context {
    let money = |minor: i64| format::money(language, minor, &order.currency);
    let zone = crate::time::zone(&shop.time_zone);
    let created = jiff::Timestamp::from_microsecond(order.created_at)
        .map(|t| format::date(language, t.to_zoned_datetime(zone.clone()).date()))
        .unwrap_or_default();
    Context {
        language,
        shop: ShopFacts::of(&shop.name, brand),
        order: OrderFacts {
            number: order.number,
            state: order.state.clone(),
            created,
            currency: order.currency.clone(),
            totals: TotalsFacts {
                net: money(order.net),
                vat: money(order.vat),
                gross: money(order.gross),
            },
        },
        customer: CustomerFacts {
            name: order.customer_name.clone(),
            email: order.customer_email.clone(),
        },
        lines: lines
            .iter()
            .map(|line| LineFacts {
                name: line.name.clone(),
                sku: line.sku.clone(),
                quantity: line.quantity,
                unit_price: money(line.unit_price),
                total: money(line.total),
            })
            .collect(),
        reason: None,
        links: Default::default(),
        personal: None,
        invoice: None,
        reminder: None,
        delivery: None,
        delay: None,
        payment: None,
        export: None,
    }
}
