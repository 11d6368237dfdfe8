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
        .register(CheckOverdueInvoices)
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

/// The daily look for overdue invoices (NTF-5), scheduled once a day. Wired now so that the
/// schedule is proven; the reminders themselves arrive with invoices.
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
