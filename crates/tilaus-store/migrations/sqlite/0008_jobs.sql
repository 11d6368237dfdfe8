-- The job queue (transactional outbox, issue 6): follow-up work written in the same transaction
-- as the change that caused it, run at least once by `tilaus serve` or `tilaus worker`.
-- Keep in step with ../postgres/0008_jobs.sql: a test compares the two.
--
-- These tables are global (installation-wide jobs have no shop), and a claim spans shops: on a
-- distributed (Citus) cluster they stay coordinator-local tables, as ARCHITECTURE.md says.

CREATE TABLE jobs (
    job_id BLOB NOT NULL PRIMARY KEY,
    -- NULL for installation-wide work (scheduled checks, purges). No foreign key: a
    -- coordinator-local table may not point at a distributed one.
    shop_id BLOB,
    kind TEXT NOT NULL,
    -- JSON, as the kind's handler reads it.
    payload TEXT NOT NULL,
    -- Enqueued once per shop and kind when given (see the two unique indexes below).
    dedupe_key TEXT,
    -- queued, running, done or dead.
    state TEXT NOT NULL,
    -- Attempts started, ever (a retried dead job keeps counting).
    attempts INTEGER NOT NULL,
    -- Attempts that came before staff last retried the dead job: the retry limit counts from here.
    attempts_before_retry INTEGER NOT NULL,
    -- When the job is due (again).
    run_at BIGINT NOT NULL,
    -- While running: the claim's token and when its lease ends. A job whose lease ended (its
    -- worker died) is claimed again.
    lease_token BLOB,
    locked_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX jobs_due ON jobs (state, run_at);
CREATE INDEX jobs_shop ON jobs (shop_id, state, job_id);
CREATE UNIQUE INDEX jobs_dedupe ON jobs (shop_id, kind, dedupe_key);
-- NULLs are distinct in a unique index, so installation-wide jobs need their own.
CREATE UNIQUE INDEX jobs_dedupe_installation ON jobs (kind, dedupe_key) WHERE shop_id IS NULL;

-- Every attempt: when, how it ended (running, done, failed, abandoned when the lease ran out)
-- and why.
CREATE TABLE job_attempts (
    job_id BLOB NOT NULL REFERENCES jobs (job_id),
    attempt INTEGER NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    outcome TEXT NOT NULL,
    error TEXT,
    PRIMARY KEY (job_id, attempt)
);

-- Scheduled work done once per period whichever server's tick comes first: the row is the
-- proof that the period's job was enqueued.
CREATE TABLE job_schedule (
    kind TEXT NOT NULL,
    -- e.g. 2026-08-14 for a daily kind, 2026-08-14T13 for an hourly one (UTC).
    period_key TEXT NOT NULL,
    job_id BLOB NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (kind, period_key)
);
