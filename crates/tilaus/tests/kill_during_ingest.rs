//! Retries never duplicate, even when the server dies mid-request or loses its database
//! (issue 7): 16 clients ingest with retries that reuse their Idempotency-Key while the server
//! is killed with SIGKILL and restarted, or while PostgreSQL cuts every connection of the
//! server. Afterwards every acknowledged order exists exactly once, whole.

mod support;

use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use support::{Server, create_shop, order};
use tilaus_store::testkit::{self, TestDb};

const CLIENTS: usize = 16;
const ORDERS_PER_CLIENT: usize = 20;
const KILLS: usize = 4;

/// Sends one order until it is acknowledged, retrying timeouts, refused connections and 5xx
/// with the same key; returns the acknowledged order's id.
async fn ingest_until_acknowledged(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    body: &Value,
) -> String {
    let key = body["external_id"]
        .as_str()
        .expect("external id")
        .to_owned();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        assert!(Instant::now() < deadline, "{key} was never acknowledged");
        let sent = client
            .post(format!("{url}/api/v1/orders"))
            .bearer_auth(token)
            .header("Idempotency-Key", &key)
            .json(body)
            .timeout(Duration::from_secs(5))
            .send()
            .await;
        if let Ok(response) = sent {
            let status = response.status();
            if status.is_success() {
                if let Ok(answer) = response.json::<Value>().await {
                    return answer["id"].as_str().expect("id").to_owned();
                }
            } else {
                // 503 while the database is away; 409 while a retry's twin is still in flight.
                assert!(
                    status == reqwest::StatusCode::SERVICE_UNAVAILABLE
                        || status == reqwest::StatusCode::CONFLICT,
                    "{key}: {status}"
                );
            }
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

/// What goes wrong during the run.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Disruption {
    /// SIGKILL the server and start it again.
    KillServer,
    /// PostgreSQL terminates every connection to the database (as a restart or a network cut
    /// would); the server must answer 503 meanwhile and reconnect by itself.
    CutDatabase,
}

async fn cut_connections(database_url: &str) {
    use tilaus_store::Queries as _;
    let db = tilaus_store::Db::connect(database_url)
        .await
        .expect("connect");
    let mut tx = db.begin().await.expect("tx");
    tx.execute_raw(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .await
    .expect("terminate");
    tx.commit().await.expect("commit");
    db.close().await;
}

async fn ingest_while(db: TestDb, disruption: Disruption) {
    let token = create_shop(&db.url);
    let client = reqwest::Client::new();
    let mut server = Server::start(&db.url, &client).await;

    let url = Arc::new(server.url.clone());
    let token = Arc::new(token);
    let done = Arc::new(AtomicUsize::new(0));
    let mut clients = tokio::task::JoinSet::new();
    for c in 0..CLIENTS {
        let (client, url, token, done) = (client.clone(), url.clone(), token.clone(), done.clone());
        clients.spawn(async move {
            let mut acknowledged = Vec::new();
            for i in 0..ORDERS_PER_CLIENT {
                let body = order(c, i);
                let id = ingest_until_acknowledged(&client, &url, &token, &body).await;
                acknowledged.push((body["external_id"].as_str().expect("id").to_owned(), id));
                done.fetch_add(1, Ordering::Relaxed);
            }
            acknowledged
        });
    }
    // Kill the server mid-run, again and again, and bring it back each time.
    let mut killed_mid_run = 0;
    for _ in 0..KILLS {
        tokio::time::sleep(Duration::from_millis(300)).await;
        if done.load(Ordering::Relaxed) < CLIENTS * ORDERS_PER_CLIENT {
            killed_mid_run += 1;
        }
        match disruption {
            Disruption::KillServer => {
                server.kill();
                tokio::time::sleep(Duration::from_millis(100)).await;
                server.spawn();
                server.wait_ready(&client).await;
            }
            Disruption::CutDatabase => cut_connections(&server.database_url).await,
        }
    }
    assert!(
        killed_mid_run >= 2,
        "only {killed_mid_run} kills hit a running ingest"
    );
    let mut acknowledged: HashMap<String, String> = HashMap::new();
    while let Some(done) = clients.join_next().await {
        for (external_id, id) in done.expect("client") {
            assert!(acknowledged.insert(external_id, id).is_none());
        }
    }

    // Every acknowledged order exists exactly once, with all of its lines.
    let mut stored: HashMap<String, Value> = HashMap::new();
    let mut cursor: Option<String> = None;
    loop {
        let page_url = match &cursor {
            Some(c) => format!("{}/api/v1/orders?limit=200&cursor={c}", server.url),
            None => format!("{}/api/v1/orders?limit=200", server.url),
        };
        let page: Value = client
            .get(page_url)
            .bearer_auth(token.as_str())
            .send()
            .await
            .expect("list")
            .json()
            .await
            .expect("json");
        for item in page["items"].as_array().expect("items") {
            let external_id = item["external_id"]
                .as_str()
                .expect("external id")
                .to_owned();
            assert!(
                stored.insert(external_id.clone(), item.clone()).is_none(),
                "{external_id} twice"
            );
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    server.kill();
    assert_eq!(stored.len(), CLIENTS * ORDERS_PER_CLIENT, "orders stored");
    for (external_id, id) in &acknowledged {
        let order = &stored[external_id];
        assert_eq!(
            order["id"].as_str(),
            Some(id.as_str()),
            "{external_id}: the acknowledged id"
        );
        assert_eq!(order["line_count"], 3, "{external_id} is whole");
        assert_eq!(
            order["totals"]["gross"],
            100 + 500 + 2970,
            "{external_id} totals"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_retries_never_duplicate_when_the_server_is_killed() {
    ingest_while(testkit::sqlite(), Disruption::KillServer).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_retries_never_duplicate_when_the_server_is_killed() {
    if let Some(db) = testkit::postgres("kill_during_ingest").await {
        ingest_while(db, Disruption::KillServer).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_cut_connections_lose_nothing_acknowledged() {
    if let Some(db) = testkit::postgres("cut_connections").await {
        ingest_while(db, Disruption::CutDatabase).await;
    }
}
