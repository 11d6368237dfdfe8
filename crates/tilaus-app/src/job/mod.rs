//! Background jobs (issue 6, PLAT): follow-up work written in the transaction that caused it
//! (the transactional outbox) and run at least once by a [`JobRunner`].
//!
//! # Adding a kind of job
//!
//! 1. A payload type that implements [`Job`], naming the stored kind once:
//!    ```ignore
//!    #[derive(Serialize, Deserialize)]
//!    pub struct SendMessage { pub message_id: Uuid }
//!    impl Job for SendMessage { const KIND: &'static str = "message.send"; }
//!    ```
//!    (`crate::message::SendMessage` is the real one.)
//!    ```ignore
//!    ```
//! 2. A handler that implements [`JobHandler`] for it and returns a [`JobFailure`] that says
//!    whether trying again can help; register it in [`Handlers::builtin`] (or, for a kind
//!    that only tests use, with [`Handlers::register`] on the test's runner).
//! 3. Enqueue it inside the write transaction of the change that needs it, and wake the runner
//!    after commit:
//!    ```ignore
//!    let mut tx = app.db.begin().await?;
//!    // … the change itself …
//!    job::enqueue(&mut tx, Some(scope), &SendMessage { message_id }, EnqueueOptions::default()).await?;
//!    tx.commit().await?;
//!    app.jobs_committed();
//!    ```
//!    If the transaction rolls back, the job never existed; if it commits, the job runs.
//!
//! # Handlers must be idempotent
//!
//! A job runs at least once: a runner killed after the work but before it recorded "done" leaves
//! the job to run again once its lease ends. Handlers make the repeat harmless by keeping their
//! own record of what was done and checking it first, in the database, in one transaction with
//! the record: e.g. a message row moves `queued → sending → sent (provider id)`; a handler that
//! finds it `sent` completes without sending, and one that finds it `sending` after a crash asks
//! the provider (or resends with the same Message-ID / idempotency key, which providers
//! de-duplicate). A job also carries an optional dedupe key, so that the same follow-up is
//! enqueued once per shop even when the cause is retried (e.g. `order-confirmed:<order id>`).
//! Runs never overlap while leases hold: a handler is cut off (and the attempt failed as
//! temporary) at four fifths of the lease, before another runner may claim the job; and
//! completing needs the claim's token, so a runner that lost its lease records nothing.

mod builtin;
mod runner;
mod staff;

pub use builtin::{
    IdempotencyPurge, JOB_RETENTION, JobPurge, OverdueCheck, Probe, ScheduledExports,
};
pub use runner::{JobRunner, RunnerConfig, Schedule};
pub use staff::{JobPage, JobView};
pub use tilaus_domain::job::{JobFailure, Period, RetryPolicy};

use crate::{App, AppError};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tilaus_store::{Queries, ShopScope, Tx, job, now_micros};
use uuid::Uuid;

/// A kind of job: its payload, stored as JSON under [`Job::KIND`].
pub trait Job: Serialize + DeserializeOwned + Send + 'static {
    /// The stored name, e.g. `message.send`. Queued jobs keep it: never rename a kind.
    const KIND: &'static str;
}

/// Runs the jobs of one kind.
pub trait JobHandler: Send + Sync + 'static {
    type Job: Job;

    /// Does the work once. Err says whether another attempt may help.
    fn run(
        &self,
        app: &App,
        job: Self::Job,
        context: &JobContext,
    ) -> impl Future<Output = Result<(), JobFailure>> + Send;

    /// Called in the transaction that parks the job as dead, so that the handler's own record
    /// says so too (a message that will not be sent is `failed`, not `queued` for ever). If it
    /// fails, nothing is recorded and the job runs again after its lease.
    fn gave_up(
        &self,
        tx: &mut Tx,
        job: Self::Job,
        context: &JobContext,
        reason: &str,
    ) -> impl Future<Output = Result<(), AppError>> + Send {
        let _ = (tx, job, context, reason);
        async { Ok(()) }
    }
}

/// What a handler knows about the attempt it runs.
#[derive(Debug, Clone)]
pub struct JobContext {
    pub job_id: Uuid,
    /// The shop the job was enqueued for (authorised then); `None` for installation-wide work.
    pub shop: Option<ShopScope>,
    /// 1 for the first attempt; counts every attempt ever made.
    pub attempt: i32,
}

/// How a job is enqueued.
#[derive(Debug, Clone, Default)]
pub struct EnqueueOptions {
    /// At most one job of this kind with this key per shop (or installation), ever.
    pub dedupe_key: Option<String>,
    /// Run no sooner than this long after enqueueing (e.g. a delayed message).
    pub delay: Duration,
}

/// What [`enqueue`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enqueued {
    New(Uuid),
    /// A job with the same dedupe key exists: nothing was written.
    Duplicate,
}

/// Writes a job in the caller's write transaction (the outbox). Call [`App::jobs_committed`]
/// after the commit so that this process's runner starts at once; other servers' runners find
/// it by polling.
pub async fn enqueue<J: Job>(
    tx: &mut impl Queries,
    shop: Option<ShopScope>,
    job: &J,
    options: EnqueueOptions,
) -> Result<Enqueued, AppError> {
    let payload = serde_json::to_string(job)
        .map_err(|e| AppError::Conflict(format!("the {} job cannot be stored: {e}", J::KIND)))?;
    let now = now_micros();
    let delay = i64::try_from(options.delay.as_micros()).unwrap_or(i64::MAX);
    let row = job::NewJob {
        job_id: Uuid::now_v7(),
        shop,
        kind: J::KIND.to_owned(),
        payload,
        dedupe_key: options.dedupe_key,
        run_at: now.saturating_add(delay),
        created_at: now,
    };
    Ok(if job::enqueue(tx, &row).await? {
        Enqueued::New(row.job_id)
    } else {
        Enqueued::Duplicate
    })
}

impl App {
    /// Wakes this process's job runner after a commit that enqueued jobs, and (on PostgreSQL)
    /// the other servers' runners.
    pub fn jobs_committed(&self) {
        self.jobs_wake.notify_one();
        self.announcer.announce_jobs(&self.db);
    }
}

type Running<'a> = Pin<Box<dyn Future<Output = Result<(), JobFailure>> + Send + 'a>>;
type GivingUp<'a> = Pin<Box<dyn Future<Output = Result<(), AppError>> + Send + 'a>>;

/// A handler with its payload type erased, so that handlers of every kind fit in one map.
trait AnyHandler: Send + Sync {
    fn run<'a>(&'a self, app: &'a App, payload: &'a str, context: &'a JobContext) -> Running<'a>;

    fn gave_up<'a>(
        &'a self,
        tx: &'a mut Tx,
        payload: &'a str,
        context: &'a JobContext,
        reason: &'a str,
    ) -> GivingUp<'a>;
}

fn payload<J: Job>(payload: &str) -> Result<J, JobFailure> {
    serde_json::from_str::<J>(payload)
        .map_err(|e| JobFailure::permanent(format!("the payload is not a {} job: {e}", J::KIND)))
}

impl<H: JobHandler> AnyHandler for H {
    fn run<'a>(&'a self, app: &'a App, payload: &'a str, context: &'a JobContext) -> Running<'a> {
        Box::pin(async move {
            let job = self::payload::<H::Job>(payload)?;
            JobHandler::run(self, app, job, context).await
        })
    }

    fn gave_up<'a>(
        &'a self,
        tx: &'a mut Tx,
        payload: &'a str,
        context: &'a JobContext,
        reason: &'a str,
    ) -> GivingUp<'a> {
        Box::pin(async move {
            // A payload this kind cannot read has nothing of its own to mark.
            match self::payload::<H::Job>(payload) {
                Ok(job) => JobHandler::gave_up(self, tx, job, context, reason).await,
                Err(_) => Ok(()),
            }
        })
    }
}

/// The handlers a runner knows, by kind.
///
/// A registry of trait objects rather than one enum with a match: kinds come from several
/// modules (messages, webhooks, providers) and tests add kinds of their own, which an enum in
/// this crate could only hold by shipping test code.
#[derive(Clone, Default)]
pub struct Handlers(HashMap<&'static str, Arc<dyn AnyHandler>>);

impl std::fmt::Debug for Handlers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

impl Handlers {
    /// Every kind Tilaus itself enqueues.
    pub fn builtin() -> Self {
        let mut handlers = Self::default();
        builtin::register(&mut handlers);
        handlers
    }

    /// Adds (or replaces) the handler of `H::Job`'s kind.
    pub fn register<H: JobHandler>(&mut self, handler: H) -> &mut Self {
        self.0.insert(H::Job::KIND, Arc::new(handler));
        self
    }

    fn get(&self, kind: &str) -> Option<Arc<dyn AnyHandler>> {
        self.0.get(kind).cloned()
    }
}
