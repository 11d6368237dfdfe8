//! Customers, matched by e-mail address within a shop (CUS-10).

use crate::schema::Customers;
use crate::{Queries, ShopScope, StoreError};
use sea_query::{Expr, ExprTrait, OnConflict, Query};
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
    let mut columns = vec![Customers::ShopId];
    columns.extend(COLUMNS);
    let c = customer;
    let id: Option<Id> = q
        .fetch_optional(
            Query::insert()
                .into_table(Customers::Table)
                .columns(columns)
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
    let mut columns = vec![Customers::ShopId];
    columns.extend(COLUMNS);
    for chunk in customers.chunks(500) {
        let mut insert = Query::insert();
        insert.into_table(Customers::Table).columns(columns.clone());
        for c in chunk {
            insert.values_panic(values(scope, c));
        }
        q.execute(&insert).await?;
    }
    Ok(())
}

fn values(scope: ShopScope, c: &CustomerRow) -> [sea_query::SimpleExpr; 15] {
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
    ]
}
