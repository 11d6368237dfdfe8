//! Saved views of the order list: one user's named filters in one shop.
//!
//! Every function takes the user as well as the shop, so that no one reads or changes another
//! user's views, even by guessing an id.

use crate::schema::SavedViews;
use crate::{Queries, ShopScope, StoreError};
use sea_query::{Expr, ExprTrait, Order, Query};
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SavedViewRow {
    pub view_id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    /// The list's filters as a canonical query string.
    pub query: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: [SavedViews; 6] = [
    SavedViews::ViewId,
    SavedViews::UserId,
    SavedViews::Name,
    SavedViews::Query,
    SavedViews::CreatedAt,
    SavedViews::UpdatedAt,
];

/// Adds a view; a name the user already has is a unique violation.
pub async fn insert(
    q: &mut impl Queries,
    scope: ShopScope,
    row: &SavedViewRow,
) -> Result<(), StoreError> {
    let mut columns = vec![SavedViews::ShopId];
    columns.extend(COLUMNS);
    q.execute(
        Query::insert()
            .into_table(SavedViews::Table)
            .columns(columns)
            .values_panic([
                scope.shop_id().into(),
                row.view_id.into(),
                row.user_id.into(),
                row.name.clone().into(),
                row.query.clone().into(),
                row.created_at.into(),
                row.updated_at.into(),
            ]),
    )
    .await
    .map(|_| ())
}

/// The user's views by name.
pub async fn list(
    q: &mut impl Queries,
    scope: ShopScope,
    user_id: Uuid,
) -> Result<Vec<SavedViewRow>, StoreError> {
    q.fetch_all(
        Query::select()
            .columns(COLUMNS)
            .from(SavedViews::Table)
            .and_where(Expr::col(SavedViews::ShopId).eq(scope.shop_id()))
            .and_where(Expr::col(SavedViews::UserId).eq(user_id))
            .order_by(SavedViews::Name, Order::Asc),
    )
    .await
}

/// Renames one of the user's views; `false` when the user has no such view. A name the user
/// already has is a unique violation.
pub async fn rename(
    q: &mut impl Queries,
    scope: ShopScope,
    user_id: Uuid,
    view_id: Uuid,
    name: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let touched = q
        .execute(
            Query::update()
                .table(SavedViews::Table)
                .values([
                    (SavedViews::Name, name.into()),
                    (SavedViews::UpdatedAt, now.into()),
                ])
                .and_where(Expr::col(SavedViews::ShopId).eq(scope.shop_id()))
                .and_where(Expr::col(SavedViews::UserId).eq(user_id))
                .and_where(Expr::col(SavedViews::ViewId).eq(view_id)),
        )
        .await?;
    Ok(touched == 1)
}

/// Removes one of the user's views; `false` when the user has no such view.
pub async fn delete(
    q: &mut impl Queries,
    scope: ShopScope,
    user_id: Uuid,
    view_id: Uuid,
) -> Result<bool, StoreError> {
    let touched = q
        .execute(
            Query::delete()
                .from_table(SavedViews::Table)
                .and_where(Expr::col(SavedViews::ShopId).eq(scope.shop_id()))
                .and_where(Expr::col(SavedViews::UserId).eq(user_id))
                .and_where(Expr::col(SavedViews::ViewId).eq(view_id)),
        )
        .await?;
    Ok(touched == 1)
}
