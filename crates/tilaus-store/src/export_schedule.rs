//! Scheduled exports (NTF-6): where each shop's orders and documents go, how often, and up to
//! which day they were sent.

use crate::schema::ExportSchedules;
use crate::{Queries, ShopScope, StoreError};
use sea_query::{Expr, ExprTrait, Order, Query};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ScheduleRow {
    pub schedule_id: Uuid,
    pub recipient: String,
    /// `daily`, `weekly` or `monthly`.
    pub frequency: String,
    /// `csv` or `xlsx`; `None` sends no order list.
    pub orders_format: Option<String>,
    pub documents: bool,
    pub language: String,
    /// The last day of the last period sent.
    pub sent_up_to: Option<String>,
    pub created_by: String,
    pub created_at: i64,
}

const COLUMNS: [ExportSchedules; 9] = [
    ExportSchedules::ScheduleId,
    ExportSchedules::Recipient,
    ExportSchedules::Frequency,
    ExportSchedules::OrdersFormat,
    ExportSchedules::Documents,
    ExportSchedules::Language,
    ExportSchedules::SentUpTo,
    ExportSchedules::CreatedBy,
    ExportSchedules::CreatedAt,
];

pub async fn list(q: &mut impl Queries, scope: ShopScope) -> Result<Vec<ScheduleRow>, StoreError> {
    q.fetch_all(
        Query::select()
            .columns(COLUMNS)
            .from(ExportSchedules::Table)
            .and_where(Expr::col(ExportSchedules::ShopId).eq(scope.shop_id()))
            .order_by(ExportSchedules::CreatedAt, Order::Asc),
    )
    .await
}

pub async fn insert(
    q: &mut impl Queries,
    scope: ShopScope,
    row: &ScheduleRow,
) -> Result<(), StoreError> {
    let mut columns = vec![ExportSchedules::ShopId];
    columns.extend(COLUMNS);
    q.execute(
        Query::insert()
            .into_table(ExportSchedules::Table)
            .columns(columns)
            .values_panic([
                scope.shop_id().into(),
                row.schedule_id.into(),
                row.recipient.clone().into(),
                row.frequency.clone().into(),
                row.orders_format.clone().into(),
                row.documents.into(),
                row.language.clone().into(),
                row.sent_up_to.clone().into(),
                row.created_by.clone().into(),
                row.created_at.into(),
            ]),
    )
    .await
    .map(|_| ())
}

/// `false` when the shop has no such schedule.
pub async fn delete(
    q: &mut impl Queries,
    scope: ShopScope,
    schedule_id: Uuid,
) -> Result<bool, StoreError> {
    let deleted = q
        .execute(
            Query::delete()
                .from_table(ExportSchedules::Table)
                .and_where(Expr::col(ExportSchedules::ShopId).eq(scope.shop_id()))
                .and_where(Expr::col(ExportSchedules::ScheduleId).eq(schedule_id)),
        )
        .await?;
    Ok(deleted == 1)
}

/// Records that the schedule sent up to `day`, if it had not got that far (a concurrent run
/// that already did makes this `false`, and its caller writes nothing).
pub async fn mark_sent(
    q: &mut impl Queries,
    scope: ShopScope,
    schedule_id: Uuid,
    day: &str,
) -> Result<bool, StoreError> {
    let touched = q
        .execute(
            Query::update()
                .table(ExportSchedules::Table)
                .value(ExportSchedules::SentUpTo, day)
                .and_where(Expr::col(ExportSchedules::ShopId).eq(scope.shop_id()))
                .and_where(Expr::col(ExportSchedules::ScheduleId).eq(schedule_id))
                .and_where(
                    Expr::col(ExportSchedules::SentUpTo)
                        .is_null()
                        .or(Expr::col(ExportSchedules::SentUpTo).lt(day)),
                ),
        )
        .await?;
    Ok(touched == 1)
}

/// The shops that have schedules. Installation-wide on purpose: the daily run (a job of no
/// shop) asks it, then works in each shop's own scope.
pub async fn shops(q: &mut impl Queries) -> Result<Vec<Uuid>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct ShopId {
        shop_id: Uuid,
    }
    let rows: Vec<ShopId> = q
        .fetch_all(
            Query::select()
                .distinct()
                .column(ExportSchedules::ShopId)
                .from(ExportSchedules::Table),
        )
        .await?;
    Ok(rows.into_iter().map(|r| r.shop_id).collect())
}
