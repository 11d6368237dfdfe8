//! Test databases for both backends: a fresh SQLite file or a fresh PostgreSQL database per
//! test, so tests run in parallel without seeing each other.
//!
//! PostgreSQL comes from `TILAUS_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432/test`).
//! When it cannot be reached the PostgreSQL variant says loudly that it was skipped, except
//! under `CI=true`, where a missing database fails the test.

use sqlx::Connection;
use std::sync::atomic::{AtomicU32, Ordering};

static NEXT: AtomicU32 = AtomicU32::new(0);

/// A database URL that exists for one test.
pub struct TestDb {
    pub url: String,
    _dir: Option<TempDir>,
}

/// A directory removed when dropped.
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn sqlite() -> TestDb {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!(
        "tilaus-test-{}-{n}-{}",
        std::process::id(),
        uuid::Uuid::now_v7().simple()
    ));
    std::fs::create_dir_all(&dir).expect("create a temporary directory");
    TestDb {
        url: format!("sqlite:{}", dir.join("tilaus.db").display()),
        _dir: Some(TempDir(dir)),
    }
}

/// A fresh PostgreSQL database, or `None` (after saying so) when none is reachable outside CI.
pub async fn postgres(test: &str) -> Option<TestDb> {
    let admin_url = std::env::var("TILAUS_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let mut admin = match sqlx::PgConnection::connect(&admin_url).await {
        Ok(conn) => conn,
        Err(error) => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!(
                    "PostgreSQL is required under CI=true but {admin_url} is unreachable: {error}"
                );
            }
            eprintln!(
                "SKIPPED {test} on PostgreSQL: {admin_url} is unreachable ({error}); set TILAUS_TEST_PG_URL"
            );
            return None;
        }
    };
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let name = format!(
        "tilaus_test_{}_{n}_{}",
        std::process::id(),
        &uuid::Uuid::now_v7().simple().to_string()[20..]
    );
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .expect("create a test database");
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url.as_str(), |(base, _)| base);
    Some(TestDb {
        url: format!("{base}/{name}"),
        _dir: None,
    })
}

/// Drops test databases left by earlier runs whose process is gone.
pub async fn drop_stale_postgres_databases() {
    let admin_url = std::env::var("TILAUS_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await else {
        return;
    };
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT datname::text FROM pg_database WHERE datname LIKE 'tilaus\\_test\\_%'",
    )
    .fetch_all(&mut admin)
    .await
    .unwrap_or_default();
    for name in names {
        let pid = name.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|pid| {
            pid == std::process::id() || std::path::Path::new(&format!("/proc/{pid}")).exists()
        });
        if !alive {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut admin)
            .await;
        }
    }
}

/// Runs each scenario on SQLite and on PostgreSQL, as the tests `sqlite::<name>` and
/// `postgres::<name>`. A scenario is `async fn name(db: TestDb)`, or with
/// `start = Fixture::start;` first, `async fn name(fixture)` where `Fixture::start(db)` makes
/// the fixture. Without PostgreSQL the second half skips loudly (and fails under CI=true).
#[macro_export]
macro_rules! on_both_backends {
    (start = $start:path; $($name:ident),+ $(,)?) => {
        mod sqlite {
            #[allow(unused_imports)]
            use super::*;
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($start($crate::testkit::sqlite()).await).await } )+
        }
        mod postgres {
            #[allow(unused_imports)]
            use super::*;
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                $crate::testkit::drop_stale_postgres_databases().await;
                if let Some(db) = $crate::testkit::postgres(stringify!($name)).await {
                    super::$name($start(db).await).await
                }
            } )+
        }
    };
    ($($name:ident),+ $(,)?) => {
        $crate::on_both_backends!(start = $crate::testkit::ready; $($name),+);
    };
}

/// The fixture of scenarios that take the database itself.
pub async fn ready(db: TestDb) -> TestDb {
    db
}

/// Writes `count` events of one order straight into the shop's log and numbers them (faster
/// than taking in that many orders); returns the shop's last event id.
pub async fn write_events(
    db: &crate::Db,
    scope: crate::ShopScope,
    order_id: uuid::Uuid,
    count: i64,
) -> i64 {
    let mut tx = db.begin().await.expect("tx");
    for _ in 0..count {
        crate::order::insert_event(&mut tx, scope, &updated(order_id))
            .await
            .expect("event");
    }
    tx.commit().await.expect("commit");
    while crate::dialect::sequence_events(db)
        .await
        .expect("numbered")
        .1
        >= crate::dialect::SEQUENCE_BATCH
    {}
    let mut conn = db.read().await.expect("read");
    crate::shop::last_event_id(&mut conn, scope)
        .await
        .expect("last")
}

/// An `order.updated` event of the order, by the system, now.
pub fn updated(order_id: uuid::Uuid) -> crate::order::Event {
    crate::order::Event {
        order_id,
        kind: "order.updated".into(),
        actor_kind: "system".into(),
        actor_id: None,
        actor_label: "test".into(),
        data: "{}".into(),
        created_at: crate::now_micros(),
    }
}
