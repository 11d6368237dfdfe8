//! A shop's look: its accent colour and logo.

use crate::schema::ShopBrands;
use crate::{Queries, ShopScope, StoreError};
use sea_query::{Expr, ExprTrait, OnConflict, Query};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BrandRow {
    pub accent_colour: String,
    pub logo: Option<Vec<u8>>,
    /// `png` or `svg`, with the logo.
    pub logo_format: Option<String>,
}

const COLUMNS: [ShopBrands; 3] = [
    ShopBrands::AccentColour,
    ShopBrands::Logo,
    ShopBrands::LogoFormat,
];

/// The shop's look; `None` while it has the defaults.
pub async fn get(q: &mut impl Queries, scope: ShopScope) -> Result<Option<BrandRow>, StoreError> {
    of_shop(q, scope.shop_id()).await
}

/// Any shop's look, for the public logo address (logos are shown to anyone the shop mails).
pub async fn public(q: &mut impl Queries, shop_id: Uuid) -> Result<Option<BrandRow>, StoreError> {
    of_shop(q, shop_id).await
}

async fn of_shop(q: &mut impl Queries, shop_id: Uuid) -> Result<Option<BrandRow>, StoreError> {
    q.fetch_optional(
        Query::select()
            .columns(COLUMNS)
            .from(ShopBrands::Table)
            .and_where(Expr::col(ShopBrands::ShopId).eq(shop_id)),
    )
    .await
}

pub async fn put(
    q: &mut impl Queries,
    scope: ShopScope,
    row: &BrandRow,
    now: i64,
) -> Result<(), StoreError> {
    let mut columns = vec![ShopBrands::ShopId, ShopBrands::UpdatedAt];
    columns.extend(COLUMNS);
    let mut updated = vec![ShopBrands::UpdatedAt];
    updated.extend(COLUMNS);
    q.execute(
        Query::insert()
            .into_table(ShopBrands::Table)
            .columns(columns)
            .values_panic([
                scope.shop_id().into(),
                now.into(),
                row.accent_colour.clone().into(),
                row.logo.clone().into(),
                row.logo_format.clone().into(),
            ])
            .on_conflict(
                OnConflict::column(ShopBrands::ShopId)
                    .update_columns(updated)
                    .to_owned(),
            ),
    )
    .await
    .map(|_| ())
}
