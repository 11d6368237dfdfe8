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
use std::sync::Arc;
use tilaus_domain::message::MessageState;
use tilaus_integrations::mail::{Email, MailError, Mailer};
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
/// then fail with that reason and can be resent once it is).
#[derive(Debug, Clone, Default)]
pub struct SendMessages {
    mailer: Option<Arc<Mailer>>,
}

impl SendMessages {
    pub fn new(mailer: Option<Mailer>) -> Self {
        Self {
            mailer: mailer.map(Arc::new),
        }
    }
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
        let Some(email) = begin(app, scope, job.message_id, self.mailer.as_deref())
            .await
            .map_err(JobFailure::temporary)?
        else {
            return Ok(());
        };
        let result = match &self.mailer {
            Some(mailer) => mailer.send(&email).await,
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

/// Marks the message `sending` and builds its email; `None` when there is nothing to send
/// (it is finished already, or gone).
async fn begin(
    app: &App,
    scope: ShopScope,
    message_id: Uuid,
    mailer: Option<&Mailer>,
) -> Result<Option<Email>, AppError> {
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
    Ok(Some(Email {
        sender_name: shop.name,
        reply_to: settings.reply_to,
        to: message.recipient,
        subject: message.subject,
        text: message.body_text,
        html: message.body_html,
        message_id: provider_id,
    }))
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
