//! The communication log: every message to a customer as it was written, with its state, and
//! each shop's messaging settings.
//!
//! A message moves `queued → sending → sent` (or `failed`) only through the guarded updates
//! below, so a job that runs twice finds the message already finished and sends nothing.

use crate::schema::{MessageSettings, Messages};
use crate::{Queries, ShopScope, StoreError};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
use tilaus_domain::message::MessageState;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MessageRow {
    pub message_id: Uuid,
    pub order_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub kind: String,
    pub channel: String,
    pub recipient: String,
    pub language: String,
    /// The order's language when the shop had no template in it.
    pub fallback_from: Option<String>,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub state: String,
    pub provider_id: Option<String>,
    pub failure_reason: Option<String>,
    pub resend_of: Option<Uuid>,
    pub job_id: Option<Uuid>,
    pub attempts: i32,
    pub created_at: i64,
    pub updated_at: i64,
    pub sent_at: Option<i64>,
    /// The documents attached as PDF: a JSON list of document ids.
    pub attachments: String,
}

const COLUMNS: [Messages; 21] = [
    Messages::MessageId,
    Messages::OrderId,
    Messages::CustomerId,
    Messages::Kind,
    Messages::Channel,
    Messages::Recipient,
    Messages::Language,
    Messages::FallbackFrom,
    Messages::Subject,
    Messages::BodyText,
    Messages::BodyHtml,
    Messages::State,
    Messages::ProviderId,
    Messages::FailureReason,
    Messages::ResendOf,
    Messages::JobId,
    Messages::Attempts,
    Messages::CreatedAt,
    Messages::UpdatedAt,
    Messages::SentAt,
    Messages::Attachments,
];

pub async fn insert(
    q: &mut impl Queries,
    scope: ShopScope,
    row: &MessageRow,
) -> Result<(), StoreError> {
    let mut columns = vec![Messages::ShopId];
    columns.extend(COLUMNS);
    q.execute(
        Query::insert()
            .into_table(Messages::Table)
            .columns(columns)
            .values_panic([
                scope.shop_id().into(),
                row.message_id.into(),
                row.order_id.into(),
                row.customer_id.into(),
                row.kind.clone().into(),
                row.channel.clone().into(),
                row.recipient.clone().into(),
                row.language.clone().into(),
                row.fallback_from.clone().into(),
                row.subject.clone().into(),
                row.body_text.clone().into(),
                row.body_html.clone().into(),
                row.state.clone().into(),
                row.provider_id.clone().into(),
                row.failure_reason.clone().into(),
                row.resend_of.into(),
                row.job_id.into(),
                row.attempts.into(),
                row.created_at.into(),
                row.updated_at.into(),
                row.sent_at.into(),
                row.attachments.clone().into(),
            ]),
    )
    .await
    .map(|_| ())
}

pub async fn get(
    q: &mut impl Queries,
    scope: ShopScope,
    message_id: Uuid,
) -> Result<Option<MessageRow>, StoreError> {
    q.fetch_optional(
        Query::select()
            .columns(COLUMNS)
            .from(Messages::Table)
            .and_where(Expr::col(Messages::ShopId).eq(scope.shop_id()))
            .and_where(Expr::col(Messages::MessageId).eq(message_id)),
    )
    .await
}

/// The order's messages, oldest first (as the log reads).
pub async fn for_order(
    q: &mut impl Queries,
    scope: ShopScope,
    order_id: Uuid,
) -> Result<Vec<MessageRow>, StoreError> {
    q.fetch_all(
        Query::select()
            .columns(COLUMNS)
            .from(Messages::Table)
            .and_where(Expr::col(Messages::ShopId).eq(scope.shop_id()))
            .and_where(Expr::col(Messages::OrderId).eq(order_id))
            .order_by(Messages::CreatedAt, Order::Asc)
            .order_by(Messages::MessageId, Order::Asc),
    )
    .await
}

/// A customer's latest `limit` messages over all their orders, newest first.
pub async fn for_customer(
    q: &mut impl Queries,
    scope: ShopScope,
    customer_id: Uuid,
    limit: u64,
) -> Result<Vec<MessageRow>, StoreError> {
    q.fetch_all(
        Query::select()
            .columns(COLUMNS)
            .from(Messages::Table)
            .and_where(Expr::col(Messages::ShopId).eq(scope.shop_id()))
            .and_where(Expr::col(Messages::CustomerId).eq(customer_id))
            .order_by(Messages::CreatedAt, Order::Desc)
            .order_by(Messages::MessageId, Order::Desc)
            .limit(limit),
    )
    .await
}

/// Marks an unfinished message `sending` and counts the attempt; `false` when it is already
/// finished (sent, delivered or failed), so the caller must not send it.
pub async fn begin_sending(
    q: &mut impl Queries,
    scope: ShopScope,
    message_id: Uuid,
    provider_id: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let touched = q
        .execute(
            Query::update()
                .table(Messages::Table)
                .value(Messages::State, MessageState::Sending.as_str())
                .value(Messages::ProviderId, provider_id)
                .value(Messages::Attempts, Expr::col(Messages::Attempts).add(1))
                .value(Messages::UpdatedAt, now)
                .and_where(Expr::col(Messages::ShopId).eq(scope.shop_id()))
                .and_where(Expr::col(Messages::MessageId).eq(message_id))
                .and_where(Expr::col(Messages::State).is_in([
                    MessageState::Queued.as_str(),
                    MessageState::Sending.as_str(),
                ])),
        )
        .await?;
    Ok(touched == 1)
}

/// How a send ended.
#[derive(Debug, Clone, Copy)]
pub enum Outcome<'a> {
    /// Accepted; with the provider's id when it is known only now (an SMS provider's).
    Sent(Option<&'a str>),
    /// Back to `queued` with the reason: its job tries again.
    WillRetry(&'a str),
    Failed(&'a str),
}

/// Records how sending a `sending` message ended.
pub async fn finish_sending(
    q: &mut impl Queries,
    scope: ShopScope,
    message_id: Uuid,
    outcome: Outcome<'_>,
    now: i64,
) -> Result<(), StoreError> {
    let (state, reason, sent_at) = match outcome {
        Outcome::Sent(_) => (MessageState::Sent, None, Some(now)),
        Outcome::WillRetry(reason) => (MessageState::Queued, Some(reason), None),
        Outcome::Failed(reason) => (MessageState::Failed, Some(reason), None),
    };
    let mut update = Query::update();
    if let Outcome::Sent(Some(provider_id)) = outcome {
        update.value(Messages::ProviderId, provider_id);
    }
    q.execute(
        update
            .table(Messages::Table)
            .value(Messages::State, state.as_str())
            .value(Messages::FailureReason, reason.map(str::to_owned))
            .value(Messages::SentAt, sent_at)
            .value(Messages::UpdatedAt, now)
            .and_where(Expr::col(Messages::ShopId).eq(scope.shop_id()))
            .and_where(Expr::col(Messages::MessageId).eq(message_id))
            .and_where(Expr::col(Messages::State).eq(MessageState::Sending.as_str())),
    )
    .await
    .map(|_| ())
}

/// Fails a message that was never finished (`queued`, or `sending` after a crash) with the
/// reason its job gave up; a finished message keeps its state.
pub async fn give_up(
    q: &mut impl Queries,
    scope: ShopScope,
    message_id: Uuid,
    reason: &str,
    now: i64,
) -> Result<(), StoreError> {
    let unfinished = [
        MessageState::Queued.as_str(),
        MessageState::Sending.as_str(),
    ];
    q.execute(
        Query::update()
            .table(Messages::Table)
            .value(Messages::State, MessageState::Failed.as_str())
            .value(Messages::FailureReason, reason)
            .value(Messages::UpdatedAt, now)
            .and_where(Expr::col(Messages::ShopId).eq(scope.shop_id()))
            .and_where(Expr::col(Messages::MessageId).eq(message_id))
            .and_where(Expr::col(Messages::State).is_in(unfinished)),
    )
    .await
    .map(|_| ())
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SettingsRow {
    pub automatic_email: bool,
    pub reply_to: Option<String>,
    /// The sender of the shop's text messages; `None`: the shop sends none.
    pub sms_sender: Option<String>,
    /// Quiet hours for text messages, local `HH:MM`; both or neither.
    pub quiet_from: Option<String>,
    pub quiet_until: Option<String>,
    /// The country of phone numbers written without a country code (ISO 3166, e.g. `FI`).
    pub phone_country: String,
}

impl Default for SettingsRow {
    /// A shop without settings sends automatic email (the demo shop included) and no SMS.
    fn default() -> Self {
        Self {
            automatic_email: true,
            reply_to: None,
            sms_sender: None,
            quiet_from: None,
            quiet_until: None,
            phone_country: "FI".into(),
        }
    }
}

const SETTINGS: [MessageSettings; 6] = [
    MessageSettings::AutomaticEmail,
    MessageSettings::ReplyTo,
    MessageSettings::SmsSender,
    MessageSettings::QuietFrom,
    MessageSettings::QuietUntil,
    MessageSettings::PhoneCountry,
];

pub async fn settings(q: &mut impl Queries, scope: ShopScope) -> Result<SettingsRow, StoreError> {
    let row = q
        .fetch_optional(
            Query::select()
                .columns(SETTINGS)
                .from(MessageSettings::Table)
                .and_where(Expr::col(MessageSettings::ShopId).eq(scope.shop_id())),
        )
        .await?;
    Ok(row.unwrap_or_default())
}

pub async fn put_settings(
    q: &mut impl Queries,
    scope: ShopScope,
    row: &SettingsRow,
    now: i64,
) -> Result<(), StoreError> {
    let mut columns = vec![MessageSettings::ShopId, MessageSettings::UpdatedAt];
    columns.extend(SETTINGS);
    let mut updated = vec![MessageSettings::UpdatedAt];
    updated.extend(SETTINGS);
    q.execute(
        Query::insert()
            .into_table(MessageSettings::Table)
            .columns(columns)
            .values_panic([
                scope.shop_id().into(),
                now.into(),
                row.automatic_email.into(),
                row.reply_to.clone().into(),
                row.sms_sender.clone().into(),
                row.quiet_from.clone().into(),
                row.quiet_until.clone().into(),
                row.phone_country.clone().into(),
            ])
            .on_conflict(
                OnConflict::column(MessageSettings::ShopId)
                    .update_columns(updated)
                    .to_owned(),
            ),
    )
    .await
    .map(|_| ())
}

/// What a provider reported about a text it took: delivered, or failed with the reason.
#[derive(Debug, Clone, Copy)]
pub enum Report<'a> {
    Delivered,
    Failed(&'a str),
}

/// Records a provider's delivery report on the message it sent as `provider_id`, if that
/// message is still `sent` (or `sending`, when the report beat our own bookkeeping): the first
/// final word wins, and a replayed or late report changes nothing. `false` when nothing changed.
pub async fn record_report(
    q: &mut impl Queries,
    scope: ShopScope,
    message_id: Uuid,
    provider_id: &str,
    report: Report<'_>,
    now: i64,
) -> Result<bool, StoreError> {
    let (state, reason) = match report {
        Report::Delivered => (MessageState::Delivered, None),
        Report::Failed(reason) => (MessageState::Failed, Some(reason.to_owned())),
    };
    let touched = q
        .execute(
            Query::update()
                .table(Messages::Table)
                .value(Messages::State, state.as_str())
                .value(Messages::FailureReason, reason)
                .value(Messages::UpdatedAt, now)
                .and_where(Expr::col(Messages::ShopId).eq(scope.shop_id()))
                .and_where(Expr::col(Messages::MessageId).eq(message_id))
                .and_where(Expr::col(Messages::ProviderId).eq(provider_id))
                .and_where(
                    Expr::col(Messages::State)
                        .is_in([MessageState::Sent.as_str(), MessageState::Sending.as_str()]),
                ),
        )
        .await?;
    Ok(touched == 1)
}

/// When the latest message of `kind` through `channel` about the order was written, leaving out
/// failed ones (they reached nobody): the repeat window's question.
pub async fn last_written(
    q: &mut impl Queries,
    scope: ShopScope,
    order_id: Uuid,
    kind: &str,
    channel: &str,
) -> Result<Option<i64>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Latest {
        created_at: i64,
    }
    let latest: Option<Latest> = q
        .fetch_optional(
            Query::select()
                .column(Messages::CreatedAt)
                .from(Messages::Table)
                .and_where(Expr::col(Messages::ShopId).eq(scope.shop_id()))
                .and_where(Expr::col(Messages::OrderId).eq(order_id))
                .and_where(Expr::col(Messages::Kind).eq(kind))
                .and_where(Expr::col(Messages::Channel).eq(channel))
                .and_where(Expr::col(Messages::State).ne(MessageState::Failed.as_str()))
                .order_by(Messages::CreatedAt, Order::Desc)
                .limit(1),
        )
        .await?;
    Ok(latest.map(|l| l.created_at))
}

/// The shop's latest `limit` messages of `kind` about no order (e.g. scheduled exports), newest
/// first.
pub async fn about_shop(
    q: &mut impl Queries,
    scope: ShopScope,
    kind: &str,
    limit: u64,
) -> Result<Vec<MessageRow>, StoreError> {
    q.fetch_all(
        Query::select()
            .columns(COLUMNS)
            .from(Messages::Table)
            .and_where(Expr::col(Messages::ShopId).eq(scope.shop_id()))
            .and_where(Expr::col(Messages::OrderId).is_null())
            .and_where(Expr::col(Messages::Kind).eq(kind))
            .order_by(Messages::CreatedAt, Order::Desc)
            .order_by(Messages::MessageId, Order::Desc)
            .limit(limit),
    )
    .await
}
