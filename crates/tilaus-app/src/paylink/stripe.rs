//! Paying a link through Stripe Checkout: the session for an attempt, the customer's way back
//! (success or cancel URL) and the webhook.
//!
//! Nothing the browser brings back is trusted: the return pages ask Stripe for the session, and
//! the webhook is believed only with a valid `Stripe-Signature` from the shop's endpoint secret.
//! Idempotency rests on the payment's state, not on event ids: every path (webhook, return,
//! status check) moves an attempt's payment with a compare-and-set along the one-way status
//! machine, so a repeated or late event, or the same fact arriving by two paths, finds the move
//! made and changes nothing. Event-id bookkeeping would dedupe only the webhook path.

use super::check::outcome_status;
use super::public::Attempt;
use super::{CallbackRefused, PayPage, PayProvider, StartedPayment, resolve};
use crate::{App, AppError};
use jiff::Timestamp;
use tilaus_domain::payment::PaymentStatus;
use tilaus_integrations::stripe::{self as stripe_api, ClientError, Event, SessionRequest};
use tilaus_store::payment_link::{self, LinkRow};
use tilaus_store::{ShopScope, now_micros, order, payment};
use uuid::Uuid;

/// How long a Checkout Session can be paid (Stripe allows 30 minutes to 24 hours). Short, so
/// that an abandoned attempt is settled soon and cannot be paid after the order moved on.
const SESSION_LIFETIME_SECS: i64 = 60 * 60;

/// Where the customer comes back from Stripe's page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StripeReturn {
    /// `success_url`: they paid (or say so).
    Success,
    /// `cancel_url`: they gave up.
    Cancel,
}

impl App {
    pub(super) async fn start_stripe(
        &self,
        scope: ShopScope,
        link: &LinkRow,
        token: &str,
        row: &order::OrderRow,
        page: &PayPage,
        attempt: &Attempt,
    ) -> Result<StartedPayment, AppError> {
        let number = &attempt.number;
        let credentials = self.require_stripe(scope).await?;
        let base = &self.payments.public_url;
        let metadata = [
            ("shop_id", scope.shop_id().to_string()),
            ("order_id", row.order_id.to_string()),
            ("payment_id", attempt.payment_id.to_string()),
        ];
        let request = SessionRequest {
            reference: number,
            amount: attempt.amount,
            currency: &row.currency,
            description: &format!("{} – {}", page.shop_name, row.number),
            email: row.customer_email.as_deref(),
            success_url: &format!("{base}/pay/{token}/stripe/success"),
            cancel_url: &format!("{base}/pay/{token}/stripe/cancel"),
            locale: &row.language,
            metadata: &metadata,
            expires_at: Timestamp::now().as_second() + SESSION_LIFETIME_SECS,
        };
        match self
            .payments
            .stripe
            .create_session(&credentials, &request)
            .await
        {
            Ok(session) => {
                // Kept before the customer is sent on: returns, checks and refunds find the
                // session by it.
                let mut tx = self.db.begin().await?;
                payment::set_provider_reference(
                    &mut tx,
                    scope,
                    attempt.payment_id,
                    &session.id,
                    now_micros(),
                )
                .await?;
                tx.commit().await?;
                match session.url {
                    Some(url) => Ok(StartedPayment::Redirect(url)),
                    None => {
                        tracing::warn!(shop_id = %scope.shop_id(), order_number = %number, "a Stripe session came without a URL");
                        self.provider_down(scope, link).await
                    }
                }
            }
            Err(ClientError::Refused {
                status,
                kind,
                message,
                ..
            }) => {
                tracing::warn!(shop_id = %scope.shop_id(), order_number = %number, status, %kind, %message, "Stripe refused a Checkout Session");
                self.attempt_refused(scope, link, PayProvider::Stripe, number)
                    .await
            }
            Err(e) => {
                // The session may exist, but nobody has its URL: the status check closes the
                // attempt.
                tracing::warn!(shop_id = %scope.shop_id(), order_number = %number, error = %e, "Stripe is unavailable");
                self.provider_down(scope, link).await
            }
        }
    }

    /// The customer's browser back from Stripe at `/pay/{token}/stripe/success` or `…/cancel`.
    /// The query is ignored: Stripe is asked about the link's pending session (and a cancelled
    /// one is expired there, so that it can no longer be paid). When Stripe does not answer,
    /// the page says the payment is pending; the webhook or the status check settles it.
    pub async fn stripe_return(
        &self,
        token: &str,
        back: StripeReturn,
    ) -> Result<PayPage, AppError> {
        let (scope, link, pending, credentials) = {
            let mut conn = self.db.read().await?;
            let (scope, link) = resolve(&mut conn, token).await?;
            let pending = payment_link::attempts_for_link(&mut conn, scope, link.link_id)
                .await?
                .into_iter()
                .find(|a| {
                    a.provider == PayProvider::Stripe.as_str()
                        && a.status == PaymentStatus::Pending.as_str()
                });
            let credentials = self.stripe_credentials(&mut conn, scope).await?;
            (scope, link, pending, credentials)
        };
        if let (Some(attempt), Some(session_id), Some(credentials)) = (
            &pending,
            pending.as_ref().and_then(|a| a.provider_reference.clone()),
            &credentials,
        ) {
            let stripe = &self.payments.stripe;
            let session = match back {
                StripeReturn::Success => stripe.retrieve_session(credentials, &session_id).await,
                StripeReturn::Cancel => match stripe.expire_session(credentials, &session_id).await
                {
                    // Not open any more (paid meanwhile, or expired): see what it became.
                    Err(ClientError::Refused { .. }) => {
                        stripe.retrieve_session(credentials, &session_id).await
                    }
                    other => other,
                },
            };
            match session {
                Ok(session) => {
                    if let Some(target) = outcome_status(session.outcome()) {
                        let mut tx = self.db.begin().await?;
                        self.settle(
                            &mut tx,
                            scope,
                            PayProvider::Stripe,
                            &attempt.provider_order_number,
                            target,
                        )
                        .await?;
                        tx.commit().await?;
                        self.events_committed(scope);
                    }
                }
                Err(e) => {
                    tracing::warn!(shop_id = %scope.shop_id(), order_number = %attempt.provider_order_number, error = %e, "Stripe did not tell a returning customer's session");
                }
            }
        }
        let mut conn = self.db.read().await?;
        self.page(&mut conn, scope, &link, None).await
    }

    /// A webhook delivery to `/api/v1/providers/stripe/webhook?shop={shop_id}`: verified with
    /// the shop's signing secret before anything is read, then applied to its attempt.
    ///
    /// Events that are not about our sessions are acknowledged and ignored: webhooks are sent
    /// per Stripe account, and the merchant's other integrations (a web shop on the same
    /// account) make sessions too. Refusing those would make Stripe retry them for days and
    /// finally disable the endpoint.
    pub async fn stripe_webhook(
        &self,
        shop_id: Uuid,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<(), CallbackRefused> {
        let scope = ShopScope::authorised(shop_id);
        let credentials = {
            let mut conn = self.db.read().await?;
            self.stripe_credentials(&mut conn, scope).await?
        }
        .ok_or_else(|| CallbackRefused::Untrusted("the shop has no Stripe keys".into()))?;
        credentials
            .webhook()
            .verify(
                signature.unwrap_or_default(),
                body,
                Timestamp::now(),
                stripe_api::DEFAULT_TOLERANCE,
            )
            .map_err(|e| CallbackRefused::Untrusted(e.to_string()))?;
        let event = Event::parse(body)
            .map_err(|e| CallbackRefused::Untrusted(format!("not a Stripe event: {e}")))?;
        if let Some(refund) = event.refund() {
            let refund = refund.map_err(|e| {
                CallbackRefused::Untrusted(format!(
                    "event {} has no readable refund: {e}",
                    event.id
                ))
            })?;
            return self.stripe_refund_event(scope, &event.id, &refund).await;
        }
        let Some(checkout) = event.checkout() else {
            tracing::debug!(shop_id = %shop_id, event = %event.id, kind = %event.kind, "a Stripe event we do not act on");
            return Ok(());
        };
        let (session, outcome) = checkout.map_err(|e| {
            CallbackRefused::Untrusted(format!("event {} has no readable session: {e}", event.id))
        })?;
        let mut tx = self.db.begin().await?;
        let ours = match &session.client_reference_id {
            Some(number) => self
                .attempt(&mut tx, scope, PayProvider::Stripe, number)
                .await?
                .filter(|a| a.provider_reference.as_deref() == Some(session.id.as_str())),
            None => None,
        };
        let Some(attempt) = ours else {
            tracing::info!(shop_id = %shop_id, event = %event.id, session = %session.id, "a Stripe event about a session Tilaus did not make");
            return Ok(());
        };
        if let Some(target) = outcome_status(outcome) {
            self.settle(
                &mut tx,
                scope,
                PayProvider::Stripe,
                &attempt.provider_order_number,
                target,
            )
            .await?;
        }
        tx.commit().await?;
        self.events_committed(scope);
        Ok(())
    }
}

impl App {
    /// A refund's news from Stripe: succeeded applies a pending refund, failed or canceled
    /// rejects it (or takes a refunded one back off the payment). Refunds Tilaus did not make
    /// (in Stripe's dashboard) are only logged.
    async fn stripe_refund_event(
        &self,
        scope: ShopScope,
        event_id: &str,
        refund: &stripe_api::Refund,
    ) -> Result<(), CallbackRefused> {
        let reported = match refund.status.as_str() {
            "succeeded" => super::refund::Reported::Refunded,
            "failed" | "canceled" => super::refund::Reported::Failed,
            _ => return Ok(()),
        };
        let mut tx = self.db.begin().await?;
        let known = super::refund::refund_reported(
            &mut tx,
            scope,
            PayProvider::Stripe,
            &refund.id,
            reported,
        )
        .await?;
        if !known {
            tracing::info!(shop_id = %scope.shop_id(), event = %event_id, refund = %refund.id, "a Stripe refund Tilaus did not make");
            return Ok(());
        }
        tx.commit().await?;
        self.events_committed(scope);
        Ok(())
    }
}
