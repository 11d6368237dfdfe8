//! Payment reminders (NTF-5): each shop's policy, the reminders sent per invoice and level, and
//! dunning stops on an invoice or a customer.

use crate::schema::{Documents, DunningSettings, DunningStops, InvoiceReminders, Orders};
use crate::{Queries, ShopScope, StoreError};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SettingsRow {
    pub enabled: bool,
    pub grace_days: i64,
    /// The domain's reminder levels as JSON.
    pub levels: String,
}

pub async fn settings(
    q: &mut impl Queries,
    scope: ShopScope,
) -> Result<Option<SettingsRow>, StoreError> {
    q.fetch_optional(
        Query::select()
            .columns([
                DunningSettings::Enabled,
                DunningSettings::GraceDays,
                DunningSettings::Levels,
            ])
            .from(DunningSettings::Table)
            .and_where(Expr::col(DunningSettings::ShopId).eq(scope.shop_id())),
    )
    .await
}

pub async fn put_settings(
    q: &mut impl Queries,
    scope: ShopScope,
    row: &SettingsRow,
    now: i64,
) -> Result<(), StoreError> {
    q.execute(
        Query::insert()
            .into_table(DunningSettings::Table)
            .columns([
                DunningSettings::ShopId,
                DunningSettings::Enabled,
                DunningSettings::GraceDays,
                DunningSettings::Levels,
                DunningSettings::UpdatedAt,
            ])
            .values_panic([
                scope.shop_id().into(),
                row.enabled.into(),
                row.grace_days.into(),
                row.levels.clone().into(),
                now.into(),
            ])
            .on_conflict(
                OnConflict::column(DunningSettings::ShopId)
                    .update_columns([
                        DunningSettings::Enabled,
                        DunningSettings::GraceDays,
                        DunningSettings::Levels,
                        DunningSettings::UpdatedAt,
                    ])
                    .to_owned(),
            ),
    )
    .await
    .map(|_| ())
}

/// The shops that send reminders. Installation-wide on purpose: the daily run (a job of no
/// shop) asks it, then works in each shop's own scope.
pub async fn enabled_shops(q: &mut impl Queries) -> Result<Vec<Uuid>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct ShopId {
        shop_id: Uuid,
    }
    let rows: Vec<ShopId> = q
        .fetch_all(
            Query::select()
                .column(DunningSettings::ShopId)
                .from(DunningSettings::Table)
                .and_where(Expr::col(DunningSettings::Enabled).eq(true)),
        )
        .await?;
    Ok(rows.into_iter().map(|r| r.shop_id).collect())
}

/// An invoice past its due date whose order still owes money.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OverdueRow {
    pub document_id: Uuid,
    pub order_id: Uuid,
    pub customer_id: Uuid,
    pub due_date: String,
}

/// The shop's invoices due on or before `due_by` (`YYYY-MM-DD`) on orders that are neither paid
/// nor cancelled, oldest due first.
pub async fn overdue_invoices(
    q: &mut impl Queries,
    scope: ShopScope,
    due_by: &str,
) -> Result<Vec<OverdueRow>, StoreError> {
    let d = |c: Documents| (Documents::Table, c);
    let o = |c: Orders| (Orders::Table, c);
    q.fetch_all(
        Query::select()
            .columns([d(Documents::DocumentId), d(Documents::OrderId)])
            .column(o(Orders::CustomerId))
            .column(d(Documents::DueDate))
            .from(Documents::Table)
            .inner_join(
                Orders::Table,
                Expr::col(o(Orders::ShopId))
                    .equals(d(Documents::ShopId))
                    .and(Expr::col(o(Orders::OrderId)).equals(d(Documents::OrderId))),
            )
            .and_where(Expr::col(d(Documents::ShopId)).eq(scope.shop_id()))
            .and_where(Expr::col(d(Documents::Kind)).eq("invoice"))
            .and_where(Expr::col(d(Documents::DueDate)).lte(due_by))
            .and_where(Expr::col(o(Orders::PaymentState)).is_in(["unpaid", "partially_paid"]))
            .and_where(Expr::col(o(Orders::State)).ne("cancelled"))
            .order_by(d(Documents::DueDate), Order::Asc)
            .order_by(d(Documents::DocumentId), Order::Asc),
    )
    .await
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReminderRow {
    pub document_id: Uuid,
    pub level: i32,
    pub message_id: Option<Uuid>,
    pub fee: i64,
    /// `YYYY-MM-DD` in the shop's time zone.
    pub sent_on: String,
    pub created_at: i64,
}

/// The reminders sent for a document, first level first.
pub async fn reminders(
    q: &mut impl Queries,
    scope: ShopScope,
    document_id: Uuid,
) -> Result<Vec<ReminderRow>, StoreError> {
    q.fetch_all(
        Query::select()
            .columns([
                InvoiceReminders::DocumentId,
                InvoiceReminders::Level,
                InvoiceReminders::MessageId,
                InvoiceReminders::Fee,
                InvoiceReminders::SentOn,
                InvoiceReminders::CreatedAt,
            ])
            .from(InvoiceReminders::Table)
            .and_where(Expr::col(InvoiceReminders::ShopId).eq(scope.shop_id()))
            .and_where(Expr::col(InvoiceReminders::DocumentId).eq(document_id))
            .order_by(InvoiceReminders::Level, Order::Asc),
    )
    .await
}

/// Records a reminder; `false` when that level of that invoice was recorded already (a run that
/// raced another sends nothing).
pub async fn insert_reminder(
    q: &mut impl Queries,
    scope: ShopScope,
    row: &ReminderRow,
) -> Result<bool, StoreError> {
    let inserted = q
        .execute(
            Query::insert()
                .into_table(InvoiceReminders::Table)
                .columns([
                    InvoiceReminders::ShopId,
                    InvoiceReminders::DocumentId,
                    InvoiceReminders::Level,
                    InvoiceReminders::MessageId,
                    InvoiceReminders::Fee,
                    InvoiceReminders::SentOn,
                    InvoiceReminders::CreatedAt,
                ])
                .values_panic([
                    scope.shop_id().into(),
                    row.document_id.into(),
                    row.level.into(),
                    row.message_id.into(),
                    row.fee.into(),
                    row.sent_on.clone().into(),
                    row.created_at.into(),
                ])
                .on_conflict(
                    OnConflict::columns([
                        InvoiceReminders::ShopId,
                        InvoiceReminders::DocumentId,
                        InvoiceReminders::Level,
                    ])
                    .do_nothing()
                    .to_owned(),
                ),
        )
        .await?;
    Ok(inserted == 1)
}

/// A dunning stop: on one invoice (`document_id`) or every invoice of a customer.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StopRow {
    pub stop_id: Uuid,
    pub document_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub actor_label: String,
    pub created_at: i64,
}

/// The shop's dunning stops, newest first.
pub async fn stops(q: &mut impl Queries, scope: ShopScope) -> Result<Vec<StopRow>, StoreError> {
    q.fetch_all(
        Query::select()
            .columns([
                DunningStops::StopId,
                DunningStops::DocumentId,
                DunningStops::CustomerId,
                DunningStops::ActorLabel,
                DunningStops::CreatedAt,
            ])
            .from(DunningStops::Table)
            .and_where(Expr::col(DunningStops::ShopId).eq(scope.shop_id()))
            .order_by(DunningStops::CreatedAt, Order::Desc),
    )
    .await
}

/// Adds a stop; `false` when the invoice or customer had one already.
pub async fn insert_stop(
    q: &mut impl Queries,
    scope: ShopScope,
    row: &StopRow,
) -> Result<bool, StoreError> {
    let inserted = q
        .execute(
            Query::insert()
                .into_table(DunningStops::Table)
                .columns([
                    DunningStops::ShopId,
                    DunningStops::StopId,
                    DunningStops::DocumentId,
                    DunningStops::CustomerId,
                    DunningStops::ActorLabel,
                    DunningStops::CreatedAt,
                ])
                .values_panic([
                    scope.shop_id().into(),
                    row.stop_id.into(),
                    row.document_id.into(),
                    row.customer_id.into(),
                    row.actor_label.clone().into(),
                    row.created_at.into(),
                ])
                .on_conflict(OnConflict::new().do_nothing().to_owned()),
        )
        .await?;
    Ok(inserted == 1)
}

/// Lifts the stop on an invoice or a customer; `false` when there was none.
pub async fn delete_stop(
    q: &mut impl Queries,
    scope: ShopScope,
    document_id: Option<Uuid>,
    customer_id: Option<Uuid>,
) -> Result<bool, StoreError> {
    let mut delete = Query::delete();
    delete
        .from_table(DunningStops::Table)
        .and_where(Expr::col(DunningStops::ShopId).eq(scope.shop_id()));
    match (document_id, customer_id) {
        (Some(id), _) => delete.and_where(Expr::col(DunningStops::DocumentId).eq(id)),
        (None, Some(id)) => delete.and_where(Expr::col(DunningStops::CustomerId).eq(id)),
        (None, None) => return Ok(false),
    };
    Ok(q.execute(&delete).await? > 0)
}
