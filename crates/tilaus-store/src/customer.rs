//! Customers, matched by e-mail address within a shop (CUS-10), found by search (CUS-1).

use crate::schema::Customers;
use crate::{Queries, ShopScope, StoreError};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CustomerRow {
    pub customer_id: Uuid,
    pub kind: String,
    pub name: String,
    pub email: Option<String>,
    /// Trimmed, case-folded e-mail: the matching key.
    pub email_key: Option<String>,
    pub phone: Option<String>,
    pub business_id: Option<String>,
    pub vat_id: Option<String>,
    pub contact_person: Option<String>,
    pub language: Option<String>,
    pub billing_address: Option<String>,
    pub delivery_address: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl CustomerRow {
    /// The case-folded text a customer search matches: name, e-mail, phone, business id, VAT
    /// id and contact person (the 0006 migration's backfill writes the same shape).
    pub fn search_text(&self) -> String {
        [
            Some(&self.name),
            self.email.as_ref(),
            self.phone.as_ref(),
            self.business_id.as_ref(),
            self.vat_id.as_ref(),
            self.contact_person.as_ref(),
        ]
        .map(|part| part.map_or("", String::as_str))
        .join(" ")
        .to_lowercase()
    }
}

const COLUMNS: [Customers; 14] = [
    Customers::CustomerId,
    Customers::Kind,
    Customers::Name,
    Customers::Email,
    Customers::EmailKey,
    Customers::Phone,
    Customers::BusinessId,
    Customers::VatId,
    Customers::ContactPerson,
    Customers::Language,
    Customers::BillingAddress,
    Customers::DeliveryAddress,
    Customers::CreatedAt,
    Customers::UpdatedAt,
];

/// Returns the id of the shop's customer with the same e-mail key, or creates `customer` and
/// returns its id. One statement, so concurrent orders of one new customer never make two.
pub async fn attach(
    q: &mut impl Queries,
    scope: ShopScope,
    customer: &CustomerRow,
) -> Result<Uuid, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Id {
        customer_id: Uuid,
    }
    let c = customer;
    let id: Option<Id> = q
        .fetch_optional(
            Query::insert()
                .into_table(Customers::Table)
                .columns(insert_columns())
                .values_panic(values(scope, c))
                // The no-op update makes RETURNING yield the existing row's id on a match.
                .on_conflict(
                    OnConflict::columns([Customers::ShopId, Customers::EmailKey])
                        .update_column(Customers::UpdatedAt)
                        .to_owned(),
                )
                .returning_col(Customers::CustomerId),
        )
        .await?;
    id.map(|id| id.customer_id)
        .ok_or_else(|| StoreError::corrupt("customers", "upsert returned no row"))
}

pub async fn get(
    q: &mut impl Queries,
    scope: ShopScope,
    customer_id: Uuid,
) -> Result<Option<CustomerRow>, StoreError> {
    q.fetch_optional(
        Query::select()
            .columns(COLUMNS)
            .from(Customers::Table)
            .and_where(Expr::col(Customers::ShopId).eq(scope.shop_id()))
            .and_where(Expr::col(Customers::CustomerId).eq(customer_id)),
    )
    .await
}

/// A position in the newest-first customer list: the last row seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: i64,
    pub customer_id: Uuid,
}

/// One page of the shop's customers, newest first, after `cursor`; with `text` (case-folded)
/// only those whose name, e-mail, phone, business id, VAT id or contact person contains it.
/// Keyset paging on `(shop_id, created_at, customer_id)`.
pub async fn list(
    q: &mut impl Queries,
    scope: ShopScope,
    text: Option<&str>,
    cursor: Option<Cursor>,
    limit: u64,
) -> Result<Vec<CustomerRow>, StoreError> {
    let mut select = Query::select();
    select
        .columns(COLUMNS)
        .from(Customers::Table)
        .and_where(Expr::col(Customers::ShopId).eq(scope.shop_id()));
    if let Some(text) = text {
        select.and_where(Expr::col(Customers::SearchText).like(crate::like_contains(text)));
    }
    if let Some(cursor) = cursor {
        select.and_where(
            Expr::tuple([
                Expr::col(Customers::CreatedAt),
                Expr::col(Customers::CustomerId),
            ])
            .lt(Expr::tuple([
                Expr::val(cursor.created_at),
                Expr::val(cursor.customer_id),
            ])),
        );
    }
    select
        .order_by(Customers::CreatedAt, Order::Desc)
        .order_by(Customers::CustomerId, Order::Desc)
        .limit(limit);
    // Planned per call: a cached generic plan cannot see the pattern (performance.md, trap 1).
    q.fetch_all_planned(&select).await
}

/// How many customers the shop has (small shops and tests; lists page instead).
pub async fn count(q: &mut impl Queries, scope: ShopScope) -> Result<i64, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Count {
        n: i64,
    }
    let row: Option<Count> = q
        .fetch_optional(
            Query::select()
                .expr_as(Expr::col(Customers::CustomerId).count(), "n")
                .from(Customers::Table)
                .and_where(Expr::col(Customers::ShopId).eq(scope.shop_id())),
        )
        .await?;
    Ok(row.map_or(0, |r| r.n))
}

/// Writes customers known to be new (seeding, imports), with multi-row INSERTs.
pub async fn insert_many(
    q: &mut impl Queries,
    scope: ShopScope,
    customers: &[CustomerRow],
) -> Result<(), StoreError> {
    for chunk in customers.chunks(500) {
        let mut insert = Query::insert();
        insert
            .into_table(Customers::Table)
            .columns(insert_columns());
        for c in chunk {
            insert.values_panic(values(scope, c));
        }
        q.execute(&insert).await?;
    }
    Ok(())
}

fn insert_columns() -> Vec<Customers> {
    let mut columns = vec![Customers::ShopId];
    columns.extend(COLUMNS);
    columns.push(Customers::SearchText);
    columns
}

fn values(scope: ShopScope, c: &CustomerRow) -> [sea_query::SimpleExpr; 16] {
    [
        scope.shop_id().into(),
        c.customer_id.into(),
        c.kind.clone().into(),
        c.name.clone().into(),
        c.email.clone().into(),
        c.email_key.clone().into(),
        c.phone.clone().into(),
        c.business_id.clone().into(),
        c.vat_id.clone().into(),
        c.contact_person.clone().into(),
        c.language.clone().into(),
        c.billing_address.clone().into(),
        c.delivery_address.clone().into(),
        c.created_at.into(),
        c.updated_at.into(),
        c.search_text().into(),
    ]
}
