//! Payment links (ORD-6) paid through Visma Pay or Stripe: the shop's provider credentials,
//! sealed at rest; links staff make for an order; the public page's payment and Visma Pay's
//! callbacks ([`public`]); Stripe's Checkout, return and webhook ([`stripe`]); the status check
//! that settles what a lost callback left open ([`check`]); and refunds ([`refund`]).

mod capture;
mod check;
mod choices;
mod methods;
mod public;
mod refund;
mod stripe;

pub use capture::CapturePayments;
pub(crate) use capture::enqueue_capture;
pub use check::PaymentStatusCheck;
pub use choices::PayChoice;
pub use methods::PaymentMethodSettings;
pub(crate) use methods::accepted_methods;
pub use public::{AttemptNotice, CallbackRefused, LinkStatus, PayLine, PayPage, StartedPayment};
pub use refund::{NewRefund, RefundView};
pub use stripe::StripeReturn;

use crate::auth::sha256_hex;
use crate::document::order_state;
use crate::link::{LinkToken, expires_at, new_link};
use crate::{App, AppError, Principal};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Arc;
use tilaus_domain::order::ensure_payment_linkable;
use tilaus_domain::text;
use tilaus_integrations::sealing::SealingKey;
use tilaus_integrations::{stripe as stripe_api, vismapay};
use tilaus_store::payment_link::{self, LinkRow, ProviderRow};
use tilaus_store::{Queries, ShopScope, now_micros, order};
use utoipa::ToSchema;
use uuid::Uuid;

/// The jobs of payments: status checks and captures.
pub(crate) fn register(handlers: &mut crate::job::Handlers) {
    check::register(handlers);
    capture::register(handlers);
}

/// Where Stripe's hosted Checkout pages are (session URLs point there).
const STRIPE_CHECKOUT_ORIGIN: &str = "https://checkout.stripe.com";

/// A payment provider a link can be paid through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayProvider {
    VismaPay,
    Stripe,
}

impl PayProvider {
    /// Every provider, in the order the payment page offers them.
    pub const ALL: [PayProvider; 2] = [PayProvider::VismaPay, PayProvider::Stripe];

    /// The name on stored credentials, link attempts, status checks and in the API's paths.
    pub fn as_str(self) -> &'static str {
        match self {
            PayProvider::VismaPay => "vismapay",
            PayProvider::Stripe => "stripe",
        }
    }

    pub fn parse(name: &str) -> Option<PayProvider> {
        PayProvider::ALL.into_iter().find(|p| p.as_str() == name)
    }

    /// The provider's name on the payments it takes (as in order ingest).
    pub(crate) fn payments_name(self) -> &'static str {
        match self {
            PayProvider::VismaPay => "visma_pay",
            PayProvider::Stripe => "stripe",
        }
    }

    /// Who records what the provider reports, in the order's history.
    fn actor(self) -> tilaus_domain::access::Actor {
        tilaus_domain::access::Actor::system(match self {
            PayProvider::VismaPay => "Visma Pay",
            PayProvider::Stripe => "Stripe",
        })
    }

    /// The names of its two keys, as the API shows them.
    fn key_names(self) -> (&'static str, &'static str) {
        match self {
            PayProvider::VismaPay => ("api_key", "private_key"),
            PayProvider::Stripe => ("secret_key", "webhook_secret"),
        }
    }
}

/// How payments reach the outside world.
#[derive(Debug, Clone)]
pub struct PaymentConfig {
    /// `TILAUS_SECRET_KEY`: seals provider credentials. Without it none can be stored.
    pub secret_key: Option<SealingKey>,
    /// `TILAUS_VISMAPAY_URL`, by default the real API.
    pub vismapay_url: String,
    /// `TILAUS_STRIPE_URL`, by default the real API.
    pub stripe_url: String,
    /// `TILAUS_STRIPE_CHECKOUT_ORIGIN`: where Stripe's Checkout pages are, which the payment
    /// page's CSP must let the customer go to (a local fake serves its own).
    pub stripe_checkout_origin: String,
    /// `TILAUS_PUBLIC_URL`: where customers and providers reach this server (links, return and
    /// notify URLs), e.g. `https://tilaus.example.fi`.
    pub public_url: String,
}

impl Default for PaymentConfig {
    fn default() -> Self {
        PaymentConfig {
            secret_key: None,
            vismapay_url: vismapay::DEFAULT_BASE_URL.into(),
            stripe_url: stripe_api::DEFAULT_BASE_URL.into(),
            stripe_checkout_origin: STRIPE_CHECKOUT_ORIGIN.into(),
            public_url: "http://127.0.0.1:8080".into(),
        }
    }
}

impl PaymentConfig {
    /// Reads `TILAUS_SECRET_KEY`, `TILAUS_VISMAPAY_URL`, `TILAUS_STRIPE_URL`,
    /// `TILAUS_STRIPE_CHECKOUT_ORIGIN` and `TILAUS_PUBLIC_URL`. A secret key
    /// that is set but malformed is an error (never silently ignored); an unset one leaves the
    /// server unable to store credentials, which it says when asked to.
    pub fn from_env() -> Result<PaymentConfig, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let defaults = PaymentConfig::default();
        let secret_key = var("TILAUS_SECRET_KEY")
            .map(|key| SealingKey::from_base64(&key).map_err(|e| e.to_string()))
            .transpose()?;
        Ok(PaymentConfig {
            secret_key,
            vismapay_url: var("TILAUS_VISMAPAY_URL").unwrap_or(defaults.vismapay_url),
            stripe_url: var("TILAUS_STRIPE_URL").unwrap_or(defaults.stripe_url),
            stripe_checkout_origin: var("TILAUS_STRIPE_CHECKOUT_ORIGIN")
                .unwrap_or(defaults.stripe_checkout_origin),
            public_url: var("TILAUS_PUBLIC_URL").unwrap_or(defaults.public_url),
        })
    }
}

#[derive(Debug)]
pub(crate) struct Payments {
    sealing: Option<SealingKey>,
    vismapay: vismapay::Client,
    stripe: stripe_api::Client,
    stripe_checkout_origin: String,
    public_url: String,
    /// The merchants' Visma Pay methods, fetched for payment pages.
    method_cache: choices::MethodCache,
}

impl Payments {
    pub(crate) fn new(config: PaymentConfig) -> Result<Arc<Payments>, AppError> {
        let vismapay = vismapay::Client::new(&config.vismapay_url)
            .map_err(|e| AppError::invalid("/vismapay_url", format!("TILAUS_VISMAPAY_URL: {e}")))?;
        let stripe = stripe_api::Client::new(&config.stripe_url)
            .map_err(|e| AppError::invalid("/stripe_url", format!("TILAUS_STRIPE_URL: {e}")))?;
        Ok(Arc::new(Payments {
            sealing: config.secret_key,
            vismapay,
            stripe,
            stripe_checkout_origin: config
                .stripe_checkout_origin
                .trim_end_matches('/')
                .to_owned(),
            public_url: config.public_url.trim_end_matches('/').to_owned(),
            method_cache: choices::MethodCache::default(),
        }))
    }
}

impl App {
    /// Where payment pages send the customer's browser, space-separated (for the pages' CSP
    /// `form-action`).
    pub fn payment_page_origins(&self) -> String {
        format!(
            "{} {}",
            self.payments.vismapay.origin(),
            self.payments.stripe_checkout_origin
        )
    }

    /// `TILAUS_PUBLIC_URL`: where customers reach this server's link pages.
    pub fn public_url(&self) -> &str {
        &self.payments.public_url
    }

    /// Replaces the payment configuration (the binary's start-up and tests call this).
    pub fn with_payments(mut self, config: PaymentConfig) -> Result<App, AppError> {
        self.payments = Payments::new(config)?;
        Ok(self)
    }
}

/// A merchant's Visma Pay keys, from the merchant portal. `Debug` hides them.
#[derive(Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VismaPaySettings {
    pub api_key: String,
    pub private_key: String,
}

impl std::fmt::Debug for VismaPaySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VismaPaySettings(redacted)")
    }
}

/// A merchant's Stripe keys, from the Stripe dashboard: the secret key (`sk_…`, or a
/// restricted `rk_…` allowed Checkout Sessions and Refunds) and the signing secret (`whsec_…`)
/// of the webhook endpoint `/api/v1/providers/stripe/webhook?shop={shop_id}`. `Debug` hides
/// them.
#[derive(Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StripeSettings {
    pub secret_key: String,
    pub webhook_secret: String,
}

impl std::fmt::Debug for StripeSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StripeSettings(redacted)")
    }
}

/// A configured provider as the API shows it: never the keys, only their last characters.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaymentProviderView {
    /// vismapay or stripe
    pub provider: String,
    /// Visma Pay: the api key's last 4 characters, after `…`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    /// Visma Pay: the private key's last 4 characters, after `…`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_key: Option<String>,
    /// Stripe: the secret key's last 4 characters, after `…`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_key: Option<String>,
    /// Stripe: the webhook signing secret's last 4 characters, after `…`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_secret: Option<String>,
    pub updated_at: String,
}

impl From<&ProviderRow> for PaymentProviderView {
    fn from(row: &ProviderRow) -> Self {
        let first = Some(format!("…{}", row.api_key_last4));
        let second = Some(format!("…{}", row.private_key_last4));
        let stripe = PayProvider::parse(&row.provider) == Some(PayProvider::Stripe);
        PaymentProviderView {
            provider: row.provider.clone(),
            api_key: if stripe { None } else { first.clone() },
            private_key: if stripe { None } else { second.clone() },
            secret_key: if stripe { first } else { None },
            webhook_secret: if stripe { second } else { None },
            updated_at: crate::time::rfc3339(row.updated_at),
        }
    }
}

fn last4(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}

/// The provider's id of a payment taken through it (Visma Pay: our order number there; Stripe:
/// the Checkout Session).
pub(crate) fn provider_reference(
    payment: &tilaus_store::payment::PaymentRow,
) -> Result<&str, AppError> {
    payment.provider_reference.as_deref().ok_or_else(|| {
        AppError::Store(tilaus_store::StoreError::corrupt(
            "payments.provider_reference",
            "none on a provider's payment",
        ))
    })
}

fn missing_keys(provider: &str) -> AppError {
    AppError::Conflict(format!(
        "the shop's {provider} keys are missing or do not open"
    ))
}

fn sealing_context(scope: ShopScope, provider: &str, field: &str) -> String {
    format!("{}/{provider}/{field}", scope.shop_id())
}

/// A staff request for a payment link.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPaymentLink {
    /// Days until the link expires: 1 to 90, default 14.
    pub expires_in_days: Option<i64>,
}

/// A payment link as made: the URL is shown this once (only its hash is kept).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaymentLinkView {
    pub id: Uuid,
    pub url: String,
    pub expires_at: String,
    /// What the link asks the customer to pay now (minor units).
    pub amount: i64,
    pub currency: String,
}

/// The link a token names, with the scope the token proves.
pub(crate) async fn resolve(
    q: &mut impl Queries,
    token: &str,
) -> Result<(ShopScope, LinkRow), AppError> {
    let parsed = LinkToken::parse(token).ok_or(AppError::NotFound("payment link"))?;
    let scope = ShopScope::authorised(parsed.shop_id);
    let link = payment_link::link_by_token(q, scope, parsed.link_id, &sha256_hex(token.as_bytes()))
        .await?
        .ok_or(AppError::NotFound("payment link"))?;
    Ok((scope, link))
}

impl App {
    /// Stores the shop's Visma Pay keys, sealed with `TILAUS_SECRET_KEY` (owner or manager).
    pub async fn put_vismapay(
        &self,
        principal: &Principal,
        input: &VismaPaySettings,
    ) -> Result<PaymentProviderView, AppError> {
        let mut errors = tilaus_domain::validation::ValidationErrors::default();
        let api_key = errors.check("/api_key", text::required(&input.api_key, 200));
        let private_key = errors.check("/private_key", text::required(&input.private_key, 200));
        errors.into_result()?;
        let (Some(api_key), Some(private_key)) = (api_key, private_key) else {
            return Err(AppError::invalid("/", "invalid settings"));
        };
        self.put_keys(principal, PayProvider::VismaPay, &api_key, &private_key)
            .await
    }

    /// Stores the shop's Stripe keys, sealed with `TILAUS_SECRET_KEY` (owner or manager). The
    /// prefixes are checked so that swapped or test-mode-publishable keys are caught now, not
    /// at the first payment.
    pub async fn put_stripe(
        &self,
        principal: &Principal,
        input: &StripeSettings,
    ) -> Result<PaymentProviderView, AppError> {
        let mut errors = tilaus_domain::validation::ValidationErrors::default();
        let prefixed = |value: &str, prefixes: &[&str]| {
            text::required(value, 300).and_then(|v| {
                if prefixes.iter().any(|p| v.starts_with(p)) {
                    Ok(v)
                } else {
                    Err(format!("must start with {}", prefixes.join(" or ")))
                }
            })
        };
        let secret_key = errors.check("/secret_key", prefixed(&input.secret_key, &["sk_", "rk_"]));
        let webhook_secret = errors.check(
            "/webhook_secret",
            prefixed(&input.webhook_secret, &["whsec_"]),
        );
        errors.into_result()?;
        let (Some(secret_key), Some(webhook_secret)) = (secret_key, webhook_secret) else {
            return Err(AppError::invalid("/", "invalid settings"));
        };
        self.put_keys(principal, PayProvider::Stripe, &secret_key, &webhook_secret)
            .await
    }

    async fn put_keys(
        &self,
        principal: &Principal,
        provider: PayProvider,
        first: &str,
        second: &str,
    ) -> Result<PaymentProviderView, AppError> {
        let scope = principal.admin_scope()?;
        let Some(sealing) = &self.payments.sealing else {
            return Err(AppError::Conflict(
                "provider credentials are stored encrypted, and this server has no key: set \
                 TILAUS_SECRET_KEY (32 bytes in base64, e.g. `openssl rand -base64 32`)"
                    .into(),
            ));
        };
        let name = provider.as_str();
        let (first_name, second_name) = provider.key_names();
        let row = ProviderRow {
            provider: name.into(),
            api_key_sealed: sealing.seal(first, &sealing_context(scope, name, first_name)),
            private_key_sealed: sealing.seal(second, &sealing_context(scope, name, second_name)),
            api_key_last4: last4(first),
            private_key_last4: last4(second),
            updated_at: now_micros(),
        };
        let mut tx = self.db.begin().await?;
        payment_link::put_provider(&mut tx, scope, &row).await?;
        self.payments.method_cache.forget(scope.shop_id());
        crate::audit::record(
            &mut tx,
            scope,
            principal,
            "payment_provider.updated",
            name,
            json!({"provider": name}),
        )
        .await?;
        tx.commit().await?;
        Ok(PaymentProviderView::from(&row))
    }

    /// The shop's configured payment providers, keys shown by their last characters only.
    pub async fn payment_providers(
        &self,
        principal: &Principal,
    ) -> Result<Vec<PaymentProviderView>, AppError> {
        let mut conn = self.db.read().await?;
        let rows = payment_link::providers(&mut conn, principal.read_scope()).await?;
        Ok(rows.iter().map(PaymentProviderView::from).collect())
    }

    /// The shop's two keys for `provider`, opened; `None` when the shop has none (or they no
    /// longer open: the key changed).
    async fn open_keys(
        &self,
        q: &mut impl Queries,
        scope: ShopScope,
        provider: PayProvider,
    ) -> Result<Option<(String, String)>, AppError> {
        let name = provider.as_str();
        let (Some(sealing), Some(row)) = (
            &self.payments.sealing,
            payment_link::provider(q, scope, name).await?,
        ) else {
            return Ok(None);
        };
        let (first_name, second_name) = provider.key_names();
        let opened = sealing
            .open(
                &row.api_key_sealed,
                &sealing_context(scope, name, first_name),
            )
            .and_then(|first| {
                sealing
                    .open(
                        &row.private_key_sealed,
                        &sealing_context(scope, name, second_name),
                    )
                    .map(|second| (first, second))
            });
        match opened {
            Ok(keys) => Ok(Some(keys)),
            Err(e) => {
                tracing::error!(shop_id = %scope.shop_id(), provider = name, error = %e, "the shop's provider keys do not open");
                Ok(None)
            }
        }
    }

    pub(crate) async fn vismapay_credentials(
        &self,
        q: &mut impl Queries,
        scope: ShopScope,
    ) -> Result<Option<vismapay::Credentials>, AppError> {
        Ok(self
            .open_keys(q, scope, PayProvider::VismaPay)
            .await?
            .map(|(api_key, private_key)| vismapay::Credentials::new(api_key, private_key)))
    }

    pub(crate) async fn stripe_credentials(
        &self,
        q: &mut impl Queries,
        scope: ShopScope,
    ) -> Result<Option<stripe_api::Credentials>, AppError> {
        Ok(self.open_keys(q, scope, PayProvider::Stripe).await?.map(
            |(secret_key, webhook_secret)| stripe_api::Credentials::new(secret_key, webhook_secret),
        ))
    }

    /// The shop's Visma Pay keys, read now; a 409 when it has none that open.
    pub(crate) async fn require_vismapay(
        &self,
        scope: ShopScope,
    ) -> Result<vismapay::Credentials, AppError> {
        let mut conn = self.db.read().await?;
        self.vismapay_credentials(&mut conn, scope)
            .await?
            .ok_or_else(|| missing_keys("Visma Pay"))
    }

    /// The shop's Stripe keys, read now; a 409 when it has none that open.
    pub(crate) async fn require_stripe(
        &self,
        scope: ShopScope,
    ) -> Result<stripe_api::Credentials, AppError> {
        let mut conn = self.db.read().await?;
        self.stripe_credentials(&mut conn, scope)
            .await?
            .ok_or_else(|| missing_keys("Stripe"))
    }

    /// The providers the shop accepts and has keys for that this server can open, in page
    /// order.
    pub(crate) async fn usable_providers(
        &self,
        q: &mut impl Queries,
        scope: ShopScope,
    ) -> Result<Vec<PayProvider>, AppError> {
        let accepted = accepted_methods(q, scope).await?;
        let mut usable = Vec::new();
        for provider in PayProvider::ALL {
            if accepted.accepts(provider.accepted_method())
                && self.open_keys(q, scope, provider).await?.is_some()
            {
                usable.push(provider);
            }
        }
        Ok(usable)
    }

    /// Makes a payment link for an open or confirmed order that still has something to pay.
    pub async fn create_payment_link(
        &self,
        principal: &Principal,
        order_id: Uuid,
        input: &NewPaymentLink,
    ) -> Result<PaymentLinkView, AppError> {
        let scope = principal.write_scope()?;
        let now = now_micros();
        let expires_at = expires_at(now, input.expires_in_days)?;
        let mut tx = self.db.begin().await?;
        let row = order::get(&mut tx, scope, order_id)
            .await?
            .ok_or(AppError::NotFound("order"))?;
        let lines = order::lines(&mut tx, scope, order_id).await?;
        let (process, _) = crate::order::process_of(&row, &lines);
        ensure_payment_linkable(process, order_state(&row)?)?;
        let due = crate::payment::balance_due(&mut tx, scope, &row).await?;
        if due <= 0 {
            return Err(AppError::Conflict(
                "the order has nothing left to pay".into(),
            ));
        }
        if self.usable_providers(&mut tx, scope).await?.is_empty() {
            return Err(AppError::Conflict(
                "the shop has no payment provider to pay through: set up Visma Pay or Stripe \
                 (PUT /api/v1/payment-providers/vismapay or …/stripe) and accept it \
                 (PUT /api/v1/payment-methods)"
                    .into(),
            ));
        }
        let (token, link) = new_link(scope, principal, &row, &lines, expires_at, now);
        payment_link::insert_link(&mut tx, scope, &link).await?;
        tx.commit().await?;
        Ok(PaymentLinkView {
            id: link.link_id,
            url: format!("{}/pay/{token}", self.payments.public_url),
            expires_at: crate::time::rfc3339(link.expires_at),
            amount: due,
            currency: row.currency,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_last_four_characters_are_kept() {
        assert_eq!(last4("ABCDEFGH"), "EFGH");
        assert_eq!(last4("äö"), "äö");
        assert_eq!(last4("1234€"), "234€");
    }
}
