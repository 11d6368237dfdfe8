//! Payments recorded on orders.

use crate::schema::Payments;
use crate::{Queries, ShopScope, StoreError};
use sea_query::{Expr, ExprTrait, Order, Query};
use uuid::Uuid;

/// A payment as stored. Enumerations are their wire spellings.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PaymentRow {
    pub payment_id: Uuid,
    pub order_id: Uuid,
    pub document_id: Option<Uuid>,
    pub method: String,
    pub provider: Option<String>,
    pub provider_reference: Option<String>,
    pub reference: Option<String>,
    pub status: String,
    pub amount: i64,
    pub refunded: i64,
    pub currency: String,
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub actor_label: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const PAYMENT_COLUMNS: [Payments; 16] = [
    Payments::PaymentId,
    Payments::OrderId,
    Payments::DocumentId,
    Payments::Method,
    Payments::Provider,
    Payments::ProviderReference,
    Payments::Reference,
    Payments::Status,
    Payments::Amount,
    Payments::Refunded,
    Payments::Currency,
    Payments::ActorKind,
    Payments::ActorId,
    Payments::ActorLabel,
    Payments::CreatedAt,
    Payments::UpdatedAt,
];

/// Writes new payments with one statement.
pub async fn insert(
    q: &mut impl Queries,
    scope: ShopScope,
    payments: &[PaymentRow],
) -> Result<(), StoreError> {
    if payments.is_empty() {
        return Ok(());
    }
    let mut columns = vec![Payments::ShopId];
    columns.extend(PAYMENT_COLUMNS);
    let mut insert = Query::insert();
    insert.into_table(Payments::Table).columns(columns);
    for p in payments {
        insert.values_panic([
            scope.shop_id().into(),
            p.payment_id.into(),
            p.order_id.into(),
            p.document_id.into(),
            p.method.clone().into(),
            p.provider.clone().into(),
            p.provider_reference.clone().into(),
            p.reference.clone().into(),
            p.status.clone().into(),
            p.amount.into(),
            p.refunded.into(),
            p.currency.clone().into(),
            p.actor_kind.clone().into(),
            p.actor_id.into(),
            p.actor_label.clone().into(),
            p.created_at.into(),
            p.updated_at.into(),
        ]);
    }
    q.execute(&insert).await.map(|_| ())
}

/// The order's payments, oldest first.
pub async fn for_order(
    q: &mut impl Queries,
    scope: ShopScope,
    order_id: Uuid,
) -> Result<Vec<PaymentRow>, StoreError> {
    q.fetch_all(
        Query::select()
            .columns(PAYMENT_COLUMNS)
            .from(Payments::Table)
            .and_where(Expr::col(Payments::ShopId).eq(scope.shop_id()))
            .and_where(Expr::col(Payments::OrderId).eq(order_id))
            .order_by(Payments::CreatedAt, Order::Asc)
            .order_by(Payments::PaymentId, Order::Asc),
    )
    .await
}

pub async fn get(
    q: &mut impl Queries,
    scope: ShopScope,
    payment_id: Uuid,
) -> Result<Option<PaymentRow>, StoreError> {
    q.fetch_optional(
        Query::select()
            .columns(PAYMENT_COLUMNS)
            .from(Payments::Table)
            .and_where(Expr::col(Payments::ShopId).eq(scope.shop_id()))
            .and_where(Expr::col(Payments::PaymentId).eq(payment_id)),
    )
    .await
}

/// Records the provider's id of a payment learnt after it was written (Stripe's session id
/// comes back only after the pending payment was committed).
pub async fn set_provider_reference(
    q: &mut impl Queries,
    scope: ShopScope,
    payment_id: Uuid,
    reference: &str,
    now: i64,
) -> Result<(), StoreError> {
    q.execute(
        Query::update()
            .table(Payments::Table)
            .values([
                (Payments::ProviderReference, reference.into()),
                (Payments::UpdatedAt, now.into()),
            ])
            .and_where(Expr::col(Payments::ShopId).eq(scope.shop_id()))
            .and_where(Expr::col(Payments::PaymentId).eq(payment_id)),
    )
    .await
    .map(|_| ())
}

/// A refund's change to a payment: from `before` (its status and refunded amount as read) to
/// `status` and `refunded`. False when the payment changed meanwhile (another refund won).
pub async fn set_refunded(
    q: &mut impl Queries,
    scope: ShopScope,
    before: &PaymentRow,
    status: &str,
    refunded: i64,
    now: i64,
) -> Result<bool, StoreError> {
    let changed = q
        .execute(
            Query::update()
                .table(Payments::Table)
                .values([
                    (Payments::Status, status.into()),
                    (Payments::Refunded, refunded.into()),
                    (Payments::UpdatedAt, now.into()),
                ])
                .and_where(Expr::col(Payments::ShopId).eq(scope.shop_id()))
                .and_where(Expr::col(Payments::PaymentId).eq(before.payment_id))
                .and_where(Expr::col(Payments::Status).eq(before.status.as_str()))
                .and_where(Expr::col(Payments::Refunded).eq(before.refunded)),
        )
        .await?;
    Ok(changed == 1)
}

/// Moves a payment from status `from` to `to`. False when it was not in `from` (any more): of
/// two callbacks racing to settle one payment, only one wins.
pub async fn set_status(
    q: &mut impl Queries,
    scope: ShopScope,
    payment_id: Uuid,
    from: &str,
    to: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let changed = q
        .execute(
            Query::update()
                .table(Payments::Table)
                .values([
                    (Payments::Status, to.into()),
                    (Payments::UpdatedAt, now.into()),
                ])
                .and_where(Expr::col(Payments::ShopId).eq(scope.shop_id()))
                .and_where(Expr::col(Payments::PaymentId).eq(payment_id))
                .and_where(Expr::col(Payments::Status).eq(from)),
        )
        .await?;
    Ok(changed == 1)
}
