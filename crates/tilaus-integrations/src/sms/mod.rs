//! Text messages through an SMS provider: what is sent, how a refusal is classified for the job
//! runner, and the sender name rules every provider shares.
//!
//! [`SmsSender`] is a trait (unlike the one SMTP [`crate::mail::Mailer`]) because SMS is sold
//! by several providers with different APIs; [`GatewayApi`] is the first one. Like mail,
//! failures are [`SmsError::Temporary`] (try again later) or [`SmsError::Permanent`] (it will
//! never be accepted as it is).
//!
//! Providers have no idempotency keys for SMS: when an answer is lost after the provider took
//! the message (a timeout), trying again may text the customer twice. That is the lesser evil
//! next to a notice never sent, and the job runner's few attempts bound it.

#[cfg(any(test, feature = "testkit"))]
pub mod fake;
pub mod gatewayapi;

use std::future::Future;
use std::pin::Pin;

pub use gatewayapi::{
    DEFAULT_BASE_URL, DeliveryReport, EU_BASE_URL, GatewayApi, ReportError, ReportStatus,
    SIGNATURE_HEADER, sign_delivery_report, verify_delivery_report,
};

/// The most digits in a numeric sender (an E.164 number without `+`).
pub const SENDER_MAX_DIGITS: usize = 15;
/// The most characters in an alphanumeric sender.
pub const SENDER_MAX_CHARS: usize = 11;

/// One text message to one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingSms {
    /// The recipient in E.164 (`+358401234567`), see `tilaus_domain::sms::PhoneNumber`.
    pub to: String,
    /// Shown as the sender: see [`sender_name`].
    pub sender: String,
    pub text: String,
    /// Our id of the message; providers return it with every delivery report.
    pub reference: String,
    /// Where the provider posts delivery reports; `None` uses the account's default.
    pub callback_url: Option<String>,
}

/// The provider took the message on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The provider's id of the message, which its delivery reports name.
    pub provider_id: String,
}

/// Why a text was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmsError {
    /// Trying again later may help (5xx, 429, a timeout, no connection).
    #[error("{0}")]
    Temporary(String),
    /// It will never be accepted as it is (4xx with the provider's reason, an unusable number
    /// or sender).
    #[error("{0}")]
    Permanent(String),
}

/// The provider settings are unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmsConfigError {
    #[error("the SMS provider address is not a usable URL: {0}")]
    Url(String),
    #[error("the SMS provider API token is empty or not valid in an HTTP header")]
    Token,
}

/// Sends text messages through one provider account. Object-safe, so that an installation
/// holds whichever provider it is configured with as `Arc<dyn SmsSender>`.
pub trait SmsSender: Send + Sync + std::fmt::Debug {
    /// Hands one text to the provider; Ok means it was accepted for delivery, not delivered
    /// (delivery reports tell that later).
    fn send<'a>(
        &'a self,
        sms: &'a OutgoingSms,
    ) -> Pin<Box<dyn Future<Output = Result<Accepted, SmsError>> + Send + 'a>>;
}

/// Why a sender name cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SenderError {
    #[error("the sender name is empty")]
    Empty,
    #[error("a numeric sender has at most {SENDER_MAX_DIGITS} digits")]
    TooManyDigits,
    #[error("a sender name has at most {SENDER_MAX_CHARS} characters")]
    TooLong,
    #[error("'{0}' is not allowed in a sender name: use only letters A–Z and digits")]
    InvalidCharacter(char),
}

/// Checks a sender and returns it as it will be sent: up to 11 letters and digits (a shop's
/// name), or up to 15 digits (a phone number, `+` dropped).
///
/// These are the SMS standard's limits as GatewayAPI documents them: the `sender` field takes
/// "up to 11 alphanumeric characters, or 15 digits" (<https://gatewayapi.com/docs/apis/rest/>),
/// and its "SMS Sender" appendix recommends a-zA-Z0-9 (`docs/appendix.rst` in
/// github.com/onlinecity/gatewayapi-docs). Spaces are refused although providers accept
/// them, since most phones do not show them ("Kahvi Oy" arrives as "KahviOy"); so are letters
/// outside A–Z, which some networks replace (`Å` becomes `Aa` and may then be cut short).
pub fn sender_name(input: &str) -> Result<String, SenderError> {
    let name = input.trim();
    if name.is_empty() {
        return Err(SenderError::Empty);
    }
    let digits = name.strip_prefix('+').unwrap_or(name);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if digits.len() > SENDER_MAX_DIGITS {
            return Err(SenderError::TooManyDigits);
        }
        return Ok(digits.to_owned());
    }
    if let Some(c) = name.chars().find(|c| !c.is_ascii_alphanumeric()) {
        return Err(SenderError::InvalidCharacter(c));
    }
    if name.len() > SENDER_MAX_CHARS {
        return Err(SenderError::TooLong);
    }
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sender_names() {
        assert_eq!(sender_name(" Kahvila "), Ok("Kahvila".into()));
        assert_eq!(sender_name("Kahvila1234"), Ok("Kahvila1234".into()));
        assert_eq!(sender_name("Kahvila12345"), Err(SenderError::TooLong));
        assert_eq!(sender_name("+358401234567"), Ok("358401234567".into()));
        assert_eq!(sender_name("123456789012345"), Ok("123456789012345".into()));
        assert_eq!(
            sender_name("1234567890123456"),
            Err(SenderError::TooManyDigits)
        );
        assert_eq!(sender_name(""), Err(SenderError::Empty));
        assert_eq!(sender_name("  "), Err(SenderError::Empty));
        assert_eq!(sender_name("+"), Err(SenderError::InvalidCharacter('+')));
        assert_eq!(
            sender_name("Kahvi Oy"),
            Err(SenderError::InvalidCharacter(' '))
        );
        assert_eq!(
            sender_name("Kukkakauppa Ö"),
            Err(SenderError::InvalidCharacter(' '))
        );
        assert_eq!(
            sender_name("Lähikauppa"),
            Err(SenderError::InvalidCharacter('ä'))
        );
    }
}
