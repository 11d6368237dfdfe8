//! The `message.send` job: sends one stored message over SMTP, at most once as far as our log
//! knows.
//!
//! The message is marked `sending` (and its attempt counted) in a transaction of its own before
//! the SMTP conversation, and `sent` with its Message-ID after it. A repeat run that finds the
//! message finished sends nothing. One that finds it `sending` (the process died mid-send)
//! sends again with the same Message-ID, which lets receivers tell the copy: the server may
//! have accepted it before the crash, and we cannot know.

use crate::job::{Job, JobContext, JobFailure, JobHandler};
use crate::{App, AppError};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use tilaus_domain::message::MessageState;
use tilaus_integrations::mail::{Attachment, Email, MailError, Mailer};
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

    /// The message's attached documents as files; a failure is temporary (the renderer may be
    /// busy), and a missing renderer is a server set up without one.
    async fn attach(
        &self,
        app: &App,
        scope: ShopScope,
        documents: &[Uuid],
    ) -> Result<Vec<Attachment>, MailError> {
        if documents.is_empty() {
            return Ok(Vec::new());
        }
        let Some(files) = &self.documents else {
            return Err(MailError::Permanent(
                "this server cannot render documents for mail attachments".into(),
            ));
        };
        // The documents of the message's own shop, read as the mail service.
        let principal = crate::Principal::system(scope.shop_id(), "mail");
        let mut attachments = Vec::with_capacity(documents.len());
        for id in documents {
            let file = files
                .pdf(app, &principal, *id)
                .await
                .map_err(|e| MailError::Temporary(format!("the attached document {id}: {e}")))?;
            attachments.push(file);
        }
        Ok(attachments)
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
        let Some((mut email, documents)) =
            begin(app, scope, job.message_id, self.mailer.as_deref())
                .await
                .map_err(JobFailure::temporary)?
        else {
            return Ok(());
        };
        let result = match &self.mailer {
            Some(mailer) => match self.attach(app, scope, &documents).await {
                Ok(files) => {
                    email.attachments = files;
                    mailer.send(&email).await
                }
                Err(error) => Err(error),
            },
            None => Err(MailError::Permanent(NOT_CONFIGURED.into())),
        };
        let outcome = match &result {
            Ok(()) => Outcome::Sent,
            Err(MailError::Temporary(reason)) => Outcome::WillRetry(reason),
            Err(MailError::Permanent(reason)) => Outcome::Failed(reason),
        };
        finish(app, scope, job.message_id, outcome)
            .await
            .map_err(JobFailure::temporary)?;
        match result {
            Ok(()) => Ok(()),
            Err(MailError::Temporary(reason)) => Err(JobFailure::Temporary(reason)),
            Err(MailError::Permanent(reason)) => Err(JobFailure::Permanent(reason)),
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

/// Marks the message `sending` and builds its email, with the documents to attach; `None` when
/// there is nothing to send (it is finished already, or gone).
async fn begin(
    app: &App,
    scope: ShopScope,
    message_id: Uuid,
    mailer: Option<&Mailer>,
) -> Result<Option<(Email, Vec<Uuid>)>, AppError> {
    let mut tx = app.db.begin().await?;
    let Some(message) = store::get(&mut tx, scope, message_id).await? else {
        return Ok(None);
    };
    let finished = MessageState::parse(&message.state).is_none_or(MessageState::is_final);
    if finished {
        return Ok(None);
    }
    let provider_id = message
        .provider_id
        .clone()
        .or_else(|| mailer.map(|m| m.message_id(message_id)))
        .unwrap_or_default();
    if !store::begin_sending(&mut tx, scope, message_id, &provider_id, now_micros()).await? {
        return Ok(None);
    }
    let shop = shop::get_shop(&mut tx, scope)
        .await?
        .ok_or(AppError::NotFound("shop"))?;
    let settings = store::settings(&mut tx, scope).await?;
    tx.commit().await?;
    let documents = super::attachments_of(&message)?;
    let email = Email {
        sender_name: shop.name,
        reply_to: settings.reply_to,
        to: message.recipient,
        subject: message.subject,
        text: message.body_text,
        html: message.body_html,
        message_id: provider_id,
        attachments: Vec::new(),
    };
    Ok(Some((email, documents)))
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
