//! Taking in a new order exactly once (ORD-1): by `Idempotency-Key` and by
//! `(channel, external_id)`, under concurrency, on both backends.

use super::append_event;
use super::input::{NewOrderRequest, OrderDraft, named_skus};
use super::view::OrderView;
use crate::auth::sha256_hex;
use crate::idempotent;
use crate::product;
use crate::{App, AppError, Principal};
use serde_json::json;
use tilaus_domain::customer::CustomerDetails;
use tilaus_domain::document::DocumentKind;
use tilaus_domain::event::EventKind;
use tilaus_domain::language::Language;
use tilaus_domain::money::Currency;
use tilaus_domain::order::{DeliveryState, LineDraft, OrderState, PaymentState};
use tilaus_domain::payment::{PaymentAmounts, payment_state};
use tilaus_domain::text;
use tilaus_store::dialect::{lock_key, lock_key_of, take_order_numbers};
use tilaus_store::{
    ShopScope, StoreError, Tx, customer, document, idempotency, now_micros, order, payment, shop,
};
use uuid::Uuid;

/// An `Idempotency-Key` with the fingerprint of the request that carries it.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    pub key: String,
    pub request_hash: String,
}

impl IdempotencyKey {
    /// Checks the key (1–255 visible ASCII characters) and fingerprints the raw body.
    pub fn new(key: &str, body: &[u8]) -> Result<Self, AppError> {
        let valid = (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic());
        if !valid {
            return Err(AppError::invalid(
                "/Idempotency-Key",
                "must be 1–255 visible ASCII characters",
            ));
        }
        Ok(Self {
            key: key.to_owned(),
            request_hash: sha256_hex(body),
        })
    }
}

/// How long an `Idempotency-Key` replays its first answer (as Stripe's keys do). Retries come
/// within minutes; the `(channel, external_id)` rule guards against duplicates for ever.
pub const IDEMPOTENCY_RETENTION: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// What ingest answered: the order's JSON, and whether it is new.
#[derive(Debug, Clone)]
pub struct IngestOutcome {
    /// 201 for a new order, 200 for an existing one with the same external id.
    pub status: u16,
    /// The response body (the order), byte for byte what a replay returns.
    pub body: String,
    /// True when the body was replayed from an earlier request with the same key.
    pub replayed: bool,
}

impl App {
    /// Forgets idempotency keys that were older than [`IDEMPOTENCY_RETENTION`] at `now`
    /// (Unix microseconds); returns how many.
    pub async fn purge_idempotency_keys(&self, now: i64) -> Result<u64, AppError> {
        let retention = i64::try_from(IDEMPOTENCY_RETENTION.as_micros()).unwrap_or(i64::MAX);
        let mut tx = self.db.begin().await?;
        let purged = idempotency::purge(&mut tx, now.saturating_sub(retention)).await?;
        tx.commit().await?;
        Ok(purged)
    }

    /// Creates an order from any channel, exactly once.
    pub async fn ingest_order(
        &self,
        principal: &Principal,
        request: &NewOrderRequest,
        key: Option<&IdempotencyKey>,
    ) -> Result<IngestOutcome, AppError> {
        let scope = principal.write_scope()?;
        let mut conn = self.db.read().await?;
        let shop = self.shop_context(&mut conn, scope).await?;
        let catalogue = product::catalogue(&mut conn, scope, &named_skus(&request.lines)).await?;
        drop(conn);
        let currency = Currency::parse(&shop.row.default_currency).unwrap_or(Currency::Eur);
        let lines_in = request.line_context(&shop.zone, &catalogue, shop.language());
        let draft = request.validate(currency, &lines_in)?;
        let totals = draft.content.totals()?;
        let mut tx = self.db.begin().await?;
        if shop::get_channel(&mut tx, scope, &draft.channel)
            .await?
            .is_none()
        {
            return Err(AppError::invalid(
                "/channel",
                format!("the shop has no channel '{}'", draft.channel),
            ));
        }
        if let Some(key) = key
            && let Some(replay) = idempotent::claim(&mut tx, scope, key).await?
        {
            return Ok(IngestOutcome {
                status: replay.status,
                body: replay.body,
                replayed: true,
            });
        }
        let mut created: Option<NewOrder> = None;
        let outcome = match existing_order(&mut tx, scope, &draft).await? {
            Some(existing) => IngestOutcome {
                status: 200,
                body: existing,
                replayed: false,
            },
            None => {
                let new = self
                    .insert_new_order(&mut tx, scope, principal, &shop, draft, totals)
                    .await?;
                let body = serde_json::to_string(&new.view).unwrap_or_default();
                created = Some(new);
                IngestOutcome {
                    status: 201,
                    body,
                    replayed: false,
                }
            }
        };
        if let Some(key) = key {
            let answer = idempotent::Replay {
                status: outcome.status,
                body: outcome.body.clone(),
            };
            idempotent::remember(&mut tx, scope, key, &answer).await?;
        }
        let any_event = created.is_some();
        if let Some(new) = created {
            // Last before COMMIT: the event id holds the shop's counter row until then.
            let order = &new.view.summary;
            let data = json!({"number": order.number, "state": order.state, "channel": order.channel, "origin": order.origin, "gross": order.totals.gross, "currency": order.currency});
            let actor = &principal.actor;
            append_event(
                &mut tx,
                scope,
                order.id,
                EventKind::OrderCreated,
                actor,
                data,
            )
            .await?;
            if let Some((payments, receipt)) = &new.paid {
                for p in payments {
                    let data = crate::payment::payment_event(p, &new.row);
                    append_event(
                        &mut tx,
                        scope,
                        order.id,
                        EventKind::PaymentRecorded,
                        actor,
                        data,
                    )
                    .await?;
                }
                let data = crate::document::issued_event(receipt);
                append_event(
                    &mut tx,
                    scope,
                    order.id,
                    EventKind::DocumentIssued,
                    actor,
                    data,
                )
                .await?;
            }
        }
        tx.commit().await?;
        if any_event {
            self.events_committed(scope);
        }
        Ok(outcome)
    }

    async fn insert_new_order(
        &self,
        tx: &mut Tx,
        scope: ShopScope,
        principal: &Principal,
        shop: &super::ShopContext,
        draft: OrderDraft,
        totals: tilaus_domain::order::Totals,
    ) -> Result<NewOrder, AppError> {
        let now = now_micros();
        let c = &draft.customer;
        let address_json = |a: &Option<tilaus_domain::customer::Address>| {
            a.as_ref().and_then(|a| serde_json::to_string(a).ok())
        };
        let customer_id = resolve_customer(tx, scope, draft.customer_id, c, now).await?;
        let language = Language::for_order(draft.language, c.language, shop.language());
        // An order that arrives with its payments is documented at once (only open orders have
        // no document): `paid` when they cover the total, else `confirmed`.
        let amounts: Vec<PaymentAmounts> = draft
            .payments
            .iter()
            .map(|p| PaymentAmounts {
                status: p.status,
                amount: p.amount,
                refunded: 0,
            })
            .collect();
        let payment_state = payment_state(totals.gross, &amounts)?;
        let state = match (draft.payments.is_empty(), payment_state) {
            (true, _) => draft.state,
            (false, PaymentState::Paid) => OrderState::Paid,
            (false, _) => OrderState::Confirmed,
        };
        let lines = line_rows(&draft.content.lines)?;
        let number = take_order_numbers(tx, scope, 1)
            .await?
            .first()
            .copied()
            .ok_or_else(|| StoreError::corrupt("order numbers", "none taken"))?;
        let row = order::OrderRow {
            order_id: Uuid::now_v7(),
            number,
            channel: draft.channel.clone(),
            origin: draft.origin.clone(),
            external_id: draft.external_id.clone(),
            language: language.as_str().into(),
            currency: draft.content.currency.as_str().into(),
            prices_include_vat: draft.content.prices_include_vat,
            customer_id,
            customer_kind: c.kind.as_str().into(),
            customer_name: c.name.clone(),
            customer_email: c.email.as_ref().map(|e| e.as_str().to_owned()),
            customer_phone: c.phone.clone(),
            customer_business_id: c.business_id.clone(),
            customer_vat_id: c.vat_id.clone(),
            customer_contact_person: c.contact_person.clone(),
            billing_address: address_json(&c.billing_address),
            delivery_address: address_json(&c.delivery_address),
            state: state.as_str().into(),
            payment_state: payment_state.as_str().into(),
            delivery_state: DeliveryState::None.as_str().into(),
            tags: serde_json::to_string(&draft.tags).unwrap_or_else(|_| "[]".into()),
            net: totals.net,
            vat: totals.vat,
            gross: totals.gross,
            vat_breakdown: serde_json::to_string(&totals.vat_breakdown)
                .unwrap_or_else(|_| "[]".into()),
            line_count: i32::try_from(lines.len()).unwrap_or(i32::MAX),
            search_text: String::new(),
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let row = order::OrderRow {
            search_text: search_text(&row, &draft.tags),
            ..row
        };
        order::insert(tx, scope, &row, &lines, &draft.tags).await?;
        let mut notes = Vec::new();
        if let Some(body) = &draft.note {
            let note = super::change::note_row(body, &principal.actor, now);
            order::insert_note(tx, scope, row.order_id, &note).await?;
            notes.push(note);
        }
        let mut paid = None;
        if !draft.payments.is_empty() {
            let payments: Vec<_> = draft
                .payments
                .iter()
                .map(|p| p.row(&row, &principal.actor, now))
                .collect();
            payment::insert(tx, scope, &payments).await?;
            let receipt = crate::document::issue(
                tx,
                scope,
                shop,
                &principal.actor,
                crate::document::Issue {
                    kind: DocumentKind::Receipt,
                    order: &row,
                    lines: crate::document::order_lines(&lines, row.prices_include_vat)?,
                    credits: None,
                },
            )
            .await?;
            paid = Some((payments, receipt));
        }
        let view = OrderView::new(&row, &lines, &notes, &shop.zone, paid.is_some());
        Ok(NewOrder { view, row, paid })
    }
}

/// The customer an order belongs to: the shop's customer it names by id (a 422 when the shop
/// has none such), else the one with the same e-mail address, else a new one made from
/// `details`. Ingest and edits of open orders share it, so both link customers alike.
pub(super) async fn resolve_customer(
    tx: &mut Tx,
    scope: ShopScope,
    id: Option<Uuid>,
    details: &CustomerDetails,
    now: i64,
) -> Result<Uuid, AppError> {
    if let Some(id) = id {
        return match customer::get(tx, scope, id).await? {
            Some(row) => Ok(row.customer_id),
            None => Err(AppError::invalid(
                "/customer/id",
                format!("the shop has no customer {id}"),
            )),
        };
    }
    let c = details;
    let address_json = |a: &Option<tilaus_domain::customer::Address>| {
        a.as_ref().and_then(|a| serde_json::to_string(a).ok())
    };
    let row = customer::CustomerRow {
        customer_id: Uuid::now_v7(),
        kind: c.kind.as_str().into(),
        name: c.name.clone(),
        email: c.email.as_ref().map(|e| e.as_str().to_owned()),
        email_key: c.email.as_ref().map(|e| e.matching_key()),
        phone: c.phone.clone(),
        business_id: c.business_id.clone(),
        vat_id: c.vat_id.clone(),
        contact_person: c.contact_person.clone(),
        language: c.language.map(|l| l.as_str().to_owned()),
        billing_address: address_json(&c.billing_address),
        delivery_address: address_json(&c.delivery_address),
        created_at: now,
        updated_at: now,
    };
    Ok(customer::attach(tx, scope, &row).await?)
}

/// A new order as written, with the payments and receipt it arrived with.
struct NewOrder {
    view: OrderView,
    row: order::OrderRow,
    paid: Option<(Vec<payment::PaymentRow>, document::DocumentRow)>,
}

/// The order that already carries the draft's `(channel, external_id)`, as its response body.
async fn existing_order(
    tx: &mut Tx,
    scope: ShopScope,
    draft: &OrderDraft,
) -> Result<Option<String>, AppError> {
    let Some(external_id) = &draft.external_id else {
        return Ok(None);
    };
    // Twins with one external id wait here for each other, so the second sees the first's order.
    lock_key(
        tx,
        lock_key_of(&[
            scope.shop_id().as_bytes(),
            b"external",
            draft.channel.as_bytes(),
            external_id.as_bytes(),
        ]),
    )
    .await?;
    let Some(row) = order::find_by_external_id(tx, scope, &draft.channel, external_id).await?
    else {
        return Ok(None);
    };
    let shop_zone = match shop::get_shop(tx, scope).await? {
        Some(shop) => crate::time::zone(&shop.time_zone),
        None => crate::time::zone("UTC"),
    };
    let view = OrderView::load(tx, scope, &shop_zone, &row).await?;
    Ok(Some(serde_json::to_string(&view).unwrap_or_default()))
}

pub(crate) fn line_rows(lines: &[LineDraft]) -> Result<Vec<order::LineRow>, AppError> {
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            Ok(order::LineRow {
                position: i32::try_from(i + 1).unwrap_or(i32::MAX),
                product_id: l.product_id,
                sku: l.sku.clone(),
                name: l.name.clone(),
                kind: l.kind.as_str().into(),
                quantity: l.quantity,
                unit_price: l.unit_price,
                vat_rate: i32::try_from(l.vat_rate.basis_points()).unwrap_or(i32::MAX),
                discount: l.discount,
                total: l.total()?,
                reservation_start: l.reservation.map(|r| crate::time::micros(r.start)),
                reservation_end: l.reservation.map(|r| crate::time::micros(r.end)),
                purchase_process: l.purchase_process.as_str().into(),
            })
        })
        .collect()
}

/// The lower-case text the list's free-text filter searches.
pub(crate) fn search_text(row: &order::OrderRow, tags: &[String]) -> String {
    let parts = [
        Some(row.number.to_string()),
        row.external_id.clone(),
        Some(row.customer_name.clone()),
        row.customer_email.clone(),
        row.customer_phone.clone(),
        row.customer_business_id.clone(),
    ];
    let mut text: Vec<String> = parts
        .into_iter()
        .flatten()
        .map(|p| text::fold(&p))
        .collect();
    text.extend(tags.iter().cloned());
    text.join(" ")
}
