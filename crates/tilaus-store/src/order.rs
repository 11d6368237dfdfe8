//! Orders, their lines, tags, notes and events; the order list with keyset paging.

use crate::schema::{OrderEvents, OrderLines, OrderNotes, OrderTags, Orders};
use crate::{Backend, Queries, ShopScope, StoreError};
use sea_query::{Cond, Expr, ExprTrait, Order, Query, SelectStatement};
use uuid::Uuid;

/// An order as stored. Enumerations are their wire spellings; JSON columns are text.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrderRow {
    pub order_id: Uuid,
    pub number: i64,
    pub channel: String,
    pub origin: Option<String>,
    pub external_id: Option<String>,
    pub language: String,
    pub currency: String,
    pub prices_include_vat: bool,
    pub customer_id: Uuid,
    pub customer_kind: String,
    pub customer_name: String,
    pub customer_email: Option<String>,
    pub customer_phone: Option<String>,
    pub customer_business_id: Option<String>,
    pub customer_vat_id: Option<String>,
    pub customer_contact_person: Option<String>,
    pub billing_address: Option<String>,
    pub delivery_address: Option<String>,
    pub state: String,
    pub payment_state: String,
    pub delivery_state: String,
    /// JSON array of tags.
    pub tags: String,
    pub net: i64,
    pub vat: i64,
    pub gross: i64,
    /// JSON of the domain's VAT breakdown.
    pub vat_breakdown: String,
    pub line_count: i32,
    /// Lower-case text the free-text filter searches.
    pub search_text: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

const ORDER_COLUMNS: [Orders; 31] = [
    Orders::OrderId,
    Orders::Number,
    Orders::Channel,
    Orders::Origin,
    Orders::ExternalId,
    Orders::Language,
    Orders::Currency,
    Orders::PricesIncludeVat,
    Orders::CustomerId,
    Orders::CustomerKind,
    Orders::CustomerName,
    Orders::CustomerEmail,
    Orders::CustomerPhone,
    Orders::CustomerBusinessId,
    Orders::CustomerVatId,
    Orders::CustomerContactPerson,
    Orders::BillingAddress,
    Orders::DeliveryAddress,
    Orders::State,
    Orders::PaymentState,
    Orders::DeliveryState,
    Orders::Tags,
    Orders::Net,
    Orders::Vat,
    Orders::Gross,
    Orders::VatBreakdown,
    Orders::LineCount,
    Orders::SearchText,
    Orders::CreatedAt,
    Orders::UpdatedAt,
    Orders::Version,
];

fn order_values(o: &OrderRow) -> [sea_query::Expr; 31] {
    [
        o.order_id.into(),
        o.number.into(),
        o.channel.clone().into(),
        o.origin.clone().into(),
        o.external_id.clone().into(),
        o.language.clone().into(),
        o.currency.clone().into(),
        o.prices_include_vat.into(),
        o.customer_id.into(),
        o.customer_kind.clone().into(),
        o.customer_name.clone().into(),
        o.customer_email.clone().into(),
        o.customer_phone.clone().into(),
        o.customer_business_id.clone().into(),
        o.customer_vat_id.clone().into(),
        o.customer_contact_person.clone().into(),
        o.billing_address.clone().into(),
        o.delivery_address.clone().into(),
        o.state.clone().into(),
        o.payment_state.clone().into(),
        o.delivery_state.clone().into(),
        o.tags.clone().into(),
        o.net.into(),
        o.vat.into(),
        o.gross.into(),
        o.vat_breakdown.clone().into(),
        o.line_count.into(),
        o.search_text.clone().into(),
        o.created_at.into(),
        o.updated_at.into(),
        o.version.into(),
    ]
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LineRow {
    pub position: i32,
    pub product_id: Option<Uuid>,
    pub sku: Option<String>,
    pub name: String,
    pub kind: String,
    pub quantity: i64,
    pub unit_price: i64,
    pub vat_rate: i32,
    pub discount: i64,
    pub total: i64,
    pub reservation_start: Option<i64>,
    pub reservation_end: Option<i64>,
    /// `pay_now`, `invoice`, `quote` or `open_order`: the product's process when ordered.
    pub purchase_process: String,
}

const LINE_COLUMNS: [OrderLines; 13] = [
    OrderLines::Position,
    OrderLines::ProductId,
    OrderLines::Sku,
    OrderLines::Name,
    OrderLines::Kind,
    OrderLines::Quantity,
    OrderLines::UnitPrice,
    OrderLines::VatRate,
    OrderLines::Discount,
    OrderLines::Total,
    OrderLines::ReservationStart,
    OrderLines::ReservationEnd,
    OrderLines::PurchaseProcess,
];

/// A new order with its lines and tags, ready to be written.
#[derive(Debug, Clone, Copy)]
pub struct NewOrder<'a> {
    pub order: &'a OrderRow,
    pub lines: &'a [LineRow],
    pub tags: &'a [String],
}

/// Writes a new order with its lines and tags.
pub async fn insert(
    q: &mut impl Queries,
    scope: ShopScope,
    order: &OrderRow,
    lines: &[LineRow],
    tags: &[String],
) -> Result<(), StoreError> {
    insert_many(q, scope, &[NewOrder { order, lines, tags }]).await
}

/// Rows per multi-row INSERT: keeps statements well under SQLite's 32,766 bound parameters.
const ROWS_PER_INSERT: usize = 500;

/// Writes many new orders with multi-row INSERTs (seeding, imports): a few statements per
/// 500 orders instead of three per order.
pub async fn insert_many(
    q: &mut impl Queries,
    scope: ShopScope,
    orders: &[NewOrder<'_>],
) -> Result<(), StoreError> {
    let mut columns = vec![Orders::ShopId];
    columns.extend(ORDER_COLUMNS);
    for chunk in orders.chunks(ROWS_PER_INSERT) {
        let mut insert = Query::insert();
        insert.into_table(Orders::Table).columns(columns.clone());
        for new in chunk {
            let mut values = vec![scope.shop_id().into()];
            values.extend(order_values(new.order));
            insert.values_panic(values);
        }
        q.execute(&insert).await?;
    }
    let lines: Vec<(Uuid, &LineRow)> = orders
        .iter()
        .flat_map(|o| o.lines.iter().map(|l| (o.order.order_id, l)))
        .collect();
    insert_lines(q, scope, &lines).await?;
    let tags: Vec<(&OrderRow, &String)> = orders
        .iter()
        .flat_map(|o| o.tags.iter().map(|t| (o.order, t)))
        .collect();
    insert_tags(q, scope, &tags).await
}

async fn insert_lines(
    q: &mut impl Queries,
    scope: ShopScope,
    lines: &[(Uuid, &LineRow)],
) -> Result<(), StoreError> {
    let mut columns = vec![OrderLines::ShopId, OrderLines::OrderId];
    columns.extend(LINE_COLUMNS);
    for chunk in lines.chunks(ROWS_PER_INSERT) {
        let mut insert = Query::insert();
        insert
            .into_table(OrderLines::Table)
            .columns(columns.clone());
        for (order_id, l) in chunk {
            insert.values_panic([
                scope.shop_id().into(),
                (*order_id).into(),
                l.position.into(),
                l.product_id.into(),
                l.sku.clone().into(),
                l.name.clone().into(),
                l.kind.clone().into(),
                l.quantity.into(),
                l.unit_price.into(),
                l.vat_rate.into(),
                l.discount.into(),
                l.total.into(),
                l.reservation_start.into(),
                l.reservation_end.into(),
                l.purchase_process.clone().into(),
            ]);
        }
        q.execute(&insert).await?;
    }
    Ok(())
}

/// Tags are copied beside the order's creation time so that a tag filter walks its own index
/// newest first.
async fn insert_tags(
    q: &mut impl Queries,
    scope: ShopScope,
    tags: &[(&OrderRow, &String)],
) -> Result<(), StoreError> {
    for chunk in tags.chunks(ROWS_PER_INSERT) {
        let mut insert = Query::insert();
        insert.into_table(OrderTags::Table).columns([
            OrderTags::ShopId,
            OrderTags::OrderId,
            OrderTags::Tag,
            OrderTags::CreatedAt,
        ]);
        for (order, tag) in chunk {
            insert.values_panic([
                scope.shop_id().into(),
                order.order_id.into(),
                (*tag).clone().into(),
                order.created_at.into(),
            ]);
        }
        q.execute(&insert).await?;
    }
    Ok(())
}

/// Replaces the order row (and, when given, its lines) if it is still at `expected_version`.
/// Returns `false` when another change got there first.
pub async fn update(
    q: &mut impl Queries,
    scope: ShopScope,
    order: &OrderRow,
    expected_version: i64,
    lines: Option<&[LineRow]>,
    tags: &[String],
) -> Result<bool, StoreError> {
    let mut update = Query::update();
    update.table(Orders::Table);
    for (column, value) in ORDER_COLUMNS.into_iter().zip(order_values(order)).skip(1) {
        update.value(column, value);
    }
    let touched = q
        .execute(
            update
                .and_where(Expr::col(Orders::ShopId).eq(scope.shop_id()))
                .and_where(Expr::col(Orders::OrderId).eq(order.order_id))
                .and_where(Expr::col(Orders::Version).eq(expected_version)),
        )
        .await?;
    if touched != 1 {
        return Ok(false);
    }
    if let Some(lines) = lines {
        q.execute(
            Query::delete()
                .from_table(OrderLines::Table)
                .and_where(Expr::col(OrderLines::ShopId).eq(scope.shop_id()))
                .and_where(Expr::col(OrderLines::OrderId).eq(order.order_id)),
        )
        .await?;
        let lines: Vec<(Uuid, &LineRow)> = lines.iter().map(|l| (order.order_id, l)).collect();
        insert_lines(q, scope, &lines).await?;
    }
    q.execute(
        Query::delete()
            .from_table(OrderTags::Table)
            .and_where(Expr::col(OrderTags::ShopId).eq(scope.shop_id()))
            .and_where(Expr::col(OrderTags::OrderId).eq(order.order_id)),
    )
    .await?;
    let tags: Vec<(&OrderRow, &String)> = tags.iter().map(|t| (order, t)).collect();
    insert_tags(q, scope, &tags).await?;
    Ok(true)
}

/// Deletes the order with its lines, tags and notes (its events stay as the audit trail).
pub async fn delete(
    q: &mut impl Queries,
    scope: ShopScope,
    order_id: Uuid,
) -> Result<bool, StoreError> {
    let touched = q
        .execute(
            Query::delete()
                .from_table(Orders::Table)
                .and_where(Expr::col(Orders::ShopId).eq(scope.shop_id()))
                .and_where(Expr::col(Orders::OrderId).eq(order_id)),
        )
        .await?;
    Ok(touched == 1)
}

fn select_orders(scope: ShopScope) -> SelectStatement {
    let mut select = Query::select();
    select
        .columns(ORDER_COLUMNS.map(|c| (Orders::Table, c)))
        .from(Orders::Table)
        .and_where(Expr::col((Orders::Table, Orders::ShopId)).eq(scope.shop_id()));
    select
}

pub async fn get(
    q: &mut impl Queries,
    scope: ShopScope,
    order_id: Uuid,
) -> Result<Option<OrderRow>, StoreError> {
    q.fetch_optional(
        select_orders(scope).and_where(Expr::col((Orders::Table, Orders::OrderId)).eq(order_id)),
    )
    .await
}

pub async fn find_by_external_id(
    q: &mut impl Queries,
    scope: ShopScope,
    channel: &str,
    external_id: &str,
) -> Result<Option<OrderRow>, StoreError> {
    q.fetch_optional(
        select_orders(scope)
            .and_where(Expr::col((Orders::Table, Orders::Channel)).eq(channel))
            .and_where(Expr::col((Orders::Table, Orders::ExternalId)).eq(external_id)),
    )
    .await
}

pub async fn lines(
    q: &mut impl Queries,
    scope: ShopScope,
    order_id: Uuid,
) -> Result<Vec<LineRow>, StoreError> {
    q.fetch_all(
        Query::select()
            .columns(LINE_COLUMNS)
            .from(OrderLines::Table)
            .and_where(Expr::col(OrderLines::ShopId).eq(scope.shop_id()))
            .and_where(Expr::col(OrderLines::OrderId).eq(order_id))
            .order_by(OrderLines::Position, Order::Asc),
    )
    .await
}

/// Filters of the order list; every field narrows the result.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    /// Lower-case text to find in number, external id, customer name, e-mail, phone and tags.
    pub text: Option<String>,
    pub states: Vec<String>,
    pub payment_states: Vec<String>,
    pub delivery_states: Vec<String>,
    pub channels: Vec<String>,
    pub tag: Option<String>,
    /// Inclusive lower bound, Unix microseconds.
    pub created_from: Option<i64>,
    /// Exclusive upper bound, Unix microseconds.
    pub created_to: Option<i64>,
    /// Only this customer's orders (the customer page).
    pub customer_id: Option<Uuid>,
}

/// A position in the newest-first order list: the last row seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct Cursor {
    pub created_at: i64,
    pub order_id: Uuid,
}

/// A page's last row is where the next page starts.
impl From<&OrderRow> for Cursor {
    fn from(row: &OrderRow) -> Self {
        Cursor {
            created_at: row.created_at,
            order_id: row.order_id,
        }
    }
}

impl From<&ExportRow> for Cursor {
    fn from(row: &ExportRow) -> Self {
        Cursor {
            created_at: row.created_at,
            order_id: row.order_id,
        }
    }
}

/// How many of the newest rows of the other filters a free-text search reads through their own
/// index, stage by stage, before it lets the planner choose freely.
///
/// Why: PostgreSQL's trigram index estimates a few hundred matches for any 4-letter fragment,
/// so for a common one (22,000 of 1,000,000 orders) it reads every match at random and sorts
/// them — 140 ms — where walking the state/date index backwards fills the page in under 1 ms.
/// A term that finds nothing in the newest rows is rare, and then the trigram index is the
/// right tool (reference/performance.md, trap 5; docs/benchmarks.md). A later stage runs only
/// when the earlier one's hit rate says it can fill the page. 5,000 rows fill a page of 50 for
/// a term in 1 % of the orders (a customer's last name) in one statement; at 1,000,000 orders
/// that cut the list's p99 from 18 to 15 ms, and the median for digit fragments (phone
/// numbers) from 38 to 23 ms.
const TEXT_PROBES: [u64; 2] = [5_000, 20_000];

/// One page of orders, newest first, after `cursor`. Keyset paging only: the query walks the
/// `(shop_id, …, created_at, order_id)` indexes backwards and stops after `limit` rows.
pub async fn list(
    q: &mut impl Queries,
    scope: ShopScope,
    filter: &OrderFilter,
    cursor: Option<Cursor>,
    limit: u64,
) -> Result<Vec<OrderRow>, StoreError> {
    // SQLite has no trigram index to be misled by: LIKE always filters the chosen index.
    let text = filter
        .text
        .as_ref()
        .filter(|_| q.backend() == Backend::Postgres);
    let Some(text) = text else {
        return q
            .fetch_all_planned(&list_statement(scope, filter, cursor, limit))
            .await;
    };
    let others = OrderFilter {
        text: None,
        ..filter.clone()
    };
    let mut found: Vec<OrderRow> = Vec::new();
    let mut cursor = cursor;
    for (stage, bound) in TEXT_PROBES.into_iter().enumerate() {
        let need = limit.saturating_sub(found.len() as u64);
        let hits = q
            .fetch_all_planned(&probe_statement(scope, &others, text, cursor, bound, need))
            .await?;
        let hit_count = hits.len();
        found.extend(hits);
        if found.len() as u64 >= limit {
            return Ok(found);
        }
        match probe_end(q, scope, &others, cursor, bound).await? {
            // Fewer than `bound` rows matched the other filters: every candidate was read.
            None => return Ok(found),
            Some(end) => cursor = Some(end),
        }
        // The next stage only if this one's hit rate lets it fill the page: otherwise it would
        // read all its rows and hand over to the planner's query anyway.
        let wanted = limit.saturating_sub(found.len() as u64);
        match TEXT_PROBES.get(stage + 1) {
            Some(&next) if hit_count as u64 * next >= wanted * bound => {}
            _ => break,
        }
    }
    let rest = list_statement(
        scope,
        filter,
        cursor,
        limit.saturating_sub(found.len() as u64),
    );
    found.extend(q.fetch_all_planned::<OrderRow, _>(&rest).await?);
    Ok(found)
}

/// What an export writes of an order: the list's fields without the addresses, the search text
/// and the VAT breakdown.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Deserialize)]
pub struct ExportRow {
    pub order_id: Uuid,
    pub number: i64,
    pub channel: String,
    pub origin: Option<String>,
    pub external_id: Option<String>,
    pub language: String,
    pub currency: String,
    pub prices_include_vat: bool,
    pub customer_kind: String,
    pub customer_name: String,
    pub customer_email: Option<String>,
    pub customer_phone: Option<String>,
    pub customer_business_id: Option<String>,
    pub customer_vat_id: Option<String>,
    pub state: String,
    pub payment_state: String,
    pub delivery_state: String,
    /// JSON array of tags.
    pub tags: String,
    pub net: i64,
    pub vat: i64,
    pub gross: i64,
    pub line_count: i32,
    pub created_at: i64,
    pub updated_at: i64,
}

/// [`ExportRow`]'s columns in the order of its fields: SQLite's pages are JSON arrays, read by
/// position.
const EXPORT_COLUMNS: [Orders; 24] = [
    Orders::OrderId,
    Orders::Number,
    Orders::Channel,
    Orders::Origin,
    Orders::ExternalId,
    Orders::Language,
    Orders::Currency,
    Orders::PricesIncludeVat,
    Orders::CustomerKind,
    Orders::CustomerName,
    Orders::CustomerEmail,
    Orders::CustomerPhone,
    Orders::CustomerBusinessId,
    Orders::CustomerVatId,
    Orders::State,
    Orders::PaymentState,
    Orders::DeliveryState,
    Orders::Tags,
    Orders::Net,
    Orders::Vat,
    Orders::Gross,
    Orders::LineCount,
    Orders::CreatedAt,
    Orders::UpdatedAt,
];

/// One page of an export: up to `limit` orders matching `filter`, newest first, after `cursor`.
/// Free text is a plain LIKE on both backends: an export reads every match anyway, so the
/// list's probes for a first page buy nothing here.
pub async fn export_page(
    q: &mut impl Queries,
    scope: ShopScope,
    filter: &OrderFilter,
    cursor: Option<Cursor>,
    limit: u64,
) -> Result<Vec<ExportRow>, StoreError> {
    let mut page = list_statement(scope, filter, cursor, limit);
    page.clear_selects()
        .columns(EXPORT_COLUMNS.map(|c| (Orders::Table, c)));
    if q.backend() == Backend::Postgres {
        return q.fetch_all_planned(&page).await;
    }
    // Why JSON: sqlx's SQLite driver hands every row over from its worker thread on its own,
    // with a copy of each value — about 20 µs a row here, ten times what SQLite takes to read
    // it. A page packed into one JSON text crosses once (docs/benchmarks.md, 2026-12-07).
    let mut packed = Query::select();
    packed
        .expr(Expr::cust(packed_export_page()))
        .from_subquery(page, Orders::Table);
    let (json,): (String,) = q
        .fetch_optional(&packed)
        .await?
        .ok_or_else(|| StoreError::corrupt("orders", "an export page without its JSON"))?;
    serde_json::from_str(&json).map_err(|e| StoreError::corrupt("orders", e))
}

/// SQLite's aggregate of one export page: a JSON array of [`EXPORT_COLUMNS`] arrays in the
/// list's order. Ids travel as hex (JSON holds no blobs) and the flag as a JSON boolean.
fn packed_export_page() -> String {
    let values: Vec<String> = EXPORT_COLUMNS
        .iter()
        .map(|column| {
            let name = sea_query::Iden::to_string(column);
            match column {
                Orders::OrderId => format!("lower(hex({name}))"),
                Orders::PricesIncludeVat => format!("json(iif({name}, 'true', 'false'))"),
                _ => name,
            }
        })
        .collect();
    format!(
        "json_group_array(json_array({}) ORDER BY {} DESC, {} DESC)",
        values.join(", "),
        sea_query::Iden::to_string(&Orders::CreatedAt),
        sea_query::Iden::to_string(&Orders::OrderId),
    )
}

/// The text matches among the newest `bound` rows of the other filters. The inner query's
/// LIMIT keeps the planner on their index; the outer one filters by text.
fn probe_statement(
    scope: ShopScope,
    others: &OrderFilter,
    text: &str,
    cursor: Option<Cursor>,
    bound: u64,
    need: u64,
) -> SelectStatement {
    let mut probe = Query::select();
    probe
        .columns(ORDER_COLUMNS.map(|c| (Orders::Table, c)))
        .from_subquery(list_statement(scope, others, cursor, bound), Orders::Table)
        .and_where(Expr::col((Orders::Table, Orders::SearchText)).like(crate::like_contains(text)))
        .order_by((Orders::Table, Orders::CreatedAt), Order::Desc)
        .order_by((Orders::Table, Orders::OrderId), Order::Desc)
        .limit(need);
    probe
}

/// Where a probe of `bound` rows stopped: the `bound`th row of the other filters, or `None`
/// when fewer rows match them (nothing older is left to read). One walk of their index that
/// reads keys only: counting the window and sorting it apart took twice as long (2.7 against
/// 1.2 ms at 1,000,000 orders).
async fn probe_end(
    q: &mut impl Queries,
    scope: ShopScope,
    others: &OrderFilter,
    cursor: Option<Cursor>,
    bound: u64,
) -> Result<Option<Cursor>, StoreError> {
    let mut end = list_statement(scope, others, cursor, 1);
    end.clear_selects()
        .columns([
            (Orders::Table, Orders::CreatedAt),
            (Orders::Table, Orders::OrderId),
        ])
        .offset(bound.saturating_sub(1));
    q.fetch_optional(&end).await
}

/// The plan the database picks for a page of [`list`], for tests and diagnosis.
pub async fn explain_list(
    q: &mut impl Queries,
    scope: ShopScope,
    filter: &OrderFilter,
    cursor: Option<Cursor>,
    limit: u64,
) -> Result<Vec<String>, StoreError> {
    q.explain(&list_statement(scope, filter, cursor, limit))
        .await
}

fn list_statement(
    scope: ShopScope,
    filter: &OrderFilter,
    cursor: Option<Cursor>,
    limit: u64,
) -> SelectStatement {
    let mut select = select_orders(scope);
    apply_filter(&mut select, scope, filter);
    if let Some(cursor) = cursor {
        select.and_where(
            Expr::tuple([
                Expr::col((Orders::Table, Orders::CreatedAt)),
                Expr::col((Orders::Table, Orders::OrderId)),
            ])
            .lt(Expr::tuple([
                Expr::val(cursor.created_at),
                Expr::val(cursor.order_id),
            ])),
        );
    }
    select
        .order_by((Orders::Table, Orders::CreatedAt), Order::Desc)
        .order_by((Orders::Table, Orders::OrderId), Order::Desc)
        .limit(limit);
    select
}

/// The order if it exists and matches the filter: whether a live list showing that filter
/// should show it. Exactly the list's conditions, on one order.
pub async fn find_matching(
    q: &mut impl Queries,
    scope: ShopScope,
    filter: &OrderFilter,
    order_id: Uuid,
) -> Result<Option<OrderRow>, StoreError> {
    let mut select = select_orders(scope);
    apply_filter(&mut select, scope, filter);
    select.and_where(Expr::col((Orders::Table, Orders::OrderId)).eq(order_id));
    q.fetch_optional(&select).await
}

/// The orders matching the filter that have waited longest, oldest first.
pub async fn oldest(
    q: &mut impl Queries,
    scope: ShopScope,
    filter: &OrderFilter,
    limit: u64,
) -> Result<Vec<OrderRow>, StoreError> {
    let mut select = select_orders(scope);
    apply_filter(&mut select, scope, filter);
    select
        .order_by((Orders::Table, Orders::CreatedAt), Order::Asc)
        .order_by((Orders::Table, Orders::OrderId), Order::Asc)
        .limit(limit);
    q.fetch_all_planned(&select).await
}

/// How many orders match the filter, counting no further than `cap`: the count walks at most
/// `cap` index entries however large the shop is.
pub async fn count_up_to(
    q: &mut impl Queries,
    scope: ShopScope,
    filter: &OrderFilter,
    cap: u64,
) -> Result<i64, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Count {
        n: i64,
    }
    let mut capped = Query::select();
    capped
        .expr(Expr::val(1))
        .from(Orders::Table)
        .and_where(Expr::col((Orders::Table, Orders::ShopId)).eq(scope.shop_id()));
    apply_filter(&mut capped, scope, filter);
    capped.limit(cap);
    let count: Option<Count> = q
        .fetch_optional(
            Query::select()
                .expr_as(Expr::col(sea_query::Asterisk).count(), "n")
                .from_subquery(capped, "capped"),
        )
        .await?;
    Ok(count.map_or(0, |c| c.n))
}

fn apply_filter(select: &mut SelectStatement, scope: ShopScope, filter: &OrderFilter) {
    let col = |c: Orders| Expr::col((Orders::Table, c));
    if let Some(text) = &filter.text {
        select.and_where(col(Orders::SearchText).like(crate::like_contains(text)));
    }
    for (column, values) in [
        (Orders::State, &filter.states),
        (Orders::PaymentState, &filter.payment_states),
        (Orders::DeliveryState, &filter.delivery_states),
        (Orders::Channel, &filter.channels),
    ] {
        match values.as_slice() {
            [] => {}
            [one] => {
                select.and_where(col(column).eq(one.as_str()));
            }
            many => {
                select.and_where(col(column).is_in(many.iter().map(String::as_str)));
            }
        }
    }
    if let Some(tag) = &filter.tag {
        select.and_where(Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(OrderTags::Table)
                .cond_where(
                    Cond::all()
                        .add(Expr::col((OrderTags::Table, OrderTags::ShopId)).eq(scope.shop_id()))
                        .add(
                            Expr::col((OrderTags::Table, OrderTags::OrderId))
                                .equals((Orders::Table, Orders::OrderId)),
                        )
                        .add(Expr::col((OrderTags::Table, OrderTags::Tag)).eq(tag.as_str())),
                )
                .to_owned(),
        ));
    }
    if let Some(from) = filter.created_from {
        select.and_where(col(Orders::CreatedAt).gte(from));
    }
    if let Some(to) = filter.created_to {
        select.and_where(col(Orders::CreatedAt).lt(to));
    }
    if let Some(customer_id) = filter.customer_id {
        select.and_where(col(Orders::CustomerId).eq(customer_id));
    }
}

/// Something that happened to an order, as it is written to the order's history.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Event {
    pub order_id: Uuid,
    pub kind: String,
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub actor_label: String,
    /// JSON.
    pub data: String,
    pub created_at: i64,
}

/// An event read back, with its id in the shop's event sequence.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub event_id: i64,
    #[sqlx(flatten)]
    pub event: Event,
}

const EVENT_COLUMNS: [OrderEvents; 8] = [
    OrderEvents::EventId,
    OrderEvents::OrderId,
    OrderEvents::Kind,
    OrderEvents::ActorKind,
    OrderEvents::ActorId,
    OrderEvents::ActorLabel,
    OrderEvents::Data,
    OrderEvents::CreatedAt,
];

/// Appends an event to the shop's log.
///
/// SQLite numbers it at once from the shop's counter row: its single writer serialises commits
/// anyway. PostgreSQL leaves it unnumbered, so that concurrent transactions of one shop do not
/// queue behind that row until COMMIT; [`crate::dialect::sequence_events`] numbers it once it
/// has committed, and until then no reader sees it (migration 0029).
pub async fn insert_event(
    q: &mut impl Queries,
    scope: ShopScope,
    event: &Event,
) -> Result<(), StoreError> {
    let event_id = match q.backend() {
        Backend::Sqlite => Some(crate::shop::reserve_event_ids(q, scope, 1).await?),
        Backend::Postgres => None,
    };
    let mut columns = vec![OrderEvents::ShopId];
    columns.extend(EVENT_COLUMNS);
    q.execute(
        Query::insert()
            .into_table(OrderEvents::Table)
            .columns(columns)
            .values_panic([
                scope.shop_id().into(),
                event_id.into(),
                event.order_id.into(),
                event.kind.clone().into(),
                event.actor_kind.clone().into(),
                event.actor_id.into(),
                event.actor_label.clone().into(),
                event.data.clone().into(),
                event.created_at.into(),
            ]),
    )
    .await
    .map(|_| ())
}

/// The order's numbered events, oldest first (on PostgreSQL, run
/// [`crate::dialect::sequence_events`] first to include those just committed).
pub async fn events(
    q: &mut impl Queries,
    scope: ShopScope,
    order_id: Uuid,
) -> Result<Vec<EventRow>, StoreError> {
    q.fetch_all(
        Query::select()
            .columns(EVENT_COLUMNS)
            .from(OrderEvents::Table)
            .and_where(Expr::col(OrderEvents::ShopId).eq(scope.shop_id()))
            .and_where(Expr::col(OrderEvents::OrderId).eq(order_id))
            // Not yet numbered on PostgreSQL: not yet part of the history anyone reads.
            .and_where(Expr::col(OrderEvents::EventId).is_not_null())
            .order_by(OrderEvents::EventId, Order::Asc),
    )
    .await
}

/// The shop's events after `after_event_id`, oldest first: what a live view replays.
pub async fn events_after(
    q: &mut impl Queries,
    scope: ShopScope,
    after_event_id: i64,
    limit: u64,
) -> Result<Vec<EventRow>, StoreError> {
    q.fetch_all(
        Query::select()
            .columns(EVENT_COLUMNS)
            .from(OrderEvents::Table)
            .and_where(Expr::col(OrderEvents::ShopId).eq(scope.shop_id()))
            .and_where(Expr::col(OrderEvents::EventId).gt(after_event_id))
            .order_by(OrderEvents::EventId, Order::Asc)
            .limit(limit),
    )
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NoteRow {
    pub note_id: Uuid,
    pub body: String,
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub actor_label: String,
    pub created_at: i64,
}

const NOTE_COLUMNS: [OrderNotes; 6] = [
    OrderNotes::NoteId,
    OrderNotes::Body,
    OrderNotes::ActorKind,
    OrderNotes::ActorId,
    OrderNotes::ActorLabel,
    OrderNotes::CreatedAt,
];

pub async fn insert_note(
    q: &mut impl Queries,
    scope: ShopScope,
    order_id: Uuid,
    note: &NoteRow,
) -> Result<(), StoreError> {
    let mut columns = vec![OrderNotes::ShopId, OrderNotes::OrderId];
    columns.extend(NOTE_COLUMNS);
    q.execute(
        Query::insert()
            .into_table(OrderNotes::Table)
            .columns(columns)
            .values_panic([
                scope.shop_id().into(),
                order_id.into(),
                note.note_id.into(),
                note.body.clone().into(),
                note.actor_kind.clone().into(),
                note.actor_id.into(),
                note.actor_label.clone().into(),
                note.created_at.into(),
            ]),
    )
    .await
    .map(|_| ())
}

pub async fn notes(
    q: &mut impl Queries,
    scope: ShopScope,
    order_id: Uuid,
) -> Result<Vec<NoteRow>, StoreError> {
    q.fetch_all(
        Query::select()
            .columns(NOTE_COLUMNS)
            .from(OrderNotes::Table)
            .and_where(Expr::col(OrderNotes::ShopId).eq(scope.shop_id()))
            .and_where(Expr::col(OrderNotes::OrderId).eq(order_id))
            .order_by(OrderNotes::CreatedAt, Order::Asc),
    )
    .await
}
