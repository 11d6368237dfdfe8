//! The `message.send` job: sends one stored message over SMTP, or a text message through the
//! SMS provider, at most once as far as our log knows.
//!
//! The message is marked `sending` (and its attempt counted) in a transaction of its own before
//! the SMTP conversation, and `sent` with its Message-ID after it. A repeat run that finds the
//! message finished sends nothing. One that finds it `sending` (the process died mid-send)
//! sends again with the same Message-ID, which lets receivers tell the copy: the server may
//! have accepted it before the crash, and we cannot know.

use super::Attached;
use crate::export::ExportFormat;
use crate::job::{Job, JobContext, JobFailure, JobHandler};
use crate::order::ListQuery;
use crate::{App, AppError};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use tilaus_domain::message::{Channel, MessageState};
use tilaus_integrations::mail::{Attachment, Email, MailError, Mailer};
use tilaus_integrations::sms::{OutgoingSms, SmsError};
use tilaus_store::message::{self as store, Outcome};
use tilaus_store::{ShopScope, Tx, now_micros, shop};
use uuid::Uuid;

/// Sends the stored message `message_id` of the job's shop.
#[derive(Debug, Serialize, Deserialize)]
pub struct SendMessage {
    pub message_id: Uuid,
}

impl Job for SendMessage {
    const KIND: &'static str = "message.send";
}

/// The handler, with the installation's mailer (`None` when SMTP is not configured: messages
/// then fail with that reason and can be resent once it is), and what turns attached documents
/// into PDF files.
#[derive(Clone, Default)]
pub struct SendMessages {
    mailer: Option<Arc<Mailer>>,
    documents: Option<Arc<dyn DocumentFiles>>,
}

impl std::fmt::Debug for SendMessages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SendMessages")
            .field("mailer", &self.mailer)
            .field("documents", &self.documents.is_some())
            .finish()
    }
}

impl SendMessages {
    pub fn new(mailer: Option<Mailer>) -> Self {
        Self {
            mailer: mailer.map(Arc::new),
            documents: None,
        }
    }

    /// Attaches documents with `files` (the binary passes the web crate's PDF printer).
    pub fn with_documents(mut self, files: Arc<dyn DocumentFiles>) -> Self {
        self.documents = Some(files);
        self
    }

    /// What the message carries, as files: documents as PDF, order lists as spreadsheets made
    /// now. A failure is temporary (the renderer or the database may be busy); a missing
    /// renderer is a server set up without one.
    async fn attach(
        &self,
        app: &App,
        scope: ShopScope,
        attached: &[Attached],
    ) -> Result<Vec<Attachment>, MailError> {
        // The message's own shop, read as the mail service.
        let principal = crate::Principal::system(scope.shop_id(), "mail");
        let mut files = Vec::with_capacity(attached.len());
        for item in attached {
            files.push(match item {
                Attached::Document(id) => {
                    let Some(renderer) = &self.documents else {
                        return Err(MailError::Permanent(
                            "this server cannot render documents for mail attachments".into(),
                        ));
                    };
                    renderer.pdf(app, &principal, *id).await.map_err(|e| {
                        MailError::Temporary(format!("the attached document {id}: {e}"))
                    })?
                }
                Attached::Orders { orders } => orders_file(app, &principal, orders)
                    .await
                    .map_err(|e| MailError::Temporary(format!("the order list: {e}")))?,
            });
        }
        Ok(files)
    }
}

/// The shop's orders of the file's days as a spreadsheet.
async fn orders_file(
    app: &App,
    principal: &crate::Principal,
    file: &super::OrdersFile,
) -> Result<Attachment, AppError> {
    let format = ExportFormat::parse(&file.format, None)?;
    let query = ListQuery {
        created_from: Some(file.first.clone()),
        created_to: Some(file.last.clone()),
        ..ListQuery::default()
    };
    let buffer = SharedBuffer::default();
    app.export_orders(principal, &query, format, buffer.clone())
        .await?;
    let days = if file.first == file.last {
        file.first.clone()
    } else {
        format!("{}_{}", file.first, file.last)
    };
    Ok(Attachment {
        file_name: format!("orders-{days}.{}", format.extension()),
        content_type: format.content_type().to_owned(),
        bytes: buffer.take(),
    })
}

/// A file in memory that the export's writer thread fills and the mail then carries.
#[derive(Clone, Default)]
struct SharedBuffer(Arc<std::sync::Mutex<Vec<u8>>>);

impl SharedBuffer {
    fn take(&self) -> Vec<u8> {
        self.0
            .lock()
            .map(|mut b| std::mem::take(&mut *b))
            .unwrap_or_default()
    }
}

impl std::io::Write for SharedBuffer {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let mut buffer = self
            .0
            .lock()
            .map_err(|_| std::io::Error::other("the export buffer was poisoned"))?;
        buffer.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Turns an issued document into the PDF file a mail carries. The app knows documents but not
/// their print layout, which lives with the web crate's PDF rendering; the binary hands one in.
pub trait DocumentFiles: Send + Sync + 'static {
    fn pdf<'a>(
        &'a self,
        app: &'a App,
        principal: &'a crate::Principal,
        document_id: Uuid,
    ) -> Pin<Box<dyn Future<Output = Result<Attachment, AppError>> + Send + 'a>>;
}

const NOT_CONFIGURED: &str =
    "email is not set up on this server (TILAUS_SMTP_URL and TILAUS_SMTP_FROM)";

/// Why a message was not handed over, as the job runner needs it.
enum Refused {
    Temporary(String),
    Permanent(String),
}

impl From<MailError> for Refused {
    fn from(error: MailError) -> Self {
        match error {
            MailError::Temporary(reason) => Refused::Temporary(reason),
            MailError::Permanent(reason) => Refused::Permanent(reason),
        }
    }
}

impl From<SmsError> for Refused {
    fn from(error: SmsError) -> Self {
        match error {
            SmsError::Temporary(reason) => Refused::Temporary(reason),
            SmsError::Permanent(reason) => Refused::Permanent(reason),
        }
    }
}

const SMS_NOT_CONFIGURED: &str = "text messages are not set up on this server (TILAUS_SMS_TOKEN)";

impl JobHandler for SendMessages {
    type Job = SendMessage;

    async fn run(
        &self,
        app: &App,
        job: SendMessage,
        context: &JobContext,
    ) -> Result<(), JobFailure> {
        let scope = context
            .shop
            .ok_or_else(|| JobFailure::permanent("a message belongs to a shop"))?;
        let Some(begun) = begin(app, scope, job.message_id, self.mailer.as_deref())
            .await
            .map_err(JobFailure::temporary)?
        else {
            return Ok(());
        };
        let result = match begun.message.channel.as_str() {
            "sms" => self::send_sms(app, scope, begun).await,
            _ => self.send_email(app, scope, begun).await.map(|()| None),
        };
        let outcome = match &result {
            Ok(provider_id) => Outcome::Sent(provider_id.as_deref()),
            Err(Refused::Temporary(reason)) => Outcome::WillRetry(reason),
            Err(Refused::Permanent(reason)) => Outcome::Failed(reason),
        };
        finish(app, scope, job.message_id, outcome)
            .await
            .map_err(JobFailure::temporary)?;
        match result {
            Ok(_) => Ok(()),
            Err(Refused::Temporary(reason)) => Err(JobFailure::Temporary(reason)),
            Err(Refused::Permanent(reason)) => Err(JobFailure::Permanent(reason)),
        }
    }

    /// A message whose job ran out of attempts will not be sent: it fails with the last reason,
    /// and staff can send it again from the log.
    async fn gave_up(
        &self,
        tx: &mut Tx,
        job: SendMessage,
        context: &JobContext,
        reason: &str,
    ) -> Result<(), AppError> {
        let Some(scope) = context.shop else {
            return Ok(());
        };
        let reason = format!("gave up after {} attempts: {reason}", context.attempt);
        store::give_up(tx, scope, job.message_id, &reason, now_micros()).await?;
        Ok(())
    }
}

/// A message marked `sending`, with what sending it needs.
struct Begun {
    message: store::MessageRow,
    provider_id: String,
    shop_name: String,
    settings: store::SettingsRow,
    brand: crate::brand::Brand,
}

/// Marks the message `sending` and reads what sending it needs; `None` when there is nothing
/// to send (it is finished already, or gone).
async fn begin(
    app: &App,
    scope: ShopScope,
    message_id: Uuid,
    mailer: Option<&Mailer>,
) -> Result<Option<Begun>, AppError> {
    let mut tx = app.db.begin().await?;
    let Some(message) = store::get(&mut tx, scope, message_id).await? else {
        return Ok(None);
    };
    let finished = MessageState::parse(&message.state).is_none_or(MessageState::is_final);
    if finished {
        return Ok(None);
    }
    // An e-mail's Message-ID is ours, fixed before the first attempt; a text's id is the
    // provider's, known once it took the text.
    let provider_id = message
        .provider_id
        .clone()
        .or_else(|| {
            (message.channel == Channel::Email.as_str())
                .then(|| mailer.map(|m| m.message_id(message_id)))
                .flatten()
        })
        .unwrap_or_default();
    if !store::begin_sending(&mut tx, scope, message_id, &provider_id, now_micros()).await? {
        return Ok(None);
    }
    let shop = shop::get_shop(&mut tx, scope)
        .await?
        .ok_or(AppError::NotFound("shop"))?;
    let settings = store::settings(&mut tx, scope).await?;
    let brand = crate::brand::brand_of(&mut tx, scope).await?;
    tx.commit().await?;
    Ok(Some(Begun {
        message,
        provider_id,
        shop_name: shop.name,
        settings,
        brand,
    }))
}

impl SendMessages {
    /// One e-mail over SMTP, with its documents attached.
    async fn send_email(&self, app: &App, scope: ShopScope, begun: Begun) -> Result<(), Refused> {
        let Some(mailer) = &self.mailer else {
            return Err(Refused::Permanent(NOT_CONFIGURED.into()));
        };
        let documents =
            super::attachments_of(&begun.message).map_err(|e| Refused::Permanent(e.to_string()))?;
        let attachments = self.attach(app, scope, &documents).await?;
        // The logo goes inline when the HTML shows it (and is a PNG, as the layout asks).
        let shows_logo = begun.message.body_html.contains("cid:logo");
        let logo = begun
            .brand
            .logo
            .filter(|l| shows_logo && l.format == tilaus_domain::brand::LogoFormat::Png)
            .map(|l| Attachment {
                file_name: "logo.png".into(),
                content_type: l.format.content_type().into(),
                bytes: l.bytes,
            });
        let message = begun.message;
        let email = Email {
            sender_name: begun.shop_name,
            reply_to: begun.settings.reply_to,
            to: message.recipient,
            subject: message.subject,
            text: message.body_text,
            html: message.body_html,
            message_id: begun.provider_id,
            attachments,
            logo,
        };
        Ok(mailer.send(&email).await?)
    }
}

/// One text message through the installation's SMS provider; the provider's id when it took
/// it. Delivery reports are asked for when they can be verified.
async fn send_sms(app: &App, scope: ShopScope, begun: Begun) -> Result<Option<String>, Refused> {
    let Some(sms) = app.sms() else {
        return Err(Refused::Permanent(SMS_NOT_CONFIGURED.into()));
    };
    let Some(sender) = begun.settings.sms_sender else {
        return Err(Refused::Permanent(
            "the shop has no SMS sender name any more".into(),
        ));
    };
    let callback_url = sms.webhook_secret.as_ref().map(|_| {
        format!(
            "{}/api/v1/providers/gatewayapi/reports?shop={}",
            app.public_url(),
            scope.shop_id()
        )
    });
    let text = OutgoingSms {
        to: begun.message.recipient,
        sender,
        text: begun.message.body_text,
        reference: begun.message.message_id.to_string(),
        callback_url,
    };
    let accepted = sms.sender.send(&text).await?;
    Ok(Some(accepted.provider_id))
}

async fn finish(
    app: &App,
    scope: ShopScope,
    message_id: Uuid,
    outcome: Outcome<'_>,
) -> Result<(), AppError> {
    let mut tx = app.db.begin().await?;
    store::finish_sending(&mut tx, scope, message_id, outcome, now_micros()).await?;
    tx.commit().await?;
    Ok(())
}
