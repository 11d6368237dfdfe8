//! The kinds of job Tilaus itself runs.

use super::{EnqueueOptions, Enqueued, Handlers, Job, JobContext, JobFailure, JobHandler, enqueue};
use crate::{App, AppError, Principal, audit};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::time::Duration;
use uuid::Uuid;

pub(super) fn register(handlers: &mut Handlers) {
    handlers
        .register(PurgeIdempotencyKeys)
        .register(PurgeFinishedJobs)
        .register(CheckOverdueInvoices)
        .register(SendScheduledExports)
        .register(RunProbe)
        // Without a mailer until the binary supplies one (`TILAUS_SMTP_URL`).
        .register(crate::message::SendMessages::default());
    crate::paylink::register(handlers);
}

/// Forgets idempotency keys past their retention (scheduled hourly).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct IdempotencyPurge;

impl Job for IdempotencyPurge {
    const KIND: &'static str = "idempotency.purge";
}

struct PurgeIdempotencyKeys;

impl JobHandler for PurgeIdempotencyKeys {
    type Job = IdempotencyPurge;

    async fn run(&self, app: &App, _: IdempotencyPurge, _: &JobContext) -> Result<(), JobFailure> {
        // A delete by age: running it twice is harmless.
        let purged = app
            .purge_idempotency_keys(tilaus_store::now_micros())
            .await
            .map_err(JobFailure::temporary)?;
        if purged > 0 {
            tracing::info!(purged, "forgot expired idempotency keys");
        }
        Ok(())
    }
}

/// Forgets jobs that finished long ago (scheduled daily), so the job table holds what is due,
/// running, dead or recent. A dedupe key therefore holds for [`JOB_RETENTION`] after its job
/// finished, far longer than any retry of the change that enqueued it.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct JobPurge;

impl Job for JobPurge {
    const KIND: &'static str = "jobs.purge";
}

/// How long finished jobs and their attempts are kept for staff to look into.
pub const JOB_RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);

/// Jobs deleted per statement: a large backlog goes in batches, each a short transaction.
const PURGE_BATCH: u64 = 5_000;

struct PurgeFinishedJobs;

impl JobHandler for PurgeFinishedJobs {
    type Job = JobPurge;

    async fn run(&self, app: &App, _: JobPurge, _: &JobContext) -> Result<(), JobFailure> {
        let purged = app
            .purge_finished_jobs(tilaus_store::now_micros())
            .await
            .map_err(JobFailure::temporary)?;
        if purged > 0 {
            tracing::info!(purged, "forgot finished jobs");
        }
        Ok(())
    }
}

impl App {
    /// Deletes the jobs that finished more than [`JOB_RETENTION`] before `now`, batch by batch.
    pub async fn purge_finished_jobs(&self, now: i64) -> Result<u64, AppError> {
        let retention = i64::try_from(JOB_RETENTION.as_micros()).unwrap_or(i64::MAX);
        let before = now.saturating_sub(retention);
        let mut purged = 0;
        loop {
            let mut tx = self.db.begin().await?;
            let batch = tilaus_store::job::purge_finished(&mut tx, before, PURGE_BATCH).await?;
            tx.commit().await?;
            purged += batch;
            if batch < PURGE_BATCH {
                return Ok(purged);
            }
        }
    }
}

/// The daily look for overdue invoices (NTF-5), scheduled once a day: sends the payment
/// reminders that are due (see [`crate::dunning`]).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct OverdueCheck;

impl Job for OverdueCheck {
    const KIND: &'static str = "invoice.overdue_check";
}

struct CheckOverdueInvoices;

impl JobHandler for CheckOverdueInvoices {
    type Job = OverdueCheck;

    /// Sends the day's payment reminders (NTF-5). Running twice in a day is harmless: each
    /// invoice's level is sent once, by its key.
    async fn run(&self, app: &App, _: OverdueCheck, _: &JobContext) -> Result<(), JobFailure> {
        let sent = app
            .send_overdue_reminders(jiff::Timestamp::now())
            .await
            .map_err(JobFailure::temporary)?;
        if sent > 0 {
            tracing::info!(sent, "sent payment reminders");
        }
        Ok(())
    }
}

/// The daily scheduled exports (NTF-6): mails each shop's orders and documents of the periods
/// that have ended (see [`crate::export_schedule`]).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ScheduledExports;

impl Job for ScheduledExports {
    const KIND: &'static str = "exports.scheduled";
}

struct SendScheduledExports;

impl JobHandler for SendScheduledExports {
    type Job = ScheduledExports;

    /// Running twice in a day is harmless: each period of a schedule is sent once.
    async fn run(&self, app: &App, _: ScheduledExports, _: &JobContext) -> Result<(), JobFailure> {
        let written = app
            .send_scheduled_exports(jiff::Timestamp::now())
            .await
            .map_err(JobFailure::temporary)?;
        if written > 0 {
            tracing::info!(written, "wrote scheduled exports");
        }
        Ok(())
    }
}

/// A job that proves the runner works end to end (`tilaus job probe`): it waits, then writes
/// `job.probe_ran` to the shop's audit trail, one entry per run.
#[derive(Debug, Serialize, Deserialize)]
pub struct Probe {
    /// How long the work takes, in milliseconds.
    pub millis: u64,
}

impl Job for Probe {
    const KIND: &'static str = "system.probe";
}

struct RunProbe;

impl App {
    /// Enqueues a [`Probe`] for the principal's shop; returns its job id.
    pub async fn enqueue_probe(
        &self,
        principal: &Principal,
        millis: u64,
    ) -> Result<Uuid, AppError> {
        let scope = principal.admin_scope()?;
        let mut tx = self.db.begin().await?;
        let Enqueued::New(job_id) = enqueue(
            &mut tx,
            Some(scope),
            &Probe { millis },
            EnqueueOptions::default(),
        )
        .await?
        else {
            return Err(AppError::Conflict("the probe was not enqueued".into()));
        };
        tx.commit().await?;
        self.jobs_committed();
        Ok(job_id)
    }
}

impl JobHandler for RunProbe {
    type Job = Probe;

    async fn run(&self, app: &App, probe: Probe, context: &JobContext) -> Result<(), JobFailure> {
        let scope = context
            .shop
            .ok_or_else(|| JobFailure::permanent("a probe belongs to a shop"))?;
        tokio::time::sleep(Duration::from_millis(probe.millis)).await;
        let principal = Principal::system(scope.shop_id(), "job runner");
        let write = async {
            let mut tx = app.db.begin().await?;
            audit::record(
                &mut tx,
                scope,
                &principal,
                "job.probe_ran",
                &context.job_id.to_string(),
                json!({"attempt": context.attempt}),
            )
            .await?;
            tx.commit().await?;
            Ok::<_, AppError>(())
        };
        write.await.map_err(JobFailure::temporary)
    }
}
