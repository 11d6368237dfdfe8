//! Refunds of payments taken through a payment link: the money goes back through the provider
//! first, and the payment and the order's payment state follow once the provider took it on.
//!
//! Only Stripe payments are refunded here. Visma Pay's `create_refund` can answer `email`
//! (bank payments are returned through a link the customer gets by email, completed later and
//! reported by a separate signed refund notify), which needs its own pending-refund state.

use super::PayProvider;
use crate::order::append_event;
use crate::payment::{PaymentView, RecordedPayment, refresh_payment_state};
use crate::{App, AppError, Principal};
use serde::Deserialize;
use serde_json::json;
use tilaus_domain::event::EventKind;
use tilaus_domain::payment::{PaymentStatus, RefundError, refund};
use tilaus_integrations::stripe::{ClientError, RefundRequest};
use tilaus_store::payment::{self, PaymentRow};
use tilaus_store::{StoreError, now_micros, order};
use utoipa::ToSchema;
use uuid::Uuid;

/// A refund staff ask for.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRefund {
    /// Minor units; without it, all that is left of the payment.
    pub amount: Option<i64>,
}

impl App {
    /// Gives back all or part of a Stripe payment (owner or manager): Stripe refunds it, then
    /// the payment becomes refunded or partially refunded and the order's payment state follows,
    /// with an `order.payment_refunded` event. Retrying the same request after a lost answer
    /// refunds once (the idempotency key names the payment, what was refunded before, and the
    /// amount).
    pub async fn refund_payment(
        &self,
        principal: &Principal,
        payment_id: Uuid,
        input: &NewRefund,
    ) -> Result<RecordedPayment, AppError> {
        let scope = principal.admin_scope()?;
        let (before, credentials) = {
            let mut conn = self.db.read().await?;
            let before = payment::get(&mut conn, scope, payment_id)
                .await?
                .ok_or(AppError::NotFound("payment"))?;
            let credentials = self.stripe_credentials(&mut conn, scope).await?;
            (before, credentials)
        };
        if before.provider.as_deref() != Some(PayProvider::Stripe.payments_name()) {
            return Err(AppError::Conflict(
                "only payments taken through Stripe are refunded here; refund others at their \
                 provider (e.g. the Visma Pay merchant portal)"
                    .into(),
            ));
        }
        let status = PaymentStatus::parse(&before.status)
            .ok_or_else(|| StoreError::corrupt("payments.status", &before.status))?;
        let (next, refunded) = refund(status, before.amount, before.refunded, input.amount)
            .map_err(|e| match e {
                RefundError::Amount(detail) => AppError::invalid("/amount", detail),
                e @ RefundError::NotRefundable(_) => AppError::Conflict(e.to_string()),
            })?;
        let amount = refunded - before.refunded;
        let credentials = credentials.ok_or_else(|| {
            AppError::Conflict("the shop's Stripe keys are missing or do not open".into())
        })?;
        let session_id = before.provider_reference.as_deref().ok_or_else(|| {
            StoreError::corrupt(
                "payments.provider_reference",
                "none on a paid Stripe payment",
            )
        })?;
        let stripe = &self.payments.stripe;
        let unavailable = |e: ClientError| match e {
            ClientError::Refused { message, .. } => {
                AppError::Conflict(format!("Stripe refused the refund: {message}"))
            }
            e => AppError::ProviderUnavailable(e.to_string()),
        };
        let session = stripe
            .retrieve_session(&credentials, session_id)
            .await
            .map_err(unavailable)?;
        let payment_intent = session.payment_intent.ok_or_else(|| {
            AppError::Conflict("Stripe's session has no payment to refund".into())
        })?;
        let key = format!("refund-{payment_id}-{}-{amount}", before.refunded);
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
            .map_err(unavailable)?;
        if !done.accepted() {
            return Err(AppError::Conflict(format!(
                "Stripe did not refund: the refund {} is {}",
                done.id, done.status
            )));
        }
        let mut tx = self.db.begin().await?;
        if !payment::set_refunded(
            &mut tx,
            scope,
            &before,
            next.as_str(),
            refunded,
            now_micros(),
        )
        .await?
        {
            tracing::error!(shop_id = %scope.shop_id(), %payment_id, refund = %done.id, "a Stripe refund went through but the payment changed meanwhile");
            return Err(AppError::Conflict(
                "the payment was changed at the same time; Stripe made the refund, so check the \
                 payment before trying again"
                    .into(),
            ));
        }
        let after = PaymentRow {
            status: next.as_str().into(),
            refunded,
            ..before
        };
        let row = order::get(&mut tx, scope, after.order_id)
            .await?
            .ok_or_else(|| StoreError::corrupt("payments.order_id", after.order_id))?;
        let (row, balance) = refresh_payment_state(&mut tx, scope, &row).await?;
        append_event(
            &mut tx,
            scope,
            row.order_id,
            EventKind::PaymentRefunded,
            &principal.actor,
            json!({"payment_id": payment_id, "amount": amount, "refunded": refunded,
                "status": after.status, "currency": after.currency, "provider_refund": done.id,
                "payment_state": row.payment_state}),
        )
        .await?;
        tx.commit().await?;
        self.events_committed(scope);
        Ok(RecordedPayment {
            payment: PaymentView::from(&after),
            payment_state: row.payment_state,
            balance_due: balance.due,
            receipt: None,
        })
    }
}
