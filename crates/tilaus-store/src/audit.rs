//! The shop's audit trail for writes outside orders (orders keep their own events).

use crate::schema::AuditLog;
use crate::{Queries, ShopScope, StoreError};
use sea_query::{Expr, ExprTrait, Order, Query};
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub audit_id: Uuid,
    /// What happened, e.g. `product.created`.
    pub action: String,
    /// What it happened to: a sku, a token id, a channel code.
    pub subject: String,
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub actor_label: String,
    /// JSON.
    pub data: String,
    pub created_at: i64,
}

const COLUMNS: [AuditLog; 8] = [
    AuditLog::AuditId,
    AuditLog::Action,
    AuditLog::Subject,
    AuditLog::ActorKind,
    AuditLog::ActorId,
    AuditLog::ActorLabel,
    AuditLog::Data,
    AuditLog::CreatedAt,
];

pub async fn record(
    q: &mut impl Queries,
    scope: ShopScope,
    row: &AuditRow,
) -> Result<(), StoreError> {
    let mut columns = vec![AuditLog::ShopId];
    columns.extend(COLUMNS);
    q.execute(
        Query::insert()
            .into_table(AuditLog::Table)
            .columns(columns)
            .values_panic([
                scope.shop_id().into(),
                row.audit_id.into(),
                row.action.clone().into(),
                row.subject.clone().into(),
                row.actor_kind.clone().into(),
                row.actor_id.into(),
                row.actor_label.clone().into(),
                row.data.clone().into(),
                row.created_at.into(),
            ]),
    )
    .await
    .map(|_| ())
}

/// The newest entries first, older than the entry `before` when given. Audit ids are UUIDv7,
/// so their order is the order in time and the primary key serves as the keyset index.
pub async fn list(
    q: &mut impl Queries,
    scope: ShopScope,
    before: Option<Uuid>,
    limit: u64,
) -> Result<Vec<AuditRow>, StoreError> {
    let mut select = Query::select();
    select
        .columns(COLUMNS)
        .from(AuditLog::Table)
        .and_where(Expr::col(AuditLog::ShopId).eq(scope.shop_id()));
    if let Some(before) = before {
        select.and_where(Expr::col(AuditLog::AuditId).lt(before));
    }
    select.order_by(AuditLog::AuditId, Order::Desc).limit(limit);
    q.fetch_all(&select).await
}
