//! Authorised payments (FUL-4): the card is reserved when the customer pays and the money is
//! taken at fulfilment. Staff capture a payment (or a rule does once the order ships), or
//! cancel it to release the reservation. Visma Pay is asked first and the payment follows only
//! once it agreed; an authorised payment taken elsewhere (a web shop's own provider, sent with
//! the order) is only recorded here, as its money is moved at that provider.

use super::PayProvider;
use crate::job::{EnqueueOptions, Handlers, Job, JobContext, JobFailure, JobHandler, enqueue};
use crate::order::{append_event, confirm_open};
use crate::payment::{RecordedPayment, payment_event, refresh_payment_state};
use crate::{App, AppError, Principal};
use serde::{Deserialize, Serialize};
use tilaus_domain::access::Actor;
use tilaus_domain::event::EventKind;
use tilaus_domain::order::OrderState;
use tilaus_domain::payment::PaymentStatus;
use tilaus_integrations::vismapay::ClientError;
use tilaus_store::payment::{self, PaymentRow};
use tilaus_store::{Queries, ShopScope, StoreError, Tx, now_micros, order};
use uuid::Uuid;

/// What becomes of an authorised payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Conclusion {
    Capture,
    Cancel,
}

impl Conclusion {
    fn target(self) -> PaymentStatus {
        match self {
            Conclusion::Capture => PaymentStatus::Paid,
            Conclusion::Cancel => PaymentStatus::Cancelled,
        }
    }

    fn verb(self) -> &'static str {
        match self {
            Conclusion::Capture => "captured",
            Conclusion::Cancel => "cancelled",
        }
    }
}

impl App {
    /// Takes the money of an authorised payment: Visma Pay settles it, then the payment is paid
    /// and the order's payment state follows (with its receipt when that settles the order).
    pub async fn capture_payment(
        &self,
        principal: &Principal,
        payment_id: Uuid,
    ) -> Result<RecordedPayment, AppError> {
        let scope = principal.write_scope()?;
        self.conclude(scope, &principal.actor, payment_id, Conclusion::Capture)
            .await
    }

    /// Releases an authorised payment's reservation: Visma Pay voids it, then the payment is
    /// cancelled.
    pub async fn cancel_payment(
        &self,
        principal: &Principal,
        payment_id: Uuid,
    ) -> Result<RecordedPayment, AppError> {
        let scope = principal.write_scope()?;
        self.conclude(scope, &principal.actor, payment_id, Conclusion::Cancel)
            .await
    }

    async fn conclude(
        &self,
        scope: ShopScope,
        actor: &Actor,
        payment_id: Uuid,
        how: Conclusion,
    ) -> Result<RecordedPayment, AppError> {
        let before = {
            let mut conn = self.db.read().await?;
            payment::get(&mut conn, scope, payment_id)
                .await?
                .ok_or(AppError::NotFound("payment"))?
        };
        if before.status != PaymentStatus::Authorised.as_str() {
            return Err(AppError::Conflict(format!(
                "only an authorised payment can be {}; this one is {}",
                how.verb(),
                before.status
            )));
        }
        if before.provider.as_deref() == Some(PayProvider::VismaPay.payments_name()) {
            let credentials = self.require_vismapay(scope).await?;
            let number = super::provider_reference(&before)?;
            let client = &self.payments.vismapay;
            let asked = match how {
                Conclusion::Capture => client.capture(&credentials, number).await,
                Conclusion::Cancel => client.cancel(&credentials, number).await,
            };
            asked.map_err(|e| match e {
                ClientError::Refused { errors, .. } => {
                    AppError::Conflict(format!("Visma Pay refused: {errors}"))
                }
                e => AppError::ProviderUnavailable(e.to_string()),
            })?;
        }
        let mut tx = self.db.begin().await?;
        let concluded = conclude_in(&mut tx, scope, actor, self, &before, how.target()).await?;
        let Some(recorded) = concluded else {
            tracing::error!(shop_id = %scope.shop_id(), %payment_id, "an authorised payment was {} at the provider but changed here meanwhile", how.verb());
            return Err(AppError::Conflict(
                "the payment was changed at the same time; check it before trying again".into(),
            ));
        };
        tx.commit().await?;
        self.events_committed(scope);
        Ok(recorded)
    }
}

/// Moves `before` to `target` inside `tx` with its consequences; `None` when the payment was
/// not in `before`'s status any more (another change won).
async fn conclude_in(
    tx: &mut Tx,
    scope: ShopScope,
    actor: &Actor,
    app: &App,
    before: &PaymentRow,
    target: PaymentStatus,
) -> Result<Option<RecordedPayment>, AppError> {
    let now = now_micros();
    if !payment::set_status(
        tx,
        scope,
        before.payment_id,
        &before.status,
        target.as_str(),
        now,
    )
    .await?
    {
        return Ok(None);
    }
    let after = PaymentRow {
        status: target.as_str().into(),
        ..before.clone()
    };
    let row = order::get(tx, scope, after.order_id)
        .await?
        .ok_or_else(|| StoreError::corrupt("payments.order_id", after.order_id))?;
    app.status_changed(tx, scope, actor, row, &after)
        .await
        .map(Some)
}

impl App {
    /// The consequences of a payment whose status just changed: money received goes through
    /// the same path as any payment (payment state, receipt, events), and an open order is
    /// confirmed first, as paying is agreeing to it; any other change is recorded as it is.
    pub(crate) async fn status_changed(
        &self,
        tx: &mut Tx,
        scope: ShopScope,
        actor: &Actor,
        mut row: order::OrderRow,
        payment: &PaymentRow,
    ) -> Result<RecordedPayment, AppError> {
        let status = PaymentStatus::parse(&payment.status)
            .ok_or_else(|| StoreError::corrupt("payments.status", &payment.status))?;
        if status.money_received() {
            if crate::document::order_state(&row)? == OrderState::Open {
                row = confirm_open(tx, scope, actor, row, serde_json::Map::new()).await?;
            }
            return self.payment_settled(tx, scope, actor, row, payment).await;
        }
        let (row, balance) = refresh_payment_state(tx, scope, &row).await?;
        append_event(
            tx,
            scope,
            row.order_id,
            EventKind::PaymentRecorded,
            actor,
            payment_event(payment, &row),
        )
        .await?;
        Ok(RecordedPayment {
            payment: crate::payment::PaymentView::from(payment),
            payment_state: row.payment_state,
            balance_due: balance.due,
            receipt: None,
            refund: None,
        })
    }
}

/// Captures an order's authorised payments (a rule enqueues it when the order ships).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CapturePayments {
    pub order_id: Uuid,
}

impl Job for CapturePayments {
    const KIND: &'static str = "payment.capture";
}

/// Enqueues the capture of the order's authorised payments, once per order, to run after the
/// transaction that shipped it commits (the provider is not asked inside it).
pub(crate) async fn enqueue_capture(
    tx: &mut impl Queries,
    scope: ShopScope,
    order_id: Uuid,
) -> Result<bool, AppError> {
    let authorised = payment::for_order(tx, scope, order_id)
        .await?
        .iter()
        .any(|p| p.status == PaymentStatus::Authorised.as_str());
    if authorised {
        let options = EnqueueOptions {
            dedupe_key: Some(format!("capture-{order_id}")),
            ..EnqueueOptions::default()
        };
        enqueue(tx, Some(scope), &CapturePayments { order_id }, options).await?;
    }
    Ok(authorised)
}

pub(crate) fn register(handlers: &mut Handlers) {
    handlers.register(CaptureOrderPayments);
}

struct CaptureOrderPayments;

impl JobHandler for CaptureOrderPayments {
    type Job = CapturePayments;

    async fn run(
        &self,
        app: &App,
        job: CapturePayments,
        context: &JobContext,
    ) -> Result<(), JobFailure> {
        let scope = context
            .shop
            .ok_or_else(|| JobFailure::permanent("a capture needs its shop"))?;
        let payments = {
            let mut conn = app.db.read().await.map_err(JobFailure::temporary)?;
            payment::for_order(&mut conn, scope, job.order_id)
                .await
                .map_err(JobFailure::temporary)?
        };
        let actor = Actor::system("rule");
        for p in payments
            .iter()
            .filter(|p| p.status == PaymentStatus::Authorised.as_str())
        {
            match app
                .conclude(scope, &actor, p.payment_id, Conclusion::Capture)
                .await
            {
                Ok(_) => {}
                // Visma Pay said no (e.g. the authorisation expired): staff must act.
                Err(AppError::Conflict(reason)) => return Err(JobFailure::permanent(reason)),
                Err(e) => return Err(JobFailure::temporary(e)),
            }
        }
        Ok(())
    }
}
