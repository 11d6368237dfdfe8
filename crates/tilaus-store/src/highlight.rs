//! Highlight rules of the order list: a user's own rules and the ones shared in the shop.

use crate::schema::HighlightRules;
use crate::{Queries, ShopScope, StoreError};
use sea_query::{Cond, Expr, ExprTrait, Order, Query};
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HighlightRuleRow {
    pub rule_id: Uuid,
    /// Who made it (and alone may see it unless it is shared).
    pub user_id: Uuid,
    pub shared: bool,
    pub name: String,
    pub field: String,
    pub condition: String,
    pub value: String,
    pub colour: Option<String>,
    pub icon: Option<String>,
    pub created_at: i64,
}

const COLUMNS: [HighlightRules; 10] = [
    HighlightRules::RuleId,
    HighlightRules::UserId,
    HighlightRules::Shared,
    HighlightRules::Name,
    HighlightRules::Field,
    HighlightRules::Condition,
    HighlightRules::Value,
    HighlightRules::Colour,
    HighlightRules::Icon,
    HighlightRules::CreatedAt,
];

pub async fn insert(
    q: &mut impl Queries,
    scope: ShopScope,
    row: &HighlightRuleRow,
) -> Result<(), StoreError> {
    let mut columns = vec![HighlightRules::ShopId];
    columns.extend(COLUMNS);
    q.execute(
        Query::insert()
            .into_table(HighlightRules::Table)
            .columns(columns)
            .values_panic([
                scope.shop_id().into(),
                row.rule_id.into(),
                row.user_id.into(),
                row.shared.into(),
                row.name.clone().into(),
                row.field.clone().into(),
                row.condition.clone().into(),
                row.value.clone().into(),
                row.colour.clone().into(),
                row.icon.clone().into(),
                row.created_at.into(),
            ]),
    )
    .await
    .map(|_| ())
}

/// The rules a user sees: their own and the shop's shared ones, oldest first (the order in
/// which they are applied).
pub async fn visible(
    q: &mut impl Queries,
    scope: ShopScope,
    user_id: Uuid,
) -> Result<Vec<HighlightRuleRow>, StoreError> {
    q.fetch_all(
        Query::select()
            .columns(COLUMNS)
            .from(HighlightRules::Table)
            .and_where(Expr::col(HighlightRules::ShopId).eq(scope.shop_id()))
            .cond_where(
                Cond::any()
                    .add(Expr::col(HighlightRules::UserId).eq(user_id))
                    .add(Expr::col(HighlightRules::Shared).eq(true)),
            )
            .order_by(HighlightRules::CreatedAt, Order::Asc)
            .order_by(HighlightRules::RuleId, Order::Asc),
    )
    .await
}

pub async fn delete(
    q: &mut impl Queries,
    scope: ShopScope,
    rule_id: Uuid,
) -> Result<bool, StoreError> {
    let touched = q
        .execute(
            Query::delete()
                .from_table(HighlightRules::Table)
                .and_where(Expr::col(HighlightRules::ShopId).eq(scope.shop_id()))
                .and_where(Expr::col(HighlightRules::RuleId).eq(rule_id)),
        )
        .await?;
    Ok(touched == 1)
}
