//! Payment links, the attempts to pay them at a provider, and the shops' provider credentials.
//!
//! The public pages and provider callbacks have no session: the link token carries its shop and
//! link ids, and the notify URL its shop, and the app checks the token hash or the callback's
//! authcode before trusting either.

use crate::schema::{PaymentLinkAttempts, PaymentLinks, PaymentProviders, Payments};
use crate::{Queries, ShopScope, StoreError};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
use uuid::Uuid;

/// A shop's sealed credentials for one provider.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProviderRow {
    pub provider: String,
    pub api_key_sealed: String,
    pub private_key_sealed: String,
    pub api_key_last4: String,
    pub private_key_last4: String,
    pub updated_at: i64,
}

const PROVIDER_COLUMNS: [PaymentProviders; 6] = [
    PaymentProviders::Provider,
    PaymentProviders::ApiKeySealed,
    PaymentProviders::PrivateKeySealed,
    PaymentProviders::ApiKeyLast4,
    PaymentProviders::PrivateKeyLast4,
    PaymentProviders::UpdatedAt,
];

/// Stores (or replaces) the shop's credentials for `row.provider`.
pub async fn put_provider(
    q: &mut impl Queries,
    scope: ShopScope,
    row: &ProviderRow,
) -> Result<(), StoreError> {
    let mut columns = vec![PaymentProviders::ShopId];
    columns.extend(PROVIDER_COLUMNS);
    q.execute(
        Query::insert()
            .into_table(PaymentProviders::Table)
            .columns(columns)
            .values_panic([
                scope.shop_id().into(),
                row.provider.clone().into(),
                row.api_key_sealed.clone().into(),
                row.private_key_sealed.clone().into(),
                row.api_key_last4.clone().into(),
                row.private_key_last4.clone().into(),
                row.updated_at.into(),
            ])
            .on_conflict(
                OnConflict::columns([PaymentProviders::ShopId, PaymentProviders::Provider])
                    .update_columns([
                        PaymentProviders::ApiKeySealed,
                        PaymentProviders::PrivateKeySealed,
                        PaymentProviders::ApiKeyLast4,
                        PaymentProviders::PrivateKeyLast4,
                        PaymentProviders::UpdatedAt,
                    ])
                    .to_owned(),
            ),
    )
    .await
    .map(|_| ())
}

pub async fn providers(
    q: &mut impl Queries,
    scope: ShopScope,
) -> Result<Vec<ProviderRow>, StoreError> {
    q.fetch_all(
        Query::select()
            .columns(PROVIDER_COLUMNS)
            .from(PaymentProviders::Table)
            .and_where(Expr::col(PaymentProviders::ShopId).eq(scope.shop_id()))
            .order_by(PaymentProviders::Provider, Order::Asc),
    )
    .await
}

pub async fn provider(
    q: &mut impl Queries,
    scope: ShopScope,
    provider: &str,
) -> Result<Option<ProviderRow>, StoreError> {
    q.fetch_optional(
        Query::select()
            .columns(PROVIDER_COLUMNS)
            .from(PaymentProviders::Table)
            .and_where(Expr::col(PaymentProviders::ShopId).eq(scope.shop_id()))
            .and_where(Expr::col(PaymentProviders::Provider).eq(provider)),
    )
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LinkRow {
    pub shop_id: Uuid,
    pub link_id: Uuid,
    pub order_id: Uuid,
    /// SHA-256 (hex) of the token in the URL.
    pub token_hash: String,
    pub fingerprint: String,
    pub expires_at: i64,
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub actor_label: String,
    pub created_at: i64,
}

const LINK_COLUMNS: [PaymentLinks; 10] = [
    PaymentLinks::ShopId,
    PaymentLinks::LinkId,
    PaymentLinks::OrderId,
    PaymentLinks::TokenHash,
    PaymentLinks::Fingerprint,
    PaymentLinks::ExpiresAt,
    PaymentLinks::ActorKind,
    PaymentLinks::ActorId,
    PaymentLinks::ActorLabel,
    PaymentLinks::CreatedAt,
];

/// Removes an order's links; for deleting an open order whose links took no payment (the
/// attempts of one that did reference its payments, so the database refuses).
pub async fn delete_for_order(
    q: &mut impl Queries,
    scope: ShopScope,
    order_id: Uuid,
) -> Result<(), StoreError> {
    q.execute(
        Query::delete()
            .from_table(PaymentLinks::Table)
            .and_where(Expr::col(PaymentLinks::ShopId).eq(scope.shop_id()))
            .and_where(Expr::col(PaymentLinks::OrderId).eq(order_id)),
    )
    .await?;
    Ok(())
}

/// Writes a new link; its `shop_id` is the scope's.
pub async fn insert_link(
    q: &mut impl Queries,
    scope: ShopScope,
    row: &LinkRow,
) -> Result<(), StoreError> {
    q.execute(
        Query::insert()
            .into_table(PaymentLinks::Table)
            .columns(LINK_COLUMNS)
            .values_panic([
                scope.shop_id().into(),
                row.link_id.into(),
                row.order_id.into(),
                row.token_hash.clone().into(),
                row.fingerprint.clone().into(),
                row.expires_at.into(),
                row.actor_kind.clone().into(),
                row.actor_id.into(),
                row.actor_label.clone().into(),
                row.created_at.into(),
            ]),
    )
    .await
    .map(|_| ())
}

/// The link with this id whose token hashes to `token_hash`.
pub async fn link_by_token(
    q: &mut impl Queries,
    scope: ShopScope,
    link_id: Uuid,
    token_hash: &str,
) -> Result<Option<LinkRow>, StoreError> {
    q.fetch_optional(
        Query::select()
            .columns(LINK_COLUMNS)
            .from(PaymentLinks::Table)
            .and_where(Expr::col(PaymentLinks::ShopId).eq(scope.shop_id()))
            .and_where(Expr::col(PaymentLinks::LinkId).eq(link_id))
            .and_where(Expr::col(PaymentLinks::TokenHash).eq(token_hash)),
    )
    .await
}

pub async fn link(
    q: &mut impl Queries,
    scope: ShopScope,
    link_id: Uuid,
) -> Result<Option<LinkRow>, StoreError> {
    q.fetch_optional(
        Query::select()
            .columns(LINK_COLUMNS)
            .from(PaymentLinks::Table)
            .and_where(Expr::col(PaymentLinks::ShopId).eq(scope.shop_id()))
            .and_where(Expr::col(PaymentLinks::LinkId).eq(link_id)),
    )
    .await
}

/// One attempt to pay a link, with its payment's current status.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttemptRow {
    pub shop_id: Uuid,
    pub payment_id: Uuid,
    pub link_id: Uuid,
    pub provider: String,
    pub provider_order_number: String,
    pub created_at: i64,
    pub status: String,
    pub amount: i64,
    /// The provider's id of the payment once known (Stripe: the Checkout Session).
    pub provider_reference: Option<String>,
}

pub async fn insert_attempt(
    q: &mut impl Queries,
    scope: ShopScope,
    payment_id: Uuid,
    link_id: Uuid,
    provider: &str,
    provider_order_number: &str,
    created_at: i64,
) -> Result<(), StoreError> {
    q.execute(
        Query::insert()
            .into_table(PaymentLinkAttempts::Table)
            .columns([
                PaymentLinkAttempts::ShopId,
                PaymentLinkAttempts::PaymentId,
                PaymentLinkAttempts::LinkId,
                PaymentLinkAttempts::Provider,
                PaymentLinkAttempts::ProviderOrderNumber,
                PaymentLinkAttempts::CreatedAt,
            ])
            .values_panic([
                scope.shop_id().into(),
                payment_id.into(),
                link_id.into(),
                provider.into(),
                provider_order_number.into(),
                created_at.into(),
            ]),
    )
    .await
    .map(|_| ())
}

fn attempts_query() -> sea_query::SelectStatement {
    let a = |c: PaymentLinkAttempts| (PaymentLinkAttempts::Table, c);
    Query::select()
        .columns([
            a(PaymentLinkAttempts::ShopId),
            a(PaymentLinkAttempts::PaymentId),
            a(PaymentLinkAttempts::LinkId),
            a(PaymentLinkAttempts::Provider),
            a(PaymentLinkAttempts::ProviderOrderNumber),
            a(PaymentLinkAttempts::CreatedAt),
        ])
        .columns([
            (Payments::Table, Payments::Status),
            (Payments::Table, Payments::Amount),
            (Payments::Table, Payments::ProviderReference),
        ])
        .from(PaymentLinkAttempts::Table)
        .inner_join(
            Payments::Table,
            Expr::col((Payments::Table, Payments::ShopId))
                .equals(a(PaymentLinkAttempts::ShopId))
                .and(
                    Expr::col((Payments::Table, Payments::PaymentId))
                        .equals(a(PaymentLinkAttempts::PaymentId)),
                ),
        )
        .to_owned()
}

/// The attempt a provider's order number names.
pub async fn attempt_by_number(
    q: &mut impl Queries,
    scope: ShopScope,
    provider: &str,
    provider_order_number: &str,
) -> Result<Option<AttemptRow>, StoreError> {
    let a = |c: PaymentLinkAttempts| (PaymentLinkAttempts::Table, c);
    q.fetch_optional(
        attempts_query()
            .and_where(Expr::col(a(PaymentLinkAttempts::ShopId)).eq(scope.shop_id()))
            .and_where(Expr::col(a(PaymentLinkAttempts::Provider)).eq(provider))
            .and_where(
                Expr::col(a(PaymentLinkAttempts::ProviderOrderNumber)).eq(provider_order_number),
            ),
    )
    .await
}

/// The link's attempts, newest first.
pub async fn attempts_for_link(
    q: &mut impl Queries,
    scope: ShopScope,
    link_id: Uuid,
) -> Result<Vec<AttemptRow>, StoreError> {
    let a = |c: PaymentLinkAttempts| (PaymentLinkAttempts::Table, c);
    q.fetch_all(
        attempts_query()
            .and_where(Expr::col(a(PaymentLinkAttempts::ShopId)).eq(scope.shop_id()))
            .and_where(Expr::col(a(PaymentLinkAttempts::LinkId)).eq(link_id))
            .order_by(a(PaymentLinkAttempts::CreatedAt), Order::Desc)
            .order_by(a(PaymentLinkAttempts::PaymentId), Order::Desc),
    )
    .await
}

/// The shop's attempts still pending that started before `before`, oldest first.
pub async fn pending_attempts(
    q: &mut impl Queries,
    scope: ShopScope,
    before: i64,
    limit: u64,
) -> Result<Vec<AttemptRow>, StoreError> {
    let a = |c: PaymentLinkAttempts| (PaymentLinkAttempts::Table, c);
    q.fetch_all(
        attempts_query()
            .and_where(Expr::col(a(PaymentLinkAttempts::ShopId)).eq(scope.shop_id()))
            .and_where(Expr::col((Payments::Table, Payments::Status)).eq("pending"))
            .and_where(Expr::col(a(PaymentLinkAttempts::CreatedAt)).lt(before))
            .order_by(a(PaymentLinkAttempts::CreatedAt), Order::Asc)
            .limit(limit),
    )
    .await
}
