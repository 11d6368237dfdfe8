//! A shop's notification rules (NTF-3), kept as one list: staff edit them as a whole, and every
//! order event reads them with one lookup.

use crate::schema::NotificationRules;
use crate::{Queries, ShopScope, StoreError};
use sea_query::{Expr, ExprTrait, OnConflict, Query};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RulesRow {
    /// The domain's rule set as JSON.
    pub rules: String,
    pub updated_by: String,
    pub updated_at: i64,
}

/// The shop's rules; `None` when it never changed the defaults.
pub async fn get(q: &mut impl Queries, scope: ShopScope) -> Result<Option<RulesRow>, StoreError> {
    q.fetch_optional(
        Query::select()
            .columns([
                NotificationRules::Rules,
                NotificationRules::UpdatedBy,
                NotificationRules::UpdatedAt,
            ])
            .from(NotificationRules::Table)
            .and_where(Expr::col(NotificationRules::ShopId).eq(scope.shop_id())),
    )
    .await
}

pub async fn put(q: &mut impl Queries, scope: ShopScope, row: &RulesRow) -> Result<(), StoreError> {
    q.execute(
        Query::insert()
            .into_table(NotificationRules::Table)
            .columns([
                NotificationRules::ShopId,
                NotificationRules::Rules,
                NotificationRules::UpdatedBy,
                NotificationRules::UpdatedAt,
            ])
            .values_panic([
                scope.shop_id().into(),
                row.rules.clone().into(),
                row.updated_by.clone().into(),
                row.updated_at.into(),
            ])
            .on_conflict(
                OnConflict::column(NotificationRules::ShopId)
                    .update_columns([
                        NotificationRules::Rules,
                        NotificationRules::UpdatedBy,
                        NotificationRules::UpdatedAt,
                    ])
                    .to_owned(),
            ),
    )
    .await
    .map(|_| ())
}
