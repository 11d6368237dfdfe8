//! The status check for a payment still pending: a customer who closed the tab, a lost
//! callback or webhook, or a provider that was down when the payment started still gets
//! settled. Visma Pay is asked with `check_payment_status`; Stripe by retrieving the session.

use super::PayProvider;
use crate::job::{Handlers, Job, JobContext, JobFailure, JobHandler};
use crate::{App, AppError};
use serde::{Deserialize, Serialize};
use tilaus_domain::payment::PaymentStatus;
use tilaus_integrations::stripe::{self as stripe_api, SessionOutcome};
use tilaus_integrations::vismapay::{CheckedStatus, ClientError};
use tilaus_store::{ShopScope, payment_link};

/// Asks the provider about one pending payment (enqueued when the payment starts).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PaymentStatusCheck {
    /// vismapay or stripe; checks queued before Stripe existed have none and are Visma Pay's.
    #[serde(default = "vismapay")]
    pub provider: String,
    pub provider_order_number: String,
}

fn vismapay() -> String {
    PayProvider::VismaPay.as_str().into()
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
        let provider = PayProvider::parse(&job.provider)
            .ok_or_else(|| JobFailure::permanent(format!("unknown provider {}", job.provider)))?;
        match app
            .check_payment_status(scope, provider, &job.provider_order_number)
            .await
        {
            // Still undecided: ask again later (the runner's backoff spaces the attempts).
            Ok(PaymentStatus::Pending) => Err(JobFailure::temporary(format!(
                "the payment is still pending at {}",
                provider.as_str()
            ))),
            Ok(_) => Ok(()),
            Err(AppError::NotFound(what)) => {
                Err(JobFailure::permanent(format!("{what} not found")))
            }
            Err(e) => Err(JobFailure::temporary(e)),
        }
    }
}

impl App {
    /// Asks the provider for the status of a payment we still hold pending and settles it the
    /// way a callback would. Returns the payment's status afterwards. A payment that is no
    /// longer pending is left alone (a callback came first).
    pub async fn check_payment_status(
        &self,
        scope: ShopScope,
        provider: PayProvider,
        provider_order_number: &str,
    ) -> Result<PaymentStatus, AppError> {
        let attempt = {
            let mut conn = self.db.read().await?;
            payment_link::attempt_by_number(
                &mut conn,
                scope,
                provider.as_str(),
                provider_order_number,
            )
            .await?
            .ok_or(AppError::NotFound("payment"))?
        };
        let current = PaymentStatus::parse(&attempt.status).unwrap_or(PaymentStatus::Pending);
        if current != PaymentStatus::Pending {
            return Ok(current);
        }
        let target = match provider {
            PayProvider::VismaPay => self.vismapay_status(scope, provider_order_number).await?,
            PayProvider::Stripe => {
                self.stripe_status(scope, attempt.provider_reference.as_deref())
                    .await?
            }
        };
        let Some(target) = target else {
            return Ok(PaymentStatus::Pending);
        };
        let mut tx = self.db.begin().await?;
        let settled = self
            .settle(&mut tx, scope, provider, provider_order_number, target)
            .await?;
        tx.commit().await?;
        self.events_committed(scope);
        Ok(settled
            .and_then(|a| PaymentStatus::parse(&a.status))
            .unwrap_or(target))
    }

    /// What Visma Pay says of the payment; `None` while undecided.
    async fn vismapay_status(
        &self,
        scope: ShopScope,
        provider_order_number: &str,
    ) -> Result<Option<PaymentStatus>, AppError> {
        let credentials = self.require_vismapay(scope).await?;
        Ok(Some(
            match self
                .payments
                .vismapay
                .check_payment_status(&credentials, provider_order_number)
                .await
            {
                Ok(CheckedStatus::Paid) => PaymentStatus::Paid,
                Ok(CheckedStatus::Authorised) => PaymentStatus::Authorised,
                Ok(CheckedStatus::Failed) => PaymentStatus::Failed,
                Ok(CheckedStatus::Pending) => return Ok(None),
                // Visma Pay does not know the order number: the payment never started there.
                Err(ClientError::Refused { .. }) => PaymentStatus::Failed,
                Err(e) => return Err(AppError::ProviderUnavailable(e.to_string())),
            },
        ))
    }

    /// What Stripe says of the payment's Checkout Session; `None` while undecided.
    async fn stripe_status(
        &self,
        scope: ShopScope,
        session_id: Option<&str>,
    ) -> Result<Option<PaymentStatus>, AppError> {
        // No session id: creating the session failed or its answer was lost, so the customer
        // never had its URL and nothing can be paid in it.
        let Some(session_id) = session_id else {
            return Ok(Some(PaymentStatus::Failed));
        };
        let credentials = self.require_stripe(scope).await?;
        match self
            .payments
            .stripe
            .retrieve_session(&credentials, session_id)
            .await
        {
            Ok(session) => Ok(outcome_status(session.outcome())),
            Err(stripe_api::ClientError::Refused { status: 404, .. }) => {
                Ok(Some(PaymentStatus::Failed))
            }
            Err(e) => Err(AppError::ProviderUnavailable(e.to_string())),
        }
    }
}

/// The payment status a session's outcome settles; `None` while it is open.
pub(super) fn outcome_status(outcome: SessionOutcome) -> Option<PaymentStatus> {
    match outcome {
        SessionOutcome::Paid => Some(PaymentStatus::Paid),
        SessionOutcome::Failed => Some(PaymentStatus::Failed),
        SessionOutcome::Open => None,
    }
}
