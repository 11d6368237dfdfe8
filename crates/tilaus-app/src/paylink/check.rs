//! `check_payment_status` for a payment still pending: a customer who closed the tab, a lost
//! notify, or a provider that was down when the payment started still gets settled.

use super::VISMAPAY;
use crate::job::{Handlers, Job, JobContext, JobFailure, JobHandler};
use crate::{App, AppError};
use serde::{Deserialize, Serialize};
use tilaus_domain::payment::PaymentStatus;
use tilaus_integrations::vismapay::{CheckedStatus, ClientError};
use tilaus_store::{ShopScope, payment_link};

/// Asks the provider about one pending payment (enqueued when the payment starts).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PaymentStatusCheck {
    pub provider_order_number: String,
}

impl Job for PaymentStatusCheck {
    const KIND: &'static str = "payment.check_status";
}

pub(crate) fn register(handlers: &mut Handlers) {
    handlers.register(CheckPaymentStatus);
}

struct CheckPaymentStatus;

impl JobHandler for CheckPaymentStatus {
    type Job = PaymentStatusCheck;

    async fn run(
        &self,
        app: &App,
        job: PaymentStatusCheck,
        context: &JobContext,
    ) -> Result<(), JobFailure> {
        let scope = context
            .shop
            .ok_or_else(|| JobFailure::permanent("a payment check needs its shop"))?;
        match app
            .check_payment_status(scope, &job.provider_order_number)
            .await
        {
            // Still undecided: ask again later (the runner's backoff spaces the attempts).
            Ok(PaymentStatus::Pending) => Err(JobFailure::temporary(
                "the payment is still pending at Visma Pay",
            )),
            Ok(_) => Ok(()),
            Err(AppError::NotFound(what)) => {
                Err(JobFailure::permanent(format!("{what} not found")))
            }
            Err(e) => Err(JobFailure::temporary(e)),
        }
    }
}

impl App {
    /// Asks Visma Pay for the status of a payment we still hold pending and settles it the way
    /// a callback would. Returns the payment's status afterwards. A payment that is no longer
    /// pending is left alone (a callback came first).
    pub async fn check_payment_status(
        &self,
        scope: ShopScope,
        provider_order_number: &str,
    ) -> Result<PaymentStatus, AppError> {
        let (attempt, credentials) = {
            let mut conn = self.db.read().await?;
            let attempt =
                payment_link::attempt_by_number(&mut conn, scope, VISMAPAY, provider_order_number)
                    .await?
                    .ok_or(AppError::NotFound("payment"))?;
            (attempt, self.vismapay_credentials(&mut conn, scope).await?)
        };
        let current = PaymentStatus::parse(&attempt.status).unwrap_or(PaymentStatus::Pending);
        if current != PaymentStatus::Pending {
            return Ok(current);
        }
        let credentials = credentials.ok_or_else(|| {
            AppError::Conflict("the shop's Visma Pay keys are missing or do not open".into())
        })?;
        let target = match self
            .payments
            .vismapay
            .check_payment_status(&credentials, provider_order_number)
            .await
        {
            Ok(CheckedStatus::Paid) => PaymentStatus::Paid,
            Ok(CheckedStatus::Authorised) => PaymentStatus::Authorised,
            Ok(CheckedStatus::Failed) => PaymentStatus::Failed,
            Ok(CheckedStatus::Pending) => return Ok(PaymentStatus::Pending),
            // Visma Pay does not know the order number: the payment never started there.
            Err(ClientError::Refused { .. }) => PaymentStatus::Failed,
            Err(e) => return Err(AppError::Conflict(e.to_string())),
        };
        let mut tx = self.db.begin().await?;
        let settled = self
            .settle(&mut tx, scope, provider_order_number, target)
            .await?;
        tx.commit().await?;
        self.events_committed(scope);
        Ok(settled
            .and_then(|a| PaymentStatus::parse(&a.status))
            .unwrap_or(target))
    }
}
