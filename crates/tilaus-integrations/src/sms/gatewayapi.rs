//! GatewayAPI (OnlineCity, Denmark): sending SMS over its REST API, and verifying the delivery
//! reports it posts back.
//!
//! What this relies on, as GatewayAPI documents it (<https://gatewayapi.com/docs/apis/rest/>;
//! the same text with its examples is `docs/rest.rst` in github.com/onlinecity/gatewayapi-docs):
//! - `POST /rest/mtsms` takes a JSON object: `message` (UTF-8, sent as GSM 03.38 unless
//!   `encoding` is `UCS2`), `sender` (up to 11 alphanumeric characters or 15 digits),
//!   `recipients: [{"msisdn": <integer>}]` (the E.164 digits without `+`), `userref` (returned
//!   with every delivery status) and `callback_url` (else the account's default webhook).
//! - `Authorization: Token <API token>` (<https://gatewayapi.com/docs/apis/authentication/>).
//! - 200 answers `{"ids": [<message id>], "usage": {…}}`. Errors are 400 (invalid arguments),
//!   401 (API key), 403 (IP address), 422 (JSON) and 500, with a body such as
//!   `{"code": "0x0213", "message": "Unauthorized IP-address: %1", "variables": ["1.2.3.4"]}`.
//! - Delivery statuses are POSTed as JSON `{"id", "msisdn", "time", "status", "userref",
//!   "error", "code", …}`; a 2xx answer ends them, anything else is retried later. When the
//!   webhook has an authentication token, the `X-Gwapi-Signature` header carries a JWT
//!   (HS256) signed with that token, whose payload is the report itself: the documented
//!   example token decodes to `{"id":2381703,"msisdn":4542609045,"time":1522764062,
//!   "status":"DELIVERED",…}` and verifies with its secret (a test below checks exactly that).
//! - Customers on the EU platform use the same API on `gatewayapi.eu`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use base64::Engine as _;
use base64::alphabet::URL_SAFE;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use bytes::Bytes;
use hmac::{Hmac, KeyInit, Mac};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use sha2::Sha256;
use subtle::ConstantTimeEq;
use tilaus_domain::sms::{Encoding, PhoneNumber};

use super::{Accepted, OutgoingSms, SmsConfigError, SmsError, SmsSender, sender_name};
use crate::http::{HttpClient, HttpError};

/// GatewayAPI's global platform.
pub const DEFAULT_BASE_URL: &str = "https://gatewayapi.com";
/// GatewayAPI's EU platform (data kept in the EU); an account lives on one of the two.
pub const EU_BASE_URL: &str = "https://gatewayapi.eu";
/// The header of delivery reports that carries the JWT.
pub const SIGNATURE_HEADER: &str = "X-Gwapi-Signature";

const SEND_PATH: &str = "/rest/mtsms";

/// JWTs use base64url without padding (RFC 7515); padded input is accepted too, as the PHP
/// and Python JWT libraries do.
const BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A GatewayAPI account: its platform's base URL and an API token. Cheap to clone; `Debug`
/// hides the token.
#[derive(Clone)]
pub struct GatewayApi {
    http: HttpClient,
    authorization: http::HeaderValue,
}

impl fmt::Debug for GatewayApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GatewayApi")
            .field("base_url", &self.http.base())
            .finish_non_exhaustive()
    }
}

impl GatewayApi {
    /// An account at `base_url` ([`DEFAULT_BASE_URL`], [`EU_BASE_URL`], or a local fake).
    pub fn new(base_url: &str, token: &str) -> Result<GatewayApi, SmsConfigError> {
        let http = HttpClient::new(base_url).map_err(|e| SmsConfigError::Url(e.to_string()))?;
        let token = token.trim();
        if token.is_empty() {
            return Err(SmsConfigError::Token);
        }
        let mut authorization = http::HeaderValue::from_str(&format!("Token {token}"))
            .map_err(|_| SmsConfigError::Token)?;
        // Keeps the token out of hyper's debug output.
        authorization.set_sensitive(true);
        Ok(GatewayApi {
            http,
            authorization,
        })
    }
}

impl SmsSender for GatewayApi {
    fn send<'a>(
        &'a self,
        sms: &'a OutgoingSms,
    ) -> Pin<Box<dyn Future<Output = Result<Accepted, SmsError>> + Send + 'a>> {
        Box::pin(self.post(sms))
    }
}

impl GatewayApi {
    async fn post(&self, sms: &OutgoingSms) -> Result<Accepted, SmsError> {
        let body = request_body(sms)?;
        let request = http::Request::builder()
            .method(http::Method::POST)
            .header(http::header::AUTHORIZATION, self.authorization.clone())
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(http::header::ACCEPT, "application/json");
        let (status, answer) = self
            .http
            .send(request, SEND_PATH, Bytes::from(body))
            .await
            .map_err(|e| match e {
                HttpError::BadUrl(e) => {
                    SmsError::Permanent(format!("the GatewayAPI request cannot be built: {e}"))
                }
                HttpError::NoAnswer(e) => {
                    SmsError::Temporary(format!("GatewayAPI did not answer: {e}"))
                }
            })?;
        outcome(status, &answer)
    }
}

/// One message to one recipient, as `POST /rest/mtsms` takes it.
#[derive(Debug, Serialize)]
struct MtSms<'a> {
    sender: &'a str,
    message: &'a str,
    recipients: [Recipient; 1],
    userref: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    callback_url: Option<&'a str>,
    /// Only `UCS2` is ever set: GatewayAPI's default transcodes to GSM 03.38, which would
    /// mangle any character outside it.
    #[serde(skip_serializing_if = "Option::is_none")]
    encoding: Option<&'static str>,
}

#[derive(Debug, Serialize)]
struct Recipient {
    msisdn: u64,
}

/// Checks what GatewayAPI would refuse anyway (so the refusal is permanent without a round
/// trip) and builds the JSON body.
fn request_body(sms: &OutgoingSms) -> Result<Vec<u8>, SmsError> {
    // Only the international form: there is no country here to read a national number against.
    let to = PhoneNumber::parse(&sms.to, "").map_err(|e| {
        SmsError::Permanent(format!("'{}' is not an E.164 phone number: {e}", sms.to))
    })?;
    let sender = sender_name(&sms.sender)
        .map_err(|e| SmsError::Permanent(format!("sender '{}': {e}", sms.sender)))?;
    if sms.text.trim().is_empty() {
        return Err(SmsError::Permanent("the message is empty".into()));
    }
    let body = MtSms {
        sender: &sender,
        message: &sms.text,
        recipients: [Recipient {
            msisdn: to.msisdn(),
        }],
        userref: &sms.reference,
        callback_url: sms.callback_url.as_deref(),
        encoding: (Encoding::of(&sms.text) == Encoding::Ucs2).then_some("UCS2"),
    };
    serde_json::to_vec(&body)
        .map_err(|e| SmsError::Permanent(format!("the message cannot be encoded: {e}")))
}

/// The 200 answer: the new message's id (one per message, not per recipient).
#[derive(Deserialize)]
struct Sent {
    ids: Vec<Value>,
}

/// The body of an error answer.
#[derive(Deserialize, Default)]
struct ApiError {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    variables: Vec<Value>,
}

/// Classifies GatewayAPI's answer: 5xx, 429 and 408 may pass; other 4xx are GatewayAPI saying
/// no, with its reason.
fn outcome(status: http::StatusCode, answer: &[u8]) -> Result<Accepted, SmsError> {
    if status.is_success() {
        // Once GatewayAPI has said 2xx the text may be on its way; never retry it, even when
        // the answer cannot be read, or the customer may get it twice.
        let sent: Sent = serde_json::from_slice(answer).map_err(|e| {
            SmsError::Permanent(format!(
                "GatewayAPI took the message (HTTP {status}) but its answer is unreadable \
                 ({e}); not sent again, as it may have gone out"
            ))
        })?;
        return sent
            .ids
            .first()
            .map(|id| Accepted {
                provider_id: id_text(id),
            })
            .ok_or_else(|| {
                SmsError::Permanent(format!(
                    "GatewayAPI answered HTTP {status} without a message id"
                ))
            });
    }
    let reason = reason(status, answer);
    let passing = status.is_server_error()
        || status == http::StatusCode::TOO_MANY_REQUESTS
        || status == http::StatusCode::REQUEST_TIMEOUT
        || !status.is_client_error();
    if passing {
        Err(SmsError::Temporary(reason))
    } else {
        Err(SmsError::Permanent(reason))
    }
}

/// "GatewayAPI answered HTTP 403 (0x0213): Unauthorized IP-address: 1.2.3.4": the message's
/// `%1`, `%2`… filled in from `variables`, as GatewayAPI's own dashboard shows it.
fn reason(status: http::StatusCode, answer: &[u8]) -> String {
    let error = serde_json::from_slice::<ApiError>(answer).unwrap_or_default();
    let message = match error.message {
        Some(message) => error
            .variables
            .iter()
            .enumerate()
            .rev()
            .fold(message, |message, (i, value)| {
                message.replace(&format!("%{}", i + 1), &id_text(value))
            }),
        None => String::from_utf8_lossy(answer).chars().take(200).collect(),
    };
    match error.code {
        Some(code) => format!("GatewayAPI answered HTTP {status} ({code}): {message}"),
        None => format!("GatewayAPI answered HTTP {status}: {message}"),
    }
}

/// A JSON number or string as plain text (no quotes).
fn id_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// A delivery status GatewayAPI posted for one message and recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryReport {
    /// GatewayAPI's message id, as in [`Accepted::provider_id`].
    #[serde(deserialize_with = "integer")]
    pub id: u64,
    /// The recipient's E.164 digits.
    #[serde(deserialize_with = "integer")]
    pub msisdn: u64,
    /// When the status changed, in Unix seconds.
    #[serde(default, deserialize_with = "optional_seconds")]
    pub time: Option<i64>,
    /// GatewayAPI's state in capitals (DELIVERED, ENROUTE…); [`DeliveryReport::outcome`] says
    /// what it means for us.
    pub status: String,
    /// Our [`OutgoingSms::reference`].
    #[serde(default, deserialize_with = "optional_text")]
    pub userref: Option<String>,
    /// GatewayAPI's description of a failure, when it has one.
    #[serde(default, deserialize_with = "optional_text")]
    pub error: Option<String>,
    /// GatewayAPI's error code in hex (`0x…`), when it has one.
    #[serde(default, deserialize_with = "optional_text")]
    pub code: Option<String>,
}

/// What a delivery report means for the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportStatus {
    /// On the phone (or accepted by the network on the user's behalf).
    Delivered,
    /// Will never be delivered; the reason in words.
    Failed(String),
    /// Still on its way: a later report follows.
    Pending,
}

impl DeliveryReport {
    /// Maps GatewayAPI's states: DELIVERED and ACCEPTED (the network took it for the user) are
    /// delivered; EXPIRED, UNDELIVERABLE, REJECTED, DELETED and SKIPPED are final failures;
    /// UNKNOWN, SCHEDULED, BUFFERED and ENROUTE are on the way. A state GatewayAPI adds later
    /// counts as pending, so that nothing is called failed on a guess.
    ///
    /// Reports may arrive out of order, and GatewayAPI says to ignore a pending state that
    /// comes after a final one: the caller keeps the first final outcome.
    pub fn outcome(&self) -> ReportStatus {
        let failed = |what: &str| {
            let mut reason = format!("{} ({what})", self.status);
            if let Some(error) = self.error.as_deref().filter(|e| !e.is_empty()) {
                reason.push_str(": ");
                reason.push_str(error);
            }
            if let Some(code) = self.code.as_deref().filter(|c| !c.is_empty()) {
                reason.push_str(&format!(" [{code}]"));
            }
            ReportStatus::Failed(reason)
        };
        match self.status.to_ascii_uppercase().as_str() {
            "DELIVERED" | "ACCEPTED" => ReportStatus::Delivered,
            "EXPIRED" => failed("not delivered within its validity period"),
            "UNDELIVERABLE" => failed("permanently undeliverable, most likely a wrong number"),
            "REJECTED" => failed("rejected by the mobile network"),
            "DELETED" => failed("cancelled"),
            "SKIPPED" => failed("ignored under the network's rules"),
            _ => ReportStatus::Pending,
        }
    }
}

/// Why a delivery report is not trusted. Answer 4xx and change nothing; GatewayAPI retries
/// a few times and then gives up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    #[error("no webhook secret is set, so delivery reports cannot be verified")]
    NoSecret,
    #[error("the {SIGNATURE_HEADER} header is not a JWT: {0}")]
    Malformed(String),
    #[error("the JWT is signed with {0}, not HS256")]
    UnsupportedAlgorithm(String),
    #[error("the JWT signature does not match: a wrong secret, or not from GatewayAPI")]
    BadSignature,
    #[error("the signed payload is not a delivery report: {0}")]
    Payload(String),
    #[error("the request body is not a delivery report: {0}")]
    Body(String),
    #[error("the request body is not the report the JWT signs")]
    BodyMismatch,
}

#[derive(Deserialize)]
struct JwtHeader {
    alg: String,
}

/// Verifies a delivery report: `signature` is the `X-Gwapi-Signature` header, `body` the raw
/// request body, `secret` the authentication token set on the GatewayAPI webhook.
///
/// The JWT must be HS256 (the algorithm is fixed here, never taken from the token, so a
/// `none` or RS256 token cannot choose how it is checked) and its HMAC-SHA256 must match in
/// constant time. Its payload is the report; the body must carry the same report, so that a
/// signed header cannot be paired with another body.
///
/// GatewayAPI's tokens carry no expiry, so a recorded report can be replayed; replaying one
/// only repeats a status the message already had, which the caller's "first final outcome
/// wins" rule makes harmless.
pub fn verify_delivery_report(
    signature: &str,
    body: &[u8],
    secret: &[u8],
) -> Result<DeliveryReport, ReportError> {
    if secret.is_empty() {
        return Err(ReportError::NoSecret);
    }
    let malformed = |what: &str| ReportError::Malformed(what.to_owned());
    let mut parts = signature.trim().split('.');
    let (Some(head), Some(payload), Some(mac), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed("it is not three dot-separated parts"));
    };
    let header: JwtHeader = serde_json::from_slice(
        &BASE64URL
            .decode(head)
            .map_err(|_| malformed("its header is not base64url"))?,
    )
    .map_err(|_| malformed("its header is not a JOSE header"))?;
    if header.alg != "HS256" {
        return Err(ReportError::UnsupportedAlgorithm(header.alg));
    }
    let mac = BASE64URL
        .decode(mac)
        .map_err(|_| malformed("its signature is not base64url"))?;
    let expected = hs256(secret, &format!("{head}.{payload}"))?;
    if !bool::from(mac.as_slice().ct_eq(expected.as_slice())) {
        return Err(ReportError::BadSignature);
    }
    let payload = BASE64URL
        .decode(payload)
        .map_err(|_| malformed("its payload is not base64url"))?;
    let signed: DeliveryReport =
        serde_json::from_slice(&payload).map_err(|e| ReportError::Payload(e.to_string()))?;
    let posted: DeliveryReport =
        serde_json::from_slice(body).map_err(|e| ReportError::Body(e.to_string()))?;
    if signed != posted {
        return Err(ReportError::BodyMismatch);
    }
    Ok(signed)
}

/// An `X-Gwapi-Signature` value for a report body, as GatewayAPI makes it: for local fakes
/// and tests.
pub fn sign_delivery_report(body: &[u8], secret: &[u8]) -> Result<String, ReportError> {
    let header = BASE64URL.encode(br#"{"typ":"JWT","alg":"HS256"}"#);
    let signing_input = format!("{header}.{}", BASE64URL.encode(body));
    let mac = hs256(secret, &signing_input)?;
    Ok(format!("{signing_input}.{}", BASE64URL.encode(mac)))
}

fn hs256(secret: &[u8], signing_input: &str) -> Result<[u8; 32], ReportError> {
    // HMAC takes keys of any length, so this never fails; the error only satisfies the type.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).map_err(|_| ReportError::BadSignature)?;
    mac.update(signing_input.as_bytes());
    Ok(mac.finalize().into_bytes().into())
}

/// A JSON integer, or a string of digits (an MSISDN written with a `+` included).
fn integer<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Number(n) => n
            .as_u64()
            .ok_or_else(|| D::Error::custom(format!("{n} is not a whole number"))),
        Value::String(text) => text
            .trim()
            .trim_start_matches('+')
            .parse()
            .map_err(|_| D::Error::custom(format!("'{text}' is not a whole number"))),
        other => Err(D::Error::custom(format!("{other} is not a whole number"))),
    }
}

/// Unix seconds, whole or (as GatewayAPI's message API gives them) with a fraction.
fn optional_seconds<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(None),
        Value::Number(n) => n
            .as_i64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.is_finite())
                    .map(|f| f.trunc() as i64)
            })
            .map(Some)
            .ok_or_else(|| D::Error::custom(format!("{n} is not a time"))),
        other => Err(D::Error::custom(format!("{other} is not a time"))),
    }
}

/// Text, absent or null; a number is taken as its text (error codes have come as both).
fn optional_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(None),
        Value::String(text) => Ok(Some(text)),
        Value::Number(n) => Ok(Some(n.to_string())),
        other => Err(D::Error::custom(format!("{other} is not text"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    /// GatewayAPI's documented example ("Authentication token", `docs/rest.rst`): this token,
    /// signed with the secret `secret`.
    const DOCUMENTED_JWT: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.\
        eyJpZCI6MjM4MTcwMywibXNpc2RuIjo0NTQyNjA5MDQ1LCJ0aW1lIjoxNTIyNzY0MDYyLCJzdGF0dXMiOiJERUxJ\
        VkVSRUQiLCJlcnJvciI6bnVsbCwiY29kZSI6bnVsbCwidXNlcnJlZiI6bnVsbCwiY2FsbGJhY2tfdXJsIjoiaHR0\
        cDovL2JiYWY3MTQyLm5ncm9rLmlvIiwiYXBpIjo0fQ.KdfDH65bnQtgxEkFnpAQodOciAJedZFB13r9wEo8t3Y";

    const REPORT: &[u8] = br#"{"id":1000001,"msisdn":358401234567,"time":1450000000,"status":"UNDELIVERABLE","userref":"0193b7c2-msg","error":"Invalid MSISDN","code":"0x0113","country_code":"FI","country_prefix":358}"#;

    const SECRET: &[u8] = b"webhook-token";

    #[test]
    fn verifies_the_documented_example() {
        let body = br#"{"id":2381703,"msisdn":4542609045,"time":1522764062,"status":"DELIVERED","error":null,"code":null,"userref":null,"callback_url":"http://bbaf7142.ngrok.io","api":4}"#;
        let report = verify_delivery_report(DOCUMENTED_JWT, body, b"secret").expect("verifies");
        assert_eq!(
            report,
            DeliveryReport {
                id: 2_381_703,
                msisdn: 4_542_609_045,
                time: Some(1_522_764_062),
                status: "DELIVERED".into(),
                userref: None,
                error: None,
                code: None,
            }
        );
        assert_eq!(report.outcome(), ReportStatus::Delivered);
        // Our own signing gives GatewayAPI's token for GatewayAPI's payload.
        let payload = BASE64URL
            .decode(DOCUMENTED_JWT.split('.').nth(1).expect("payload"))
            .expect("base64url");
        assert_eq!(
            sign_delivery_report(&payload, b"secret").expect("signed"),
            DOCUMENTED_JWT
        );
    }

    #[test]
    fn a_signed_report_verifies() {
        let header = sign_delivery_report(REPORT, SECRET).expect("signed");
        let report = verify_delivery_report(&header, REPORT, SECRET).expect("verifies");
        assert_eq!(report.userref.as_deref(), Some("0193b7c2-msg"));
        assert_eq!(
            report.outcome(),
            ReportStatus::Failed(
                "UNDELIVERABLE (permanently undeliverable, most likely a wrong number): \
                 Invalid MSISDN [0x0113]"
                    .into()
            )
        );
        // The body may spell the same report differently (key order, spacing, a float time).
        let respelled = br#"{ "status": "UNDELIVERABLE", "msisdn": "+358401234567", "id": 1000001,
            "time": 1450000000.0, "userref": "0193b7c2-msg", "error": "Invalid MSISDN",
            "code": "0x0113" }"#;
        assert_eq!(
            verify_delivery_report(&header, respelled, SECRET),
            Ok(report)
        );
    }

    #[test]
    fn a_tampered_body_is_refused() {
        let header = sign_delivery_report(REPORT, SECRET).expect("signed");
        let tampered = String::from_utf8_lossy(REPORT).replace("UNDELIVERABLE", "DELIVERED");
        assert_eq!(
            verify_delivery_report(&header, tampered.as_bytes(), SECRET),
            Err(ReportError::BodyMismatch)
        );
        // A tampered payload inside the JWT breaks its signature.
        let (head, rest) = header.split_once('.').expect("three parts");
        let (_, mac) = rest.split_once('.').expect("three parts");
        let forged = format!("{head}.{}.{mac}", BASE64URL.encode(tampered.as_bytes()));
        assert_eq!(
            verify_delivery_report(&forged, tampered.as_bytes(), SECRET),
            Err(ReportError::BadSignature)
        );
        assert!(matches!(
            verify_delivery_report(&header, b"not json", SECRET),
            Err(ReportError::Body(_))
        ));
    }

    #[test]
    fn a_wrong_secret_is_refused() {
        let header = sign_delivery_report(REPORT, SECRET).expect("signed");
        assert_eq!(
            verify_delivery_report(&header, REPORT, b"another-token"),
            Err(ReportError::BadSignature)
        );
        assert_eq!(
            verify_delivery_report(&header, REPORT, b""),
            Err(ReportError::NoSecret)
        );
        assert_eq!(
            verify_delivery_report(DOCUMENTED_JWT, REPORT, b"Secret"),
            Err(ReportError::BadSignature)
        );
    }

    #[test]
    fn bad_formats_are_refused() {
        let malformed = |token: &str| {
            matches!(
                verify_delivery_report(token, REPORT, SECRET),
                Err(ReportError::Malformed(_))
            )
        };
        let header = sign_delivery_report(REPORT, SECRET).expect("signed");
        assert!(malformed(""));
        assert!(malformed("Bearer x"));
        assert!(malformed("a.b"));
        assert!(malformed(&format!("{header}.extra")));
        assert!(malformed("!!!.e30.e30"));
        assert!(malformed(&format!("{}.e30.e30", BASE64URL.encode("[]"))));
        let (_, rest) = header.split_once('.').expect("parts");
        assert!(malformed(&format!(
            "{}.{rest}!",
            BASE64URL.encode(r#"{"alg":"HS256"}"#)
        )));
        // Another algorithm, `none` included, is refused before any signature is checked.
        for alg in ["none", "HS512", "RS256"] {
            let head = BASE64URL.encode(format!(r#"{{"typ":"JWT","alg":"{alg}"}}"#));
            assert_eq!(
                verify_delivery_report(&format!("{head}.{rest}"), REPORT, SECRET),
                Err(ReportError::UnsupportedAlgorithm(alg.into()))
            );
        }
        // Signed, but not a report.
        let other = br#"{"id":1,"msisdn":45,"receiver":451204,"message":"hi"}"#;
        let signed = sign_delivery_report(other, SECRET).expect("signed");
        assert!(matches!(
            verify_delivery_report(&signed, other, SECRET),
            Err(ReportError::Payload(_))
        ));
    }

    #[test]
    fn statuses_map_to_outcomes() {
        let report = |status: &str| DeliveryReport {
            id: 1,
            msisdn: 358_401_234_567,
            time: None,
            status: status.into(),
            userref: None,
            error: None,
            code: None,
        };
        for status in ["DELIVERED", "ACCEPTED", "delivered"] {
            assert_eq!(
                report(status).outcome(),
                ReportStatus::Delivered,
                "{status}"
            );
        }
        for status in ["EXPIRED", "UNDELIVERABLE", "REJECTED", "DELETED", "SKIPPED"] {
            assert!(
                matches!(report(status).outcome(), ReportStatus::Failed(r) if r.starts_with(status)),
                "{status}"
            );
        }
        for status in [
            "UNKNOWN",
            "SCHEDULED",
            "BUFFERED",
            "ENROUTE",
            "SOMETHING_NEW",
        ] {
            assert_eq!(report(status).outcome(), ReportStatus::Pending, "{status}");
        }
    }

    fn sms(text: &str) -> OutgoingSms {
        OutgoingSms {
            to: "+358 40 123 4567".into(),
            sender: "Kahvila".into(),
            text: text.into(),
            reference: "0193b7c2-msg".into(),
            callback_url: Some("https://kauppa.example/sms/status".into()),
        }
    }

    #[test]
    fn request_bodies() {
        let json = |sms: &OutgoingSms| -> Value {
            serde_json::from_slice(&request_body(sms).expect("body")).expect("json")
        };
        assert_eq!(
            json(&sms("Tilauksesi on lähetetty. Hinta 10 €.")),
            serde_json::json!({
                "sender": "Kahvila",
                "message": "Tilauksesi on lähetetty. Hinta 10 €.",
                "recipients": [{"msisdn": 358_401_234_567_u64}],
                "userref": "0193b7c2-msg",
                "callback_url": "https://kauppa.example/sms/status",
            })
        );
        let estonian = OutgoingSms {
            callback_url: None,
            ..sms("Tellimus on teel, šokolaad ka")
        };
        let body = json(&estonian);
        assert_eq!(body["encoding"], "UCS2");
        assert!(body.get("callback_url").is_none());
        let permanent =
            |sms: OutgoingSms| matches!(request_body(&sms), Err(SmsError::Permanent(_)));
        assert!(permanent(OutgoingSms {
            to: "040 123 4567".into(),
            ..sms("x")
        }));
        assert!(permanent(OutgoingSms {
            sender: "Kahvila Aino Oy".into(),
            ..sms("x")
        }));
        assert!(permanent(sms("  ")));
    }

    #[test]
    fn error_answers_name_the_reason() {
        let body = br#"{"code":"0x0213","incident_uuid":"d8127429","message":"Unauthorized IP-address: %1","variables":["1.2.3.4"]}"#;
        assert_eq!(
            reason(http::StatusCode::FORBIDDEN, body),
            "GatewayAPI answered HTTP 403 Forbidden (0x0213): Unauthorized IP-address: 1.2.3.4"
        );
        assert_eq!(
            reason(http::StatusCode::BAD_GATEWAY, b"<html>bad gateway</html>"),
            "GatewayAPI answered HTTP 502 Bad Gateway: <html>bad gateway</html>"
        );
        assert_eq!(
            outcome(http::StatusCode::OK, br#"{"ids":[]}"#),
            Err(SmsError::Permanent(
                "GatewayAPI answered HTTP 200 OK without a message id".into()
            ))
        );
        assert!(matches!(
            outcome(http::StatusCode::OK, b"oops"),
            Err(SmsError::Permanent(_))
        ));
        assert!(matches!(
            outcome(http::StatusCode::TOO_MANY_REQUESTS, b""),
            Err(SmsError::Temporary(_))
        ));
        assert!(matches!(
            outcome(http::StatusCode::UNPROCESSABLE_ENTITY, b"{}"),
            Err(SmsError::Permanent(_))
        ));
    }

    #[test]
    fn configuration_and_debug() {
        let api = GatewayApi::new("https://gatewayapi.eu/", "secret-token").expect("valid");
        let shown = format!("{api:?}");
        assert!(shown.contains("gatewayapi.eu") && !shown.contains("secret-token"));
        assert!(matches!(
            GatewayApi::new("ftp://x", "t"),
            Err(SmsConfigError::Url(_))
        ));
        assert_eq!(
            GatewayApi::new(DEFAULT_BASE_URL, " ").err(),
            Some(SmsConfigError::Token)
        );
        assert_eq!(
            GatewayApi::new(DEFAULT_BASE_URL, "a\nb").err(),
            Some(SmsConfigError::Token)
        );
    }

    #[tokio::test]
    async fn talks_to_a_local_gatewayapi() {
        let fake = super::super::fake::FakeGatewayApi::start(vec![
            (
                200,
                r#"{"ids":[421332671],"usage":{"countries":{"FI":1},"currency":"EUR","total_cost":0.05}}"#,
            ),
            (
                401,
                r#"{"code":"0x0201","message":"Invalid API token","incident_uuid":"x"}"#,
            ),
            (503, "Service Unavailable"),
        ])
        .await;
        let api = GatewayApi::new(&fake.base, "tok-123").expect("client");

        let accepted = api.send(&sms("Tilauksesi 1042 on lähetetty.")).await;
        assert_eq!(
            accepted,
            Ok(Accepted {
                provider_id: "421332671".into()
            })
        );
        {
            let log = fake.received();
            let request = &log[0];
            assert_eq!(request.request_line, "POST /rest/mtsms HTTP/1.1");
            assert_eq!(request.header("authorization"), Some("Token tok-123"));
            assert_eq!(request.header("content-type"), Some("application/json"));
            let body: Value = serde_json::from_slice(&request.body).expect("json");
            assert_eq!(body["recipients"][0]["msisdn"], 358_401_234_567_u64);
            assert_eq!(body["sender"], "Kahvila");
            assert_eq!(body["userref"], "0193b7c2-msg");
            assert_eq!(body["message"], "Tilauksesi 1042 on lähetetty.");
            assert_eq!(body["callback_url"], "https://kauppa.example/sms/status");
            assert!(body.get("encoding").is_none());
        }

        let refused = api.send(&sms("x")).await;
        assert_eq!(
            refused,
            Err(SmsError::Permanent(
                "GatewayAPI answered HTTP 401 Unauthorized (0x0201): Invalid API token".into()
            ))
        );

        let down = api.send(&sms("x")).await;
        assert_eq!(
            down,
            Err(SmsError::Temporary(
                "GatewayAPI answered HTTP 503 Service Unavailable: Service Unavailable".into()
            ))
        );
        assert_eq!(fake.received().len(), 3);

        // Nobody listening: a temporary failure.
        let closed = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = closed.local_addr().expect("address");
        drop(closed);
        let nowhere = GatewayApi::new(&format!("http://{address}"), "tok").expect("client");
        assert!(matches!(
            nowhere.send(&sms("x")).await,
            Err(SmsError::Temporary(_))
        ));
    }
}
