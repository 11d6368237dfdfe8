//! The Stripe API over HTTPS: Checkout Sessions (create, retrieve, expire) and refunds.
//!
//! Requests are form-encoded with bracketed keys (`line_items[0][price_data][currency]`), carry
//! the secret key as a Bearer token, and every POST carries an `Idempotency-Key`, so a retry
//! after a lost answer never makes a second session or refund. Amounts are integer minor units
//! and currencies lower-case ISO codes (Stripe API reference: Checkout Sessions, Refunds,
//! Idempotent requests, Errors).

use std::fmt;

use bytes::Bytes;
use serde::Deserialize;

use super::WebhookSecret;
use super::webhook::SessionOutcome;
use crate::http::{HttpClient, HttpError};

/// The real API; tests point the client at a local fake.
pub const DEFAULT_BASE_URL: &str = "https://api.stripe.com";

/// A shop's Stripe keys: the secret key (`sk_…` or a restricted `rk_…`) for API calls and the
/// webhook endpoint's signing secret (`whsec_…`). `Debug` hides both.
#[derive(Clone)]
pub struct Credentials {
    secret_key: String,
    webhook: WebhookSecret,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Credentials(redacted)")
    }
}

impl Credentials {
    pub fn new(secret_key: impl Into<String>, webhook_secret: impl Into<String>) -> Self {
        Credentials {
            secret_key: secret_key.into(),
            webhook: WebhookSecret::new(webhook_secret),
        }
    }

    /// Verifies webhook deliveries to this shop's endpoint.
    pub fn webhook(&self) -> &WebhookSecret {
        &self.webhook
    }
}

/// A Checkout Session to create for one payment: one line of the amount due.
#[derive(Debug, Clone)]
pub struct SessionRequest<'a> {
    /// Our number of the payment attempt: `client_reference_id` and the idempotency key.
    pub reference: &'a str,
    /// Minor units.
    pub amount: i64,
    /// ISO code, any case.
    pub currency: &'a str,
    /// The line's name on Stripe's page, e.g. "Order 1042".
    pub description: &'a str,
    pub email: Option<&'a str>,
    pub success_url: &'a str,
    pub cancel_url: &'a str,
    /// fi, sv or en (Stripe's page has all three).
    pub locale: &'a str,
    /// Kept on the session and its PaymentIntent, for the merchant's own reconciliation.
    pub metadata: &'a [(&'a str, String)],
    /// Unix seconds after which the session can no longer be paid (30 min to 24 h ahead).
    pub expires_at: i64,
}

/// A Checkout Session as Stripe reports it (the fields we act on).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct CheckoutSession {
    pub id: String,
    /// Where the customer pays; only while the session is open.
    #[serde(default)]
    pub url: Option<String>,
    /// open, complete or expired.
    pub status: Option<String>,
    /// paid, unpaid or no_payment_required.
    pub payment_status: Option<String>,
    /// The PaymentIntent's id (refunds name it), once there is one.
    #[serde(default)]
    pub payment_intent: Option<String>,
    #[serde(default)]
    pub client_reference_id: Option<String>,
    #[serde(default)]
    pub amount_total: Option<i64>,
}

impl CheckoutSession {
    /// What the session's own state says about the payment.
    pub fn outcome(&self) -> SessionOutcome {
        match (self.status.as_deref(), self.payment_status.as_deref()) {
            (Some("complete"), Some("paid")) => SessionOutcome::Paid,
            (Some("expired"), _) => SessionOutcome::Failed,
            // Open, or complete with a delayed method still on its way (its own event follows).
            _ => SessionOutcome::Open,
        }
    }
}

/// A refund to create: the whole payment, or part of it.
#[derive(Debug, Clone)]
pub struct RefundRequest<'a> {
    pub payment_intent: &'a str,
    /// Minor units; `None` refunds what is left of the payment.
    pub amount: Option<i64>,
    /// The same key for a retry of the same refund, another for another refund.
    pub idempotency_key: &'a str,
}

/// A refund as Stripe reports it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Refund {
    pub id: String,
    pub amount: i64,
    /// pending, requires_action, succeeded, failed or canceled.
    pub status: String,
}

impl Refund {
    /// Whether Stripe took the refund on: succeeded, or on its way (pending, or waiting for
    /// the customer's action). Only failed and canceled refunds move no money.
    pub fn accepted(&self) -> bool {
        !matches!(self.status.as_str(), "failed" | "canceled")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No answer, a timeout, a 5xx, a rate limit or an unreadable body: try again later.
    #[error("Stripe did not answer: {0}")]
    Unavailable(String),
    /// Stripe answered and refused the request (4xx); its error type, code and message.
    #[error("Stripe refused the request (HTTP {status}, {kind}): {message}")]
    Refused {
        status: u16,
        kind: String,
        code: Option<String>,
        message: String,
    },
    #[error("the Stripe address is not valid: {0}")]
    BadUrl(String),
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: String,
}

/// A Stripe API client for one base URL; cheap to clone.
#[derive(Clone, Debug)]
pub struct Client {
    http: HttpClient,
}

impl Client {
    pub fn new(base_url: &str) -> Result<Client, ClientError> {
        Ok(Client {
            http: HttpClient::new(base_url).map_err(|e| ClientError::BadUrl(e.to_string()))?,
        })
    }

    /// Creates a Checkout Session in payment mode for `request`.
    pub async fn create_session(
        &self,
        credentials: &Credentials,
        request: &SessionRequest<'_>,
    ) -> Result<CheckoutSession, ClientError> {
        let currency = request.currency.to_lowercase();
        let mut form = vec![
            ("mode".to_owned(), "payment".to_owned()),
            ("client_reference_id".into(), request.reference.into()),
            ("success_url".into(), request.success_url.into()),
            ("cancel_url".into(), request.cancel_url.into()),
            ("locale".into(), request.locale.into()),
            ("expires_at".into(), request.expires_at.to_string()),
            ("line_items[0][quantity]".into(), "1".into()),
            ("line_items[0][price_data][currency]".into(), currency),
            (
                "line_items[0][price_data][unit_amount]".into(),
                request.amount.to_string(),
            ),
            (
                "line_items[0][price_data][product_data][name]".into(),
                request.description.into(),
            ),
        ];
        if let Some(email) = request.email {
            form.push(("customer_email".into(), email.into()));
        }
        for (key, value) in request.metadata {
            form.push((format!("metadata[{key}]"), value.clone()));
            form.push((
                format!("payment_intent_data[metadata][{key}]"),
                value.clone(),
            ));
        }
        self.call(
            credentials,
            http::Method::POST,
            "/v1/checkout/sessions",
            Some(request.reference),
            &form,
        )
        .await
    }

    /// The session as it is now.
    pub async fn retrieve_session(
        &self,
        credentials: &Credentials,
        session_id: &str,
    ) -> Result<CheckoutSession, ClientError> {
        let path = format!("/v1/checkout/sessions/{}", path_segment(session_id));
        self.call(credentials, http::Method::GET, &path, None, &[])
            .await
    }

    /// Ends an open session so that it can no longer be paid (the customer cancelled). Stripe
    /// refuses when the session is not open any more; retrieve it then.
    pub async fn expire_session(
        &self,
        credentials: &Credentials,
        session_id: &str,
    ) -> Result<CheckoutSession, ClientError> {
        let path = format!("/v1/checkout/sessions/{}/expire", path_segment(session_id));
        let key = format!("expire-{session_id}");
        self.call(credentials, http::Method::POST, &path, Some(&key), &[])
            .await
    }

    /// Refunds all or part of a PaymentIntent.
    pub async fn create_refund(
        &self,
        credentials: &Credentials,
        request: &RefundRequest<'_>,
    ) -> Result<Refund, ClientError> {
        let mut form = vec![(
            "payment_intent".to_owned(),
            request.payment_intent.to_owned(),
        )];
        if let Some(amount) = request.amount {
            form.push(("amount".into(), amount.to_string()));
        }
        self.call(
            credentials,
            http::Method::POST,
            "/v1/refunds",
            Some(request.idempotency_key),
            &form,
        )
        .await
    }

    async fn call<T: for<'de> Deserialize<'de>>(
        &self,
        credentials: &Credentials,
        method: http::Method,
        path: &str,
        idempotency_key: Option<&str>,
        form: &[(String, String)],
    ) -> Result<T, ClientError> {
        let mut request = http::Request::builder()
            .method(method)
            .header(
                http::header::AUTHORIZATION,
                format!("Bearer {}", credentials.secret_key),
            )
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            );
        if let Some(key) = idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        let (status, bytes) = self
            .http
            .send(request, path, Bytes::from(encode(form)))
            .await
            .map_err(|e| match e {
                HttpError::BadUrl(e) => ClientError::BadUrl(e),
                HttpError::NoAnswer(e) => ClientError::Unavailable(e),
            })?;
        if status.is_success() {
            return serde_json::from_slice(&bytes)
                .map_err(|e| ClientError::Unavailable(format!("unreadable answer: {e}")));
        }
        // 409: the same idempotency key is in flight; 429: rate limited. Both pass.
        if status.is_server_error()
            || status == http::StatusCode::CONFLICT
            || status == http::StatusCode::TOO_MANY_REQUESTS
        {
            return Err(ClientError::Unavailable(format!("HTTP {status}")));
        }
        let detail = serde_json::from_slice::<ErrorBody>(&bytes)
            .map(|b| b.error)
            .unwrap_or(ErrorDetail {
                kind: "unknown".into(),
                code: None,
                message: String::from_utf8_lossy(&bytes).chars().take(200).collect(),
            });
        Err(ClientError::Refused {
            status: status.as_u16(),
            kind: detail.kind,
            code: detail.code,
            message: detail.message,
        })
    }
}

/// `application/x-www-form-urlencoded`, brackets in keys included (Stripe decodes them).
fn encode(form: &[(String, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish()
}

/// An id as one path segment, whatever it holds.
fn path_segment(id: &str) -> String {
    form_urlencoded::byte_serialize(id.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(status: &str, payment_status: &str) -> CheckoutSession {
        CheckoutSession {
            id: "cs_test_1".into(),
            url: None,
            status: Some(status.into()),
            payment_status: Some(payment_status.into()),
            payment_intent: None,
            client_reference_id: None,
            amount_total: None,
        }
    }

    #[test]
    fn only_a_complete_paid_session_is_money() {
        assert_eq!(session("complete", "paid").outcome(), SessionOutcome::Paid);
        assert_eq!(
            session("complete", "unpaid").outcome(),
            SessionOutcome::Open
        );
        assert_eq!(session("open", "unpaid").outcome(), SessionOutcome::Open);
        assert_eq!(
            session("expired", "unpaid").outcome(),
            SessionOutcome::Failed
        );
        assert_eq!(session("new", "paid").outcome(), SessionOutcome::Open);
    }

    #[test]
    fn forms_and_paths_are_encoded() {
        let form = [
            (
                "line_items[0][price_data][currency]".to_owned(),
                "eur".to_owned(),
            ),
            (
                "success_url".to_owned(),
                "https://x.fi/pay/a?b=c&d".to_owned(),
            ),
            ("name".to_owned(), "Tilaus 1 – kahvi".to_owned()),
        ];
        assert_eq!(
            encode(&form),
            "line_items%5B0%5D%5Bprice_data%5D%5Bcurrency%5D=eur\
             &success_url=https%3A%2F%2Fx.fi%2Fpay%2Fa%3Fb%3Dc%26d\
             &name=Tilaus+1+%E2%80%93+kahvi"
        );
        assert_eq!(path_segment("cs_test_a1"), "cs_test_a1");
        assert_eq!(path_segment("../x?y"), "..%2Fx%3Fy");
    }

    #[test]
    fn refunds_accepted_or_not() {
        let refund = |status: &str| Refund {
            id: "re_1".into(),
            amount: 1,
            status: status.into(),
        };
        assert!(refund("succeeded").accepted() && refund("pending").accepted());
        assert!(!refund("failed").accepted() && !refund("canceled").accepted());
    }

    #[test]
    fn debug_hides_the_keys() {
        let credentials = Credentials::new("sk_test_secret", "whsec_secret");
        assert_eq!(format!("{credentials:?}"), "Credentials(redacted)");
        assert!(Client::new("ftp://x").is_err());
    }
}
