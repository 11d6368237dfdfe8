//! Background jobs: how a failed attempt is classified, and when (or whether) it runs again.
//!
//! Pure rules: the caller supplies the random number for the jitter, so the policy is tested
//! without I/O.

use std::time::Duration;

use crate::string_enum;

string_enum! {
    /// Where a job is in its life.
    JobState {
        /// Waiting for its `run_at`.
        Queued = "queued",
        /// Claimed by a runner whose lease has not ended.
        Running = "running",
        Done = "done",
        /// Failed permanently or too often; waits for staff to retry it.
        Dead = "dead",
    }
}

string_enum! {
    /// How one attempt ended.
    AttemptOutcome {
        Running = "running",
        Done = "done",
        Failed = "failed",
        /// Its runner's lease ran out (the process died or hung): another runner took over.
        Abandoned = "abandoned",
    }
}

/// Why a job's handler did not finish. Handlers decide, because only they know whether trying
/// again can help (an SMTP 4xx or a refused connection can; a 5xx "no such user" cannot).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobFailure {
    /// Try again later (with backoff), until the attempts run out.
    #[error("temporary: {0}")]
    Temporary(String),
    /// Trying again cannot help: the job is dead at once.
    #[error("permanent: {0}")]
    Permanent(String),
}

impl JobFailure {
    pub fn temporary(reason: impl std::fmt::Display) -> Self {
        JobFailure::Temporary(reason.to_string())
    }

    pub fn permanent(reason: impl std::fmt::Display) -> Self {
        JobFailure::Permanent(reason.to_string())
    }

    pub fn reason(&self) -> &str {
        match self {
            JobFailure::Temporary(reason) | JobFailure::Permanent(reason) => reason,
        }
    }
}

/// When failed jobs run again: exponential backoff with full jitter (a uniformly random delay
/// up to `first_retry × 2^(n−1)`, capped), so that many jobs failing together (the SMTP server
/// is down) do not all come back at the same moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The longest wait before the first retry.
    pub first_retry: Duration,
    /// The longest wait between any two attempts.
    pub cap: Duration,
    /// Attempts in all (the first one included) before the job is dead.
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    /// First retry within 30 s, never more than an hour apart, 12 attempts: the retries spread
    /// over about two and a half hours on average (at most five), so an SMTP server that is down
    /// for an hour loses nothing.
    fn default() -> Self {
        Self {
            first_retry: Duration::from_secs(30),
            cap: Duration::from_secs(3600),
            max_attempts: 12,
        }
    }
}

/// What happens after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    RetryAfter(Duration),
    Dead,
}

impl RetryPolicy {
    /// The longest wait after the `attempt`-th attempt failed (1 for the first).
    pub fn window(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(63);
        let factor = 1_u64 << doublings;
        let first = u64::try_from(self.first_retry.as_millis()).unwrap_or(u64::MAX);
        let cap = u64::try_from(self.cap.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(first.saturating_mul(factor).min(cap))
    }

    /// What to do after the `attempt`-th attempt (counted since the job was last retried by
    /// staff) failed. `random` is uniform in [0, 1) and picks the delay inside the window.
    pub fn after_failure(&self, attempt: u32, failure: &JobFailure, random: f64) -> NextStep {
        match failure {
            JobFailure::Permanent(_) => NextStep::Dead,
            JobFailure::Temporary(_) if attempt >= self.max_attempts => NextStep::Dead,
            JobFailure::Temporary(_) => {
                let random = if random.is_nan() {
                    0.0
                } else {
                    random.clamp(0.0, 1.0)
                };
                NextStep::RetryAfter(self.window(attempt).mul_f64(random))
            }
        }
    }
}

string_enum! {
    /// How often a scheduled kind runs: once per UTC hour or day, whichever server gets there.
    Period {
        Hourly = "hourly",
        Daily = "daily",
    }
}

impl Period {
    /// The period an instant falls in, as stored: `2026-08-14T13` (hourly) or `2026-08-14`.
    pub fn key(self, at: jiff::Timestamp) -> String {
        let format = match self {
            Period::Hourly => "%Y-%m-%dT%H",
            Period::Daily => "%Y-%m-%d",
        };
        at.strftime(format).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn windows_double_from_thirty_seconds_up_to_the_cap() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.window(1), Duration::from_secs(30));
        assert_eq!(policy.window(2), Duration::from_secs(60));
        assert_eq!(policy.window(8), Duration::from_secs(3600));
        assert_eq!(policy.window(1000), Duration::from_secs(3600));
    }

    #[test]
    fn permanent_failures_and_the_last_attempt_are_dead() {
        let policy = RetryPolicy::default();
        assert_eq!(
            policy.after_failure(1, &JobFailure::permanent("no such mailbox"), 0.5),
            NextStep::Dead
        );
        assert_eq!(
            policy.after_failure(12, &JobFailure::temporary("timeout"), 0.5),
            NextStep::Dead
        );
        assert_eq!(
            policy.after_failure(11, &JobFailure::temporary("timeout"), 0.5),
            NextStep::RetryAfter(Duration::from_secs(1800))
        );
    }

    #[test]
    fn periods_are_named_by_their_utc_hour_or_day() {
        let at: jiff::Timestamp = "2026-08-14T23:59:59+03:00".parse().expect("instant");
        assert_eq!(Period::Hourly.key(at), "2026-08-14T20");
        assert_eq!(Period::Daily.key(at), "2026-08-14");
    }

    proptest! {
        #[test]
        fn a_retry_waits_within_its_window(attempt in 1_u32..11, random in 0.0_f64..1.0) {
            let policy = RetryPolicy::default();
            match policy.after_failure(attempt, &JobFailure::temporary("x"), random) {
                NextStep::RetryAfter(delay) => prop_assert!(delay <= policy.window(attempt)),
                NextStep::Dead => prop_assert!(false, "attempt {attempt} should retry"),
            }
        }

        #[test]
        fn the_first_retry_comes_within_thirty_seconds(random in any::<f64>()) {
            let step = RetryPolicy::default().after_failure(1, &JobFailure::temporary("x"), random);
            prop_assert!(matches!(step, NextStep::RetryAfter(d) if d <= Duration::from_secs(30)));
        }
    }
}
