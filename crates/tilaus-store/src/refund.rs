//! Refunds of payments, each asked of the provider that took the payment.

use crate::schema::PaymentRefunds;
use crate::{Queries, ShopScope, StoreError};
use sea_query::{Expr, ExprTrait, Order, Query};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RefundRow {
    pub refund_id: Uuid,
    pub payment_id: Uuid,
    /// Minor units, positive.
    pub amount: i64,
    /// The payment's provider, as on the payment (`visma_pay`, `stripe`).
    pub provider: String,
    pub provider_refund_id: String,
    /// pending, refunded or rejected.
    pub status: String,
    pub actor_label: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: [PaymentRefunds; 9] = [
    PaymentRefunds::RefundId,
    PaymentRefunds::PaymentId,
    PaymentRefunds::Amount,
    PaymentRefunds::Provider,
    PaymentRefunds::ProviderRefundId,
    PaymentRefunds::Status,
    PaymentRefunds::ActorLabel,
    PaymentRefunds::CreatedAt,
    PaymentRefunds::UpdatedAt,
];

pub async fn insert(
    q: &mut impl Queries,
    scope: ShopScope,
    row: &RefundRow,
) -> Result<(), StoreError> {
    let mut columns = vec![PaymentRefunds::ShopId];
    columns.extend(COLUMNS);
    q.execute(
        Query::insert()
            .into_table(PaymentRefunds::Table)
            .columns(columns)
            .values_panic([
                scope.shop_id().into(),
                row.refund_id.into(),
                row.payment_id.into(),
                row.amount.into(),
                row.provider.clone().into(),
                row.provider_refund_id.clone().into(),
                row.status.clone().into(),
                row.actor_label.clone().into(),
                row.created_at.into(),
                row.updated_at.into(),
            ]),
    )
    .await
    .map(|_| ())
}

/// The payment's refunds, oldest first.
pub async fn for_payment(
    q: &mut impl Queries,
    scope: ShopScope,
    payment_id: Uuid,
) -> Result<Vec<RefundRow>, StoreError> {
    q.fetch_all(
        Query::select()
            .columns(COLUMNS)
            .from(PaymentRefunds::Table)
            .and_where(Expr::col(PaymentRefunds::ShopId).eq(scope.shop_id()))
            .and_where(Expr::col(PaymentRefunds::PaymentId).eq(payment_id))
            .order_by(PaymentRefunds::CreatedAt, Order::Asc),
    )
    .await
}

/// The refund a provider's notify names.
pub async fn by_provider_id(
    q: &mut impl Queries,
    scope: ShopScope,
    provider: &str,
    provider_refund_id: &str,
) -> Result<Option<RefundRow>, StoreError> {
    q.fetch_optional(
        Query::select()
            .columns(COLUMNS)
            .from(PaymentRefunds::Table)
            .and_where(Expr::col(PaymentRefunds::ShopId).eq(scope.shop_id()))
            .and_where(Expr::col(PaymentRefunds::Provider).eq(provider))
            .and_where(Expr::col(PaymentRefunds::ProviderRefundId).eq(provider_refund_id)),
    )
    .await
}

/// Moves a refund from `from` to `to`; false when it was not in `from` (a repeated notify).
pub async fn set_status(
    q: &mut impl Queries,
    scope: ShopScope,
    refund_id: Uuid,
    from: &str,
    to: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let changed = q
        .execute(
            Query::update()
                .table(PaymentRefunds::Table)
                .values([
                    (PaymentRefunds::Status, to.into()),
                    (PaymentRefunds::UpdatedAt, now.into()),
                ])
                .and_where(Expr::col(PaymentRefunds::ShopId).eq(scope.shop_id()))
                .and_where(Expr::col(PaymentRefunds::RefundId).eq(refund_id))
                .and_where(Expr::col(PaymentRefunds::Status).eq(from)),
        )
        .await?;
    Ok(changed == 1)
}
