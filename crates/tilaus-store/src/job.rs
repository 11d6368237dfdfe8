//! The job queue: follow-up work enqueued in the transaction that caused it (the outbox),
//! claimed by runners under a lease, retried, parked as dead, and retried again by staff.
//!
//! A claim is one short transaction. On PostgreSQL its inner `SELECT … FOR UPDATE SKIP LOCKED`
//! lets several servers claim at once without taking the same job; SQLite has one writer, so the
//! same `UPDATE … RETURNING` is already exclusive (sea-query leaves the lock clause out there).
//! A claimed job holds a lease token until `locked_until`: completing or failing it needs the
//! token, and a job whose lease ran out (its worker was killed) is claimed again by anyone. So a
//! job runs at least once, and never twice at the same time while leases are honoured.

use crate::schema::{JobAttempts, JobSchedule, Jobs};
use crate::{Db, Queries, ShopScope, StoreError};
use sea_query::{Expr, ExprTrait, LockBehavior, LockType, OnConflict, Order, Query};
use tilaus_domain::job::{AttemptOutcome, JobState};
use uuid::Uuid;

/// A job to write.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub job_id: Uuid,
    /// `None` for installation-wide work.
    pub shop: Option<ShopScope>,
    pub kind: String,
    /// JSON.
    pub payload: String,
    /// When given, the job is written only if the shop has no job of this kind with this key.
    pub dedupe_key: Option<String>,
    pub run_at: i64,
    pub created_at: i64,
}

/// Writes a job; `false` when a job with the same dedupe key already exists (nothing written).
/// Call it inside the transaction of the change that needs the work done.
pub async fn enqueue(q: &mut impl Queries, job: &NewJob) -> Result<bool, StoreError> {
    let written = q
        .execute(
            Query::insert()
                .into_table(Jobs::Table)
                .columns([
                    Jobs::JobId,
                    Jobs::ShopId,
                    Jobs::Kind,
                    Jobs::Payload,
                    Jobs::DedupeKey,
                    Jobs::State,
                    Jobs::Attempts,
                    Jobs::AttemptsBeforeRetry,
                    Jobs::RunAt,
                    Jobs::CreatedAt,
                ])
                .values_panic([
                    job.job_id.into(),
                    job.shop.map(ShopScope::shop_id).into(),
                    job.kind.clone().into(),
                    job.payload.clone().into(),
                    job.dedupe_key.clone().into(),
                    JobState::Queued.as_str().into(),
                    0.into(),
                    0.into(),
                    job.run_at.into(),
                    job.created_at.into(),
                ])
                // No target: either dedupe index (per shop, or installation-wide) may object.
                .on_conflict(OnConflict::new().do_nothing().to_owned()),
        )
        .await?;
    Ok(written == 1)
}

/// A job a runner has claimed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimedJob {
    pub job_id: Uuid,
    pub shop_id: Option<Uuid>,
    pub kind: String,
    pub payload: String,
    /// This attempt's number, counting every attempt ever made.
    pub attempts: i32,
    pub attempts_before_retry: i32,
    pub lease_token: Uuid,
    pub locked_until: i64,
}

impl ClaimedJob {
    /// The attempt's number since staff last retried the job (what the retry limit counts).
    pub fn attempt_in_round(&self) -> u32 {
        u32::try_from(self.attempts - self.attempts_before_retry).unwrap_or(0)
    }
}

const LEASE_RAN_OUT: &str = "the runner's lease ran out before it finished (it stopped or hung)";

/// Claims up to `limit` due jobs (queued and due, or running with a lease that ran out) for a
/// lease until `locked_until`, in one short transaction. Every claim gets a fresh token.
pub async fn claim(
    db: &Db,
    limit: u64,
    locked_until: i64,
    now: i64,
) -> Result<Vec<ClaimedJob>, StoreError> {
    let lease = Lease {
        token: Uuid::now_v7(),
        locked_until,
    };
    let mut tx = db.begin().await?;
    let mut claimed: Vec<ClaimedJob> = tx
        .fetch_all(&claim_statement(Due::LeaseRanOut, limit, &lease, now))
        .await?;
    let rest = limit.saturating_sub(claimed.len() as u64);
    if rest > 0 {
        claimed.extend(
            tx.fetch_all::<ClaimedJob, _>(&claim_statement(Due::Queued, rest, &lease, now))
                .await?,
        );
    }
    if claimed.is_empty() {
        tx.commit().await?;
        return Ok(claimed);
    }
    let ids: Vec<Uuid> = claimed.iter().map(|j| j.job_id).collect();
    // Attempts still open belong to runners whose lease ran out.
    tx.execute(
        Query::update()
            .table(JobAttempts::Table)
            .value(JobAttempts::Outcome, AttemptOutcome::Abandoned.as_str())
            .value(JobAttempts::FinishedAt, now)
            .value(JobAttempts::Error, LEASE_RAN_OUT)
            .and_where(Expr::col(JobAttempts::JobId).is_in(ids))
            .and_where(Expr::col(JobAttempts::Outcome).eq(AttemptOutcome::Running.as_str())),
    )
    .await?;
    let mut attempts = Query::insert();
    attempts.into_table(JobAttempts::Table).columns([
        JobAttempts::JobId,
        JobAttempts::Attempt,
        JobAttempts::StartedAt,
        JobAttempts::Outcome,
    ]);
    for job in &claimed {
        attempts.values_panic([
            job.job_id.into(),
            job.attempts.into(),
            now.into(),
            AttemptOutcome::Running.as_str().into(),
        ]);
    }
    tx.execute(&attempts).await?;
    tx.commit().await?;
    Ok(claimed)
}

/// Which due jobs a claim statement takes.
#[derive(Clone, Copy)]
enum Due {
    /// Running, but their runner's lease ran out (it died or stalled).
    LeaseRanOut,
    /// Queued, and their time has come.
    Queued,
}

/// The runner's hold on the jobs it claims.
struct Lease {
    token: Uuid,
    locked_until: i64,
}

/// Marks up to `limit` due jobs of one kind running under the lease and returns them, oldest
/// first. The inner select skips rows another claim has locked (PostgreSQL; SQLite's single
/// writer needs no lock).
///
/// One statement per kind, so that each walks `jobs_due (state, run_at)` from its state's start
/// and stops at `limit`: one condition over both states (an OR) made PostgreSQL read every job
/// ever run for each claim, and finished jobs stay in the table.
fn claim_statement(due: Due, limit: u64, lease: &Lease, now: i64) -> sea_query::UpdateStatement {
    let condition = match due {
        Due::LeaseRanOut => Expr::col(Jobs::State)
            .eq(JobState::Running.as_str())
            .and(Expr::col(Jobs::LockedUntil).lte(now)),
        Due::Queued => Expr::col(Jobs::State)
            .eq(JobState::Queued.as_str())
            .and(Expr::col(Jobs::RunAt).lte(now)),
    };
    let due = Query::select()
        .column(Jobs::JobId)
        .from(Jobs::Table)
        .and_where(condition)
        .order_by(Jobs::RunAt, Order::Asc)
        .limit(limit)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .to_owned();
    Query::update()
        .table(Jobs::Table)
        .value(Jobs::State, JobState::Running.as_str())
        .value(Jobs::Attempts, Expr::col(Jobs::Attempts).add(1))
        .value(Jobs::LeaseToken, lease.token)
        .value(Jobs::LockedUntil, lease.locked_until)
        .and_where(Expr::col(Jobs::JobId).in_subquery(due))
        .returning(Query::returning().columns([
            Jobs::JobId,
            Jobs::ShopId,
            Jobs::Kind,
            Jobs::Payload,
            Jobs::Attempts,
            Jobs::AttemptsBeforeRetry,
            Jobs::LeaseToken,
            Jobs::LockedUntil,
        ]))
        .to_owned()
}

/// Ends an attempt the lease holder made: `state` is done, queued again (with `run_at`) or
/// dead. `false` when the lease was no longer held (it ran out and another runner took the job):
/// then nothing changes.
async fn finish(
    q: &mut impl Queries,
    job: &ClaimedJob,
    state: JobState,
    run_at: Option<i64>,
    error: Option<&str>,
    now: i64,
) -> Result<bool, StoreError> {
    let mut update = Query::update();
    update
        .table(Jobs::Table)
        .value(Jobs::State, state.as_str())
        .value(Jobs::LeaseToken, Option::<Uuid>::None)
        .value(Jobs::LockedUntil, Option::<i64>::None)
        .and_where(Expr::col(Jobs::JobId).eq(job.job_id))
        .and_where(Expr::col(Jobs::LeaseToken).eq(job.lease_token))
        .and_where(Expr::col(Jobs::State).eq(JobState::Running.as_str()));
    if let Some(run_at) = run_at {
        update.value(Jobs::RunAt, run_at);
    }
    if let Some(error) = error {
        update.value(Jobs::LastError, error);
    }
    if matches!(state, JobState::Done | JobState::Dead) {
        update.value(Jobs::FinishedAt, now);
    }
    if q.execute(&update).await? == 0 {
        return Ok(false);
    }
    let outcome = if state == JobState::Done {
        AttemptOutcome::Done
    } else {
        AttemptOutcome::Failed
    };
    q.execute(
        Query::update()
            .table(JobAttempts::Table)
            .value(JobAttempts::Outcome, outcome.as_str())
            .value(JobAttempts::FinishedAt, now)
            .value(JobAttempts::Error, error)
            .and_where(Expr::col(JobAttempts::JobId).eq(job.job_id))
            .and_where(Expr::col(JobAttempts::Attempt).eq(job.attempts)),
    )
    .await?;
    Ok(true)
}

/// Marks the attempt done. `false` when the lease was lost (see [`claim`]).
pub async fn complete(
    q: &mut impl Queries,
    job: &ClaimedJob,
    now: i64,
) -> Result<bool, StoreError> {
    finish(q, job, JobState::Done, None, None, now).await
}

/// Records a failed attempt: queued again at `retry_at`, or dead when `None`.
pub async fn fail(
    q: &mut impl Queries,
    job: &ClaimedJob,
    error: &str,
    retry_at: Option<i64>,
    now: i64,
) -> Result<bool, StoreError> {
    let state = if retry_at.is_some() {
        JobState::Queued
    } else {
        JobState::Dead
    };
    finish(q, job, state, retry_at, Some(error), now).await
}

/// Queues a dead job of the shop again, due now, with a fresh round of attempts. `false` when
/// the shop has no such dead job.
pub async fn retry_dead(
    q: &mut impl Queries,
    scope: ShopScope,
    job_id: Uuid,
    now: i64,
) -> Result<bool, StoreError> {
    let retried = q
        .execute(
            Query::update()
                .table(Jobs::Table)
                .value(Jobs::State, JobState::Queued.as_str())
                .value(Jobs::RunAt, now)
                .value(Jobs::AttemptsBeforeRetry, Expr::col(Jobs::Attempts))
                .value(Jobs::FinishedAt, Option::<i64>::None)
                .and_where(Expr::col(Jobs::ShopId).eq(scope.shop_id()))
                .and_where(Expr::col(Jobs::JobId).eq(job_id))
                .and_where(Expr::col(Jobs::State).eq(JobState::Dead.as_str())),
        )
        .await?;
    Ok(retried == 1)
}

/// A job as staff see it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobRow {
    pub job_id: Uuid,
    pub shop_id: Option<Uuid>,
    pub kind: String,
    pub dedupe_key: Option<String>,
    pub state: String,
    pub attempts: i32,
    pub run_at: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

const JOB_COLUMNS: [Jobs; 10] = [
    Jobs::JobId,
    Jobs::ShopId,
    Jobs::Kind,
    Jobs::DedupeKey,
    Jobs::State,
    Jobs::Attempts,
    Jobs::RunAt,
    Jobs::LastError,
    Jobs::CreatedAt,
    Jobs::FinishedAt,
];

/// Whose jobs a read may see: one shop's, or the installation's own (no shop).
fn owned_by(owner: Option<ShopScope>) -> sea_query::SimpleExpr {
    match owner {
        Some(scope) => Expr::col(Jobs::ShopId).eq(scope.shop_id()),
        None => Expr::col(Jobs::ShopId).is_null(),
    }
}

/// One job of the shop (or of the installation when `owner` is `None`).
pub async fn get(
    q: &mut impl Queries,
    owner: Option<ShopScope>,
    job_id: Uuid,
) -> Result<Option<JobRow>, StoreError> {
    q.fetch_optional(
        Query::select()
            .columns(JOB_COLUMNS)
            .from(Jobs::Table)
            .and_where(owned_by(owner))
            .and_where(Expr::col(Jobs::JobId).eq(job_id)),
    )
    .await
}

/// The shop's jobs, newest first (job ids are UUIDv7), in one state when given, older than
/// `before` when given.
pub async fn list(
    q: &mut impl Queries,
    scope: ShopScope,
    state: Option<JobState>,
    before: Option<Uuid>,
    limit: u64,
) -> Result<Vec<JobRow>, StoreError> {
    let mut select = Query::select();
    select
        .columns(JOB_COLUMNS)
        .from(Jobs::Table)
        .and_where(Expr::col(Jobs::ShopId).eq(scope.shop_id()));
    if let Some(state) = state {
        select.and_where(Expr::col(Jobs::State).eq(state.as_str()));
    }
    if let Some(before) = before {
        select.and_where(Expr::col(Jobs::JobId).lt(before));
    }
    select.order_by(Jobs::JobId, Order::Desc).limit(limit);
    q.fetch_all(&select).await
}

/// Jobs of a kind (installation-wide ones when `owner` is `None`), oldest first.
pub async fn list_kind(
    q: &mut impl Queries,
    owner: Option<ShopScope>,
    kind: &str,
) -> Result<Vec<JobRow>, StoreError> {
    q.fetch_all(
        Query::select()
            .columns(JOB_COLUMNS)
            .from(Jobs::Table)
            .and_where(owned_by(owner))
            .and_where(Expr::col(Jobs::Kind).eq(kind))
            .order_by(Jobs::JobId, Order::Asc),
    )
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttemptRow {
    pub attempt: i32,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub outcome: String,
    pub error: Option<String>,
}

/// Every attempt of a job, first to last.
pub async fn attempts(
    q: &mut impl Queries,
    owner: Option<ShopScope>,
    job_id: Uuid,
) -> Result<Vec<AttemptRow>, StoreError> {
    if get(q, owner, job_id).await?.is_none() {
        return Ok(Vec::new());
    }
    q.fetch_all(
        Query::select()
            .columns([
                JobAttempts::Attempt,
                JobAttempts::StartedAt,
                JobAttempts::FinishedAt,
                JobAttempts::Outcome,
                JobAttempts::Error,
            ])
            .from(JobAttempts::Table)
            .and_where(Expr::col(JobAttempts::JobId).eq(job_id))
            .order_by(JobAttempts::Attempt, Order::Asc),
    )
    .await
}

/// Records that the period's job of a scheduled kind is `job_id`; `false` when some server
/// already did (then its job, not this one, does the period's work).
pub async fn record_period(
    q: &mut impl Queries,
    kind: &str,
    period_key: &str,
    job_id: Uuid,
    now: i64,
) -> Result<bool, StoreError> {
    let written = q
        .execute(
            Query::insert()
                .into_table(JobSchedule::Table)
                .columns([
                    JobSchedule::Kind,
                    JobSchedule::PeriodKey,
                    JobSchedule::JobId,
                    JobSchedule::CreatedAt,
                ])
                .values_panic([kind.into(), period_key.into(), job_id.into(), now.into()])
                .on_conflict(
                    OnConflict::columns([JobSchedule::Kind, JobSchedule::PeriodKey])
                        .do_nothing()
                        .to_owned(),
                ),
        )
        .await?;
    Ok(written == 1)
}

/// Deletes up to `limit` jobs that finished (`done`) before `before`, with their attempts, and
/// the schedule's records of periods enqueued before then; returns how many jobs went. Dead
/// jobs stay for staff to see and retry.
pub async fn purge_finished(
    q: &mut impl Queries,
    before: i64,
    limit: u64,
) -> Result<u64, StoreError> {
    let finished = Query::select()
        .column(Jobs::JobId)
        .from(Jobs::Table)
        .and_where(Expr::col(Jobs::State).eq(JobState::Done.as_str()))
        .and_where(Expr::col(Jobs::FinishedAt).lt(before))
        // The same batch for both deletes: finished jobs only ever leave this set.
        .order_by(Jobs::JobId, Order::Asc)
        .limit(limit)
        .to_owned();
    q.execute(
        Query::delete()
            .from_table(JobAttempts::Table)
            .and_where(Expr::col(JobAttempts::JobId).in_subquery(finished.clone())),
    )
    .await?;
    let purged = q
        .execute(
            Query::delete()
                .from_table(Jobs::Table)
                .and_where(Expr::col(Jobs::JobId).in_subquery(finished)),
        )
        .await?;
    q.execute(
        Query::delete()
            .from_table(JobSchedule::Table)
            .and_where(Expr::col(JobSchedule::CreatedAt).lt(before)),
    )
    .await?;
    Ok(purged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};

    #[test]
    fn claims_skip_locked_rows_on_postgresql_only() {
        let lease = Lease {
            token: Uuid::nil(),
            locked_until: 2,
        };
        let statement = claim_statement(Due::Queued, 4, &lease, 1);
        assert!(
            statement
                .to_string(PostgresQueryBuilder)
                .contains("FOR UPDATE SKIP LOCKED")
        );
        assert!(
            !statement
                .to_string(SqliteQueryBuilder)
                .contains("FOR UPDATE")
        );
    }
}
