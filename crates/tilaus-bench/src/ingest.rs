//! `ingest`: each order one `POST /api/v1/orders` with an `Idempotency-Key`, 3 lines from the
//! 50-product catalogue, quantity 1–3, a new customer; N closed-loop clients. Beside it the raw
//! floor: the same rows written straight through the store by N tasks, one transaction each.

use crate::report::Report;
use crate::server::Server;
use crate::stats::Latencies;
use crate::{BenchShop, Options};
use anyhow::{Result, bail};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;
use tilaus_app::seed::{OrderFactory, SeededOrder};
use tilaus_domain::access::Actor;
use tilaus_store::customer::CustomerRow;
use tilaus_store::dialect::take_order_numbers;
use tilaus_store::{ShopScope, customer, idempotency, now_micros, order};

const LINES: usize = 3;

/// Ingest at each client count, each followed by its raw floor and the ratio of the two.
pub(crate) async fn run(
    server: &Server,
    shop: &BenchShop,
    options: &Options,
    backend: &str,
) -> Result<Vec<Report>> {
    let mut reports = Vec::new();
    for &clients in &options.clients {
        let ingest = closed_loop(server, shop, clients, options.orders, backend).await?;
        let raw = raw_floor(shop, clients, options.orders, backend).await?;
        let ratio = ingest.per_second / raw.per_second.max(f64::EPSILON);
        reports.push(ingest.with("ratio_to_raw", (ratio * 1000.0).round() / 1000.0));
        reports.push(raw);
    }
    Ok(reports)
}

/// Resident memory idle after start, and at peak under ingest with 16 clients.
pub(crate) async fn memory(
    server: &Server,
    shop: &BenchShop,
    options: &Options,
    backend: &str,
) -> Result<Vec<Report>> {
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let idle = server.rss_mib();
    let under_load = closed_loop(server, shop, 16, options.orders, backend).await?;
    let mut report = under_load.with("idle_rss_mib", (idle * 10.0).round() / 10.0);
    report.workload = "memory".into();
    Ok(vec![report])
}

/// Request bodies made before the clock starts, so that only the server is measured.
fn bodies(orders: usize, products: Vec<tilaus_domain::product::Product>) -> Vec<String> {
    let mut factory = OrderFactory::new(products, rand::random());
    let run = uuid::Uuid::now_v7().simple().to_string();
    let now = now_micros();
    (0..orders)
        .map(|i| {
            let c = factory.customer(now);
            let lines: Vec<_> = factory
                .pick_lines(LINES)
                .into_iter()
                .map(|(p, quantity)| json!({"sku": p.sku, "quantity": quantity}))
                .collect();
            let address = c.delivery_address.as_deref().and_then(|a| serde_json::from_str::<serde_json::Value>(a).ok());
            json!({
                "channel": "web", "external_id": format!("BENCH-{run}-{i}"),
                "customer": {"kind": c.kind, "name": c.name, "email": c.email, "phone": c.phone,
                             "business_id": c.business_id, "language": c.language, "delivery_address": address},
                "lines": lines,
            })
            .to_string()
        })
        .collect()
}

/// `clients` tasks each send the next order when the previous answer arrives.
pub(crate) async fn closed_loop(
    server: &Server,
    shop: &BenchShop,
    clients: usize,
    orders: usize,
    backend: &str,
) -> Result<Report> {
    let products = shop.app.seed_catalogue(shop.shop_id).await?;
    let bodies = Arc::new(bodies(orders, products));
    let next = Arc::new(AtomicUsize::new(0));
    let key_prefix = uuid::Uuid::now_v7().simple().to_string();
    server.reset_peak();
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let (bodies, next) = (bodies.clone(), next.clone());
        let client = server.client.clone();
        let url = server.url("/api/v1/orders");
        let token = shop.token.clone();
        let key_prefix = key_prefix.clone();
        tasks.spawn(async move {
            let mut latencies = Latencies::default();
            let mut failures = 0usize;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(body) = bodies.get(i) else { break };
                let sent = Instant::now();
                let response = client
                    .post(&url)
                    .bearer_auth(&token)
                    .header("Idempotency-Key", format!("{key_prefix}-{i}"))
                    .header("Content-Type", "application/json")
                    .body(body.clone())
                    .send()
                    .await;
                match response {
                    Ok(r) if r.status() == reqwest::StatusCode::CREATED => {
                        let _ = r.bytes().await;
                        latencies.record(sent.elapsed());
                    }
                    _ => failures += 1,
                }
            }
            (latencies, failures)
        });
    }
    let mut latencies = Latencies::default();
    let mut failures = 0;
    while let Some(done) = tasks.join_next().await {
        let (l, f) = done?;
        latencies.extend(l);
        failures += f;
    }
    let seconds = started.elapsed().as_secs_f64();
    if failures > 0 {
        bail!("{failures} of {orders} ingest requests failed");
    }
    Ok(Report::new(
        "ingest",
        backend,
        clients,
        seconds,
        latencies,
        server.peak_rss_mib(),
    ))
}

/// The rows one ingest writes, made up front.
struct RawOrder {
    customer: CustomerRow,
    order: SeededOrder,
}

/// The floor: the same rows through the store, no HTTP and no domain rules, one transaction per
/// order with the same statements ingest runs (customer upsert, counters, order, lines, event,
/// idempotency record).
async fn raw_floor(
    shop: &BenchShop,
    clients: usize,
    orders: usize,
    backend: &str,
) -> Result<Report> {
    let products = shop.app.seed_catalogue(shop.shop_id).await?;
    let mut factory = OrderFactory::new(products, rand::random());
    let now = now_micros();
    let run = uuid::Uuid::now_v7().simple().to_string();
    let mut rows = Vec::with_capacity(orders);
    for i in 0..orders {
        let customer = factory.customer(now);
        let mut order = factory.order_with_lines(&customer, LINES, 0, now, now)?;
        order.row.external_id = Some(format!("RAW-{run}-{i}"));
        rows.push(RawOrder { customer, order });
    }
    let rows = Arc::new(rows);
    let next = Arc::new(AtomicUsize::new(0));
    let scope = ShopScope::authorised(shop.shop_id);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let (rows, next, db) = (rows.clone(), next.clone(), shop.app.db.clone());
        let run = run.clone();
        tasks.spawn(async move {
            let mut latencies = Latencies::default();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(raw) = rows.get(i) else { break };
                let sent = Instant::now();
                write_raw(&db, scope, raw, &format!("{run}-{i}")).await?;
                latencies.record(sent.elapsed());
            }
            anyhow::Ok(latencies)
        });
    }
    let mut latencies = Latencies::default();
    while let Some(done) = tasks.join_next().await {
        latencies.extend(done??);
    }
    let seconds = started.elapsed().as_secs_f64();
    Ok(Report::new(
        "ingest_raw",
        backend,
        clients,
        seconds,
        latencies,
        f64::NAN,
    ))
}

async fn write_raw(
    db: &tilaus_store::Db,
    scope: ShopScope,
    raw: &RawOrder,
    key: &str,
) -> Result<()> {
    let mut tx = db.begin().await?;
    let customer_id = customer::attach(&mut tx, scope, &raw.customer).await?;
    let mut row = raw.order.row.clone();
    row.customer_id = customer_id;
    row.order_id = uuid::Uuid::now_v7();
    row.number = take_order_numbers(&mut tx, scope, 1)
        .await?
        .first()
        .copied()
        .unwrap_or_default();
    order::insert(&mut tx, scope, &row, &raw.order.lines, &raw.order.tags).await?;
    let stored = idempotency::StoredResponse {
        request_hash: key.into(),
        response_status: 201,
        response_body: "{}".into(),
    };
    idempotency::insert(&mut tx, scope, key, &stored, row.created_at).await?;
    let actor = Actor::system("bench");
    let event = order::Event {
        order_id: row.order_id,
        kind: "order.created".into(),
        actor_kind: actor.kind.as_str().into(),
        actor_id: actor.id,
        actor_label: actor.label,
        data: "{}".into(),
        created_at: row.created_at,
    };
    order::insert_event(&mut tx, scope, &event).await?;
    tx.commit().await?;
    Ok(())
}
