//! Deliveries (ORD-13, FUL-3): staff (or a shipping integration, or a rule) start processing an
//! order, ship its parcels with carrier and tracking, and mark them delivered; they tell the
//! customer when an order is late. Each step is one transaction with its event, which the
//! notification rules read (the shipped message with its tracking link, completing a delivered
//! order). The order's delivery state follows from its deliveries.

use crate::document::order_state;
use crate::order::append_event_boxed;
use crate::time::rfc3339;
use crate::{App, AppError, Principal};
use jiff::civil::Date;
use serde::Deserialize;
use serde::Serialize;
use serde_json::json;
use tilaus_domain::access::Actor;
use tilaus_domain::delivery::{DeliveryStep, Tracking, delivery_state};
use tilaus_domain::event::EventKind;
use tilaus_domain::text::{self, MAX_SHORT};
use tilaus_store::delivery::{self as store, DeliveryRow};
use tilaus_store::{ShopScope, StoreError, Tx, now_micros, order};
use utoipa::ToSchema;
use uuid::Uuid;

/// A delivery as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryView {
    pub id: Uuid,
    pub order_id: Uuid,
    /// `processing`, `shipped` or `delivered`.
    pub step: String,
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    pub tracking_url: Option<String>,
    pub created_at: String,
    pub shipped_at: Option<String>,
    pub delivered_at: Option<String>,
}

impl From<DeliveryRow> for DeliveryView {
    fn from(row: DeliveryRow) -> Self {
        Self {
            id: row.delivery_id,
            order_id: row.order_id,
            step: row.step,
            carrier: row.carrier,
            tracking_number: row.tracking_number,
            tracking_url: row.tracking_url,
            created_at: rfc3339(row.created_at),
            shipped_at: row.shipped_at.map(rfc3339),
            delivered_at: row.delivered_at.map(rfc3339),
        }
    }
}

/// A new delivery of an order, or the next step of one: where it is, and how it travels.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryInput {
    /// `processing`, `shipped` or `delivered`; a new delivery starts `processing` when absent.
    pub step: Option<String>,
    /// The carrier's name, e.g. `Posti`.
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    /// Where the customer follows the parcel (`https://…`); the shipped message links to it.
    pub tracking_url: Option<String>,
}

/// Telling the customer that an order is late.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DelayNotice {
    /// The day the order is now expected (`YYYY-MM-DD`).
    pub expected_on: String,
    /// Why, in the shop's words; the message shows it.
    pub reason: Option<String>,
}

impl DeliveryInput {
    fn parse(&self, default: DeliveryStep) -> Result<(DeliveryStep, Tracking), AppError> {
        let step = match self.step.as_deref() {
            None => default,
            Some(step) => DeliveryStep::parse(step).ok_or_else(|| {
                AppError::invalid(
                    "/step",
                    format!("'{step}' is not one of {}", DeliveryStep::expected()),
                )
            })?,
        };
        let tracking = Tracking::parse(
            self.carrier.as_deref(),
            self.tracking_number.as_deref(),
            self.tracking_url.as_deref(),
        )?;
        Ok((step, tracking))
    }
}

fn step_of(row: &DeliveryRow) -> Result<DeliveryStep, AppError> {
    DeliveryStep::parse(&row.step)
        .ok_or_else(|| AppError::Store(StoreError::corrupt("deliveries.step", &row.step)))
}

impl App {
    /// The order's deliveries, oldest first.
    pub async fn order_deliveries(
        &self,
        principal: &Principal,
        order_id: Uuid,
    ) -> Result<Vec<DeliveryView>, AppError> {
        let scope = principal.read_scope();
        let mut conn = self.db.read().await?;
        order::get(&mut conn, scope, order_id)
            .await?
            .ok_or(AppError::NotFound("order"))?;
        let rows = store::for_order(&mut conn, scope, order_id).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Adds a delivery to a confirmed, invoiced or paid order: processing by default, or
    /// shipped or delivered at once (a parcel sent the moment it was packed, a counter pickup).
    pub async fn add_delivery(
        &self,
        principal: &Principal,
        order_id: Uuid,
        input: &DeliveryInput,
    ) -> Result<DeliveryView, AppError> {
        let scope = principal.write_scope()?;
        let (step, tracking) = input.parse(DeliveryStep::Processing)?;
        let mut tx = self.db.begin().await?;
        let order = order::get(&mut tx, scope, order_id)
            .await?
            .ok_or(AppError::NotFound("order"))?;
        let row = add_in(
            &mut tx,
            scope,
            &principal.actor,
            order,
            step,
            tracking,
            None,
        )
        .await?;
        tx.commit().await?;
        self.events_committed(scope);
        Ok(row.into())
    }

    /// Moves a delivery on (processing → shipped → delivered; shipping may be skipped), with
    /// tracking details given on the way replacing those it had.
    pub async fn advance_delivery(
        &self,
        principal: &Principal,
        delivery_id: Uuid,
        input: &DeliveryInput,
    ) -> Result<DeliveryView, AppError> {
        let scope = principal.write_scope()?;
        let mut tx = self.db.begin().await?;
        let before = store::get(&mut tx, scope, delivery_id)
            .await?
            .ok_or(AppError::NotFound("delivery"))?;
        let from = step_of(&before)?;
        let next = match from {
            DeliveryStep::Processing => DeliveryStep::Shipped,
            _ => DeliveryStep::Delivered,
        };
        let (to, tracking) = input.parse(next)?;
        from.advance(to)
            .map_err(|e| AppError::Conflict(e.to_string()))?;
        let order = order::get(&mut tx, scope, before.order_id)
            .await?
            .ok_or_else(|| {
                AppError::Store(StoreError::corrupt("deliveries.order_id", before.order_id))
            })?;
        order_state(&order)?.ensure_deliverable()?;
        let now = now_micros();
        let after = DeliveryRow {
            step: to.as_str().into(),
            carrier: tracking.carrier.or(before.carrier.clone()),
            tracking_number: tracking.number.or(before.tracking_number.clone()),
            tracking_url: tracking.url.or(before.tracking_url.clone()),
            updated_at: now,
            shipped_at: before
                .shipped_at
                .or((to == DeliveryStep::Shipped).then_some(now)),
            delivered_at: (to == DeliveryStep::Delivered).then_some(now),
            ..before.clone()
        };
        if !store::update(&mut tx, scope, &after, &before.step).await? {
            return Err(AppError::Conflict(
                "the delivery was changed at the same time; reload and try again".into(),
            ));
        }
        stepped(&mut tx, scope, &principal.actor, order, &after, None).await?;
        tx.commit().await?;
        self.events_committed(scope);
        Ok(after.into())
    }

    /// Tells the customer that a confirmed, invoiced or paid order is late (NTF-1): an event the
    /// rules send the delay message for, in the order's history.
    pub async fn notify_delay(
        &self,
        principal: &Principal,
        order_id: Uuid,
        notice: &DelayNotice,
    ) -> Result<(), AppError> {
        let scope = principal.write_scope()?;
        let expected: Date = notice.expected_on.trim().parse().map_err(|_| {
            AppError::invalid("/expected_on", "give the expected day as YYYY-MM-DD")
        })?;
        let reason = text::optional(notice.reason.as_deref(), MAX_SHORT)
            .map_err(|e| AppError::invalid("/reason", e))?;
        let mut tx = self.db.begin().await?;
        let order = order::get(&mut tx, scope, order_id)
            .await?
            .ok_or(AppError::NotFound("order"))?;
        let state = order_state(&order)?;
        state.ensure_deliverable()?;
        let shop = self.shop_context(&mut tx, scope).await?;
        let today = jiff::Timestamp::now().to_zoned_datetime(shop.zone).date();
        if expected < today {
            return Err(AppError::invalid(
                "/expected_on",
                "give a day from today on",
            ));
        }
        let data = json!({"expected_on": expected.to_string(), "reason": reason});
        append_event_boxed(
            &mut tx,
            scope,
            order_id,
            EventKind::DelayNotified,
            &principal.actor,
            data,
        )
        .await?;
        tx.commit().await?;
        self.events_committed(scope);
        Ok(())
    }
}

/// Starts processing an order that has no delivery yet, for a rule (NTF-7); `false` when it has
/// one, or its state is not one to deliver in (nothing changes then).
pub(crate) async fn start_processing_in(
    tx: &mut Tx,
    scope: ShopScope,
    actor: &Actor,
    order: order::OrderRow,
    rule_id: Option<Uuid>,
) -> Result<bool, AppError> {
    let deliverable = order_state(&order)?.ensure_deliverable().is_ok();
    if !deliverable
        || !store::for_order(tx, scope, order.order_id)
            .await?
            .is_empty()
    {
        return Ok(false);
    }
    let tracking = Tracking::default();
    add_in(
        tx,
        scope,
        actor,
        order,
        DeliveryStep::Processing,
        tracking,
        rule_id,
    )
    .await?;
    Ok(true)
}

/// Writes a new delivery of `order` at `step`, with its consequences.
async fn add_in(
    tx: &mut Tx,
    scope: ShopScope,
    actor: &Actor,
    order: order::OrderRow,
    step: DeliveryStep,
    tracking: Tracking,
    rule_id: Option<Uuid>,
) -> Result<DeliveryRow, AppError> {
    order_state(&order)?.ensure_deliverable()?;
    let now = now_micros();
    let reached = |s: DeliveryStep| (step >= s).then_some(now);
    let row = DeliveryRow {
        delivery_id: Uuid::now_v7(),
        order_id: order.order_id,
        step: step.as_str().into(),
        carrier: tracking.carrier,
        tracking_number: tracking.number,
        tracking_url: tracking.url,
        created_at: now,
        updated_at: now,
        shipped_at: reached(DeliveryStep::Shipped),
        delivered_at: reached(DeliveryStep::Delivered),
    };
    store::insert(tx, scope, &row).await?;
    stepped(tx, scope, actor, order, &row, rule_id).await?;
    Ok(row)
}

/// After a delivery reached a step: the order's delivery state follows, and the step's event is
/// appended (which runs the rules: the shipped message, completing a delivered order).
async fn stepped(
    tx: &mut Tx,
    scope: ShopScope,
    actor: &Actor,
    order: order::OrderRow,
    delivery: &DeliveryRow,
    rule_id: Option<Uuid>,
) -> Result<(), AppError> {
    let steps: Vec<DeliveryStep> = store::for_order(tx, scope, order.order_id)
        .await?
        .iter()
        .map(step_of)
        .collect::<Result<_, _>>()?;
    let state = delivery_state(&steps);
    if state.as_str() != order.delivery_state {
        let after = order::OrderRow {
            delivery_state: state.as_str().into(),
            updated_at: now_micros(),
            version: order.version + 1,
            ..order.clone()
        };
        crate::payment::save(tx, scope, &order, &after).await?;
    }
    let kind = match step_of(delivery)? {
        DeliveryStep::Processing => EventKind::DeliveryProcessing,
        DeliveryStep::Shipped => EventKind::DeliveryShipped,
        DeliveryStep::Delivered => EventKind::DeliveryDelivered,
    };
    let mut data = json!({
        "delivery_id": delivery.delivery_id,
        "carrier": delivery.carrier,
        "tracking_number": delivery.tracking_number,
        "tracking_url": delivery.tracking_url,
        "delivery_state": state,
    });
    if let Some(rule_id) = rule_id {
        data["rule_id"] = rule_id.to_string().into();
    }
    append_event_boxed(tx, scope, order.order_id, kind, actor, data).await?;
    Ok(())
}
