//! Nothing is lost when `tilaus worker` is killed with SIGKILL mid-job (issue 6): once its lease
//! runs out, the restarted worker takes the job over and completes it, and the attempt that
//! died is on record as abandoned.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tilaus_store::testkit::{self, TestDb};
use tilaus_store::{Db, ShopScope, audit, job};
use uuid::Uuid;

fn tilaus(db: &TestDb, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_tilaus"))
        .args(args)
        .env("TILAUS_DATABASE_URL", &db.url)
        .env("TILAUS_LOG", "error")
        .output()
        .expect("run tilaus");
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8")
}

fn worker(db: &TestDb) -> Child {
    Command::new(env!("CARGO_BIN_EXE_tilaus"))
        .arg("worker")
        .env("TILAUS_DATABASE_URL", &db.url)
        .env("TILAUS_JOB_LEASE_SECS", "2")
        .env("TILAUS_JOB_POLL_MS", "50")
        .env("TILAUS_LOG", "error")
        .stdout(Stdio::null())
        .spawn()
        .expect("start tilaus worker")
}

fn kill(mut child: Child) {
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
}

async fn wait_for_state(db: &Db, scope: ShopScope, job_id: Uuid, state: &str) -> job::JobRow {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let row = job::get(&mut db.read().await.expect("conn"), Some(scope), job_id)
            .await
            .expect("get")
            .expect("the job exists");
        if row.state == state {
            return row;
        }
        assert!(Instant::now() < deadline, "{row:?} never became {state}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn probe_runs(db: &Db, scope: ShopScope) -> usize {
    audit::list(&mut db.read().await.expect("conn"), scope, None, 100)
        .await
        .expect("audit")
        .iter()
        .filter(|entry| entry.action == "job.probe_ran")
        .count()
}

async fn killed_mid_job(db: TestDb) {
    let shop: serde_json::Value = serde_json::from_str(&tilaus(
        &db,
        &[
            "shop",
            "create",
            "--name",
            "Sitkeä",
            "--owner-email",
            "owner@sitkea.fi",
            "--json",
        ],
    ))
    .expect("json");
    let shop_id = shop["shop_id"].as_str().expect("shop id").to_owned();
    let job_id: Uuid = tilaus(
        &db,
        &["job", "probe", "--shop", &shop_id, "--millis", "1000"],
    )
    .trim()
    .parse()
    .expect("job id");
    let store = Db::connect(&db.url).await.expect("connect");
    let scope = ShopScope::authorised(shop_id.parse().expect("uuid"));

    let first = worker(&db);
    wait_for_state(&store, scope, job_id, "running").await;
    kill(first);
    assert_eq!(
        probe_runs(&store, scope).await,
        0,
        "killed before the work was done"
    );

    let second = worker(&db);
    let done = wait_for_state(&store, scope, job_id, "done").await;
    kill(second);
    assert_eq!(done.attempts, 2);
    assert_eq!(
        probe_runs(&store, scope).await,
        1,
        "done once after the restart"
    );
    let attempts = job::attempts(&mut store.read().await.expect("conn"), Some(scope), job_id)
        .await
        .expect("attempts");
    assert_eq!(
        attempts
            .iter()
            .map(|a| a.outcome.as_str())
            .collect::<Vec<_>>(),
        ["abandoned", "done"]
    );
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_worker_killed_mid_job_completes_it_after_restart() {
    killed_mid_job(testkit::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_worker_killed_mid_job_completes_it_after_restart() {
    if let Some(db) = testkit::postgres("kill_worker").await {
        killed_mid_job(db).await;
    }
}
