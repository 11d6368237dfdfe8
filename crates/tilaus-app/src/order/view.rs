//! Orders as the API shows them, mapped from stored rows in one place.

use crate::AppError;
use crate::document::has_sales_document;
use crate::time::{local_rfc3339, rfc3339};
use serde::Serialize;
use tilaus_domain::customer::{Address, CustomerKind};
use tilaus_domain::order::{
    OrderState, PaymentState, PurchaseProcess, Standing, VatBreakdown, order_process,
};
use tilaus_store::order::{self, EventRow, LineRow, NoteRow, OrderRow};
use tilaus_store::{Queries, ShopScope, document};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustomerView {
    pub id: Uuid,
    pub kind: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub business_id: Option<String>,
    pub vat_id: Option<String>,
    pub contact_person: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TotalsView {
    pub net: i64,
    pub vat: i64,
    pub gross: i64,
    #[schema(value_type = Vec<Object>)]
    pub vat_breakdown: Vec<VatBreakdown>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LineView {
    pub position: i32,
    /// The catalogue product the line was made from, if any.
    pub product_id: Option<Uuid>,
    pub sku: Option<String>,
    pub name: String,
    pub kind: String,
    pub quantity: i64,
    pub unit_price: i64,
    pub vat_rate: i32,
    pub discount: i64,
    pub total: i64,
    /// In the shop's time zone, RFC 3339 with offset.
    pub reservation_start: Option<String>,
    pub reservation_end: Option<String>,
    /// How the line's product is bought (`pay_now`, `invoice`, `quote`, `open_order`), as it was
    /// when the line was ordered.
    pub purchase_process: String,
}

/// An order in a list: everything but its lines.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderSummary {
    pub id: Uuid,
    pub number: i64,
    pub state: String,
    pub payment_state: String,
    pub delivery_state: String,
    pub channel: String,
    pub origin: Option<String>,
    pub external_id: Option<String>,
    pub language: String,
    pub currency: String,
    pub prices_include_vat: bool,
    pub customer: CustomerView,
    #[schema(value_type = Option<Object>)]
    pub billing_address: Option<Address>,
    #[schema(value_type = Option<Object>)]
    pub delivery_address: Option<Address>,
    pub tags: Vec<String>,
    pub totals: TotalsView,
    pub line_count: i32,
    pub created_at: String,
    pub updated_at: String,
    /// Increases with every change.
    pub version: i64,
}

/// An order with its lines, internal notes and next step.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderView {
    #[serde(flatten)]
    pub summary: OrderSummary,
    pub lines: Vec<LineView>,
    pub notes: Vec<NoteView>,
    pub next_step: NextStepView,
}

/// What happens next to the order (ORD-4, ORD-5).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NextStepView {
    /// The order's purchase process, from its lines' products and its customer: `pay_now`,
    /// `invoice` (organisations only), `quote` or `open_order`.
    pub process: String,
    /// What the order waits for: `pay`, `invoice`, `confirm` (a quote or open order to be
    /// agreed), `await_payment` or `none`.
    pub step: String,
    /// What staff can do now: `send_confirmation_link`, `send_payment_link`, `create_invoice`,
    /// `record_payment`.
    pub actions: Vec<String>,
}

impl OrderView {
    /// The order from its rows; `documented` says whether it has its receipt or invoice.
    pub(crate) fn new(
        row: &OrderRow,
        lines: &[LineRow],
        notes: &[NoteRow],
        zone: &jiff::tz::TimeZone,
        documented: bool,
    ) -> Self {
        OrderView {
            summary: OrderSummary::from(row),
            lines: lines.iter().map(|l| line_view(l, zone)).collect(),
            notes: notes.iter().map(note_view).collect(),
            next_step: next_step(row, lines, documented),
        }
    }

    /// Reads the order's lines, notes and documents and shows the whole order.
    pub(crate) async fn load(
        q: &mut impl Queries,
        scope: ShopScope,
        zone: &jiff::tz::TimeZone,
        row: &OrderRow,
    ) -> Result<Self, AppError> {
        let lines = order::lines(q, scope, row.order_id).await?;
        let notes = order::notes(q, scope, row.order_id).await?;
        let documents = document::for_order(q, scope, row.order_id).await?;
        Ok(Self::new(
            row,
            &lines,
            &notes,
            zone,
            has_sales_document(&documents),
        ))
    }
}

/// The order's purchase process (ORD-5) and the customer kind it was decided for.
pub(crate) fn process_of(row: &OrderRow, lines: &[LineRow]) -> (PurchaseProcess, CustomerKind) {
    let customer = CustomerKind::parse(&row.customer_kind).unwrap_or(CustomerKind::Consumer);
    let lines = lines
        .iter()
        .map(|l| PurchaseProcess::parse(&l.purchase_process).unwrap_or(PurchaseProcess::PayNow));
    (order_process(lines, customer), customer)
}

/// The next step of an order as stored. A value the domain does not know (which only a hand-made
/// row could hold) reads as the most cautious one: nothing to do.
fn next_step(row: &OrderRow, lines: &[LineRow], documented: bool) -> NextStepView {
    let (process, customer) = process_of(row, lines);
    let standing = OrderState::parse(&row.state)
        .zip(PaymentState::parse(&row.payment_state))
        .map(|(state, payment)| Standing {
            process,
            customer,
            state,
            payment,
            documented,
        });
    NextStepView {
        process: process.as_str().into(),
        step: standing
            .map_or(tilaus_domain::order::NextStep::Nothing, |s| s.next_step())
            .as_str()
            .into(),
        actions: standing
            .map(|s| s.actions().iter().map(|a| a.as_str().into()).collect())
            .unwrap_or_default(),
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoteView {
    pub id: Uuid,
    pub body: String,
    pub author: String,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventView {
    pub id: i64,
    pub order_id: Uuid,
    pub kind: String,
    pub actor: String,
    pub actor_kind: String,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    pub created_at: String,
}

fn json_or_default<T: serde::de::DeserializeOwned + Default>(text: Option<&str>) -> T {
    text.and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default()
}

impl From<&OrderRow> for OrderSummary {
    fn from(o: &OrderRow) -> Self {
        OrderSummary {
            id: o.order_id,
            number: o.number,
            state: o.state.clone(),
            payment_state: o.payment_state.clone(),
            delivery_state: o.delivery_state.clone(),
            channel: o.channel.clone(),
            origin: o.origin.clone(),
            external_id: o.external_id.clone(),
            language: o.language.clone(),
            currency: o.currency.clone(),
            prices_include_vat: o.prices_include_vat,
            customer: CustomerView {
                id: o.customer_id,
                kind: o.customer_kind.clone(),
                name: o.customer_name.clone(),
                email: o.customer_email.clone(),
                phone: o.customer_phone.clone(),
                business_id: o.customer_business_id.clone(),
                vat_id: o.customer_vat_id.clone(),
                contact_person: o.customer_contact_person.clone(),
            },
            billing_address: o
                .billing_address
                .as_deref()
                .and_then(|a| serde_json::from_str(a).ok()),
            delivery_address: o
                .delivery_address
                .as_deref()
                .and_then(|a| serde_json::from_str(a).ok()),
            tags: json_or_default(Some(&o.tags)),
            totals: TotalsView {
                net: o.net,
                vat: o.vat,
                gross: o.gross,
                vat_breakdown: json_or_default(Some(&o.vat_breakdown)),
            },
            line_count: o.line_count,
            created_at: rfc3339(o.created_at),
            updated_at: rfc3339(o.updated_at),
            version: o.version,
        }
    }
}

pub(crate) fn line_view(l: &LineRow, zone: &jiff::tz::TimeZone) -> LineView {
    LineView {
        position: l.position,
        product_id: l.product_id,
        sku: l.sku.clone(),
        name: l.name.clone(),
        kind: l.kind.clone(),
        quantity: l.quantity,
        unit_price: l.unit_price,
        vat_rate: l.vat_rate,
        discount: l.discount,
        total: l.total,
        reservation_start: l.reservation_start.map(|t| local_rfc3339(t, zone)),
        reservation_end: l.reservation_end.map(|t| local_rfc3339(t, zone)),
        purchase_process: l.purchase_process.clone(),
    }
}

pub(crate) fn note_view(n: &NoteRow) -> NoteView {
    NoteView {
        id: n.note_id,
        body: n.body.clone(),
        author: n.actor_label.clone(),
        created_at: rfc3339(n.created_at),
    }
}

impl From<&EventRow> for EventView {
    fn from(e: &EventRow) -> Self {
        let event = &e.event;
        EventView {
            id: e.event_id,
            order_id: event.order_id,
            kind: event.kind.clone(),
            actor: event.actor_label.clone(),
            actor_kind: event.actor_kind.clone(),
            data: serde_json::from_str(&event.data).unwrap_or(serde_json::Value::Null),
            created_at: rfc3339(event.created_at),
        }
    }
}
