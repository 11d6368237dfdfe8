//! The job runner on both backends: the outbox, dedupe, two runners sharing one database,
//! retries with backoff, dead jobs and staff retries, lease expiry, schedules and shutdown.

use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tilaus_app::job::{
    self, EnqueueOptions, Enqueued, Handlers, Job, JobContext, JobFailure, JobHandler, JobRunner,
    RetryPolicy, RunnerConfig, Schedule,
};
use tilaus_app::shop::NewShop;
use tilaus_app::{App, AppError, Principal};
use tilaus_domain::access::Role;
use tilaus_store::job::{AttemptRow, JobRow};
use tilaus_store::testkit::TestDb;
use tilaus_store::{ShopScope, now_micros};
use tokio::sync::oneshot;
use uuid::Uuid;

/// The test-only kind: sleeps, then succeeds or fails as its payload says (until healed).
#[derive(Debug, Serialize, Deserialize)]
struct TestJob {
    sleep_ms: u64,
    /// `temporary` or `permanent`.
    fail: Option<String>,
}

impl Job for TestJob {
    const KIND: &'static str = "test.recorded";
}

/// Records every run, and any overlap of two runs of the same job.
#[derive(Clone, Default)]
struct Recorder {
    runs: Arc<Mutex<HashMap<Uuid, usize>>>,
    active: Arc<Mutex<HashSet<Uuid>>>,
    overlaps: Arc<AtomicUsize>,
    healed: Arc<AtomicBool>,
}

impl Recorder {
    fn runs(&self, job_id: Uuid) -> usize {
        self.runs
            .lock()
            .expect("lock")
            .get(&job_id)
            .copied()
            .unwrap_or(0)
    }
}

impl JobHandler for Recorder {
    type Job = TestJob;

    async fn run(&self, _: &App, job: TestJob, context: &JobContext) -> Result<(), JobFailure> {
        if !self.active.lock().expect("lock").insert(context.job_id) {
            self.overlaps.fetch_add(1, Ordering::SeqCst);
        }
        *self
            .runs
            .lock()
            .expect("lock")
            .entry(context.job_id)
            .or_default() += 1;
        tokio::time::sleep(Duration::from_millis(job.sleep_ms)).await;
        self.active.lock().expect("lock").remove(&context.job_id);
        match job.fail.as_deref() {
            _ if self.healed.load(Ordering::SeqCst) => Ok(()),
            Some("temporary") => Err(JobFailure::temporary("the SMTP server said 421")),
            Some("permanent") => Err(JobFailure::permanent("the SMTP server said 550")),
            _ => Ok(()),
        }
    }
}

struct Fixture {
    db: TestDb,
    app: App,
    shop: ShopScope,
    owner: Principal,
}

impl Fixture {
    async fn start(db: TestDb) -> Fixture {
        let app = App::open(&db.url).await.expect("open");
        let shop = app
            .create_shop(NewShop {
                name: "Jonokauppa".into(),
                owner_email: "owner@jono.example".into(),
                ..NewShop::default()
            })
            .await
            .expect("shop");
        Fixture {
            db,
            app,
            shop: ShopScope::authorised(shop.shop_id),
            owner: Principal::system(shop.shop_id, "test"),
        }
    }

    /// Enqueues jobs in one transaction and wakes the runner.
    async fn enqueue(&self, jobs: &[TestJob]) -> Vec<Uuid> {
        let mut tx = self.app.db.begin().await.expect("tx");
        let mut ids = Vec::new();
        for job in jobs {
            match job::enqueue(&mut tx, Some(self.shop), job, EnqueueOptions::default())
                .await
                .expect("enqueue")
            {
                Enqueued::New(id) => ids.push(id),
                Enqueued::Duplicate => panic!("no dedupe key, no duplicate"),
            }
        }
        tx.commit().await.expect("commit");
        self.app.jobs_committed();
        ids
    }

    async fn job(&self, job_id: Uuid) -> JobRow {
        let mut conn = self.app.db.read().await.expect("conn");
        tilaus_store::job::get(&mut conn, Some(self.shop), job_id)
            .await
            .expect("get")
            .expect("the job exists")
    }

    async fn attempts(&self, job_id: Uuid) -> Vec<AttemptRow> {
        let mut conn = self.app.db.read().await.expect("conn");
        tilaus_store::job::attempts(&mut conn, Some(self.shop), job_id)
            .await
            .expect("attempts")
    }

    /// Waits until the job is in `state`.
    async fn wait_for(&self, job_id: Uuid, state: &str) -> JobRow {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let job = self.job(job_id).await;
            if job.state == state {
                return job;
            }
            assert!(Instant::now() < deadline, "{job:?} never became {state}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn quick() -> RunnerConfig {
    RunnerConfig {
        concurrency: 4,
        poll: Duration::from_millis(20),
        lease: Duration::from_secs(10),
        retry: RetryPolicy {
            first_retry: Duration::from_millis(30),
            cap: Duration::from_millis(100),
            max_attempts: 3,
        },
        shutdown_grace: Duration::from_secs(5),
    }
}

/// A running runner; dropping the sender stops it.
struct Running {
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.expect("the runner stops");
    }
}

fn spawn_runner(
    app: &App,
    recorder: &Recorder,
    config: RunnerConfig,
    schedules: Vec<Schedule>,
) -> Running {
    let mut handlers = Handlers::builtin();
    handlers.register(recorder.clone());
    let runner = JobRunner::new(app.clone(), handlers, config).with_schedules(schedules);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(runner.run(async move {
        let _ = stopped.await;
    }));
    Running { stop, task }
}

tilaus_store::on_both_backends!(
    start = Fixture::start;
    enqueue_is_part_of_the_transaction_and_deduplicates,
    two_runners_never_run_a_job_twice,
    failing_jobs_retry_with_backoff_then_die_and_staff_retry_them,
    an_expired_lease_is_claimed_again,
    scheduled_jobs_are_enqueued_once_per_period,
    shutdown_lets_running_jobs_finish,
    finished_jobs_are_forgotten_after_their_retention,
    a_job_enqueued_on_another_server_starts_at_once,
);

async fn enqueue_is_part_of_the_transaction_and_deduplicates(f: Fixture) {
    let job = TestJob {
        sleep_ms: 0,
        fail: None,
    };
    // Rolled back: the job never existed.
    let mut tx = f.app.db.begin().await.expect("tx");
    let Enqueued::New(rolled_back) =
        job::enqueue(&mut tx, Some(f.shop), &job, EnqueueOptions::default())
            .await
            .expect("enqueue")
    else {
        panic!("new")
    };
    drop(tx);
    let mut conn = f.app.db.read().await.expect("conn");
    assert!(
        tilaus_store::job::get(&mut conn, Some(f.shop), rolled_back)
            .await
            .expect("get")
            .is_none()
    );
    drop(conn);

    let keyed = || EnqueueOptions {
        dedupe_key: Some("order-confirmed:1".into()),
        ..EnqueueOptions::default()
    };
    let other = f
        .app
        .create_shop(NewShop {
            name: "Toinen".into(),
            owner_email: "owner@toinen.example".into(),
            ..NewShop::default()
        })
        .await
        .expect("shop");
    let mut outcomes = Vec::new();
    for shop in [
        Some(f.shop),
        Some(f.shop),
        Some(ShopScope::authorised(other.shop_id)),
        None,
        None,
    ] {
        let mut tx = f.app.db.begin().await.expect("tx");
        outcomes.push(
            job::enqueue(&mut tx, shop, &job, keyed())
                .await
                .expect("enqueue"),
        );
        tx.commit().await.expect("commit");
    }
    let new = |o: &Enqueued| matches!(o, Enqueued::New(_));
    assert_eq!(
        outcomes.iter().map(new).collect::<Vec<_>>(),
        [true, false, true, true, false],
        "once per shop (and once for the installation): {outcomes:?}"
    );
}

async fn two_runners_never_run_a_job_twice(f: Fixture) {
    // A second server: its own pool on the same database.
    let second = App::open(&f.db.url).await.expect("second app");
    let recorder = Recorder::default();
    let jobs: Vec<TestJob> = (0..40)
        .map(|_| TestJob {
            sleep_ms: 15,
            fail: None,
        })
        .collect();
    let ids = f.enqueue(&jobs).await;
    let first_runner = spawn_runner(&f.app, &recorder, quick(), Vec::new());
    let second_runner = spawn_runner(&second, &recorder, quick(), Vec::new());
    for id in &ids {
        f.wait_for(*id, "done").await;
    }
    first_runner.stop().await;
    second_runner.stop().await;
    for id in &ids {
        assert_eq!(recorder.runs(*id), 1, "job {id} ran once");
        assert_eq!(f.job(*id).await.attempts, 1);
    }
    assert_eq!(recorder.overlaps.load(Ordering::SeqCst), 0);
}

async fn failing_jobs_retry_with_backoff_then_die_and_staff_retry_them(f: Fixture) {
    let recorder = Recorder::default();
    let runner = spawn_runner(&f.app, &recorder, quick(), Vec::new());
    let ids = f
        .enqueue(&[
            TestJob {
                sleep_ms: 0,
                fail: Some("temporary".into()),
            },
            TestJob {
                sleep_ms: 0,
                fail: Some("permanent".into()),
            },
        ])
        .await;
    let (temporary, permanent) = (ids[0], ids[1]);

    let dead = f.wait_for(temporary, "dead").await;
    assert_eq!(dead.attempts, 3, "the policy's three attempts");
    assert_eq!(
        dead.last_error.as_deref(),
        Some("temporary: the SMTP server said 421")
    );
    let attempts = f.attempts(temporary).await;
    assert_eq!(
        attempts.iter().map(|a| a.attempt).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert!(
        attempts
            .iter()
            .all(|a| a.outcome == "failed" && a.finished_at.is_some())
    );
    assert!(
        attempts
            .windows(2)
            .all(|w| w[1].started_at >= w[0].finished_at.unwrap_or(i64::MAX))
    );

    let dead = f.wait_for(permanent, "dead").await;
    assert_eq!(dead.attempts, 1, "a permanent failure is not retried");
    assert_eq!(recorder.runs(permanent), 1);

    // Staff see the dead jobs; only owners and managers may retry them.
    let page = f
        .app
        .list_jobs(&f.owner, Some("dead"), None, None)
        .await
        .expect("list");
    let listed: HashSet<Uuid> = page.items.iter().map(|j| j.id).collect();
    assert_eq!(listed, HashSet::from([temporary, permanent]));
    assert!(matches!(
        f.app.list_jobs(&f.owner, Some("buried"), None, None).await,
        Err(AppError::Invalid(_))
    ));
    let staff_token = f
        .app
        .create_token(&f.owner, "staff", Role::Staff)
        .await
        .expect("token");
    let staff = f
        .app
        .authenticate_token(&staff_token.token)
        .await
        .expect("staff");
    assert!(matches!(
        f.app.retry_job(&staff, temporary).await,
        Err(AppError::Forbidden(_))
    ));
    assert!(matches!(
        f.app.list_jobs(&staff, None, None, None).await,
        Err(AppError::Forbidden(_))
    ));
    let other = f
        .app
        .create_shop(NewShop {
            name: "Muu".into(),
            owner_email: "owner@muu.example".into(),
            ..NewShop::default()
        })
        .await
        .expect("shop");
    let stranger = Principal::system(other.shop_id, "test");
    assert!(matches!(
        f.app.retry_job(&stranger, temporary).await,
        Err(AppError::NotFound(_))
    ));
    assert!(
        f.app
            .list_jobs(&stranger, None, None, None)
            .await
            .expect("list")
            .items
            .is_empty()
    );

    // The SMTP server is back: a retried dead job runs again, with a fresh round.
    recorder.healed.store(true, Ordering::SeqCst);
    let retried = f.app.retry_job(&f.owner, temporary).await.expect("retry");
    assert_eq!(retried.state, "queued");
    let done = f.wait_for(temporary, "done").await;
    assert_eq!(done.attempts, 4);
    assert_eq!(recorder.runs(temporary), 4);
    assert!(matches!(
        f.app.retry_job(&f.owner, temporary).await,
        Err(AppError::Conflict(_))
    ));
    runner.stop().await;
}

async fn an_expired_lease_is_claimed_again(f: Fixture) {
    let recorder = Recorder::default();
    let id = f
        .enqueue(&[TestJob {
            sleep_ms: 0,
            fail: None,
        }])
        .await[0];
    // A worker claims it for a short lease and dies (nothing more happens on its side).
    let now = now_micros();
    let lost = tilaus_store::job::claim(&f.app.db, 10, now + 300_000, now)
        .await
        .expect("claim");
    assert_eq!(lost.len(), 1);
    let runner = spawn_runner(&f.app, &recorder, quick(), Vec::new());
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(recorder.runs(id), 0, "not while the lease holds");
    let done = f.wait_for(id, "done").await;
    runner.stop().await;
    assert_eq!(done.attempts, 2);
    assert_eq!(recorder.runs(id), 1);
    let attempts = f.attempts(id).await;
    assert_eq!(
        attempts
            .iter()
            .map(|a| a.outcome.as_str())
            .collect::<Vec<_>>(),
        ["abandoned", "done"]
    );
    // The dead worker's late answer is refused: its lease token is no longer the job's.
    let mut tx = f.app.db.begin().await.expect("tx");
    assert!(
        !tilaus_store::job::complete(&mut tx, &lost[0], now_micros())
            .await
            .expect("complete")
    );
    tx.commit().await.expect("commit");
}

async fn scheduled_jobs_are_enqueued_once_per_period(f: Fixture) {
    let second = App::open(&f.db.url).await.expect("second app");
    let schedules = Schedule::builtin();
    let at: jiff::Timestamp = "2020-02-29T10:15:00Z".parse().expect("instant");
    let race = |app: App, schedules: Vec<Schedule>| async move {
        let mut enqueued = 0;
        for _ in 0..10 {
            enqueued += app
                .enqueue_scheduled(&schedules, at)
                .await
                .expect("schedule")
                .len();
        }
        enqueued
    };
    let (a, b) = tokio::join!(
        tokio::spawn(race(f.app.clone(), schedules.clone())),
        tokio::spawn(race(second.clone(), schedules.clone()))
    );
    assert_eq!(
        a.expect("a") + b.expect("b"),
        4,
        "one hourly and three daily jobs"
    );
    // An hour later: the hourly kind again, the daily one not.
    let later = at + jiff::SignedDuration::from_hours(1);
    assert_eq!(
        f.app
            .enqueue_scheduled(&schedules, later)
            .await
            .expect("schedule")
            .len(),
        1
    );

    // The runners enqueue the current periods' jobs themselves and run them.
    let recorder = Recorder::default();
    let first_runner = spawn_runner(&f.app, &recorder, quick(), Schedule::builtin());
    let second_runner = spawn_runner(&second, &recorder, quick(), Schedule::builtin());
    let deadline = Instant::now() + Duration::from_secs(20);
    let overdue = loop {
        let mut conn = f.app.db.read().await.expect("conn");
        let jobs = tilaus_store::job::list_kind(&mut conn, None, "invoice.overdue_check")
            .await
            .expect("list");
        drop(conn);
        // The fixed day's job and today's; retried until both runners have ticked.
        if jobs.len() == 2 && jobs.iter().all(|j| j.state == "done") {
            break jobs;
        }
        assert!(Instant::now() < deadline, "{jobs:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    first_runner.stop().await;
    second_runner.stop().await;
    assert!(overdue.iter().all(|j| j.shop_id.is_none()));
}

async fn shutdown_lets_running_jobs_finish(f: Fixture) {
    let recorder = Recorder::default();
    let runner = spawn_runner(&f.app, &recorder, quick(), Vec::new());
    let id = f
        .enqueue(&[TestJob {
            sleep_ms: 400,
            fail: None,
        }])
        .await[0];
    f.wait_for(id, "running").await;
    runner.stop().await;
    assert_eq!(
        f.job(id).await.state,
        "done",
        "finished within the grace period"
    );
}

/// Done jobs and their attempts go once their retention has passed; younger ones and dead ones
/// (which staff still have to look at) stay.
async fn finished_jobs_are_forgotten_after_their_retention(f: Fixture) {
    let recorder = Recorder::default();
    let runner = spawn_runner(&f.app, &recorder, quick(), Vec::new());
    let ids = f
        .enqueue(&[
            TestJob {
                sleep_ms: 0,
                fail: None,
            },
            TestJob {
                sleep_ms: 0,
                fail: Some("permanent".into()),
            },
        ])
        .await;
    let (done, dead) = (ids[0], ids[1]);
    f.wait_for(done, "done").await;
    f.wait_for(dead, "dead").await;
    runner.stop().await;
    let now = tilaus_store::now_micros();
    assert_eq!(
        f.app.purge_finished_jobs(now).await.expect("purge"),
        0,
        "too young"
    );
    let retention = i64::try_from(job::JOB_RETENTION.as_micros()).expect("micros");
    let later = now + retention + 1_000_000;
    assert_eq!(f.app.purge_finished_jobs(later).await.expect("purge"), 1);
    let mut conn = f.app.db.read().await.expect("conn");
    assert!(
        tilaus_store::job::get(&mut conn, Some(f.shop), done)
            .await
            .expect("get")
            .is_none()
    );
    assert!(
        tilaus_store::job::attempts(&mut conn, Some(f.shop), done)
            .await
            .expect("attempts")
            .is_empty()
    );
    drop(conn);
    assert_eq!(f.job(dead).await.state, "dead", "dead jobs stay for staff");
    assert_eq!(f.app.purge_finished_jobs(later).await.expect("purge"), 0);
}

/// A job enqueued by another server (another `App` on the same database) wakes this server's
/// runner through PostgreSQL's LISTEN/NOTIFY, long before its next poll. SQLite serves one
/// process, whose poll finds the other writer's jobs.
async fn a_job_enqueued_on_another_server_starts_at_once(f: Fixture) {
    let postgres = f.app.db.backend() == tilaus_store::Backend::Postgres;
    let recorder = Recorder::default();
    let config = RunnerConfig {
        poll: if postgres {
            Duration::from_secs(120)
        } else {
            Duration::from_millis(50)
        },
        ..quick()
    };
    let runner = spawn_runner(&f.app, &recorder, config, Vec::new());
    // The runner's first round and its LISTEN happen before the other server enqueues.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let other = App::open(&f.db.url).await.expect("the other server");
    let mut tx = other.db.begin().await.expect("tx");
    let job = TestJob {
        sleep_ms: 0,
        fail: None,
    };
    let Enqueued::New(id) = job::enqueue(&mut tx, Some(f.shop), &job, EnqueueOptions::default())
        .await
        .expect("enqueue")
    else {
        panic!("new")
    };
    tx.commit().await.expect("commit");
    let started = Instant::now();
    other.jobs_committed();
    f.wait_for(id, "done").await;
    runner.stop().await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "woken, not polled: {:?}",
        started.elapsed()
    );
    assert_eq!(recorder.runs(id), 1);
}
