//! Orders: taking them in exactly once, reading, listing, editing and moving them on.

mod change;
mod ingest;
mod input;
mod list;
pub(crate) use list::{cursor_param, order_page, page};
mod price;
mod situation;
mod view;

pub(crate) use change::move_state;
pub use change::{OrderChanges, StateChange};
pub use ingest::{IDEMPOTENCY_RETENTION, IdempotencyKey, IngestOutcome};
pub(crate) use ingest::{line_rows, search_text};
pub use input::{CustomerInput, LineInput, NewOrderRequest};
pub use list::{CREATED_WINDOWS, ListQuery, OrderPage};
pub use price::PricedOrder;
pub use situation::{COUNT_CAP, WaitingGroup};
pub(crate) use view::process_of;
pub use view::{
    CustomerView, EventView, LineView, NextStepView, NoteView, OrderSummary, OrderView, TotalsView,
};

use crate::{App, AppError};
use serde_json::json;
use tilaus_domain::access::Actor;
use tilaus_domain::event::EventKind;
use tilaus_domain::language::Language;
use tilaus_domain::order::OrderState;
use tilaus_store::{Queries, ShopScope, Tx, now_micros, order, shop};
use uuid::Uuid;

/// The shop facts every order use case needs.
pub(crate) struct ShopContext {
    pub row: shop::ShopRow,
    pub zone: jiff::tz::TimeZone,
}

impl ShopContext {
    /// The shop's default language; an unknown stored code falls back to Finnish.
    pub fn language(&self) -> Language {
        Language::parse(&self.row.default_language).unwrap_or(Language::Fi)
    }
}

impl App {
    /// Wakes this process's live feed for a shop whose transaction with events just committed.
    pub(crate) fn events_committed(&self, scope: ShopScope) {
        self.sequencer.committed(scope.shop_id());
        // Events may have written messages to send (`append_event`).
        self.jobs_committed();
    }

    pub(crate) async fn shop_context(
        &self,
        q: &mut impl Queries,
        scope: ShopScope,
    ) -> Result<ShopContext, AppError> {
        let row = shop::get_shop(q, scope)
            .await?
            .ok_or(AppError::NotFound("shop"))?;
        let zone = crate::time::zone(&row.time_zone);
        Ok(ShopContext { row, zone })
    }
}

/// Appends one event to the order's history, and writes the message the event sends to the
/// customer, if any (with its job: `message::for_event`), and what the shop's rules do on it.
///
/// After commit, call [`App::events_committed`]: on PostgreSQL that numbers the event (it has no
/// id until then, see `sequencer.rs`), and it wakes the live feeds of this and every other server
/// (see `announce.rs` for why that is not a `NOTIFY` inside the transaction).
pub(crate) async fn append_event(
    tx: &mut Tx,
    scope: ShopScope,
    order_id: Uuid,
    kind: EventKind,
    actor: &Actor,
    data: serde_json::Value,
) -> Result<(), AppError> {
    let steps = crate::rules::for_event(tx, scope, order_id, kind, &data).await?;
    write_event(tx, scope, order_id, kind, actor, data).await?;
    // After the event, so that the history shows the cause before what the rules did.
    if !steps.is_empty() {
        crate::rules::take_steps(tx, scope, order_id, steps).await?;
    }
    Ok(())
}

/// [`append_event`] boxed, for the rules' automatic steps: a step's event runs the rules again.
pub(crate) fn append_event_boxed<'a>(
    tx: &'a mut Tx,
    scope: ShopScope,
    order_id: Uuid,
    kind: EventKind,
    actor: &'a Actor,
    data: serde_json::Value,
) -> std::pin::Pin<Box<dyn Future<Output = Result<(), AppError>> + Send + 'a>> {
    Box::pin(append_event(tx, scope, order_id, kind, actor, data))
}

/// Moves an open order to confirmed on behalf of someone other than staff (a payment through a
/// link, which is agreeing to its content; a customer's confirmation), with the state change
/// event. `details` join the event's data (e.g. what the customer confirmed).
pub(crate) async fn confirm_open(
    tx: &mut Tx,
    scope: ShopScope,
    actor: &Actor,
    row: order::OrderRow,
    details: serde_json::Map<String, serde_json::Value>,
) -> Result<order::OrderRow, AppError> {
    let confirmed = order::OrderRow {
        state: OrderState::Confirmed.as_str().into(),
        updated_at: now_micros(),
        version: row.version + 1,
        ..row.clone()
    };
    crate::payment::save(tx, scope, &row, &confirmed).await?;
    let mut data = details;
    data.insert("before".into(), json!({"state": OrderState::Open}));
    data.insert("after".into(), json!({"state": OrderState::Confirmed}));
    append_event(
        tx,
        scope,
        row.order_id,
        EventKind::OrderStateChanged,
        actor,
        data.into(),
    )
    .await?;
    Ok(confirmed)
}

async fn write_event(
    tx: &mut impl Queries,
    scope: ShopScope,
    order_id: Uuid,
    kind: EventKind,
    actor: &Actor,
    data: serde_json::Value,
) -> Result<(), AppError> {
    let event = order::Event {
        order_id,
        kind: kind.as_str().into(),
        actor_kind: actor.kind.as_str().into(),
        actor_id: actor.id,
        actor_label: actor.label.clone(),
        data: data.to_string(),
        created_at: now_micros(),
    };
    order::insert_event(tx, scope, &event).await?;
    Ok(())
}
