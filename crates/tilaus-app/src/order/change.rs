//! Reading one order, and every change to an existing order: edits, state changes, deletion and
//! internal notes. Each change is one transaction with its event.

use super::ingest::resolve_customer;
use super::input::{
    CustomerInput, LineContext, LineInput, named_skus, parse_language, validate_address,
    validate_lines,
};
use super::view::{EventView, NoteView, OrderView, note_view};
use super::{ShopContext, append_event};
use crate::product::Catalogue;
use crate::{App, AppError, Principal};
use serde::Deserialize;
use serde_json::json;
use tilaus_domain::access::Actor;
use tilaus_domain::customer::{Address, CustomerDetails};
use tilaus_domain::event::EventKind;
use tilaus_domain::language::Language;
use tilaus_domain::money::Currency;
use tilaus_domain::order::{OrderContent, OrderState, normalise_tags};
use tilaus_domain::text::{self, MAX_LONG, MAX_SHORT};
use tilaus_domain::validation::ValidationErrors;
use tilaus_store::{Queries, ShopScope, Tx, now_micros, order, payment, payment_link};
use utoipa::ToSchema;
use uuid::Uuid;

/// Changes to an order; absent fields stay as they are. Lines, customer and the price basis
/// change only on open orders; addresses also on confirmed ones (ORD-3, ORD-21); tags and the
/// language in every state (ORD-19). A `customer` with an `id` makes the order that customer's
/// with the details given; one without is found by e-mail address or created, as in ingest.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderChanges {
    pub lines: Option<Vec<LineInput>>,
    pub customer: Option<CustomerInput>,
    pub language: Option<String>,
    pub tags: Option<Vec<String>>,
    pub prices_include_vat: Option<bool>,
    #[schema(value_type = Option<Object>)]
    pub billing_address: Option<Address>,
    #[schema(value_type = Option<Object>)]
    pub delivery_address: Option<Address>,
    /// The version the change was made against; a newer stored version refuses it (409).
    pub expected_version: Option<i64>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StateChange {
    /// The state to move to: confirmed, invoiced, paid, completed or cancelled.
    pub state: String,
    /// Why, in the staff's words (e.g. why an order was cancelled); kept in the order's history.
    #[serde(default)]
    pub reason: Option<String>,
}

pub(crate) fn note_row(body: &str, actor: &Actor, now: i64) -> order::NoteRow {
    order::NoteRow {
        note_id: Uuid::now_v7(),
        body: body.to_owned(),
        actor_kind: actor.kind.as_str().into(),
        actor_id: actor.id,
        actor_label: actor.label.clone(),
        created_at: now,
    }
}

async fn load(
    q: &mut impl Queries,
    scope: ShopScope,
    order_id: Uuid,
) -> Result<order::OrderRow, AppError> {
    order::get(q, scope, order_id)
        .await?
        .ok_or(AppError::NotFound("order"))
}

fn state_of(row: &order::OrderRow) -> Result<OrderState, AppError> {
    OrderState::parse(&row.state).ok_or_else(|| {
        AppError::Store(tilaus_store::StoreError::Corrupt {
            column: "orders.state",
            value: row.state.clone(),
        })
    })
}

/// Moves an order to `to` by the rules of ORD-2 and appends the state change with `details`
/// (e.g. staff's reason, or the rule that did it): the one way staff and rules change a state.
pub(crate) async fn move_state(
    tx: &mut Tx,
    scope: ShopScope,
    actor: &Actor,
    before: order::OrderRow,
    to: OrderState,
    details: serde_json::Map<String, serde_json::Value>,
) -> Result<order::OrderRow, AppError> {
    let from = state_of(&before)?;
    from.transition(to)?;
    let after = order::OrderRow {
        state: to.as_str().into(),
        updated_at: now_micros(),
        version: before.version + 1,
        ..before.clone()
    };
    crate::payment::save(tx, scope, &before, &after).await?;
    let mut data = details;
    data.insert("before".into(), json!({"state": from}));
    data.insert("after".into(), json!({"state": to}));
    super::append_event_boxed(
        tx,
        scope,
        before.order_id,
        EventKind::OrderStateChanged,
        actor,
        data.into(),
    )
    .await?;
    Ok(after)
}

impl App {
    pub async fn get_order(
        &self,
        principal: &Principal,
        order_id: Uuid,
    ) -> Result<OrderView, AppError> {
        let scope = principal.read_scope();
        let mut conn = self.db.read().await?;
        let row = load(&mut conn, scope, order_id).await?;
        let shop = self.shop_context(&mut conn, scope).await?;
        OrderView::load(&mut conn, scope, &shop.zone, &row).await
    }

    pub async fn order_events(
        &self,
        principal: &Principal,
        order_id: Uuid,
    ) -> Result<Vec<EventView>, AppError> {
        let scope = principal.read_scope();
        // The history includes what the reader's own last change just committed.
        self.sequencer.number_now().await?;
        let mut conn = self.db.read().await?;
        let events = order::events(&mut conn, scope, order_id).await?;
        if events.is_empty() {
            // Every order has at least its creation event: none means no such order here.
            return Err(AppError::NotFound("order"));
        }
        Ok(events.iter().map(EventView::from).collect())
    }

    /// Edits an order within what its state allows.
    pub async fn update_order(
        &self,
        principal: &Principal,
        order_id: Uuid,
        changes: &OrderChanges,
    ) -> Result<OrderView, AppError> {
        let scope = principal.write_scope()?;
        let mut tx = self.db.begin().await?;
        let before = load(&mut tx, scope, order_id).await?;
        let shop = self.shop_context(&mut tx, scope).await?;
        let state = state_of(&before)?;
        if let Some(expected) = changes.expected_version
            && expected != before.version
        {
            return Err(AppError::Conflict(format!(
                "the order changed since version {expected}; it is now at version {}",
                before.version
            )));
        }
        let touches_content = changes.lines.is_some()
            || changes.customer.is_some()
            || changes.prices_include_vat.is_some();
        let touches_delivery =
            changes.billing_address.is_some() || changes.delivery_address.is_some();
        if touches_content {
            state.ensure_content_editable()?;
        }
        if touches_delivery {
            state.ensure_delivery_editable()?;
        }
        if changes.language.is_some() || changes.tags.is_some() {
            state.ensure_labels_editable()?;
        }
        let skus = changes.lines.as_deref().map(named_skus).unwrap_or_default();
        let catalogue = crate::product::catalogue(&mut tx, scope, &skus).await?;
        let Applied {
            mut after,
            lines,
            tags,
            customer,
        } = apply_changes(&before, changes, &shop, &catalogue)?;
        if let (Some(input), Some(details)) = (&changes.customer, &customer) {
            after.customer_id =
                resolve_customer(&mut tx, scope, input.id, details, after.updated_at).await?;
        }
        let line_rows = lines.as_deref();
        if !order::update(&mut tx, scope, &after, before.version, line_rows, &tags).await? {
            return Err(AppError::Conflict(
                "the order was changed at the same time; reload and try again".into(),
            ));
        }
        let kind = if touches_content {
            EventKind::OrderUpdated
        } else if touches_delivery {
            EventKind::DeliveryDetailsChanged
        } else {
            EventKind::LabelsChanged
        };
        let data = json!({"before": change_summary(&before), "after": change_summary(&after)});
        // The view first: the event takes the shop's counter row, held until COMMIT.
        let view = OrderView::load(&mut tx, scope, &shop.zone, &after).await?;
        append_event(&mut tx, scope, order_id, kind, &principal.actor, data).await?;
        tx.commit().await?;
        self.events_committed(scope);
        Ok(view)
    }

    /// Moves an order to another state by the rules of ORD-2.
    pub async fn change_order_state(
        &self,
        principal: &Principal,
        order_id: Uuid,
        change: &StateChange,
    ) -> Result<OrderView, AppError> {
        let scope = principal.write_scope()?;
        let to = OrderState::parse(&change.state).ok_or_else(|| {
            AppError::invalid(
                "/state",
                format!(
                    "'{}' is not one of {}",
                    change.state,
                    OrderState::expected()
                ),
            )
        })?;
        let reason = text::optional(change.reason.as_deref(), MAX_SHORT)
            .map_err(|e| AppError::invalid("/reason", e))?;
        let mut tx = self.db.begin().await?;
        let before = load(&mut tx, scope, order_id).await?;
        let mut details = serde_json::Map::new();
        if let Some(reason) = reason {
            details.insert("reason".into(), reason.into());
        }
        let after = move_state(&mut tx, scope, &principal.actor, before, to, details).await?;
        let shop = self.shop_context(&mut tx, scope).await?;
        let view = OrderView::load(&mut tx, scope, &shop.zone, &after).await?;
        tx.commit().await?;
        self.events_committed(scope);
        Ok(view)
    }

    /// Deletes an open order; its history stays.
    pub async fn delete_order(
        &self,
        principal: &Principal,
        order_id: Uuid,
    ) -> Result<(), AppError> {
        let scope = principal.write_scope()?;
        let mut tx = self.db.begin().await?;
        let before = load(&mut tx, scope, order_id).await?;
        state_of(&before)?.ensure_deletable()?;
        // A payment link tried on an open order leaves its payment (pending or failed): the
        // payment keeps its order, so such an order is cancelled, not deleted.
        if !payment::for_order(&mut tx, scope, order_id)
            .await?
            .is_empty()
        {
            return Err(AppError::Conflict(
                "the order has payments from its payment link; cancel it instead of deleting it"
                    .into(),
            ));
        }
        payment_link::delete_for_order(&mut tx, scope, order_id).await?;
        order::delete(&mut tx, scope, order_id).await?;
        let data = json!({"number": before.number, "gross": before.gross, "customer": before.customer_name});
        append_event(
            &mut tx,
            scope,
            order_id,
            EventKind::OrderDeleted,
            &principal.actor,
            data,
        )
        .await?;
        tx.commit().await?;
        self.events_committed(scope);
        Ok(())
    }

    /// Adds an internal note (ORD-12), allowed in every state.
    pub async fn add_note(
        &self,
        principal: &Principal,
        order_id: Uuid,
        body: &str,
    ) -> Result<NoteView, AppError> {
        let scope = principal.write_scope()?;
        let body = text::required(body, MAX_LONG).map_err(|e| AppError::invalid("/body", e))?;
        let mut tx: Tx = self.db.begin().await?;
        load(&mut tx, scope, order_id).await?;
        let note = note_row(&body, &principal.actor, now_micros());
        order::insert_note(&mut tx, scope, order_id, &note).await?;
        append_event(
            &mut tx,
            scope,
            order_id,
            EventKind::NoteAdded,
            &principal.actor,
            json!({"note_id": note.note_id}),
        )
        .await?;
        tx.commit().await?;
        self.events_committed(scope);
        Ok(note_view(&note))
    }
}

/// The fields an edit can change, for the event's before/after.
fn change_summary(row: &order::OrderRow) -> serde_json::Value {
    json!({
        "customer": row.customer_name, "language": row.language, "tags": serde_json::from_str::<serde_json::Value>(&row.tags).unwrap_or_default(),
        "gross": row.gross, "line_count": row.line_count, "delivery_address": row.delivery_address.as_deref().and_then(|a| serde_json::from_str::<serde_json::Value>(a).ok()),
        "billing_address": row.billing_address.as_deref().and_then(|a| serde_json::from_str::<serde_json::Value>(a).ok()),
    })
}

/// An order after an edit: its row, its new lines when they changed, its tags, and the
/// customer details when the edit names the customer.
struct Applied {
    after: order::OrderRow,
    lines: Option<Vec<order::LineRow>>,
    tags: Vec<String>,
    customer: Option<CustomerDetails>,
}

/// The order row after `changes`, with new lines when they changed. Pure apart from the clock.
fn apply_changes(
    before: &order::OrderRow,
    changes: &OrderChanges,
    shop: &ShopContext,
    catalogue: &Catalogue,
) -> Result<Applied, AppError> {
    let mut errors = ValidationErrors::default();
    let mut after = before.clone();
    let context = LineContext {
        zone: &shop.zone,
        catalogue,
        language: changes
            .language
            .as_deref()
            .or(Some(before.language.as_str()))
            .and_then(Language::parse)
            .unwrap_or(shop.language()),
        shop_language: shop.language(),
        prices_include_vat: changes
            .prices_include_vat
            .unwrap_or(before.prices_include_vat),
    };
    let lines = changes
        .lines
        .as_ref()
        .and_then(|l| validate_lines(l, "/lines", &context, &mut errors));
    let customer = changes
        .customer
        .as_ref()
        .and_then(|c| c.validate("/customer", &mut errors));
    let language = changes
        .language
        .as_deref()
        .and_then(|l| errors.check("/language", parse_language(l)));
    let tags = match &changes.tags {
        Some(tags) => errors.check("/tags", normalise_tags(tags)),
        None => Some(serde_json::from_str(&before.tags).unwrap_or_default()),
    };
    let billing = changes
        .billing_address
        .as_ref()
        .map(|a| validate_address(Some(a), "/billing_address", &mut errors));
    let delivery = changes
        .delivery_address
        .as_ref()
        .map(|a| validate_address(Some(a), "/delivery_address", &mut errors));
    errors.into_result()?;
    let tags = tags.unwrap_or_default();
    let address_json = |a: &Option<Address>| a.as_ref().and_then(|a| serde_json::to_string(a).ok());
    if let Some(c) = &customer {
        after.customer_kind = c.kind.as_str().into();
        after.customer_name = c.name.clone();
        after.customer_email = c.email.as_ref().map(|e| e.as_str().to_owned());
        after.customer_phone = c.phone.clone();
        after.customer_business_id = c.business_id.clone();
        after.customer_vat_id = c.vat_id.clone();
        after.customer_contact_person = c.contact_person.clone();
        if c.billing_address.is_some() {
            after.billing_address = address_json(&c.billing_address);
        }
        if c.delivery_address.is_some() {
            after.delivery_address = address_json(&c.delivery_address);
        }
    }
    if let Some(language) = language {
        after.language = language.as_str().into();
    }
    if let Some(billing) = billing {
        after.billing_address = address_json(&billing);
    }
    if let Some(delivery) = delivery {
        after.delivery_address = address_json(&delivery);
    }
    after.prices_include_vat = changes
        .prices_include_vat
        .unwrap_or(before.prices_include_vat);
    let line_rows = match lines {
        Some(drafts) => {
            let currency = Currency::parse(&before.currency).unwrap_or(Currency::Eur);
            let totals = OrderContent {
                currency,
                prices_include_vat: after.prices_include_vat,
                lines: drafts.clone(),
            }
            .totals()?;
            after.net = totals.net;
            after.vat = totals.vat;
            after.gross = totals.gross;
            after.vat_breakdown =
                serde_json::to_string(&totals.vat_breakdown).unwrap_or_else(|_| "[]".into());
            after.line_count = i32::try_from(drafts.len()).unwrap_or(i32::MAX);
            Some(super::ingest::line_rows(&drafts)?)
        }
        None if changes.prices_include_vat.is_some() => {
            return Err(AppError::invalid(
                "/prices_include_vat",
                "send the lines too when changing the price basis",
            ));
        }
        None => None,
    };
    after.tags = serde_json::to_string(&tags).unwrap_or_else(|_| "[]".into());
    after.search_text = super::ingest::search_text(&after, &tags);
    after.updated_at = now_micros();
    after.version = before.version + 1;
    Ok(Applied {
        after,
        lines: line_rows,
        tags,
        customer,
    })
}
