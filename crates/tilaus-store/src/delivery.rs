//! Deliveries (ORD-13): the parcels and hand-overs of an order with their step and tracking.

use crate::schema::Deliveries;
use crate::{Queries, ShopScope, StoreError};
use sea_query::{Expr, ExprTrait, Order, Query};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DeliveryRow {
    pub delivery_id: Uuid,
    pub order_id: Uuid,
    /// `processing`, `shipped` or `delivered`.
    pub step: String,
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    pub tracking_url: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub shipped_at: Option<i64>,
    pub delivered_at: Option<i64>,
}

const COLUMNS: [Deliveries; 10] = [
    Deliveries::DeliveryId,
    Deliveries::OrderId,
    Deliveries::Step,
    Deliveries::Carrier,
    Deliveries::TrackingNumber,
    Deliveries::TrackingUrl,
    Deliveries::CreatedAt,
    Deliveries::UpdatedAt,
    Deliveries::ShippedAt,
    Deliveries::DeliveredAt,
];

pub async fn insert(
    q: &mut impl Queries,
    scope: ShopScope,
    row: &DeliveryRow,
) -> Result<(), StoreError> {
    let mut columns = vec![Deliveries::ShopId];
    columns.extend(COLUMNS);
    q.execute(
        Query::insert()
            .into_table(Deliveries::Table)
            .columns(columns)
            .values_panic([
                scope.shop_id().into(),
                row.delivery_id.into(),
                row.order_id.into(),
                row.step.clone().into(),
                row.carrier.clone().into(),
                row.tracking_number.clone().into(),
                row.tracking_url.clone().into(),
                row.created_at.into(),
                row.updated_at.into(),
                row.shipped_at.into(),
                row.delivered_at.into(),
            ]),
    )
    .await
    .map(|_| ())
}

/// Writes a delivery's new step and tracking, if it is still at `from` (a concurrent change
/// makes this `false`, and the caller's transaction is retried or refused).
pub async fn update(
    q: &mut impl Queries,
    scope: ShopScope,
    row: &DeliveryRow,
    from: &str,
) -> Result<bool, StoreError> {
    let touched = q
        .execute(
            Query::update()
                .table(Deliveries::Table)
                .value(Deliveries::Step, row.step.clone())
                .value(Deliveries::Carrier, row.carrier.clone())
                .value(Deliveries::TrackingNumber, row.tracking_number.clone())
                .value(Deliveries::TrackingUrl, row.tracking_url.clone())
                .value(Deliveries::UpdatedAt, row.updated_at)
                .value(Deliveries::ShippedAt, row.shipped_at)
                .value(Deliveries::DeliveredAt, row.delivered_at)
                .and_where(Expr::col(Deliveries::ShopId).eq(scope.shop_id()))
                .and_where(Expr::col(Deliveries::DeliveryId).eq(row.delivery_id))
                .and_where(Expr::col(Deliveries::Step).eq(from)),
        )
        .await?;
    Ok(touched == 1)
}

pub async fn get(
    q: &mut impl Queries,
    scope: ShopScope,
    delivery_id: Uuid,
) -> Result<Option<DeliveryRow>, StoreError> {
    q.fetch_optional(
        Query::select()
            .columns(COLUMNS)
            .from(Deliveries::Table)
            .and_where(Expr::col(Deliveries::ShopId).eq(scope.shop_id()))
            .and_where(Expr::col(Deliveries::DeliveryId).eq(delivery_id)),
    )
    .await
}

/// The order's deliveries, oldest first.
pub async fn for_order(
    q: &mut impl Queries,
    scope: ShopScope,
    order_id: Uuid,
) -> Result<Vec<DeliveryRow>, StoreError> {
    q.fetch_all(
        Query::select()
            .columns(COLUMNS)
            .from(Deliveries::Table)
            .and_where(Expr::col(Deliveries::ShopId).eq(scope.shop_id()))
            .and_where(Expr::col(Deliveries::OrderId).eq(order_id))
            .order_by(Deliveries::CreatedAt, Order::Asc)
            .order_by(Deliveries::DeliveryId, Order::Asc),
    )
    .await
}
