//! Refunds of payments taken through a payment link: the money goes back through the provider
//! first, and the payment and the order's payment state follow once the provider took it on.
//!
//! Each refund is its own record. Card refunds are usually done at once. Visma Pay returns bank
//! payments through a link it emails to the customer (`type: email`), and Stripe may answer
//! `pending`: such a refund stays pending (counting against what is left to refund) until the
//! provider reports it refunded or rejected (Visma Pay's signed refund notify, Stripe's
//! `refund.updated` and `refund.failed` webhooks). A Stripe refund that fails after it
//! succeeded is taken back off the payment.

use super::PayProvider;
use crate::order::append_event;
use crate::payment::{PaymentView, RecordedPayment, refresh_payment_state};
use crate::{App, AppError, Principal};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tilaus_domain::access::Actor;
use tilaus_domain::event::EventKind;
use tilaus_domain::payment::{PaymentStatus, RefundError, RefundStatus, refund, reverse_refund};
use tilaus_integrations::stripe::RefundRequest;
use tilaus_integrations::vismapay::{self, RefundResult};
use tilaus_store::payment::{self, PaymentRow};
use tilaus_store::refund::{self as store, RefundRow};
use tilaus_store::{ShopScope, StoreError, Tx, now_micros, order};
use utoipa::ToSchema;
use uuid::Uuid;

/// A refund staff ask for.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRefund {
    /// Minor units; without it, all that is left of the payment.
    pub amount: Option<i64>,
}

/// A refund as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RefundView {
    pub id: Uuid,
    pub amount: i64,
    /// pending (the customer completes it through the provider's email), refunded or
    /// rejected.
    pub status: String,
    pub provider_refund_id: String,
}

impl From<&RefundRow> for RefundView {
    fn from(row: &RefundRow) -> Self {
        RefundView {
            id: row.refund_id,
            amount: row.amount,
            status: row.status.clone(),
            provider_refund_id: row.provider_refund_id.clone(),
        }
    }
}

/// What the provider did with a refund asked of it.
struct Started {
    provider_refund_id: String,
    /// Done now; otherwise pending until the provider reports.
    done: bool,
}

/// A provider that refused the refund (409), or did not answer (503): nothing changed.
fn provider_failed(provider: &str, reason: String, refused: bool) -> AppError {
    if refused {
        AppError::Conflict(format!("{provider} refused the refund: {reason}"))
    } else {
        AppError::ProviderUnavailable(reason)
    }
}

impl App {
    /// Gives back all or part of a payment taken through Stripe or Visma Pay (owner or
    /// manager): the provider refunds it, then the payment becomes refunded or partially
    /// refunded and the order's payment state follows, with an `order.payment_refunded` event.
    /// A Visma Pay refund the customer completes by email is recorded as pending, with an
    /// `order.refund_requested` event, and applied when Visma Pay reports it. Retrying the same
    /// Stripe request after a lost answer refunds once (its idempotency key names the payment,
    /// what was refunded before, and the amount).
    pub async fn refund_payment(
        &self,
        principal: &Principal,
        payment_id: Uuid,
        input: &NewRefund,
    ) -> Result<RecordedPayment, AppError> {
        let scope = principal.admin_scope()?;
        let (before, pending) = {
            let mut conn = self.db.read().await?;
            let before = payment::get(&mut conn, scope, payment_id)
                .await?
                .ok_or(AppError::NotFound("payment"))?;
            let pending: i64 = store::for_payment(&mut conn, scope, payment_id)
                .await?
                .iter()
                .filter(|r| r.status == RefundStatus::Pending.as_str())
                .map(|r| r.amount)
                .sum();
            (before, pending)
        };
        let provider = [PayProvider::Stripe, PayProvider::VismaPay]
            .into_iter()
            .find(|p| before.provider.as_deref() == Some(p.payments_name()))
            .ok_or_else(|| {
                AppError::Conflict(
                    "only payments taken through Stripe or Visma Pay are refunded here; give \
                     back others where they were taken and record a credit note"
                        .into(),
                )
            })?;
        let status = PaymentStatus::parse(&before.status)
            .ok_or_else(|| StoreError::corrupt("payments.status", &before.status))?;
        let (_, total) = refund(
            status,
            before.amount,
            before.refunded + pending,
            input.amount,
        )
        .map_err(|e| match e {
            RefundError::Amount(detail) => AppError::invalid("/amount", detail),
            e @ RefundError::NotRefundable(_) => AppError::Conflict(e.to_string()),
        })?;
        let amount = total - before.refunded - pending;
        let started = match provider {
            PayProvider::Stripe => self.stripe_refund(scope, &before, amount).await?,
            PayProvider::VismaPay => self.vismapay_refund(scope, &before, amount).await?,
        };
        let now = now_micros();
        let row = RefundRow {
            refund_id: Uuid::now_v7(),
            payment_id,
            amount,
            provider: provider.payments_name().into(),
            provider_refund_id: started.provider_refund_id,
            status: if started.done {
                RefundStatus::Refunded
            } else {
                RefundStatus::Pending
            }
            .as_str()
            .into(),
            actor_label: principal.actor.label.clone(),
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.db.begin().await?;
        store::insert(&mut tx, scope, &row).await?;
        let recorded = if started.done {
            apply(&mut tx, scope, &principal.actor, &before, &row).await?
        } else {
            requested(&mut tx, scope, &principal.actor, &before, &row).await?
        };
        let Some(recorded) = recorded else {
            tracing::error!(shop_id = %scope.shop_id(), %payment_id, refund = %row.provider_refund_id, "a refund went through at the provider but the payment changed meanwhile");
            return Err(AppError::Conflict(
                "the payment was changed at the same time; the provider made the refund, so \
                 check the payment before trying again"
                    .into(),
            ));
        };
        tx.commit().await?;
        self.events_committed(scope);
        Ok(recorded)
    }

    async fn stripe_refund(
        &self,
        scope: ShopScope,
        before: &PaymentRow,
        amount: i64,
    ) -> Result<Started, AppError> {
        let credentials = self.require_stripe(scope).await?;
        let session_id = super::provider_reference(before)?;
        let stripe = &self.payments.stripe;
        let fail = |e: tilaus_integrations::stripe::ClientError| match e {
            tilaus_integrations::stripe::ClientError::Refused { message, .. } => {
                provider_failed("Stripe", message, true)
            }
            e => provider_failed("Stripe", e.to_string(), false),
        };
        let session = stripe
            .retrieve_session(&credentials, session_id)
            .await
            .map_err(fail)?;
        let payment_intent = session.payment_intent.ok_or_else(|| {
            AppError::Conflict("Stripe's session has no payment to refund".into())
        })?;
        let key = format!("refund-{}-{}-{amount}", before.payment_id, before.refunded);
        let done = stripe
            .create_refund(
                &credentials,
                &RefundRequest {
                    payment_intent: &payment_intent,
                    amount: Some(amount),
                    idempotency_key: &key,
                },
            )
            .await
            .map_err(fail)?;
        if !done.accepted() {
            return Err(AppError::Conflict(format!(
                "Stripe did not refund: the refund {} is {}",
                done.id, done.status
            )));
        }
        // A refund Stripe is still working on (`pending`, or waiting for the customer's action)
        // is applied when its `refund.updated` webhook says succeeded.
        Ok(Started {
            done: done.status == "succeeded",
            provider_refund_id: done.id,
        })
    }

    async fn vismapay_refund(
        &self,
        scope: ShopScope,
        before: &PaymentRow,
        amount: i64,
    ) -> Result<Started, AppError> {
        let credentials = self.require_vismapay(scope).await?;
        let notify_url = format!(
            "{}/api/v1/providers/vismapay/refund-notify?shop={}",
            self.payments.public_url,
            scope.shop_id()
        );
        let started = self
            .payments
            .vismapay
            .create_refund(
                &credentials,
                super::provider_reference(before)?,
                amount,
                &notify_url,
            )
            .await
            .map_err(|e| match e {
                vismapay::ClientError::Refused { errors, .. } => {
                    provider_failed("Visma Pay", errors, true)
                }
                e => provider_failed("Visma Pay", e.to_string(), false),
            })?;
        Ok(Started {
            provider_refund_id: started.refund_id,
            done: started.instant,
        })
    }

    /// Visma Pay's refund notify (signed `RETURN_CODE|REFUND_ID`): applies or rejects the
    /// pending refund it names, once. A repeat, or a notify for a refund done at once, changes
    /// nothing. `Err(Untrusted)` when the signature does not hold or the refund is unknown.
    pub async fn vismapay_refund_notify(
        &self,
        shop_id: Uuid,
        query: &[(String, String)],
    ) -> Result<(), super::CallbackRefused> {
        use super::CallbackRefused::Untrusted;
        let scope = ShopScope::authorised(shop_id);
        let mut tx = self.db.begin().await?;
        let credentials = self
            .vismapay_credentials(&mut tx, scope)
            .await?
            .ok_or_else(|| Untrusted("the shop has no Visma Pay keys".into()))?;
        let callback = credentials
            .verify_refund_callback(query.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .map_err(|e| Untrusted(e.to_string()))?;
        let reported = match callback.result {
            RefundResult::Refunded => Reported::Refunded,
            RefundResult::Rejected => Reported::Failed,
            // Neither: keep it pending (staff see it so) and say so in the log.
            RefundResult::Unknown(code) => {
                tracing::warn!(shop_id = %shop_id, refund = %callback.refund_id, code, "a Visma Pay refund notify with an unknown code");
                return Ok(());
            }
        };
        let known = refund_reported(
            &mut tx,
            scope,
            PayProvider::VismaPay,
            &callback.refund_id,
            reported,
        )
        .await?;
        if !known {
            return Err(Untrusted(format!("unknown refund {}", callback.refund_id)));
        }
        tx.commit().await?;
        self.events_committed(scope);
        Ok(())
    }

    /// The payment's refunds, oldest first.
    pub async fn payment_refunds(
        &self,
        principal: &Principal,
        payment_id: Uuid,
    ) -> Result<Vec<RefundView>, AppError> {
        let scope = principal.read_scope();
        let mut conn = self.db.read().await?;
        if payment::get(&mut conn, scope, payment_id).await?.is_none() {
            return Err(AppError::NotFound("payment"));
        }
        let rows = store::for_payment(&mut conn, scope, payment_id).await?;
        Ok(rows.iter().map(RefundView::from).collect())
    }
}

/// What a provider reported about a refund after it was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reported {
    Refunded,
    /// Rejected, failed or cancelled: the money stays (or is again) the shop's.
    Failed,
}

/// Brings the refund `provider_refund_id` up to what its provider reported, inside `tx`: a
/// pending one is applied or rejected; one counted as refunded that failed after all is taken
/// back off the payment. A repeat changes nothing. False when no refund has that id.
pub(crate) async fn refund_reported(
    tx: &mut Tx,
    scope: ShopScope,
    provider: PayProvider,
    provider_refund_id: &str,
    reported: Reported,
) -> Result<bool, AppError> {
    let Some(row) =
        store::by_provider_id(tx, scope, provider.payments_name(), provider_refund_id).await?
    else {
        return Ok(false);
    };
    let status = RefundStatus::parse(&row.status)
        .ok_or_else(|| StoreError::corrupt("payment_refunds.status", &row.status))?;
    let target = match (status, reported) {
        (RefundStatus::Pending, Reported::Refunded) => RefundStatus::Refunded,
        (RefundStatus::Pending | RefundStatus::Refunded, Reported::Failed) => {
            RefundStatus::Rejected
        }
        _ => return Ok(true),
    };
    if !store::set_status(
        tx,
        scope,
        row.refund_id,
        status.as_str(),
        target.as_str(),
        now_micros(),
    )
    .await?
    {
        return Ok(true);
    }
    let payment = payment::get(tx, scope, row.payment_id)
        .await?
        .ok_or_else(|| StoreError::corrupt("payment_refunds.payment_id", row.payment_id))?;
    let actor = provider.actor();
    let changed = match (status, target) {
        (RefundStatus::Pending, RefundStatus::Refunded) => {
            apply(tx, scope, &actor, &payment, &row).await?.is_some()
        }
        (RefundStatus::Refunded, _) => reverse(tx, scope, &actor, &payment, &row).await?,
        _ => {
            append_event(
                tx,
                scope,
                payment.order_id,
                EventKind::RefundRejected,
                &actor,
                refund_event(&payment, &row),
            )
            .await?;
            true
        }
    };
    if !changed {
        return Err(AppError::Conflict(
            "the payment changed at the same time; the provider will report again".into(),
        ));
    }
    Ok(true)
}

/// Takes a failed refund back off the payment: the money is the shop's again.
async fn reverse(
    tx: &mut Tx,
    scope: ShopScope,
    actor: &Actor,
    before: &PaymentRow,
    refund_row: &RefundRow,
) -> Result<bool, AppError> {
    let (next, refunded) = reverse_refund(before.amount, before.refunded, refund_row.amount)
        .map_err(|e| AppError::Conflict(e.to_string()))?;
    if !payment::set_refunded(tx, scope, before, next.as_str(), refunded, now_micros()).await? {
        return Ok(false);
    }
    let after = PaymentRow {
        status: next.as_str().into(),
        refunded,
        ..before.clone()
    };
    let (row, _) = settle_order(tx, scope, &after).await?;
    let mut data = refund_event(&after, refund_row);
    data["reversed"] = json!(true);
    data["refunded"] = json!(refunded);
    data["payment_state"] = json!(row.payment_state);
    append_event(
        tx,
        scope,
        row.order_id,
        EventKind::RefundRejected,
        actor,
        data,
    )
    .await?;
    Ok(true)
}

fn refund_event(payment: &PaymentRow, refund: &RefundRow) -> serde_json::Value {
    json!({"payment_id": payment.payment_id, "refund_id": refund.refund_id,
        "amount": refund.amount, "currency": payment.currency,
        "provider_refund": refund.provider_refund_id})
}

/// Gives `refund`'s money back on `before` inside `tx`: the payment's refunded amount and
/// status, the order's payment state, and the event. `None` when the payment is no longer as
/// read (another change won).
async fn apply(
    tx: &mut Tx,
    scope: ShopScope,
    actor: &Actor,
    before: &PaymentRow,
    refund_row: &RefundRow,
) -> Result<Option<RecordedPayment>, AppError> {
    let status = PaymentStatus::parse(&before.status)
        .ok_or_else(|| StoreError::corrupt("payments.status", &before.status))?;
    let (next, refunded) = refund(
        status,
        before.amount,
        before.refunded,
        Some(refund_row.amount),
    )
    .map_err(|e| AppError::Conflict(e.to_string()))?;
    if !payment::set_refunded(tx, scope, before, next.as_str(), refunded, now_micros()).await? {
        return Ok(None);
    }
    let after = PaymentRow {
        status: next.as_str().into(),
        refunded,
        ..before.clone()
    };
    let mut data = refund_event(&after, refund_row);
    let (row, balance) = settle_order(tx, scope, &after).await?;
    data["refunded"] = json!(refunded);
    data["status"] = json!(after.status);
    data["payment_state"] = json!(row.payment_state);
    append_event(
        tx,
        scope,
        row.order_id,
        EventKind::PaymentRefunded,
        actor,
        data,
    )
    .await?;
    Ok(Some(RecordedPayment {
        payment: PaymentView::from(&after),
        payment_state: row.payment_state,
        balance_due: balance,
        receipt: None,
        refund: Some(RefundView::from(refund_row)),
    }))
}

/// Records a refund the customer completes later: the payment is unchanged until then.
async fn requested(
    tx: &mut Tx,
    scope: ShopScope,
    actor: &Actor,
    payment: &PaymentRow,
    refund_row: &RefundRow,
) -> Result<Option<RecordedPayment>, AppError> {
    let (row, balance) = settle_order(tx, scope, payment).await?;
    append_event(
        tx,
        scope,
        row.order_id,
        EventKind::RefundRequested,
        actor,
        refund_event(payment, refund_row),
    )
    .await?;
    Ok(Some(RecordedPayment {
        payment: PaymentView::from(payment),
        payment_state: row.payment_state,
        balance_due: balance,
        receipt: None,
        refund: Some(RefundView::from(refund_row)),
    }))
}

/// The payment's order with its payment state brought up to date, and what it still asks for.
async fn settle_order(
    tx: &mut Tx,
    scope: ShopScope,
    payment: &PaymentRow,
) -> Result<(order::OrderRow, i64), AppError> {
    let row = order::get(tx, scope, payment.order_id)
        .await?
        .ok_or_else(|| StoreError::corrupt("payments.order_id", payment.order_id))?;
    let (row, balance) = refresh_payment_state(tx, scope, &row).await?;
    Ok((row, balance.due))
}
