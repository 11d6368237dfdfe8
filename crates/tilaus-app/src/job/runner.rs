//! The runner: claims due jobs, runs them with a concurrency limit, records every attempt, and
//! enqueues scheduled kinds once per period.

use super::{AnyHandler, Handlers, Job, JobContext, JobFailure};
use crate::{App, AppError};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tilaus_domain::job::{NextStep, Period, RetryPolicy};
use tilaus_store::job::{self, ClaimedJob};
use tilaus_store::{ShopScope, StoreError, now_micros};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use uuid::Uuid;

/// How a runner behaves. The binary reads each from a `TILAUS_JOB_*` setting.
#[derive(Debug, Clone)]
pub struct RunnerConfig {
    /// Jobs run at once by this runner (`TILAUS_JOB_CONCURRENCY`, 4).
    pub concurrency: usize,
    /// How often it looks for due jobs without being woken (`TILAUS_JOB_POLL_MS`, 1000): this
    /// is how jobs enqueued on other servers, and retries coming due, are found.
    pub poll: Duration,
    /// How long a claim holds a job (`TILAUS_JOB_LEASE_SECS`, 300). A handler is cut off at four
    /// fifths of it; a runner that dies leaves its jobs to others once it ends.
    pub lease: Duration,
    /// Backoff and attempts (`TILAUS_JOB_FIRST_RETRY_SECS` 30, `TILAUS_JOB_RETRY_CAP_SECS`
    /// 3600, `TILAUS_JOB_MAX_ATTEMPTS` 12).
    pub retry: RetryPolicy,
    /// On shutdown, how long running jobs may take to finish (`TILAUS_JOB_SHUTDOWN_SECS`, 30).
    pub shutdown_grace: Duration,
}

impl Default for RunnerConfig {
    fn default() -> Self {
        Self {
            concurrency: 4,
            poll: Duration::from_secs(1),
            lease: Duration::from_secs(300),
            retry: RetryPolicy::default(),
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

/// A kind enqueued once per period, by whichever runner gets there first.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub kind: &'static str,
    pub period: Period,
    payload: String,
}

impl Schedule {
    pub fn of<J: Job + Default>(period: Period) -> Self {
        Self {
            kind: J::KIND,
            period,
            payload: serde_json::to_string(&J::default()).unwrap_or_else(|_| "null".into()),
        }
    }

    /// What Tilaus schedules: the hourly idempotency-key purge, the daily overdue check, the
    /// daily scheduled exports and the daily purge of long-finished jobs.
    pub fn builtin() -> Vec<Schedule> {
        vec![
            Schedule::of::<super::IdempotencyPurge>(Period::Hourly),
            Schedule::of::<super::OverdueCheck>(Period::Daily),
            Schedule::of::<super::ScheduledExports>(Period::Daily),
            Schedule::of::<super::JobPurge>(Period::Daily),
        ]
    }
}

/// Runs jobs until told to stop; start it once per process (`tilaus serve` or `tilaus worker`).
pub struct JobRunner {
    app: App,
    handlers: Arc<Handlers>,
    config: RunnerConfig,
    schedules: Vec<Schedule>,
}

impl App {
    /// Enqueues each schedule's job for the period `now` falls in, unless some runner already
    /// did; returns the jobs this call enqueued.
    pub async fn enqueue_scheduled(
        &self,
        schedules: &[Schedule],
        now: jiff::Timestamp,
    ) -> Result<Vec<Uuid>, AppError> {
        let mut enqueued = Vec::new();
        for schedule in schedules {
            let period_key = schedule.period.key(now);
            let job_id = Uuid::now_v7();
            let mut tx = self.db.begin().await?;
            if job::record_period(&mut tx, schedule.kind, &period_key, job_id, now_micros()).await?
            {
                let micros = now.as_microsecond();
                job::enqueue(
                    &mut tx,
                    &job::NewJob {
                        job_id,
                        shop: None,
                        kind: schedule.kind.to_owned(),
                        payload: schedule.payload.clone(),
                        dedupe_key: None,
                        run_at: micros,
                        created_at: micros,
                    },
                )
                .await?;
                enqueued.push(job_id);
            }
            tx.commit().await?;
        }
        if !enqueued.is_empty() {
            self.jobs_committed();
        }
        Ok(enqueued)
    }
}

impl JobRunner {
    pub fn new(app: App, handlers: Handlers, config: RunnerConfig) -> Self {
        Self {
            app,
            handlers: Arc::new(handlers),
            config,
            schedules: Vec::new(),
        }
    }

    /// Also enqueues these scheduled kinds once per period.
    pub fn with_schedules(mut self, schedules: Vec<Schedule>) -> Self {
        self.schedules = schedules;
        self
    }

    /// Claims and runs jobs until `shutdown` resolves; then claims nothing more and gives running
    /// jobs [`RunnerConfig::shutdown_grace`] to finish. Jobs still running after that are
    /// abandoned; their leases run out and another runner (or this one, restarted) takes them.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        let concurrency = self.config.concurrency.max(1);
        let slots = Arc::new(Semaphore::new(concurrency));
        let mut running = JoinSet::new();
        let mut poll = tokio::time::interval(self.config.poll);
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let wake = self.app.jobs_wake.clone();
        let listening = tokio::spawn(listen_for_jobs(self.app.db.clone(), wake.clone()));
        let mut periods: HashMap<&'static str, String> = HashMap::new();
        tokio::pin!(shutdown);
        loop {
            self.schedule(&mut periods).await;
            let free = slots.available_permits();
            let mut full_batch = false;
            if free > 0 {
                match self.claim(free).await {
                    Ok(claimed) => {
                        full_batch = claimed.len() == free;
                        for job in claimed {
                            let Ok(slot) = slots.clone().try_acquire_owned() else {
                                break;
                            };
                            let (app, handlers, config) =
                                (self.app.clone(), self.handlers.clone(), self.config.clone());
                            running.spawn(async move {
                                run_one(&app, &handlers, &config, job).await;
                                drop(slot);
                            });
                        }
                    }
                    Err(error) if error.is_pool_closed() => break,
                    Err(error) => tracing::warn!(%error, "could not claim jobs"),
                }
            }
            if full_batch && slots.available_permits() > 0 {
                continue;
            }
            tokio::select! {
                () = &mut shutdown => break,
                () = wake.notified() => {}
                _ = poll.tick() => {}
                Some(_) = running.join_next(), if !running.is_empty() => {}
            }
        }
        listening.abort();
        let finished = tokio::time::timeout(self.config.shutdown_grace, async {
            while running.join_next().await.is_some() {}
        })
        .await;
        if finished.is_err() {
            tracing::warn!(
                jobs = running.len(),
                "jobs still running at shutdown are left to run again after their lease"
            );
            running.abort_all();
        }
    }

    async fn claim(&self, free: usize) -> Result<Vec<ClaimedJob>, StoreError> {
        let now = now_micros();
        let lease = i64::try_from(self.config.lease.as_micros()).unwrap_or(i64::MAX);
        let limit = u64::try_from(free).unwrap_or(u64::MAX);
        job::claim(&self.app.db, limit, now.saturating_add(lease), now).await
    }

    /// Enqueues the scheduled kinds whose period this runner has not yet seen.
    async fn schedule(&self, periods: &mut HashMap<&'static str, String>) {
        let now = jiff::Timestamp::now();
        let due: Vec<Schedule> = self
            .schedules
            .iter()
            .filter(|s| periods.get(s.kind) != Some(&s.period.key(now)))
            .cloned()
            .collect();
        if due.is_empty() {
            return;
        }
        match self.app.enqueue_scheduled(&due, now).await {
            Ok(_) => {
                for schedule in due {
                    periods.insert(schedule.kind, schedule.period.key(now));
                }
            }
            Err(error) => tracing::warn!(%error, "could not enqueue scheduled jobs"),
        }
    }
}

/// Wakes the runner whenever any server announces enqueued jobs (PostgreSQL `LISTEN`), so work
/// enqueued elsewhere starts at once rather than at the next poll. Returns at once on SQLite;
/// a lost connection is retried, and the poll covers the gap.
async fn listen_for_jobs(db: tilaus_store::Db, wake: Arc<tokio::sync::Notify>) {
    loop {
        match tilaus_store::dialect::JobWakeups::listen(&db).await {
            Ok(None) => return,
            Ok(Some(mut wakeups)) => {
                while wakeups.next().await.is_ok() {
                    wake.notify_one();
                }
                tracing::warn!("the job wake-up connection failed; listening again");
            }
            Err(error) => tracing::warn!(%error, "could not listen for job wake-ups"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Runs one claimed attempt and records how it ended.
async fn run_one(app: &App, handlers: &Handlers, config: &RunnerConfig, job: ClaimedJob) {
    let context = JobContext {
        job_id: job.job_id,
        shop: job.shop_id.map(ShopScope::authorised),
        attempt: job.attempts,
    };
    let handler = handlers.get(&job.kind);
    let outcome = if job.attempt_in_round() > config.retry.max_attempts {
        // Only runners that died mid-attempt again and again get here (a job that kills its
        // process): stop feeding it to them.
        Err(JobFailure::permanent(
            "its attempts ran out: every runner stopped before finishing it",
        ))
    } else {
        match &handler {
            Some(handler) => {
                let limit = config.lease.mul_f64(0.8);
                attempt(app, handler.clone(), &job, &context, limit).await
            }
            None => Err(JobFailure::temporary(format!(
                "this runner has no handler for the kind {}",
                job.kind
            ))),
        }
    };
    if let Err(failure) = &outcome {
        tracing::warn!(job_id = %job.job_id, kind = %job.kind, attempt = job.attempts, %failure, "job attempt failed");
    }
    match record(app, config, &job, &context, handler.as_deref(), outcome).await {
        Ok(true) => {}
        Ok(false) => tracing::warn!(
            job_id = %job.job_id,
            kind = %job.kind,
            "the job's lease ran out before it finished; another runner has taken it over"
        ),
        // Unrecorded: the lease runs out and the job runs again (at least once).
        Err(error) => {
            tracing::warn!(job_id = %job.job_id, %error, "could not record a job attempt")
        }
    }
}

/// Runs the handler on a task of its own, so that a panic fails the attempt instead of the
/// runner, and cuts it off at `limit`.
async fn attempt(
    app: &App,
    handler: Arc<dyn AnyHandler>,
    job: &ClaimedJob,
    context: &JobContext,
    limit: Duration,
) -> Result<(), JobFailure> {
    let (app, payload, context) = (app.clone(), job.payload.clone(), context.clone());
    let task = tokio::spawn(async move { handler.run(&app, &payload, &context).await });
    let abort = task.abort_handle();
    match tokio::time::timeout(limit, task).await {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(error)) if error.is_panic() => Err(JobFailure::temporary("the handler panicked")),
        Ok(Err(error)) => Err(JobFailure::temporary(error)),
        Err(_) => {
            abort.abort();
            Err(JobFailure::temporary(format!(
                "it took longer than {} s",
                limit.as_secs()
            )))
        }
    }
}

/// Records how the attempt ended; a job that dies tells its handler in the same transaction.
async fn record(
    app: &App,
    config: &RunnerConfig,
    job: &ClaimedJob,
    context: &JobContext,
    handler: Option<&dyn AnyHandler>,
    outcome: Result<(), JobFailure>,
) -> Result<bool, AppError> {
    let now = now_micros();
    let mut tx = app.db.begin().await?;
    let recorded = match outcome {
        Ok(()) => job::complete(&mut tx, job, now).await?,
        Err(failure) => {
            let retry_at = match config.retry.after_failure(
                job.attempt_in_round(),
                &failure,
                rand::random::<f64>(),
            ) {
                NextStep::RetryAfter(delay) => {
                    Some(now.saturating_add(i64::try_from(delay.as_micros()).unwrap_or(i64::MAX)))
                }
                NextStep::Dead => None,
            };
            let reason = failure.to_string();
            let recorded = job::fail(&mut tx, job, &reason, retry_at, now).await?;
            if let (true, None, Some(handler)) = (recorded, retry_at, handler) {
                handler
                    .gave_up(&mut tx, &job.payload, context, &reason)
                    .await?;
            }
            recorded
        }
    };
    tx.commit().await?;
    Ok(recorded)
}
