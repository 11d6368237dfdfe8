//! The Visma Pay payment API over HTTPS: `auth_payment` to start a payment on the hosted page,
//! `check_payment_status` to settle what a lost callback left open, `capture` and `cancel` for
//! authorised card payments, and `create_refund` (integrations.md §1.3, §1.6–§1.8).

use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};

use super::authcode::{Credentials, Operation};
use crate::http::{HttpClient, HttpError};

/// The real API; tests point the client at a local fake.
pub const DEFAULT_BASE_URL: &str = "https://www.vismapay.com/pbwapi";
/// The payment API version the official libraries send today (§1.1).
const VERSION: &str = "w3.2";
/// A Visma Pay API client for one base URL; cheap to clone.
#[derive(Clone, Debug)]
pub struct Client {
    http: HttpClient,
}

/// What we ask Visma Pay to take.
#[derive(Debug, Clone)]
pub struct PaymentRequest<'a> {
    /// Unique per merchant and attempt: a retry needs a new one.
    pub order_number: &'a str,
    /// Minor units (cents).
    pub amount: i64,
    pub currency: &'a str,
    pub email: Option<&'a str>,
    pub return_url: &'a str,
    pub notify_url: &'a str,
    /// fi, sv or en.
    pub lang: &'a str,
    /// A method code from `merchant_payment_methods` (`selected_value`, or a group such as
    /// `creditcards`): the customer goes straight to it. `None` offers every method.
    pub selected: Option<&'a str>,
}

/// One of the merchant's payment methods, as `merchant_payment_methods` lists them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MerchantMethod {
    /// What the customer sees, e.g. "Nordea" or "Visa".
    pub name: String,
    /// The code for `payment_method.selected`.
    pub selected_value: String,
    /// banks, creditcards, wallets or creditinvoices.
    pub group: String,
    /// Cents; credit invoices have limits.
    #[serde(default)]
    pub min_amount: Option<i64>,
    #[serde(default)]
    pub max_amount: Option<i64>,
    /// The currencies it takes, when Visma Pay says.
    #[serde(default)]
    pub currency: Vec<String>,
}

impl MerchantMethod {
    /// Whether it can take `amount` cents of `currency`.
    pub fn takes(&self, amount: i64, currency: &str) -> bool {
        (self.currency.is_empty() || self.currency.iter().any(|c| c == currency))
            && self.min_amount.is_none_or(|min| amount >= min)
            && self.max_amount.is_none_or(|max| amount <= max)
    }
}

/// The status `check_payment_status` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckedStatus {
    /// Paid and settled.
    Paid,
    /// Paid but only authorised (captured later).
    Authorised,
    Failed,
    /// Not decided yet (or a result we do not know): ask again later.
    Pending,
}

/// What `create_refund` started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartedRefund {
    /// Visma Pay's id of the refund, named again by the refund notify.
    pub refund_id: String,
    /// `true`: the money went back now (cards). `false` (`type: email`): Visma Pay emails the
    /// customer a link to complete it (bank payments) and reports the outcome by refund notify.
    pub instant: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No answer, a timeout, a 5xx or an unreadable body: the provider is down.
    #[error("Visma Pay did not answer: {0}")]
    Unavailable(String),
    /// Visma Pay answered and refused (`result` ≠ 0).
    #[error("Visma Pay refused the request (result {result}): {errors}")]
    Refused { result: i64, errors: String },
    #[error("the Visma Pay address is not valid: {0}")]
    BadUrl(String),
}

#[derive(Deserialize)]
struct Answer {
    result: i64,
    token: Option<String>,
    settled: Option<i64>,
    /// `create_refund`: a number in the libraries' fixtures, read as either.
    refund_id: Option<Value>,
    /// `create_refund`: `instant` or `email`.
    #[serde(rename = "type")]
    kind: Option<String>,
    /// `merchant_payment_methods`.
    #[serde(default)]
    payment_methods: Vec<MerchantMethod>,
    #[serde(default)]
    errors: Value,
}

impl Answer {
    /// `result: 0`, or the refusal.
    fn ok(self) -> Result<Answer, ClientError> {
        if self.result == 0 {
            Ok(self)
        } else {
            Err(ClientError::Refused {
                result: self.result,
                errors: self.errors.to_string(),
            })
        }
    }
}

impl Client {
    pub fn new(base_url: &str) -> Result<Client, ClientError> {
        Ok(Client {
            http: HttpClient::new(base_url).map_err(|e| ClientError::BadUrl(e.to_string()))?,
        })
    }

    /// The scheme, host and port of the API (and of its pay pages), e.g. for a page's CSP.
    pub fn origin(&self) -> &str {
        self.http.origin()
    }

    /// Where the customer pays, for the token `auth_payment` gave.
    pub fn pay_page_url(&self, token: &str) -> String {
        format!("{}/token/{token}", self.http.base())
    }

    /// Creates the payment and returns its token for [`pay_page_url`](Self::pay_page_url).
    pub async fn auth_payment(
        &self,
        credentials: &Credentials,
        request: &PaymentRequest<'_>,
    ) -> Result<String, ClientError> {
        let mut body = json!({
            "version": VERSION,
            "api_key": credentials.api_key(),
            "order_number": request.order_number,
            "amount": request.amount,
            "currency": request.currency,
            "authcode": credentials.authcode(Operation::AuthPayment { order_number: request.order_number }),
            "payment_method": {
                "type": "e-payment",
                "return_url": request.return_url,
                "notify_url": request.notify_url,
                "lang": request.lang,
            },
        });
        if let Some(email) = request.email {
            body["email"] = json!(email);
        }
        if let Some(selected) = request.selected {
            body["payment_method"]["selected"] = json!([selected]);
        }
        let answer = self.call("auth_payment", &body).await?;
        match (answer.result, answer.token) {
            (0, Some(token)) if !token.is_empty() => Ok(token),
            (result, _) => Err(ClientError::Refused {
                result,
                errors: answer.errors.to_string(),
            }),
        }
    }

    /// The status of a payment by our order number.
    pub async fn check_payment_status(
        &self,
        credentials: &Credentials,
        order_number: &str,
    ) -> Result<CheckedStatus, ClientError> {
        let operation = Operation::CheckPaymentStatusByOrderNumber { order_number };
        let body = by_order_number(credentials, order_number, operation);
        let answer = self.call("check_payment_status", &body).await?;
        Ok(match (answer.result, answer.settled) {
            (0, Some(1)) => CheckedStatus::Paid,
            (0, Some(0)) => CheckedStatus::Authorised,
            (1, _) => {
                return Err(ClientError::Refused {
                    result: 1,
                    errors: answer.errors.to_string(),
                });
            }
            (2, _) => CheckedStatus::Failed,
            _ => CheckedStatus::Pending,
        })
    }

    /// The payment methods the merchant has for `currency` (API version 2, authcode over the
    /// api key alone).
    pub async fn merchant_payment_methods(
        &self,
        credentials: &Credentials,
        currency: &str,
    ) -> Result<Vec<MerchantMethod>, ClientError> {
        let body = json!({
            "version": "2",
            "api_key": credentials.api_key(),
            "currency": currency,
            "authcode": credentials.authcode(Operation::MerchantPaymentMethods),
        });
        Ok(self
            .call("merchant_payment_methods", &body)
            .await?
            .ok()?
            .payment_methods)
    }

    /// Settles an authorised card payment (`result: 2` means already settled or refused by the
    /// gateway: a refusal).
    pub async fn capture(
        &self,
        credentials: &Credentials,
        order_number: &str,
    ) -> Result<(), ClientError> {
        let operation = Operation::Capture { order_number };
        self.call(
            "capture",
            &by_order_number(credentials, order_number, operation),
        )
        .await?
        .ok()
        .map(drop)
    }

    /// Voids an authorised, unsettled payment: the reservation on the card is released.
    pub async fn cancel(
        &self,
        credentials: &Credentials,
        order_number: &str,
    ) -> Result<(), ClientError> {
        let operation = Operation::Cancel { order_number };
        self.call(
            "cancel",
            &by_order_number(credentials, order_number, operation),
        )
        .await?
        .ok()
        .map(drop)
    }

    /// Refunds `amount` cents of a settled payment; `notify_url` hears the outcome of a refund
    /// completed later by the customer.
    pub async fn create_refund(
        &self,
        credentials: &Credentials,
        order_number: &str,
        amount: i64,
        notify_url: &str,
    ) -> Result<StartedRefund, ClientError> {
        let operation = Operation::CreateRefund { order_number };
        let mut body = by_order_number(credentials, order_number, operation);
        body["amount"] = json!(amount);
        body["notify_url"] = json!(notify_url);
        let answer = self.call("create_refund", &body).await?.ok()?;
        let refund_id = match answer.refund_id {
            Some(Value::String(id)) if !id.is_empty() => id,
            Some(Value::Number(id)) => id.to_string(),
            _ => {
                return Err(ClientError::Unavailable(
                    "create_refund answered without a refund_id".into(),
                ));
            }
        };
        Ok(StartedRefund {
            refund_id,
            instant: answer.kind.as_deref() != Some("email"),
        })
    }

    async fn call(&self, operation: &str, body: &Value) -> Result<Answer, ClientError> {
        let request = http::Request::builder()
            .method(http::Method::POST)
            .header(http::header::CONTENT_TYPE, "application/json");
        let (status, bytes) = self
            .http
            .send(
                request,
                &format!("/{operation}"),
                Bytes::from(body.to_string()),
            )
            .await
            .map_err(|e| match e {
                HttpError::BadUrl(e) => ClientError::BadUrl(e),
                HttpError::NoAnswer(e) => ClientError::Unavailable(e),
            })?;
        if !status.is_success() {
            return Err(ClientError::Unavailable(format!("HTTP {status}")));
        }
        serde_json::from_slice::<Answer>(&bytes)
            .map_err(|e| ClientError::Unavailable(format!("unreadable answer: {e}")))
    }
}

/// The body of an operation that names a payment by our order number.
fn by_order_number(
    credentials: &Credentials,
    order_number: &str,
    operation: Operation<'_>,
) -> Value {
    json!({
        "version": VERSION,
        "api_key": credentials.api_key(),
        "order_number": order_number,
        "authcode": credentials.authcode(operation),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_and_pay_page() {
        let client = Client::new("https://www.vismapay.com/pbwapi/").expect("client");
        assert_eq!(client.origin(), "https://www.vismapay.com");
        assert_eq!(
            client.pay_page_url("T"),
            "https://www.vismapay.com/pbwapi/token/T"
        );
        let local = Client::new("http://127.0.0.1:9").expect("client");
        assert_eq!(local.origin(), "http://127.0.0.1:9");
        assert!(Client::new("ftp://x").is_err());
    }

    #[test]
    fn a_method_takes_what_its_limits_and_currencies_allow() {
        let method = |min, max, currency: &[&str]| MerchantMethod {
            name: "Jousto".into(),
            selected_value: "jousto".into(),
            group: "creditinvoices".into(),
            min_amount: min,
            max_amount: max,
            currency: currency.iter().map(|c| c.to_string()).collect(),
        };
        let jousto = method(Some(2000), Some(500_000), &["EUR"]);
        assert!(jousto.takes(2000, "EUR") && jousto.takes(500_000, "EUR"));
        assert!(!jousto.takes(1999, "EUR") && !jousto.takes(500_001, "EUR"));
        assert!(!jousto.takes(5000, "SEK"));
        assert!(method(None, None, &[]).takes(1, "SEK"));
    }
}
