//! What the customer and Visma Pay do with a link: the public page, starting a payment, and the
//! return and notify callbacks, which are verified by their authcode before anything changes.

use super::{PayProvider, PaymentStatusCheck, resolve};
use crate::document::order_state;
use crate::job::{EnqueueOptions, enqueue};
use crate::link::fingerprint;
use crate::payment::balance_due;
use crate::{App, AppError};
use std::time::Duration;
use tilaus_domain::document::DocumentKind;
use tilaus_domain::order::OrderState;
use tilaus_domain::payment::{PaymentMethod, PaymentStatus};
use tilaus_integrations::vismapay::{self, ClientError, PaymentResult};
use tilaus_store::payment::{self, PaymentRow};
use tilaus_store::payment_link::{self, AttemptRow, LinkRow};
use tilaus_store::{Queries, ShopScope, Tx, document, now_micros, order, shop};
use uuid::Uuid;

/// When the first status check of a started payment runs, if no callback came first.
const FIRST_CHECK: Duration = Duration::from_secs(15 * 60);

/// Where a link stands, as its page tells the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkStatus {
    /// The customer can pay.
    Payable,
    /// A payment through the link is paid (or authorised): thank you.
    Paid,
    /// The order is paid some other way: nothing to pay.
    NothingToPay,
    /// The order's content changed since the link was made.
    Changed,
    Expired,
    /// The order was cancelled, or moved on in a way that takes no link payment.
    Closed,
    /// The shop has no working payment provider.
    Unavailable,
}

/// What happened to the customer's last attempt, when it tells them something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptNotice {
    /// The payment failed or was cancelled: they may try again.
    Failed,
    /// The provider did not answer: try again later.
    ProviderDown,
    /// Still waiting for the provider's word.
    Pending,
    /// Pay was pressed too often lately: wait before trying again.
    TooManyAttempts,
}

/// Presses of Pay one link may start per hour. Each starts a payment at the provider, so a
/// script (or a stuck button) pressing on would fill the provider's and our books with pending
/// payments; a customer whose card is declined a few times stays well under it.
const ATTEMPTS_PER_HOUR: usize = 10;

const HOUR_MICROS: i64 = 3_600_000_000;

#[derive(Debug, Clone)]
pub struct PayLine {
    pub name: String,
    pub quantity: i64,
    pub total: i64,
}

/// The public payment page's content.
#[derive(Debug, Clone)]
pub struct PayPage {
    pub shop_id: Uuid,
    pub shop_name: String,
    pub look: crate::brand::ShopLook,
    pub order_number: i64,
    /// fi, sv or en: the order's language.
    pub language: String,
    pub currency: String,
    pub lines: Vec<PayLine>,
    pub vat: i64,
    pub total: i64,
    /// What paying now would take.
    pub due: i64,
    pub status: LinkStatus,
    /// The providers the customer may choose from, in page order (none: `Unavailable`).
    pub providers: Vec<PayProvider>,
    /// Visma Pay's methods to choose from on this page, once
    /// [`App::offer_vismapay_methods`] filled them; empty: Visma Pay's page offers them.
    pub vismapay_methods: Vec<super::PayChoice>,
    pub notice: Option<AttemptNotice>,
    /// The receipt issued for the payment, when there is one: its number and total.
    pub receipt: Option<(String, i64)>,
}

/// A payment attempt just written, before the provider is asked.
pub(super) struct Attempt {
    pub(super) payment_id: Uuid,
    /// Our number for it at the provider.
    pub(super) number: String,
    pub(super) amount: i64,
}

/// What `POST /pay/{token}` leads to.
#[derive(Debug, Clone)]
pub enum StartedPayment {
    /// Send the customer to the provider's page.
    Redirect(String),
    /// Nothing was started; the page says why.
    Refused(Box<PayPage>),
}

/// A callback that is not trusted: nothing changed. Its reason is for the log, not the caller.
#[derive(Debug, thiserror::Error)]
pub enum CallbackRefused {
    #[error("{0}")]
    Untrusted(String),
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<tilaus_store::StoreError> for CallbackRefused {
    fn from(e: tilaus_store::StoreError) -> Self {
        CallbackRefused::App(e.into())
    }
}

impl App {
    pub(super) async fn page(
        &self,
        q: &mut impl Queries,
        scope: ShopScope,
        link: &LinkRow,
        notice: Option<AttemptNotice>,
    ) -> Result<PayPage, AppError> {
        let row = order::get(q, scope, link.order_id)
            .await?
            .ok_or(AppError::NotFound("payment link"))?;
        let lines = order::lines(q, scope, link.order_id).await?;
        let shop = shop::get_shop(q, scope)
            .await?
            .ok_or(AppError::NotFound("payment link"))?;
        let attempts = payment_link::attempts_for_link(q, scope, link.link_id).await?;
        let paid_here = attempts.iter().any(|a| {
            PaymentStatus::parse(&a.status)
                .is_some_and(|s| s.money_received() || s == PaymentStatus::Authorised)
        });
        let due = balance_due(q, scope, &row).await?;
        let state = order_state(&row)?;
        let providers = self.usable_providers(q, scope).await?;
        let status = if paid_here {
            LinkStatus::Paid
        } else if due <= 0 {
            LinkStatus::NothingToPay
        } else if !matches!(state, OrderState::Open | OrderState::Confirmed) {
            LinkStatus::Closed
        } else if fingerprint(&row, &lines) != link.fingerprint {
            LinkStatus::Changed
        } else if now_micros() >= link.expires_at {
            LinkStatus::Expired
        } else if providers.is_empty() {
            LinkStatus::Unavailable
        } else {
            LinkStatus::Payable
        };
        let notice = notice.or_else(|| {
            match attempts
                .first()
                .and_then(|a| PaymentStatus::parse(&a.status))
            {
                Some(PaymentStatus::Failed | PaymentStatus::Cancelled) => {
                    Some(AttemptNotice::Failed)
                }
                Some(PaymentStatus::Pending) => Some(AttemptNotice::Pending),
                _ => None,
            }
        });
        let receipt = document::for_order(q, scope, link.order_id)
            .await?
            .into_iter()
            .find(|d| d.kind == DocumentKind::Receipt.as_str())
            .map(|d| (d.display_number, d.total));
        Ok(PayPage {
            shop_id: scope.shop_id(),
            shop_name: shop.name,
            look: crate::brand::look_of(q, scope).await?,
            order_number: row.number,
            language: row.language.clone(),
            currency: row.currency.clone(),
            lines: lines
                .iter()
                .map(|l| PayLine {
                    name: l.name.clone(),
                    quantity: l.quantity,
                    total: l.total,
                })
                .collect(),
            vat: row.vat,
            total: row.gross,
            due,
            status,
            providers,
            vismapay_methods: Vec::new(),
            notice: if status == LinkStatus::Paid {
                None
            } else {
                notice
            },
            receipt,
        })
    }

    /// The public page of a link (no session: the token is the authority).
    pub async fn payment_page(&self, token: &str) -> Result<PayPage, AppError> {
        let mut conn = self.db.read().await?;
        let (scope, link) = resolve(&mut conn, token).await?;
        self.page(&mut conn, scope, &link, None).await
    }

    /// The customer pressed Pay (choosing `provider`, or the first the shop has, and perhaps a
    /// Visma Pay `method` the page offered): records a pending payment, asks the provider for
    /// its payment page and returns where to send the customer. Money is taken only on the
    /// provider's page.
    pub async fn start_link_payment(
        &self,
        token: &str,
        provider: Option<PayProvider>,
        method: Option<&str>,
    ) -> Result<StartedPayment, AppError> {
        // Asked before the transaction: it may call Visma Pay. A method the page does not offer
        // (any more) is dropped, and Visma Pay's page offers them all.
        let method = match method {
            Some(method) => self.offered_method(token, method).await,
            None => None,
        };
        let mut tx = self.db.begin().await?;
        let (scope, link) = resolve(&mut tx, token).await?;
        let page = self.page(&mut tx, scope, &link, None).await?;
        if page.status != LinkStatus::Payable {
            return Ok(StartedPayment::Refused(Box::new(page)));
        }
        let hour_ago = now_micros() - HOUR_MICROS;
        let recent = payment_link::attempts_for_link(&mut tx, scope, link.link_id)
            .await?
            .iter()
            .filter(|a| a.created_at > hour_ago)
            .count();
        if recent >= ATTEMPTS_PER_HOUR {
            tracing::warn!(link_id = %link.link_id, recent, "payment attempts refused: too many this hour");
            let page = self
                .page(&mut tx, scope, &link, Some(AttemptNotice::TooManyAttempts))
                .await?;
            return Ok(StartedPayment::Refused(Box::new(page)));
        }
        let Some(provider) = provider
            .filter(|p| page.providers.contains(p))
            .or(page.providers.first().copied())
        else {
            return Ok(StartedPayment::Refused(Box::new(page)));
        };
        let row = order::get(&mut tx, scope, link.order_id)
            .await?
            .ok_or(AppError::NotFound("payment link"))?;
        let attempt = self
            .begin_attempt(&mut tx, scope, &link, &row, page.due, provider)
            .await?;
        // Committed before calling out: the callbacks may arrive before this request ends.
        tx.commit().await?;
        self.jobs_committed();
        match provider {
            PayProvider::VismaPay => {
                self.start_vismapay(scope, &link, token, &row, &attempt, method.as_deref())
                    .await
            }
            PayProvider::Stripe => {
                self.start_stripe(scope, &link, token, &row, &page, &attempt)
                    .await
            }
        }
    }

    /// Writes the pending payment of an attempt, the attempt, and its status check.
    async fn begin_attempt(
        &self,
        tx: &mut Tx,
        scope: ShopScope,
        link: &LinkRow,
        row: &order::OrderRow,
        due: i64,
        provider: PayProvider,
    ) -> Result<Attempt, AppError> {
        let now = now_micros();
        let payment_id = Uuid::now_v7();
        // Unique per attempt (Visma Pay refuses a reused one), and readable in its portal.
        let simple = payment_id.simple().to_string();
        let number = format!("{}-{}", row.number, &simple[simple.len() - 12..]);
        let actor = provider.actor();
        let pending = PaymentRow {
            payment_id,
            order_id: row.order_id,
            document_id: None,
            method: PaymentMethod::Other.as_str().into(),
            provider: Some(provider.payments_name().into()),
            // Stripe names the payment by its session id, known once the session exists.
            provider_reference: (provider == PayProvider::VismaPay).then(|| number.clone()),
            reference: None,
            status: PaymentStatus::Pending.as_str().into(),
            amount: due,
            refunded: 0,
            currency: row.currency.clone(),
            actor_kind: actor.kind.as_str().into(),
            actor_id: None,
            actor_label: actor.label,
            created_at: now,
            updated_at: now,
        };
        payment::insert(tx, scope, std::slice::from_ref(&pending)).await?;
        payment_link::insert_attempt(
            tx,
            scope,
            payment_id,
            link.link_id,
            provider.as_str(),
            &number,
            now,
        )
        .await?;
        // A customer who closes the tab still gets settled.
        enqueue(
            tx,
            Some(scope),
            &PaymentStatusCheck {
                provider: provider.as_str().into(),
                provider_order_number: number.clone(),
            },
            EnqueueOptions {
                dedupe_key: Some(number.clone()),
                delay: FIRST_CHECK,
            },
        )
        .await?;
        Ok(Attempt {
            payment_id,
            number,
            amount: due,
        })
    }

    async fn start_vismapay(
        &self,
        scope: ShopScope,
        link: &LinkRow,
        token: &str,
        row: &order::OrderRow,
        attempt: &Attempt,
        selected: Option<&str>,
    ) -> Result<StartedPayment, AppError> {
        let number = &attempt.number;
        let credentials = self.require_vismapay(scope).await?;
        let base = &self.payments.public_url;
        let request = vismapay::PaymentRequest {
            order_number: number,
            amount: attempt.amount,
            currency: &row.currency,
            email: row.customer_email.as_deref(),
            return_url: &format!("{base}/pay/{token}/return"),
            notify_url: &format!(
                "{base}/api/v1/providers/vismapay/notify?shop={}",
                scope.shop_id()
            ),
            lang: &row.language,
            selected,
        };
        match self
            .payments
            .vismapay
            .auth_payment(&credentials, &request)
            .await
        {
            Ok(pay_token) => Ok(StartedPayment::Redirect(
                self.payments.vismapay.pay_page_url(&pay_token),
            )),
            Err(ClientError::Refused { result, errors }) => {
                // No transaction exists at the provider: this attempt is over.
                tracing::warn!(shop_id = %scope.shop_id(), order_number = %number, result, %errors, "Visma Pay refused a payment");
                self.attempt_refused(scope, link, PayProvider::VismaPay, number)
                    .await
            }
            Err(e) => {
                // It may or may not have reached Visma Pay: the payment stays pending for the
                // status check to decide; no money was recorded.
                tracing::warn!(shop_id = %scope.shop_id(), order_number = %number, error = %e, "Visma Pay is unavailable");
                self.provider_down(scope, link).await
            }
        }
    }

    /// The provider refused to start the payment: the attempt failed, the page says so.
    pub(super) async fn attempt_refused(
        &self,
        scope: ShopScope,
        link: &LinkRow,
        provider: PayProvider,
        number: &str,
    ) -> Result<StartedPayment, AppError> {
        let mut tx = self.db.begin().await?;
        self.settle(&mut tx, scope, provider, number, PaymentStatus::Failed)
            .await?;
        let page = self
            .page(&mut tx, scope, link, Some(AttemptNotice::Failed))
            .await?;
        tx.commit().await?;
        self.events_committed(scope);
        Ok(StartedPayment::Refused(Box::new(page)))
    }

    /// The provider did not answer: the payment stays pending (the status check decides).
    pub(super) async fn provider_down(
        &self,
        scope: ShopScope,
        link: &LinkRow,
    ) -> Result<StartedPayment, AppError> {
        let mut conn = self.db.read().await?;
        let page = self
            .page(&mut conn, scope, link, Some(AttemptNotice::ProviderDown))
            .await?;
        Ok(StartedPayment::Refused(Box::new(page)))
    }

    /// The customer's browser back from Visma Pay at `/pay/{token}/return`.
    pub async fn vismapay_return(
        &self,
        token: &str,
        query: &[(String, String)],
    ) -> Result<PayPage, CallbackRefused> {
        let mut tx = self.db.begin().await?;
        let (scope, link) = resolve(&mut tx, token).await?;
        let attempt = self.verified_attempt(&mut tx, scope, query).await?;
        if attempt.link_id != link.link_id {
            return Err(CallbackRefused::Untrusted(
                "the order number belongs to another link".into(),
            ));
        }
        let page = self.page(&mut tx, scope, &link, None).await?;
        tx.commit().await?;
        self.events_committed(scope);
        Ok(page)
    }

    /// Visma Pay's server-to-server notify for a shop's payment.
    pub async fn vismapay_notify(
        &self,
        shop_id: Uuid,
        query: &[(String, String)],
    ) -> Result<(), CallbackRefused> {
        // Only a callback signed with this shop's private key gets past `verified_attempt`.
        let scope = ShopScope::authorised(shop_id);
        let mut tx = self.db.begin().await?;
        self.verified_attempt(&mut tx, scope, query).await?;
        tx.commit().await?;
        self.events_committed(scope);
        Ok(())
    }

    /// Verifies a callback with the shop's key and applies what it says to its attempt.
    async fn verified_attempt(
        &self,
        tx: &mut Tx,
        scope: ShopScope,
        query: &[(String, String)],
    ) -> Result<AttemptRow, CallbackRefused> {
        let credentials = self
            .vismapay_credentials(tx, scope)
            .await?
            .ok_or_else(|| CallbackRefused::Untrusted("the shop has no Visma Pay keys".into()))?;
        let callback = credentials
            .verify_payment_callback(query.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .map_err(|e| CallbackRefused::Untrusted(e.to_string()))?;
        let target = match callback.result {
            PaymentResult::Succeeded {
                settled: Some(true),
            } => Some(PaymentStatus::Paid),
            PaymentResult::Succeeded {
                settled: Some(false),
            } => Some(PaymentStatus::Authorised),
            PaymentResult::Failed | PaymentResult::Maintenance => Some(PaymentStatus::Failed),
            // Undecided: the status check settles it.
            PaymentResult::Succeeded { settled: None }
            | PaymentResult::NeedsReview
            | PaymentResult::Unknown(_) => None,
        };
        if callback.result == PaymentResult::Failed {
            tracing::info!(shop_id = %scope.shop_id(), order_number = %callback.order_number, incident = ?callback.incident_id, "a Visma Pay payment failed");
        }
        let provider = PayProvider::VismaPay;
        let attempt = match target {
            Some(target) => {
                self.settle(tx, scope, provider, &callback.order_number, target)
                    .await?
            }
            None => {
                self.attempt(tx, scope, provider, &callback.order_number)
                    .await?
            }
        };
        attempt.ok_or_else(|| {
            CallbackRefused::Untrusted(format!(
                "no payment has the order number {}",
                callback.order_number
            ))
        })
    }

    pub(super) async fn attempt(
        &self,
        q: &mut impl Queries,
        scope: ShopScope,
        provider: PayProvider,
        number: &str,
    ) -> Result<Option<AttemptRow>, AppError> {
        Ok(payment_link::attempt_by_number(q, scope, provider.as_str(), number).await?)
    }

    /// Moves the attempt's payment to `target` once: a repeat, a late failure after success, or
    /// a race lost to the other callback changes nothing. What follows is
    /// [`App::status_changed`]'s.
    pub(crate) async fn settle(
        &self,
        tx: &mut Tx,
        scope: ShopScope,
        provider: PayProvider,
        number: &str,
        target: PaymentStatus,
    ) -> Result<Option<AttemptRow>, AppError> {
        let Some(attempt) = self.attempt(tx, scope, provider, number).await? else {
            return Ok(None);
        };
        let current = PaymentStatus::parse(&attempt.status).ok_or_else(|| {
            AppError::Store(tilaus_store::StoreError::corrupt(
                "payments.status",
                &attempt.status,
            ))
        })?;
        if current == target || current.transition(target).is_err() {
            return Ok(Some(attempt));
        }
        let now = now_micros();
        if !payment::set_status(
            tx,
            scope,
            attempt.payment_id,
            current.as_str(),
            target.as_str(),
            now,
        )
        .await?
        {
            return Ok(Some(attempt));
        }
        let link = payment_link::link(tx, scope, attempt.link_id)
            .await?
            .ok_or_else(|| {
                AppError::Store(tilaus_store::StoreError::corrupt(
                    "payment_link_attempts.link_id",
                    attempt.link_id,
                ))
            })?;
        let row = order::get(tx, scope, link.order_id).await?.ok_or_else(|| {
            AppError::Store(tilaus_store::StoreError::corrupt(
                "payment_links.order_id",
                link.order_id,
            ))
        })?;
        let payment = payment::for_order(tx, scope, row.order_id)
            .await?
            .into_iter()
            .find(|p| p.payment_id == attempt.payment_id)
            .ok_or_else(|| {
                AppError::Store(tilaus_store::StoreError::corrupt(
                    "payment_link_attempts.payment_id",
                    attempt.payment_id,
                ))
            })?;
        self.status_changed(tx, scope, &provider.actor(), row, &payment)
            .await?;
        self.attempt(tx, scope, provider, number).await
    }
}
