//! `list`: the admin's most common query on a large shop — a state, a 90-day window and part of
//! a customer's last name, 50 per page, newest first — with random terms and windows; then the
//! same filter without text followed 20 pages deep by cursor. `export`: the whole shop as CSV
//! and as XLSX, streamed.

use crate::Options;
use crate::report::Report;
use crate::server::Server;
use crate::stats::Latencies;
use anyhow::{Result, bail};
use rand::Rng;
use rand::seq::IndexedRandom;
use std::time::Instant;
use tilaus_app::seed::LAST_NAMES;

const STATES: &[&str] = &[
    "open",
    "confirmed",
    "invoiced",
    "paid",
    "completed",
    "cancelled",
];
const DAY_SECONDS: i64 = 86_400;
const DEEP_PAGES: usize = 20;

/// A random state, 90-day window within the last year, and 4-letter piece of a last name.
fn random_filter(rng: &mut impl Rng, with_text: bool) -> String {
    let state = STATES.choose(rng).unwrap_or(&"completed");
    let now = jiff::Timestamp::now().as_second();
    let to = now - rng.random_range(0..275) * DAY_SECONDS;
    let from = to - 90 * DAY_SECONDS;
    let stamp = |s: i64| {
        jiff::Timestamp::from_second(s)
            .map(|t| t.to_string())
            .unwrap_or_default()
    };
    let mut query = format!(
        "state={state}&created_from={}&created_to={}&limit=50",
        stamp(from),
        stamp(to)
    );
    if with_text {
        let name: Vec<char> = LAST_NAMES
            .choose(rng)
            .unwrap_or(&"Virtanen")
            .to_lowercase()
            .chars()
            .collect();
        let start = rng.random_range(0..name.len().saturating_sub(4).max(1));
        let piece: String = name[start..(start + 4).min(name.len())].iter().collect();
        query.push_str(&format!("&q={}", encode(&piece)));
    }
    query
}

/// Percent-encodes a query or form value (the terms include ä and ö).
pub(crate) fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn get_page(server: &Server, token: &str, query: &str) -> Result<serde_json::Value> {
    let response = server
        .client
        .get(server.url(&format!("/api/v1/orders?{query}")))
        .bearer_auth(token)
        .send()
        .await?;
    if !response.status().is_success() {
        bail!("GET /api/v1/orders?{query}: {}", response.status());
    }
    Ok(response.json().await?)
}

/// `count` random list filters with text, for the admin page.
pub(crate) fn random_queries(count: usize) -> Vec<String> {
    let mut rng = rand::rng();
    (0..count).map(|_| random_filter(&mut rng, true)).collect()
}

pub(crate) async fn run(
    server: &Server,
    token: &str,
    options: &Options,
    backend: &str,
) -> Result<Vec<Report>> {
    let mut rng = rand::rng();
    server.reset_peak();
    let mut latencies = Latencies::default();
    let mut hits = 0usize;
    let started = Instant::now();
    for _ in 0..options.queries {
        let query = random_filter(&mut rng, true);
        let sent = Instant::now();
        let page = get_page(server, token, &query).await?;
        latencies.record(sent.elapsed());
        hits += page["items"].as_array().map_or(0, Vec::len);
    }
    let list = Report::new(
        "list",
        backend,
        1,
        started.elapsed().as_secs_f64(),
        latencies,
        server.peak_rss_mib(),
    )
    .with("orders_in_shop", options.orders)
    .with(
        "mean_rows_per_page",
        (hits as f64 / options.queries.max(1) as f64 * 10.0).round() / 10.0,
    );

    let mut latencies = Latencies::default();
    let started = Instant::now();
    for _ in 0..(options.queries / DEEP_PAGES).max(1) {
        let base = random_filter(&mut rng, false);
        let mut query = base.clone();
        for _ in 0..DEEP_PAGES {
            let sent = Instant::now();
            let page = get_page(server, token, &query).await?;
            latencies.record(sent.elapsed());
            match page["next_cursor"].as_str() {
                Some(cursor) => query = format!("{base}&cursor={cursor}"),
                None => break,
            }
        }
    }
    let deep = Report::new(
        "list_deep",
        backend,
        1,
        started.elapsed().as_secs_f64(),
        latencies,
        server.peak_rss_mib(),
    )
    .with("orders_in_shop", options.orders);
    Ok(vec![list, deep])
}

pub(crate) async fn export(
    server: &Server,
    token: &str,
    options: &Options,
    backend: &str,
) -> Result<Vec<Report>> {
    let mut reports = Vec::new();
    for format in ["csv", "xlsx"] {
        server.reset_peak();
        let started = Instant::now();
        let mut response = server
            .client
            .get(server.url(&format!("/api/v1/orders/export?format={format}")))
            .bearer_auth(token)
            .send()
            .await?;
        if !response.status().is_success() {
            bail!("export {format}: {}", response.status());
        }
        let mut bytes = 0usize;
        while let Some(chunk) = response.chunk().await? {
            bytes += chunk.len();
        }
        let elapsed = started.elapsed();
        let mut latencies = Latencies::default();
        latencies.record(elapsed);
        reports.push(
            Report::new(
                &format!("export_{format}"),
                backend,
                1,
                elapsed.as_secs_f64(),
                latencies,
                server.peak_rss_mib(),
            )
            .with("orders", options.orders)
            .with("bytes", bytes),
        );
    }
    Ok(reports)
}
