//! Stored responses of requests that carried an `Idempotency-Key`.

use crate::schema::IdempotencyKeys;
use crate::{Queries, ShopScope, StoreError};
use sea_query::{Expr, ExprTrait, Query};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredResponse {
    /// SHA-256 (hex) of the request that first used the key.
    pub request_hash: String,
    pub response_status: i32,
    pub response_body: String,
}

pub async fn find(
    q: &mut impl Queries,
    scope: ShopScope,
    key: &str,
) -> Result<Option<StoredResponse>, StoreError> {
    q.fetch_optional(
        Query::select()
            .columns([
                IdempotencyKeys::RequestHash,
                IdempotencyKeys::ResponseStatus,
                IdempotencyKeys::ResponseBody,
            ])
            .from(IdempotencyKeys::Table)
            .and_where(Expr::col(IdempotencyKeys::ShopId).eq(scope.shop_id()))
            .and_where(Expr::col(IdempotencyKeys::IdempotencyKey).eq(key)),
    )
    .await
}

pub async fn insert(
    q: &mut impl Queries,
    scope: ShopScope,
    key: &str,
    response: &StoredResponse,
    now: i64,
) -> Result<(), StoreError> {
    q.execute(
        Query::insert()
            .into_table(IdempotencyKeys::Table)
            .columns([
                IdempotencyKeys::ShopId,
                IdempotencyKeys::IdempotencyKey,
                IdempotencyKeys::RequestHash,
                IdempotencyKeys::ResponseStatus,
                IdempotencyKeys::ResponseBody,
                IdempotencyKeys::CreatedAt,
            ])
            .values_panic([
                scope.shop_id().into(),
                key.into(),
                response.request_hash.clone().into(),
                response.response_status.into(),
                response.response_body.clone().into(),
                now.into(),
            ]),
    )
    .await
    .map(|_| ())
}

/// Forgets keys stored before `before` (Unix microseconds); returns how many.
pub async fn purge(q: &mut impl Queries, before: i64) -> Result<u64, StoreError> {
    q.execute(
        Query::delete()
            .from_table(IdempotencyKeys::Table)
            .and_where(Expr::col(IdempotencyKeys::CreatedAt).lt(before)),
    )
    .await
}
