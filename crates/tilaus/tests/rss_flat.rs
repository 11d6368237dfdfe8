//! A long ingest holds the server's memory flat (issue 7, "disk and memory sanity"): after a
//! warm-up, RSS is sampled while more orders arrive, and the growth per order (a least-squares
//! slope over the samples) must stay far below what any per-order leak would show.
//!
//! Short enough for CI by default; `TILAUS_RSS_ORDERS=100000` makes it a long run.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use support::{Server, create_shop, order};
use tilaus_store::testkit::{self, TestDb};

const CLIENTS: usize = 8;
/// Orders before the first sample: pools, statement caches and allocator arenas fill up.
const WARM_UP: usize = 500;
const SAMPLES: usize = 8;
/// Growth per order that fails the run. A leak of one order's request body (~600 bytes) or
/// its row would exceed it; allocator noise over a few thousand orders does not.
const MAX_BYTES_PER_ORDER: f64 = 256.0;

fn run_length() -> usize {
    std::env::var("TILAUS_RSS_ORDERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_600)
}

/// Sends `count` orders with `CLIENTS` closed-loop clients, numbering on from `next`.
async fn ingest(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    next: &Arc<AtomicUsize>,
    count: usize,
) {
    let end = next.load(Ordering::Relaxed) + count;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..CLIENTS {
        let (client, url, token, next) = (
            client.clone(),
            url.to_owned(),
            token.to_owned(),
            next.clone(),
        );
        tasks.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= end {
                    break;
                }
                let response = client
                    .post(format!("{url}/api/v1/orders"))
                    .bearer_auth(&token)
                    .json(&order(i % CLIENTS, i))
                    .send()
                    .await
                    .expect("post");
                assert_eq!(response.status(), reqwest::StatusCode::CREATED);
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("client");
    }
    // The counter overshoots by one per client; the next batch starts where orders ended.
    next.store(end, Ordering::Relaxed);
}

/// Least-squares slope of `points` (orders, bytes): bytes per order.
fn slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
    let covariance: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    let variance: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    covariance / variance
}

async fn memory_stays_flat(db: TestDb) {
    let token = create_shop(&db.url);
    let client = reqwest::Client::new();
    let mut server = Server::start(&db.url, &client).await;
    let next = Arc::new(AtomicUsize::new(0));
    ingest(&client, &server.url, &token, &next, WARM_UP).await;
    let run = run_length();
    let mut points = vec![(0.0, server.rss_kib() as f64 * 1024.0)];
    for sample in 1..=SAMPLES {
        ingest(&client, &server.url, &token, &next, run / SAMPLES).await;
        points.push((
            (sample * (run / SAMPLES)) as f64,
            server.rss_kib() as f64 * 1024.0,
        ));
    }
    server.kill();
    let per_order = slope(&points);
    let mib: Vec<String> = points
        .iter()
        .map(|p| format!("{:.1}", p.1 / 1_048_576.0))
        .collect();
    eprintln!(
        "RSS over {run} orders after {WARM_UP} warm-up orders: [{}] MiB; {per_order:.1} bytes/order",
        mib.join(", ")
    );
    assert!(
        per_order < MAX_BYTES_PER_ORDER,
        "RSS grows {per_order:.0} bytes per order: [{}] MiB",
        mib.join(", ")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_memory_stays_flat_over_a_long_ingest() {
    memory_stays_flat(testkit::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_memory_stays_flat_over_a_long_ingest() {
    if let Some(db) = testkit::postgres("rss_flat").await {
        memory_stays_flat(db).await;
    }
}

#[test]
fn the_slope_is_bytes_per_order() {
    let points = [(0.0, 100.0), (10.0, 120.0), (20.0, 140.0)];
    assert!((slope(&points) - 2.0).abs() < 1e-9);
}
