//! The product catalogue (minimal for now): create, change, list and remove products, and look
//! them up by sku so that an order line can name only its sku.

use crate::audit;
use crate::time::rfc3339;
use crate::{App, AppError, Principal};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use tilaus_domain::money::VatRate;
use tilaus_domain::order::{ProductKind, PurchaseProcess};
use tilaus_domain::product::{MAX_SKU, Product, validate_names, validate_unit_price};
use tilaus_domain::text;
use tilaus_domain::validation::ValidationErrors;
use tilaus_store::product::ProductRow;
use tilaus_store::{Queries, ShopScope, StoreError, now_micros, product};
use utoipa::ToSchema;
use uuid::Uuid;

/// A product as the API takes it (create, and full replacement on update).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductInput {
    /// Unique within the shop; order lines refer to the product by it.
    pub sku: String,
    /// Names per language code, e.g. `{"fi": "T-paita", "en": "T-shirt"}`; at least one.
    pub names: BTreeMap<String, String>,
    /// `goods` (default) or `service`.
    pub kind: Option<String>,
    /// Minor units.
    pub unit_price: i64,
    /// Basis points: 25.5 % is 2550.
    pub vat_rate: i64,
    /// Whether `unit_price` includes VAT. Default true.
    pub prices_include_vat: Option<bool>,
    /// `pay_now` (default), `invoice`, `quote` or `open_order` (ORD-5).
    pub purchase_process: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProductView {
    pub id: Uuid,
    pub sku: String,
    pub names: BTreeMap<String, String>,
    pub kind: String,
    pub unit_price: i64,
    pub vat_rate: i32,
    pub prices_include_vat: bool,
    pub purchase_process: String,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProductPage {
    pub items: Vec<ProductView>,
    /// Pass as `after` for the next page (the last sku); null on the last page.
    pub next_cursor: Option<String>,
}

/// Products an order's lines named by sku, keyed by sku.
pub(crate) type Catalogue = HashMap<String, Product>;

fn one_of<T>(value: &str, parse: fn(&str) -> Option<T>, expected: String) -> Result<T, String> {
    parse(value).ok_or_else(|| format!("'{value}' is not one of {expected}"))
}

impl ProductInput {
    /// Validates into a row for `product_id`, with every problem pointed at its field.
    fn to_row(&self, product_id: Uuid, now: i64) -> Result<ProductRow, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let sku = errors.check("/sku", text::required(&self.sku, MAX_SKU));
        let names = errors.check("/names", validate_names(&self.names));
        let kind = errors.check(
            "/kind",
            one_of(
                self.kind.as_deref().unwrap_or("goods"),
                ProductKind::parse,
                ProductKind::expected(),
            ),
        );
        let unit_price = errors.check("/unit_price", validate_unit_price(self.unit_price));
        let vat_rate = errors.check("/vat_rate", VatRate::new(self.vat_rate));
        let process = errors.check(
            "/purchase_process",
            one_of(
                self.purchase_process.as_deref().unwrap_or("pay_now"),
                PurchaseProcess::parse,
                PurchaseProcess::expected(),
            ),
        );
        errors.into_result()?;
        let (Some(sku), Some(names), Some(kind), Some(unit_price), Some(vat_rate), Some(process)) =
            (sku, names, kind, unit_price, vat_rate, process)
        else {
            return Err(ValidationErrors::single("", "the product is invalid"));
        };
        let search_text = std::iter::once(sku.as_str())
            .chain(names.values().map(String::as_str))
            .map(text::fold)
            .collect::<Vec<_>>()
            .join(" ");
        Ok(ProductRow {
            product_id,
            names: json!(names).to_string(),
            sku,
            kind: kind.as_str().into(),
            unit_price,
            vat_rate: i32::try_from(vat_rate.basis_points()).unwrap_or(i32::MAX),
            prices_include_vat: self.prices_include_vat.unwrap_or(true),
            purchase_process: process.as_str().into(),
            search_text,
            created_at: now,
            updated_at: now,
        })
    }
}

fn view(row: &ProductRow) -> ProductView {
    ProductView {
        id: row.product_id,
        sku: row.sku.clone(),
        names: serde_json::from_str(&row.names).unwrap_or_default(),
        kind: row.kind.clone(),
        unit_price: row.unit_price,
        vat_rate: row.vat_rate,
        prices_include_vat: row.prices_include_vat,
        purchase_process: row.purchase_process.clone(),
        created_at: rfc3339(row.created_at),
        updated_at: rfc3339(row.updated_at),
    }
}

/// Reads a stored product back into the domain's terms.
fn domain(row: ProductRow) -> Result<Product, StoreError> {
    Ok(Product {
        product_id: row.product_id,
        names: serde_json::from_str(&row.names)
            .map_err(|_| StoreError::corrupt("products.names", &row.names))?,
        kind: ProductKind::parse(&row.kind)
            .ok_or_else(|| StoreError::corrupt("products.kind", &row.kind))?,
        unit_price: row.unit_price,
        vat_rate: VatRate::new(i64::from(row.vat_rate))
            .map_err(|_| StoreError::corrupt("products.vat_rate", row.vat_rate))?,
        prices_include_vat: row.prices_include_vat,
        purchase_process: PurchaseProcess::parse(&row.purchase_process).ok_or_else(|| {
            StoreError::corrupt("products.purchase_process", &row.purchase_process)
        })?,
        sku: row.sku,
    })
}

/// Turns a duplicate sku into a conflict that names it.
fn sku_taken(sku: &str) -> impl FnOnce(StoreError) -> AppError + '_ {
    move |e| {
        if e.is_unique_violation() {
            AppError::Conflict(format!("the shop already has a product with sku {sku}"))
        } else {
            e.into()
        }
    }
}

/// Fetches the products that `skus` name, in one query.
pub(crate) async fn catalogue(
    q: &mut impl Queries,
    scope: ShopScope,
    skus: &[&str],
) -> Result<Catalogue, AppError> {
    let rows = product::by_skus(q, scope, skus).await?;
    rows.into_iter()
        .map(|row| Ok((row.sku.clone(), domain(row)?)))
        .collect::<Result<_, StoreError>>()
        .map_err(AppError::from)
}

impl App {
    pub async fn create_product(
        &self,
        principal: &Principal,
        input: &ProductInput,
    ) -> Result<ProductView, AppError> {
        let scope = principal.write_scope()?;
        let row = input.to_row(Uuid::now_v7(), now_micros())?;
        let mut tx = self.db.begin().await?;
        product::insert(&mut tx, scope, &row)
            .await
            .map_err(sku_taken(&row.sku))?;
        let created = view(&row);
        audit::record(
            &mut tx,
            scope,
            principal,
            "product.created",
            &row.sku,
            json!(created),
        )
        .await?;
        tx.commit().await?;
        Ok(created)
    }

    /// Replaces a product's fields. Orders already taken keep the name and price they had.
    pub async fn update_product(
        &self,
        principal: &Principal,
        product_id: Uuid,
        input: &ProductInput,
    ) -> Result<ProductView, AppError> {
        let scope = principal.write_scope()?;
        let mut tx = self.db.begin().await?;
        let before = product::get(&mut tx, scope, product_id)
            .await?
            .ok_or(AppError::NotFound("product"))?;
        let mut row = input.to_row(product_id, now_micros())?;
        row.created_at = before.created_at;
        product::update(&mut tx, scope, &row)
            .await
            .map_err(sku_taken(&row.sku))?;
        let updated = view(&row);
        let data = json!({"before": view(&before), "after": updated});
        audit::record(&mut tx, scope, principal, "product.updated", &row.sku, data).await?;
        tx.commit().await?;
        Ok(updated)
    }

    pub async fn delete_product(
        &self,
        principal: &Principal,
        product_id: Uuid,
    ) -> Result<(), AppError> {
        let scope = principal.write_scope()?;
        let mut tx = self.db.begin().await?;
        let before = product::get(&mut tx, scope, product_id)
            .await?
            .ok_or(AppError::NotFound("product"))?;
        product::delete(&mut tx, scope, product_id).await?;
        let data = json!(view(&before));
        audit::record(
            &mut tx,
            scope,
            principal,
            "product.deleted",
            &before.sku,
            data,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn get_product(
        &self,
        principal: &Principal,
        product_id: Uuid,
    ) -> Result<ProductView, AppError> {
        let row = product::get(
            &mut self.db.read().await?,
            principal.read_scope(),
            product_id,
        )
        .await?
        .ok_or(AppError::NotFound("product"))?;
        Ok(view(&row))
    }

    /// A page of products in sku order; `q` matches part of a sku or name.
    pub async fn list_products(
        &self,
        principal: &Principal,
        q: Option<&str>,
        after: Option<&str>,
        limit: Option<u64>,
    ) -> Result<ProductPage, AppError> {
        let limit = crate::page_limit(limit)?;
        let text = text::optional(q, 200)
            .map_err(|e| AppError::invalid("/q", e))?
            .map(|t| text::fold(&t));
        let after = text::optional(after, MAX_SKU).map_err(|e| AppError::invalid("/after", e))?;
        let rows = product::list(
            &mut self.db.read().await?,
            principal.read_scope(),
            text.as_deref(),
            after.as_deref(),
            limit + 1,
        )
        .await?;
        let (rows, more) = crate::split_page(rows, limit);
        let next_cursor = if more {
            rows.last().map(|r| r.sku.clone())
        } else {
            None
        };
        Ok(ProductPage {
            items: rows.iter().map(view).collect(),
            next_cursor,
        })
    }
}
