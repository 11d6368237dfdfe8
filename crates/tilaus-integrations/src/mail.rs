//! Email over SMTP (lettre): one installation-wide server, per-shop sender names.
//!
//! Configured by `TILAUS_SMTP_URL` and `TILAUS_SMTP_FROM`:
//! - `smtp://127.0.0.1:2525` — plain SMTP (a local relay or a test sink);
//! - `smtp://user:pass@host:587?tls=starttls` — STARTTLS required (`tls=required` also works,
//!   `tls=opportunistic` upgrades only when offered);
//! - `smtps://user:pass@host:465` — TLS from the first byte.
//!
//! Failures are classified for the job runner: a 4xx reply, a refused connection or a timeout
//! may pass (try again later); a 5xx reply (the recipient or the message is refused) will not.

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// How long one SMTP conversation may take before it counts as a (temporary) failure.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// The installation's SMTP settings are unusable.
#[derive(Debug, thiserror::Error)]
pub enum MailConfigError {
    #[error("TILAUS_SMTP_URL is not a usable SMTP URL: {0}")]
    Url(String),
    #[error("TILAUS_SMTP_FROM is not an email address: {0}")]
    From(String),
}

/// Why a mail was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// Trying again later may help (4xx, connection refused, timeout, TLS hiccup).
    #[error("{0}")]
    Temporary(String),
    /// It will never be accepted as it is (5xx, an unusable address).
    #[error("{0}")]
    Permanent(String),
}

/// One email to send: a text and an HTML alternative of the same content.
#[derive(Debug, Clone)]
pub struct Email {
    /// Shown as the sender's name (the shop's name); the address is the installation's.
    pub sender_name: String,
    pub reply_to: Option<String>,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The Message-ID without angle brackets (see [`Mailer::message_id`]).
    pub message_id: String,
    /// Files sent with the mail (documents as PDF).
    pub attachments: Vec<Attachment>,
    /// An image the HTML shows as `cid:logo` (the shop's logo), sent inside the mail so that
    /// it shows without loading remote images.
    pub logo: Option<Attachment>,
}

/// The content id the HTML refers to an inline logo by (`<img src="cid:logo">`).
pub const LOGO_CONTENT_ID: &str = "logo";

/// A file attached to a mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub file_name: String,
    /// e.g. `application/pdf`.
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Sends mail through the installation's SMTP server.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: lettre::Address,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: show only the sender.
        f.debug_struct("Mailer")
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// A mailer for `url` sending from `from` (an address such as `tilaus@shop.example`).
    pub fn new(url: &str, from: &str) -> Result<Mailer, MailConfigError> {
        // lettre names STARTTLS `required`; `starttls` is the word admins know.
        let url = url.replace("tls=starttls", "tls=required");
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&url)
            .map_err(|e| MailConfigError::Url(e.to_string()))?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        let from = from
            .trim()
            .parse::<lettre::Address>()
            .map_err(|e| MailConfigError::From(format!("{from}: {e}")))?;
        Ok(Mailer { transport, from })
    }

    /// A stable Message-ID for a stored message, on the sender's domain: sending the same
    /// message again (after a crash mid-send) reuses it, so receivers can tell it is a repeat.
    pub fn message_id(&self, message_id: uuid::Uuid) -> String {
        format!("{}@{}", message_id.simple(), self.from.domain())
    }

    /// Sends one email; Ok means the server accepted it.
    pub async fn send(&self, email: &Email) -> Result<(), MailError> {
        let message = self.build(email)?;
        self.transport
            .send(message)
            .await
            .map(drop)
            .map_err(classify)
    }

    fn build(&self, email: &Email) -> Result<Message, MailError> {
        let mailbox = |address: &str| {
            address
                .trim()
                .parse::<lettre::Address>()
                .map(|a| Mailbox::new(None, a))
                .map_err(|e| MailError::Permanent(format!("'{address}' is not an address: {e}")))
        };
        let mut builder = Message::builder()
            .from(Mailbox::new(
                Some(email.sender_name.clone()),
                self.from.clone(),
            ))
            .to(mailbox(&email.to)?)
            .subject(email.subject.clone())
            .message_id(Some(format!("<{}>", email.message_id)));
        if let Some(reply_to) = &email.reply_to {
            builder = builder.reply_to(mailbox(reply_to)?);
        }
        let content_type = |file: &Attachment| {
            ContentType::parse(&file.content_type).map_err(|e| {
                MailError::Permanent(format!(
                    "'{}' is not a content type: {e}",
                    file.content_type
                ))
            })
        };
        let text = SinglePart::builder()
            .header(ContentType::TEXT_PLAIN)
            .body(email.text.clone());
        let html = SinglePart::builder()
            .header(ContentType::TEXT_HTML)
            .body(email.html.clone());
        let alternative = match &email.logo {
            // multipart/related: the HTML with the logo it shows.
            Some(logo) => MultiPart::alternative().singlepart(text).multipart(
                MultiPart::related().singlepart(html).singlepart(
                    lettre::message::Attachment::new_inline(LOGO_CONTENT_ID.to_owned())
                        .body(logo.bytes.clone(), content_type(logo)?),
                ),
            ),
            None => MultiPart::alternative().singlepart(text).singlepart(html),
        };
        let body = if email.attachments.is_empty() {
            alternative
        } else {
            // multipart/mixed: the readable text first, then the files.
            let mut mixed = MultiPart::mixed().multipart(alternative);
            for file in &email.attachments {
                mixed = mixed.singlepart(
                    lettre::message::Attachment::new(file.file_name.clone())
                        .body(file.bytes.clone(), content_type(file)?),
                );
            }
            mixed
        };
        builder
            .multipart(body)
            .map_err(|e| MailError::Permanent(format!("the mail cannot be built: {e}")))
    }
}

/// Only a 5xx reply is final; everything else (4xx, refused, timeouts, TLS) may pass.
fn classify(error: lettre::transport::smtp::Error) -> MailError {
    let text = match error.status() {
        Some(code) => format!("the SMTP server answered {code}: {error}"),
        None => format!("SMTP: {error}"),
    };
    if error.is_permanent() {
        MailError::Permanent(text)
    } else {
        MailError::Temporary(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_urls_are_accepted_and_a_bad_one_is_refused() {
        for url in [
            "smtp://127.0.0.1:2525",
            "smtps://user:pass@mail.example:465",
            "smtp://user:pass@mail.example:587?tls=starttls",
        ] {
            Mailer::new(url, "tilaus@shop.example").expect(url);
        }
        assert!(matches!(
            Mailer::new("http://mail.example", "tilaus@shop.example"),
            Err(MailConfigError::Url(_))
        ));
        assert!(matches!(
            Mailer::new("smtp://127.0.0.1:2525", "not an address"),
            Err(MailConfigError::From(_))
        ));
    }

    #[test]
    fn message_ids_are_stable_and_on_the_sender_domain() {
        let mailer = Mailer::new("smtp://127.0.0.1:2525", "tilaus@shop.example").expect("mailer");
        let id = uuid::Uuid::nil();
        assert_eq!(mailer.message_id(id), mailer.message_id(id));
        assert!(mailer.message_id(id).ends_with("@shop.example"));
    }

    #[test]
    fn an_unusable_recipient_is_permanent() {
        let mailer = Mailer::new("smtp://127.0.0.1:2525", "tilaus@shop.example").expect("mailer");
        let email = Email {
            sender_name: "Kauppa".into(),
            reply_to: None,
            logo: None,
            to: "no at sign".into(),
            subject: "s".into(),
            text: "t".into(),
            html: "<p>t</p>".into(),
            message_id: "x@shop.example".into(),
            attachments: Vec::new(),
        };
        assert!(matches!(mailer.build(&email), Err(MailError::Permanent(_))));
    }

    #[test]
    fn attachments_follow_the_text_in_a_mixed_mail() {
        let mailer = Mailer::new("smtp://127.0.0.1:2525", "tilaus@shop.example").expect("mailer");
        let email = Email {
            sender_name: "Kauppa".into(),
            reply_to: None,
            logo: None,
            to: "aino@example.fi".into(),
            subject: "Lasku".into(),
            text: "Liitteenä lasku.".into(),
            html: "<p>Liitteenä lasku.</p>".into(),
            message_id: "x@shop.example".into(),
            attachments: vec![Attachment {
                file_name: "invoice-L-1.pdf".into(),
                content_type: "application/pdf".into(),
                bytes: b"%PDF-1.7 test".to_vec(),
            }],
        };
        let raw =
            String::from_utf8(mailer.build(&email).expect("built").formatted()).expect("utf-8");
        assert!(raw.contains("multipart/mixed"), "{raw}");
        assert!(raw.contains("multipart/alternative"));
        assert!(raw.contains("filename=\"invoice-L-1.pdf\""), "{raw}");
        assert!(raw.contains("Content-Type: application/pdf"));
        let no_type = Email {
            attachments: vec![Attachment {
                content_type: "not a type".into(),
                ..email.attachments[0].clone()
            }],
            ..email
        };
        assert!(matches!(
            mailer.build(&no_type),
            Err(MailError::Permanent(_))
        ));
    }

    #[test]
    fn a_logo_travels_inline_with_the_html() {
        let mailer = Mailer::new("smtp://127.0.0.1:2525", "tilaus@shop.example").expect("mailer");
        let email = Email {
            sender_name: "Kauppa".into(),
            reply_to: None,
            logo: Some(Attachment {
                file_name: "logo.png".into(),
                content_type: "image/png".into(),
                bytes: b"\x89PNG logo".to_vec(),
            }),
            to: "aino@example.fi".into(),
            subject: "Tilaus".into(),
            text: "Kiitos.".into(),
            html: "<img src=\"cid:logo\"><p>Kiitos.</p>".into(),
            message_id: "x@shop.example".into(),
            attachments: Vec::new(),
        };
        let raw =
            String::from_utf8(mailer.build(&email).expect("built").formatted()).expect("utf-8");
        assert!(raw.contains("multipart/related"), "{raw}");
        assert!(raw.contains("Content-ID: <logo>"), "{raw}");
        assert!(raw.contains("Content-Disposition: inline"), "{raw}");
    }
}
