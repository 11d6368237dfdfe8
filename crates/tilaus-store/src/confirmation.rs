//! Confirmation links, the confirmations made through them, and the shop's terms they show.
//!
//! Like payment links, the public page has no session: the token carries its shop and link ids,
//! and the app checks the token's hash before trusting it.

use crate::schema::{ConfirmationLinks, OrderConfirmations, ShopTerms};
use crate::{Queries, ShopScope, StoreError};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
use uuid::Uuid;

/// A confirmation link has the same columns as a payment link.
pub use crate::payment_link::LinkRow;

const LINK_COLUMNS: [ConfirmationLinks; 10] = [
    ConfirmationLinks::ShopId,
    ConfirmationLinks::LinkId,
    ConfirmationLinks::OrderId,
    ConfirmationLinks::TokenHash,
    ConfirmationLinks::Fingerprint,
    ConfirmationLinks::ExpiresAt,
    ConfirmationLinks::ActorKind,
    ConfirmationLinks::ActorId,
    ConfirmationLinks::ActorLabel,
    ConfirmationLinks::CreatedAt,
];

/// Writes a new link; its `shop_id` is the scope's.
pub async fn insert_link(
    q: &mut impl Queries,
    scope: ShopScope,
    row: &LinkRow,
) -> Result<(), StoreError> {
    q.execute(
        Query::insert()
            .into_table(ConfirmationLinks::Table)
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
            .from(ConfirmationLinks::Table)
            .and_where(Expr::col(ConfirmationLinks::ShopId).eq(scope.shop_id()))
            .and_where(Expr::col(ConfirmationLinks::LinkId).eq(link_id))
            .and_where(Expr::col(ConfirmationLinks::TokenHash).eq(token_hash)),
    )
    .await
}

/// One confirmation: who accepted which content, when and from where.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ConfirmationRow {
    pub confirmation_id: Uuid,
    pub order_id: Uuid,
    pub link_id: Uuid,
    pub name: String,
    pub title: Option<String>,
    /// Canonical JSON of the page's content, byte for byte as hashed.
    pub snapshot: String,
    pub snapshot_sha256: String,
    /// The order content's fingerprint when it was confirmed.
    pub fingerprint: String,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub confirmed_at: i64,
}

const CONFIRMATION_COLUMNS: [OrderConfirmations; 11] = [
    OrderConfirmations::ConfirmationId,
    OrderConfirmations::OrderId,
    OrderConfirmations::LinkId,
    OrderConfirmations::Name,
    OrderConfirmations::Title,
    OrderConfirmations::Snapshot,
    OrderConfirmations::SnapshotSha256,
    OrderConfirmations::Fingerprint,
    OrderConfirmations::IpAddress,
    OrderConfirmations::UserAgent,
    OrderConfirmations::ConfirmedAt,
];

/// Records a confirmation. A second one for the same link is a unique violation
/// ([`StoreError::is_unique_violation`]): the link was used meanwhile.
pub async fn insert_confirmation(
    q: &mut impl Queries,
    scope: ShopScope,
    row: &ConfirmationRow,
) -> Result<(), StoreError> {
    let mut columns = vec![OrderConfirmations::ShopId];
    columns.extend(CONFIRMATION_COLUMNS);
    q.execute(
        Query::insert()
            .into_table(OrderConfirmations::Table)
            .columns(columns)
            .values_panic([
                scope.shop_id().into(),
                row.confirmation_id.into(),
                row.order_id.into(),
                row.link_id.into(),
                row.name.clone().into(),
                row.title.clone().into(),
                row.snapshot.clone().into(),
                row.snapshot_sha256.clone().into(),
                row.fingerprint.clone().into(),
                row.ip_address.clone().into(),
                row.user_agent.clone().into(),
                row.confirmed_at.into(),
            ]),
    )
    .await
    .map(|_| ())
}

/// The confirmation made through a link, if any.
pub async fn for_link(
    q: &mut impl Queries,
    scope: ShopScope,
    link_id: Uuid,
) -> Result<Option<ConfirmationRow>, StoreError> {
    q.fetch_optional(
        Query::select()
            .columns(CONFIRMATION_COLUMNS)
            .from(OrderConfirmations::Table)
            .and_where(Expr::col(OrderConfirmations::ShopId).eq(scope.shop_id()))
            .and_where(Expr::col(OrderConfirmations::LinkId).eq(link_id)),
    )
    .await
}

/// The order's confirmations, oldest first.
pub async fn for_order(
    q: &mut impl Queries,
    scope: ShopScope,
    order_id: Uuid,
) -> Result<Vec<ConfirmationRow>, StoreError> {
    q.fetch_all(
        Query::select()
            .columns(CONFIRMATION_COLUMNS)
            .from(OrderConfirmations::Table)
            .and_where(Expr::col(OrderConfirmations::ShopId).eq(scope.shop_id()))
            .and_where(Expr::col(OrderConfirmations::OrderId).eq(order_id))
            .order_by(OrderConfirmations::ConfirmedAt, Order::Asc)
            .order_by(OrderConfirmations::ConfirmationId, Order::Asc),
    )
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TermsRow {
    /// `fi`, `sv` or `en`.
    pub language: String,
    pub body: String,
    pub updated_at: i64,
}

/// The shop's terms in every language it has set them in.
pub async fn terms(q: &mut impl Queries, scope: ShopScope) -> Result<Vec<TermsRow>, StoreError> {
    q.fetch_all(
        Query::select()
            .columns([ShopTerms::Language, ShopTerms::Body, ShopTerms::UpdatedAt])
            .from(ShopTerms::Table)
            .and_where(Expr::col(ShopTerms::ShopId).eq(scope.shop_id()))
            .order_by(ShopTerms::Language, sea_query::Order::Asc),
    )
    .await
}

/// Sets (or replaces) the shop's terms in one language.
pub async fn put_terms(
    q: &mut impl Queries,
    scope: ShopScope,
    row: &TermsRow,
) -> Result<(), StoreError> {
    q.execute(
        Query::insert()
            .into_table(ShopTerms::Table)
            .columns([
                ShopTerms::ShopId,
                ShopTerms::Language,
                ShopTerms::Body,
                ShopTerms::UpdatedAt,
            ])
            .values_panic([
                scope.shop_id().into(),
                row.language.clone().into(),
                row.body.clone().into(),
                row.updated_at.into(),
            ])
            .on_conflict(
                OnConflict::columns([ShopTerms::ShopId, ShopTerms::Language])
                    .update_columns([ShopTerms::Body, ShopTerms::UpdatedAt])
                    .to_owned(),
            ),
    )
    .await
    .map(|_| ())
}
