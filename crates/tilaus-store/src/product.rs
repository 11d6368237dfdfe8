//! The shop's products: what order lines can name by sku.

use crate::schema::Products;
use crate::{Queries, ShopScope, StoreError};
use sea_query::{Expr, ExprTrait, Order, Query};
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProductRow {
    pub product_id: Uuid,
    pub sku: String,
    /// JSON object of names per language code.
    pub names: String,
    pub kind: String,
    pub unit_price: i64,
    pub vat_rate: i32,
    pub prices_include_vat: bool,
    pub purchase_process: String,
    /// Lower-case sku and names, for the list's free text.
    pub search_text: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: [Products; 11] = [
    Products::ProductId,
    Products::Sku,
    Products::Names,
    Products::Kind,
    Products::UnitPrice,
    Products::VatRate,
    Products::PricesIncludeVat,
    Products::PurchaseProcess,
    Products::SearchText,
    Products::CreatedAt,
    Products::UpdatedAt,
];

/// Adds a product; a sku the shop already uses is a unique violation.
pub async fn insert(
    q: &mut impl Queries,
    scope: ShopScope,
    p: &ProductRow,
) -> Result<(), StoreError> {
    let mut columns = vec![Products::ShopId];
    columns.extend(COLUMNS);
    q.execute(
        Query::insert()
            .into_table(Products::Table)
            .columns(columns)
            .values_panic([
                scope.shop_id().into(),
                p.product_id.into(),
                p.sku.clone().into(),
                p.names.clone().into(),
                p.kind.clone().into(),
                p.unit_price.into(),
                p.vat_rate.into(),
                p.prices_include_vat.into(),
                p.purchase_process.clone().into(),
                p.search_text.clone().into(),
                p.created_at.into(),
                p.updated_at.into(),
            ]),
    )
    .await
    .map(|_| ())
}

/// Replaces a product's fields (all but its id and creation time); `false` when the shop has
/// no such product. A sku taken by another product is a unique violation.
pub async fn update(
    q: &mut impl Queries,
    scope: ShopScope,
    p: &ProductRow,
) -> Result<bool, StoreError> {
    let touched = q
        .execute(
            Query::update()
                .table(Products::Table)
                .values([
                    (Products::Sku, p.sku.clone().into()),
                    (Products::Names, p.names.clone().into()),
                    (Products::Kind, p.kind.clone().into()),
                    (Products::UnitPrice, p.unit_price.into()),
                    (Products::VatRate, p.vat_rate.into()),
                    (Products::PricesIncludeVat, p.prices_include_vat.into()),
                    (Products::PurchaseProcess, p.purchase_process.clone().into()),
                    (Products::SearchText, p.search_text.clone().into()),
                    (Products::UpdatedAt, p.updated_at.into()),
                ])
                .and_where(Expr::col(Products::ShopId).eq(scope.shop_id()))
                .and_where(Expr::col(Products::ProductId).eq(p.product_id)),
        )
        .await?;
    Ok(touched == 1)
}

/// Removes a product; order lines keep their own copy of its name and price.
pub async fn delete(
    q: &mut impl Queries,
    scope: ShopScope,
    product_id: Uuid,
) -> Result<bool, StoreError> {
    let touched = q
        .execute(
            Query::delete()
                .from_table(Products::Table)
                .and_where(Expr::col(Products::ShopId).eq(scope.shop_id()))
                .and_where(Expr::col(Products::ProductId).eq(product_id)),
        )
        .await?;
    Ok(touched == 1)
}

pub async fn get(
    q: &mut impl Queries,
    scope: ShopScope,
    product_id: Uuid,
) -> Result<Option<ProductRow>, StoreError> {
    q.fetch_optional(
        Query::select()
            .columns(COLUMNS)
            .from(Products::Table)
            .and_where(Expr::col(Products::ShopId).eq(scope.shop_id()))
            .and_where(Expr::col(Products::ProductId).eq(product_id)),
    )
    .await
}

/// The shop's products with these skus (unknown skus are simply absent).
pub async fn by_skus(
    q: &mut impl Queries,
    scope: ShopScope,
    skus: &[&str],
) -> Result<Vec<ProductRow>, StoreError> {
    if skus.is_empty() {
        return Ok(Vec::new());
    }
    q.fetch_all(
        Query::select()
            .columns(COLUMNS)
            .from(Products::Table)
            .and_where(Expr::col(Products::ShopId).eq(scope.shop_id()))
            .and_where(Expr::col(Products::Sku).is_in(skus.iter().copied())),
    )
    .await
}

/// A page of products in sku order after `after_sku`, optionally only those whose sku or name
/// contains `text` (lower-case).
pub async fn list(
    q: &mut impl Queries,
    scope: ShopScope,
    text: Option<&str>,
    after_sku: Option<&str>,
    limit: u64,
) -> Result<Vec<ProductRow>, StoreError> {
    let mut select = Query::select();
    select
        .columns(COLUMNS)
        .from(Products::Table)
        .and_where(Expr::col(Products::ShopId).eq(scope.shop_id()));
    if let Some(text) = text {
        select.and_where(Expr::col(Products::SearchText).like(crate::like_contains(text)));
    }
    if let Some(after) = after_sku {
        select.and_where(Expr::col(Products::Sku).gt(after));
    }
    select.order_by(Products::Sku, Order::Asc).limit(limit);
    q.fetch_all(&select).await
}
