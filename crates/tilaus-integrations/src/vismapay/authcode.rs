//! Visma Pay's `authcode`: HMAC-SHA256 with the merchant's private key over `|`-joined fields,
//! upper-case hex — on every API request we send and on every callback we receive.
//!
//! The fields per operation and the callback's MAC order follow the official PHP library
//! (`VismaPay::calcAuthcode` and `checkReturn`), which integrations.md §1.2 and §1.5 summarise.

use std::fmt;

use crate::signing::{Secret, hex, same};

/// A merchant's Visma Pay keys. `Debug` hides both.
#[derive(Clone)]
pub struct Credentials {
    api_key: String,
    private_key: Secret,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Credentials(redacted)")
    }
}

/// An API call whose `authcode` we compute, with the fields that identify it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation<'a> {
    /// `auth_payment`: create a payment and get the token for the payment page.
    AuthPayment { order_number: &'a str },
    /// `check_payment_status` asked by the payment page token.
    CheckPaymentStatusByToken { token: &'a str },
    /// `check_payment_status` asked by our order number.
    CheckPaymentStatusByOrderNumber { order_number: &'a str },
    /// `get_payment`: the payment with its products and refunds.
    GetPayment { order_number: &'a str },
    /// `capture`: settle an authorised card payment.
    Capture { order_number: &'a str },
    /// `cancel`: void an authorised, unsettled payment.
    Cancel { order_number: &'a str },
    /// `create_refund`, by amount or by products.
    CreateRefund { order_number: &'a str },
    /// `get_refund`.
    GetRefund { refund_id: &'a str },
    /// `merchant_payment_methods`: the methods enabled for the merchant.
    MerchantPaymentMethods,
}

impl Credentials {
    pub fn new(api_key: impl Into<String>, private_key: impl Into<String>) -> Self {
        Self {
            api_key: api_key.into(),
            private_key: Secret::new(private_key.into()),
        }
    }

    /// The `api_key` field every request body carries.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// The request's `authcode` field.
    pub fn authcode(&self, operation: Operation<'_>) -> String {
        let api_key = self.api_key.as_str();
        let id = match operation {
            Operation::AuthPayment { order_number }
            | Operation::CheckPaymentStatusByOrderNumber { order_number }
            | Operation::GetPayment { order_number }
            | Operation::Capture { order_number }
            | Operation::Cancel { order_number }
            | Operation::CreateRefund { order_number } => Some(order_number),
            Operation::CheckPaymentStatusByToken { token } => Some(token),
            Operation::GetRefund { refund_id } => Some(refund_id),
            // The api key alone, no separator.
            Operation::MerchantPaymentMethods => None,
        };
        match id {
            Some(id) => self.mac(&[api_key, id]),
            None => self.mac(&[api_key]),
        }
    }

    /// Verifies the return (browser) or notify (server-to-server) callback of a payment from
    /// its query parameters, and reads it.
    ///
    /// MAC input: `RETURN_CODE|ORDER_NUMBER`, then `|SETTLED`, `|CONTACT_ID`, `|INCIDENT_ID` for
    /// each one present, in that order.
    pub fn verify_payment_callback<'q>(
        &self,
        query: impl IntoIterator<Item = (&'q str, &'q str)>,
    ) -> Result<PaymentCallback, CallbackError> {
        let params = Params::collect(
            query,
            &[
                "RETURN_CODE",
                "ORDER_NUMBER",
                "SETTLED",
                "CONTACT_ID",
                "INCIDENT_ID",
                "AUTHCODE",
            ],
        )?;
        let return_code = params.required("RETURN_CODE")?;
        let order_number = params.required("ORDER_NUMBER")?;
        let settled = params.optional("SETTLED");
        let contact_id = params.optional("CONTACT_ID");
        let incident_id = params.optional("INCIDENT_ID");
        let mut message = vec![return_code, order_number];
        message.extend(settled);
        message.extend(contact_id);
        message.extend(incident_id);
        self.check(&message, params.required("AUTHCODE")?)?;
        let result = match return_code {
            "0" => PaymentResult::Succeeded {
                settled: match settled {
                    Some("1") => Some(true),
                    Some("0") => Some(false),
                    _ => None,
                },
            },
            "1" => PaymentResult::Failed,
            "4" => PaymentResult::NeedsReview,
            "10" => PaymentResult::Maintenance,
            other => PaymentResult::Unknown(other.to_owned()),
        };
        Ok(PaymentCallback {
            order_number: order_number.to_owned(),
            result,
            contact_id: contact_id.map(str::to_owned),
            incident_id: incident_id.map(str::to_owned),
        })
    }

    /// Verifies a refund's notify callback: MAC over `RETURN_CODE|REFUND_ID`.
    pub fn verify_refund_callback<'q>(
        &self,
        query: impl IntoIterator<Item = (&'q str, &'q str)>,
    ) -> Result<RefundCallback, CallbackError> {
        let params = Params::collect(query, &["RETURN_CODE", "REFUND_ID", "AUTHCODE"])?;
        let return_code = params.required("RETURN_CODE")?;
        let refund_id = params.required("REFUND_ID")?;
        self.check(&[return_code, refund_id], params.required("AUTHCODE")?)?;
        let result = match return_code {
            "0" => RefundResult::Refunded,
            "1" => RefundResult::Rejected,
            other => RefundResult::Unknown(other.to_owned()),
        };
        Ok(RefundCallback {
            refund_id: refund_id.to_owned(),
            result,
        })
    }

    fn mac(&self, fields: &[&str]) -> String {
        let message = fields.join("|");
        hex(&self.private_key.sign(&[message.as_bytes()]), true)
    }

    fn check(&self, fields: &[&str], received: &str) -> Result<(), CallbackError> {
        if same(received, &self.mac(fields)) {
            Ok(())
        } else {
            Err(CallbackError::AuthcodeMismatch)
        }
    }
}

/// Why a callback is not trusted. Every one of these means: change nothing, log it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    #[error("the callback lacks the {0} parameter")]
    Missing(&'static str),
    #[error("the callback repeats the {0} parameter")]
    Repeated(&'static str),
    #[error("the callback's AUTHCODE does not match: forged or tampered with")]
    AuthcodeMismatch,
}

/// What a verified payment callback says happened (`RETURN_CODE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentResult {
    /// `0`: paid (`settled: Some(true)`) or only authorised (`Some(false)`, capture later);
    /// `None` when Visma Pay left `SETTLED` out — ask `check_payment_status`.
    Succeeded { settled: Option<bool> },
    /// `1`: failed or cancelled by the customer; a retry needs a new order number.
    Failed,
    /// `4`: the status could not be updated after the bank; poll `check_payment_status`.
    NeedsReview,
    /// `10`: maintenance break, no transaction was created.
    Maintenance,
    /// Any other code: treat as unknown, poll the status.
    Unknown(String),
}

/// A verified payment callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentCallback {
    pub order_number: String,
    pub result: PaymentResult,
    pub contact_id: Option<String>,
    /// Visma Pay's id for a failure, worth logging.
    pub incident_id: Option<String>,
}

/// What a verified refund callback says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundResult {
    Refunded,
    Rejected,
    Unknown(String),
}

/// A verified refund callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundCallback {
    pub refund_id: String,
    pub result: RefundResult,
}

/// The callback parameters we know, each at most once: a repeated parameter could make us read
/// a different value than the one the MAC covered.
struct Params<'q> {
    values: Vec<(&'static str, &'q str)>,
}

impl<'q> Params<'q> {
    fn collect(
        query: impl IntoIterator<Item = (&'q str, &'q str)>,
        known: &[&'static str],
    ) -> Result<Self, CallbackError> {
        let mut values: Vec<(&'static str, &'q str)> = Vec::new();
        for (name, value) in query {
            let Some(&known) = known.iter().find(|k| **k == name) else {
                continue;
            };
            if values.iter().any(|(seen, _)| *seen == known) {
                return Err(CallbackError::Repeated(known));
            }
            values.push((known, value));
        }
        Ok(Self { values })
    }

    fn optional(&self, name: &str) -> Option<&'q str> {
        self.values
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, value)| *value)
    }

    fn required(&self, name: &'static str) -> Result<&'q str, CallbackError> {
        self.optional(name).ok_or(CallbackError::Missing(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn keys() -> Credentials {
        Credentials::new("TESTAPIKEY", "private_key")
    }

    /// integrations.md §1.2: the value asserted by the City of Helsinki Java library's fixture.
    #[test]
    fn request_authcodes_match_the_documented_examples() {
        assert_eq!(
            keys().authcode(Operation::AuthPayment { order_number: "a" }),
            "23746DEF83C7EC93A1A6D9E03E569032804535230DC3DEDDF575699456C63BFF"
        );
        assert_eq!(
            keys().authcode(Operation::MerchantPaymentMethods),
            "7AEBC755706F5699162A4359A6947DD1CEA8F65FB7E6C38C6E0ED3C03B808E07"
        );
    }

    #[test]
    fn order_operations_sign_the_api_key_and_order_number() {
        let expected = keys().authcode(Operation::AuthPayment { order_number: "a" });
        for operation in [
            Operation::CheckPaymentStatusByOrderNumber { order_number: "a" },
            Operation::GetPayment { order_number: "a" },
            Operation::Capture { order_number: "a" },
            Operation::Cancel { order_number: "a" },
            Operation::CreateRefund { order_number: "a" },
            Operation::CheckPaymentStatusByToken { token: "a" },
            Operation::GetRefund { refund_id: "a" },
        ] {
            assert_eq!(keys().authcode(operation), expected, "{operation:?}");
        }
        assert_ne!(
            keys().authcode(Operation::Capture { order_number: "b" }),
            expected
        );
    }

    /// integrations.md §1.5 worked examples.
    #[test]
    fn verifies_the_documented_callbacks() {
        let paid = keys()
            .verify_payment_callback([
                ("RETURN_CODE", "0"),
                ("ORDER_NUMBER", "a"),
                ("SETTLED", "1"),
                (
                    "AUTHCODE",
                    "C7692F157F89ACD32D58085A1F5D8123B36D8DDE8E79715BBB07A65C42A8A580",
                ),
            ])
            .expect("valid");
        assert_eq!(paid.order_number, "a");
        assert_eq!(
            paid.result,
            PaymentResult::Succeeded {
                settled: Some(true)
            }
        );
        let failed = keys()
            .verify_payment_callback([
                (
                    "AUTHCODE",
                    "6364239DB4CD84AE8D963A3A344DCE63288C089AF813918CC72429AFFB3706AB",
                ),
                ("INCIDENT_ID", "INC-123"),
                ("ORDER_NUMBER", "a"),
                ("RETURN_CODE", "1"),
                ("utm_source", "ignored"),
            ])
            .expect("valid");
        assert_eq!(failed.result, PaymentResult::Failed);
        assert_eq!(failed.incident_id.as_deref(), Some("INC-123"));
    }

    #[test]
    fn rejects_tampered_and_malformed_callbacks() {
        let signed = |settled: &'static str| {
            vec![
                ("RETURN_CODE", "0"),
                ("ORDER_NUMBER", "a"),
                ("SETTLED", settled),
                (
                    "AUTHCODE",
                    "C7692F157F89ACD32D58085A1F5D8123B36D8DDE8E79715BBB07A65C42A8A580",
                ),
            ]
        };
        // An authorisation dressed up as a settled payment.
        assert_eq!(
            keys().verify_payment_callback(signed("0")),
            Err(CallbackError::AuthcodeMismatch)
        );
        let mut without_settled = signed("1");
        without_settled.remove(2);
        assert_eq!(
            keys().verify_payment_callback(without_settled),
            Err(CallbackError::AuthcodeMismatch)
        );
        let mut lower_case = signed("1");
        lower_case[3].1 = "c7692f157f89acd32d58085a1f5d8123b36d8dde8e79715bbb07a65c42a8a580";
        assert_eq!(
            keys().verify_payment_callback(lower_case),
            Err(CallbackError::AuthcodeMismatch)
        );
        let mut repeated = signed("1");
        repeated.push(("SETTLED", "0"));
        assert_eq!(
            keys().verify_payment_callback(repeated),
            Err(CallbackError::Repeated("SETTLED"))
        );
        let mut unsigned = signed("1");
        unsigned.pop();
        assert_eq!(
            keys().verify_payment_callback(unsigned),
            Err(CallbackError::Missing("AUTHCODE"))
        );
        let other_key = Credentials::new("TESTAPIKEY", "other");
        assert_eq!(
            other_key.verify_payment_callback(signed("1")),
            Err(CallbackError::AuthcodeMismatch)
        );
    }

    #[test]
    fn verifies_refund_callbacks() {
        let authcode = keys().mac(&["0", "R-1"]);
        let refund = keys()
            .verify_refund_callback([
                ("RETURN_CODE", "0"),
                ("REFUND_ID", "R-1"),
                ("AUTHCODE", &authcode),
            ])
            .expect("valid");
        assert_eq!(
            refund,
            RefundCallback {
                refund_id: "R-1".into(),
                result: RefundResult::Refunded
            }
        );
        assert_eq!(
            keys().verify_refund_callback([
                ("RETURN_CODE", "1"),
                ("REFUND_ID", "R-1"),
                ("AUTHCODE", &authcode)
            ]),
            Err(CallbackError::AuthcodeMismatch)
        );
    }

    #[test]
    fn debug_hides_the_keys() {
        let debug = format!("{:?}", keys());
        assert!(
            !debug.contains("private_key") && !debug.contains("TESTAPIKEY"),
            "{debug}"
        );
    }

    proptest! {
        /// Whatever a genuine callback carries, it verifies; changing any signed value breaks it.
        #[test]
        fn signed_callbacks_verify_and_any_change_is_caught(
            return_code in "0|1|4|10",
            order_number in "[A-Za-z0-9_-]{1,30}",
            settled in proptest::option::of("0|1"),
            incident_id in proptest::option::of("[A-Z0-9-]{1,12}"),
            tamper in 0_usize..4,
        ) {
            let mut fields = vec![return_code.as_str(), order_number.as_str()];
            fields.extend(settled.as_deref());
            fields.extend(incident_id.as_deref());
            let authcode = keys().mac(&fields);
            let mut query = vec![("RETURN_CODE", return_code.as_str()), ("ORDER_NUMBER", order_number.as_str())];
            if let Some(settled) = &settled { query.push(("SETTLED", settled)); }
            if let Some(incident) = &incident_id { query.push(("INCIDENT_ID", incident)); }
            query.push(("AUTHCODE", &authcode));
            prop_assert!(keys().verify_payment_callback(query.clone()).is_ok());

            let position = tamper % (query.len() - 1);
            let changed = format!("{}x", query[position].1);
            query[position].1 = &changed;
            prop_assert_eq!(keys().verify_payment_callback(query), Err(CallbackError::AuthcodeMismatch));
        }
    }
}
