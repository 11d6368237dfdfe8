//! Documents, their gap-free numbering series, and a shop's invoicing terms.
//!
//! There is no statement here that updates or deletes a document: issued documents are
//! immutable, and corrections are new documents (credit notes).

use crate::schema::{DocumentSeries, Documents, ShopInvoicing};
use crate::{Queries, ShopScope, StoreError};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query, SelectStatement};
use uuid::Uuid;

/// A document as stored. Enumerations are their wire spellings; dates `YYYY-MM-DD`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DocumentRow {
    pub document_id: Uuid,
    pub order_id: Uuid,
    pub kind: String,
    pub number: i64,
    pub display_number: String,
    pub reference: Option<String>,
    pub currency: String,
    pub total: i64,
    pub issue_date: String,
    pub due_date: Option<String>,
    pub credits_document_id: Option<Uuid>,
    /// JSON of the domain's `DocumentContent`.
    pub content: String,
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub actor_label: String,
    pub created_at: i64,
}

const DOCUMENT_COLUMNS: [Documents; 16] = [
    Documents::DocumentId,
    Documents::OrderId,
    Documents::Kind,
    Documents::Number,
    Documents::DisplayNumber,
    Documents::Reference,
    Documents::Currency,
    Documents::Total,
    Documents::IssueDate,
    Documents::DueDate,
    Documents::CreditsDocumentId,
    Documents::Content,
    Documents::ActorKind,
    Documents::ActorId,
    Documents::ActorLabel,
    Documents::CreatedAt,
];

/// A numbering series' next number, taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakenNumber {
    pub prefix: String,
    pub number: i64,
}

/// Takes the next number of the shop's series for `kind`, creating the series (no prefix,
/// starting at 1) on first use.
///
/// Call it inside the issuing transaction, as late as possible: the series row stays locked until
/// COMMIT (PostgreSQL row lock; SQLite's single writer), so concurrent issues queue and each gets
/// the next number, and a rollback gives the number back — no gaps, no duplicates.
pub async fn take_number(
    q: &mut impl Queries,
    scope: ShopScope,
    kind: &str,
) -> Result<TakenNumber, StoreError> {
    q.execute(
        Query::insert()
            .into_table(DocumentSeries::Table)
            .columns([
                DocumentSeries::ShopId,
                DocumentSeries::Kind,
                DocumentSeries::Prefix,
                DocumentSeries::NextNumber,
            ])
            .values_panic([scope.shop_id().into(), kind.into(), "".into(), 1_i64.into()])
            .on_conflict(
                OnConflict::columns([DocumentSeries::ShopId, DocumentSeries::Kind])
                    .do_nothing()
                    .to_owned(),
            ),
    )
    .await?;
    #[derive(sqlx::FromRow)]
    struct Next {
        prefix: String,
        next_number: i64,
    }
    let next: Option<Next> = q
        .fetch_optional(
            Query::update()
                .table(DocumentSeries::Table)
                .value(
                    DocumentSeries::NextNumber,
                    Expr::col(DocumentSeries::NextNumber).add(1),
                )
                .and_where(Expr::col(DocumentSeries::ShopId).eq(scope.shop_id()))
                .and_where(Expr::col(DocumentSeries::Kind).eq(kind))
                .returning(
                    Query::returning()
                        .columns([DocumentSeries::Prefix, DocumentSeries::NextNumber]),
                ),
        )
        .await?;
    let next = next.ok_or_else(|| StoreError::corrupt("document_series", kind))?;
    Ok(TakenNumber {
        prefix: next.prefix,
        number: next.next_number - 1,
    })
}

/// A series as configured: its prefix and the number the next document gets.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SeriesRow {
    pub kind: String,
    pub prefix: String,
    pub next_number: i64,
}

/// The shop's series that have been used or configured.
pub async fn series(q: &mut impl Queries, scope: ShopScope) -> Result<Vec<SeriesRow>, StoreError> {
    q.fetch_all(
        Query::select()
            .columns([
                DocumentSeries::Kind,
                DocumentSeries::Prefix,
                DocumentSeries::NextNumber,
            ])
            .from(DocumentSeries::Table)
            .and_where(Expr::col(DocumentSeries::ShopId).eq(scope.shop_id()))
            .order_by(DocumentSeries::Kind, Order::Asc),
    )
    .await
}

/// Sets a series' prefix and next number. The caller checks that the next number does not go
/// back below a number already issued.
pub async fn set_series(
    q: &mut impl Queries,
    scope: ShopScope,
    row: &SeriesRow,
) -> Result<(), StoreError> {
    q.execute(
        Query::insert()
            .into_table(DocumentSeries::Table)
            .columns([
                DocumentSeries::ShopId,
                DocumentSeries::Kind,
                DocumentSeries::Prefix,
                DocumentSeries::NextNumber,
            ])
            .values_panic([
                scope.shop_id().into(),
                row.kind.clone().into(),
                row.prefix.clone().into(),
                row.next_number.into(),
            ])
            .on_conflict(
                OnConflict::columns([DocumentSeries::ShopId, DocumentSeries::Kind])
                    .update_columns([DocumentSeries::Prefix, DocumentSeries::NextNumber])
                    .to_owned(),
            ),
    )
    .await
    .map(|_| ())
}

/// The highest number issued in a series (0 before the first).
pub async fn highest_number(
    q: &mut impl Queries,
    scope: ShopScope,
    kind: &str,
) -> Result<i64, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Highest {
        highest: Option<i64>,
    }
    let row: Option<Highest> = q
        .fetch_optional(
            Query::select()
                .expr_as(Expr::col(Documents::Number).max(), "highest")
                .from(Documents::Table)
                .and_where(Expr::col(Documents::ShopId).eq(scope.shop_id()))
                .and_where(Expr::col(Documents::Kind).eq(kind)),
        )
        .await?;
    Ok(row.and_then(|r| r.highest).unwrap_or(0))
}

pub async fn insert(
    q: &mut impl Queries,
    scope: ShopScope,
    d: &DocumentRow,
) -> Result<(), StoreError> {
    let mut columns = vec![Documents::ShopId];
    columns.extend(DOCUMENT_COLUMNS);
    q.execute(
        Query::insert()
            .into_table(Documents::Table)
            .columns(columns)
            .values_panic([
                scope.shop_id().into(),
                d.document_id.into(),
                d.order_id.into(),
                d.kind.clone().into(),
                d.number.into(),
                d.display_number.clone().into(),
                d.reference.clone().into(),
                d.currency.clone().into(),
                d.total.into(),
                d.issue_date.clone().into(),
                d.due_date.clone().into(),
                d.credits_document_id.into(),
                d.content.clone().into(),
                d.actor_kind.clone().into(),
                d.actor_id.into(),
                d.actor_label.clone().into(),
                d.created_at.into(),
            ]),
    )
    .await
    .map(|_| ())
}

fn select_documents(scope: ShopScope) -> SelectStatement {
    let mut select = Query::select();
    select
        .columns(DOCUMENT_COLUMNS)
        .from(Documents::Table)
        .and_where(Expr::col(Documents::ShopId).eq(scope.shop_id()));
    select
}

pub async fn get(
    q: &mut impl Queries,
    scope: ShopScope,
    document_id: Uuid,
) -> Result<Option<DocumentRow>, StoreError> {
    q.fetch_optional(
        select_documents(scope).and_where(Expr::col(Documents::DocumentId).eq(document_id)),
    )
    .await
}

/// The order's documents in the order they were issued.
pub async fn for_order(
    q: &mut impl Queries,
    scope: ShopScope,
    order_id: Uuid,
) -> Result<Vec<DocumentRow>, StoreError> {
    q.fetch_all(
        select_documents(scope)
            .and_where(Expr::col(Documents::OrderId).eq(order_id))
            .order_by(Documents::CreatedAt, Order::Asc)
            .order_by(Documents::DocumentId, Order::Asc),
    )
    .await
}

/// The credit notes of a document, oldest first.
pub async fn credits_of(
    q: &mut impl Queries,
    scope: ShopScope,
    document_id: Uuid,
) -> Result<Vec<DocumentRow>, StoreError> {
    q.fetch_all(
        select_documents(scope)
            .and_where(Expr::col(Documents::CreditsDocumentId).eq(document_id))
            .order_by(Documents::CreatedAt, Order::Asc)
            .order_by(Documents::DocumentId, Order::Asc),
    )
    .await
}

/// The invoice or transfer slip that carries `reference` (machine form).
pub async fn find_by_reference(
    q: &mut impl Queries,
    scope: ShopScope,
    reference: &str,
) -> Result<Option<DocumentRow>, StoreError> {
    q.fetch_optional(
        select_documents(scope).and_where(Expr::col(Documents::Reference).eq(reference)),
    )
    .await
}

/// A shop's invoicing terms.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct InvoicingRow {
    pub payment_terms_days: i32,
    /// Basis points; `None` for the statutory rate.
    pub late_interest: Option<i32>,
}

pub async fn invoicing(
    q: &mut impl Queries,
    scope: ShopScope,
) -> Result<Option<InvoicingRow>, StoreError> {
    q.fetch_optional(
        Query::select()
            .columns([ShopInvoicing::PaymentTermsDays, ShopInvoicing::LateInterest])
            .from(ShopInvoicing::Table)
            .and_where(Expr::col(ShopInvoicing::ShopId).eq(scope.shop_id())),
    )
    .await
}

pub async fn set_invoicing(
    q: &mut impl Queries,
    scope: ShopScope,
    row: &InvoicingRow,
    now: i64,
) -> Result<(), StoreError> {
    q.execute(
        Query::insert()
            .into_table(ShopInvoicing::Table)
            .columns([
                ShopInvoicing::ShopId,
                ShopInvoicing::PaymentTermsDays,
                ShopInvoicing::LateInterest,
                ShopInvoicing::UpdatedAt,
            ])
            .values_panic([
                scope.shop_id().into(),
                row.payment_terms_days.into(),
                row.late_interest.into(),
                now.into(),
            ])
            .on_conflict(
                OnConflict::column(ShopInvoicing::ShopId)
                    .update_columns([
                        ShopInvoicing::PaymentTermsDays,
                        ShopInvoicing::LateInterest,
                        ShopInvoicing::UpdatedAt,
                    ])
                    .to_owned(),
            ),
    )
    .await
    .map(|_| ())
}

/// The ids of the documents the shop issued from `first` to `last` (`YYYY-MM-DD`, both
/// included), by kind and number: what a scheduled export attaches.
pub async fn issued_between(
    q: &mut impl Queries,
    scope: ShopScope,
    first: &str,
    last: &str,
) -> Result<Vec<Uuid>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Id {
        document_id: Uuid,
    }
    let rows: Vec<Id> = q
        .fetch_all(
            Query::select()
                .column(Documents::DocumentId)
                .from(Documents::Table)
                .and_where(Expr::col(Documents::ShopId).eq(scope.shop_id()))
                .and_where(Expr::col(Documents::IssueDate).gte(first))
                .and_where(Expr::col(Documents::IssueDate).lte(last))
                .order_by(Documents::Kind, Order::Asc)
                .order_by(Documents::Number, Order::Asc),
        )
        .await?;
    Ok(rows.into_iter().map(|r| r.document_id).collect())
}
