//! What staff see of their shop's jobs, and the retry button for dead ones.

use crate::time::rfc3339;
use crate::{App, AppError, Principal, audit};
use serde::Serialize;
use serde_json::json;
use tilaus_domain::job::JobState;
use tilaus_store::{job, now_micros};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JobView {
    pub id: Uuid,
    /// e.g. `message.send`.
    pub kind: String,
    /// `queued`, `running`, `done` or `dead`.
    pub state: String,
    /// Attempts made, ever.
    pub attempts: i32,
    /// When it is due (again), RFC 3339.
    pub run_at: String,
    /// Why the last failed attempt failed.
    pub last_error: Option<String>,
    pub created_at: String,
    pub finished_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JobPage {
    pub items: Vec<JobView>,
    /// Pass as `before` for older jobs; null on the last page.
    pub next_cursor: Option<Uuid>,
}

impl From<job::JobRow> for JobView {
    fn from(row: job::JobRow) -> Self {
        JobView {
            id: row.job_id,
            kind: row.kind,
            state: row.state,
            attempts: row.attempts,
            run_at: rfc3339(row.run_at),
            last_error: row.last_error,
            created_at: rfc3339(row.created_at),
            finished_at: row.finished_at.map(rfc3339),
        }
    }
}

impl App {
    /// The shop's jobs, newest first, in one state when given (`dead` for the ones that need
    /// staff). Owners and managers only: jobs tell about messages and providers.
    pub async fn list_jobs(
        &self,
        principal: &Principal,
        state: Option<&str>,
        before: Option<Uuid>,
        limit: Option<u64>,
    ) -> Result<JobPage, AppError> {
        let scope = principal.admin_scope()?;
        let state = state
            .map(|s| {
                JobState::parse(s).ok_or_else(|| {
                    AppError::invalid("/state", format!("use one of {}", JobState::expected()))
                })
            })
            .transpose()?;
        let limit = crate::page_limit(limit)?;
        let rows = job::list(&mut self.db.read().await?, scope, state, before, limit + 1).await?;
        let (rows, more) = crate::split_page(rows, limit);
        let items: Vec<JobView> = rows.into_iter().map(JobView::from).collect();
        let next_cursor = if more {
            items.last().map(|j| j.id)
        } else {
            None
        };
        Ok(JobPage { items, next_cursor })
    }

    /// Runs a dead job of the shop again, with a fresh round of attempts.
    pub async fn retry_job(
        &self,
        principal: &Principal,
        job_id: Uuid,
    ) -> Result<JobView, AppError> {
        let scope = principal.admin_scope()?;
        let mut tx = self.db.begin().await?;
        let found = job::get(&mut tx, Some(scope), job_id)
            .await?
            .ok_or(AppError::NotFound("job"))?;
        if !job::retry_dead(&mut tx, scope, job_id, now_micros()).await? {
            return Err(AppError::Conflict(format!(
                "only dead jobs can be retried; this one is {}",
                found.state
            )));
        }
        audit::record(
            &mut tx,
            scope,
            principal,
            "job.retried",
            &job_id.to_string(),
            json!({"kind": found.kind}),
        )
        .await?;
        let retried = job::get(&mut tx, Some(scope), job_id)
            .await?
            .ok_or(AppError::NotFound("job"))?;
        tx.commit().await?;
        self.jobs_committed();
        Ok(retried.into())
    }
}
