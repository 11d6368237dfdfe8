//! The admin UI as a browser uses it: a session from `/admin/login`, the first page of
//! `/admin/orders` (server render time), and `live`: 100 listeners on the order stream, timed
//! from each order's `201` to the event's arrival at every listener.

use crate::list::encode;
use crate::report::Report;
use crate::server::Server;
use crate::stats::Latencies;
use anyhow::{Context, Result, bail};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A signed-in admin session: the `Cookie` header value.
pub(crate) struct Session(String);

/// Signs in as a shop's user the way the login form does (pre-login CSRF cookie, same-origin
/// POST), without following the redirect, and keeps the session cookie.
pub(crate) async fn login(server: &Server, email: &str, password: &str) -> Result<Session> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let form = client.get(server.url("/admin/login")).send().await?;
    let prelogin = cookie(&form, "tilaus_prelogin").context("no pre-login cookie")?;
    let page = form.text().await?;
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .context("no csrf field on the login page")?;
    let body = format!(
        "csrf={}&email={}&password={}",
        encode(csrf),
        encode(email),
        encode(password)
    );
    let answer = client
        .post(server.url("/admin/login"))
        .header("Cookie", format!("tilaus_prelogin={prelogin}"))
        .header("Origin", &server.base)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await?;
    let session = cookie(&answer, "tilaus_session")
        .with_context(|| format!("login refused: {}", answer.status()))?;
    Ok(Session(format!("tilaus_session={session}")))
}

fn cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{name}=")))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}

/// The first page of `/admin/orders` with the list workload's filters, as HTML.
pub(crate) async fn admin_list(
    server: &Server,
    session: &Session,
    queries: &[String],
    backend: &str,
) -> Result<Report> {
    let mut latencies = Latencies::default();
    let started = Instant::now();
    for query in queries {
        let sent = Instant::now();
        let response = server
            .client
            .get(server.url(&format!("/admin/orders?{query}")))
            .header("Cookie", &session.0)
            .send()
            .await?;
        if !response.status().is_success() {
            bail!("GET /admin/orders?{query}: {}", response.status());
        }
        response.bytes().await?;
        latencies.record(sent.elapsed());
    }
    Ok(Report::new(
        "list_admin_page",
        backend,
        1,
        started.elapsed().as_secs_f64(),
        latencies,
        server.peak_rss_mib(),
    ))
}

/// When each order's event reached each listener.
type Arrivals = Arc<Mutex<HashMap<String, Vec<Instant>>>>;

/// `listeners` streams of `/admin/orders/live`; then `orders` orders one after another through
/// the API. Latency: from the `201` to the event at each listener (0 when it came first: the
/// event goes out at COMMIT, while the 201 is still being written).
pub(crate) async fn live(
    server: &Server,
    session: &Session,
    token: &str,
    listeners: usize,
    orders: usize,
    backend: &str,
) -> Result<Report> {
    let arrivals: Arrivals = Arc::default();
    let mut streams = tokio::task::JoinSet::new();
    for _ in 0..listeners {
        let response = server
            .client
            .get(server.url("/admin/orders/live"))
            .header("Cookie", &session.0)
            .header("Accept", "text/event-stream")
            .send()
            .await?;
        if !response.status().is_success() {
            bail!("GET /admin/orders/live: {}", response.status());
        }
        streams.spawn(read_stream(response, arrivals.clone()));
    }
    server.reset_peak();
    let mut acknowledged: Vec<(String, Instant)> = Vec::with_capacity(orders);
    let started = Instant::now();
    for i in 0..orders {
        let body = json!({"channel": "web", "customer": {"name": format!("Live {i}")},
            "lines": [{"name": "Kahvi", "quantity": 1, "unit_price": 450, "vat_rate": 1400}]});
        let response = server
            .client
            .post(server.url("/api/v1/orders"))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await?;
        let answered = Instant::now();
        let order: serde_json::Value = response.json().await?;
        let id = order["id"].as_str().context("no order id")?.to_owned();
        acknowledged.push((id, answered));
        // A steady trickle, as real orders come, rather than a burst.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let seconds = started.elapsed().as_secs_f64();
    streams.abort_all();
    let arrivals = arrivals.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
    let mut latencies = Latencies::default();
    let mut missing = 0usize;
    for (id, answered) in &acknowledged {
        let at = arrivals.get(id).map(Vec::as_slice).unwrap_or_default();
        missing += listeners.saturating_sub(at.len());
        for arrived in at {
            latencies.record(arrived.saturating_duration_since(*answered));
        }
    }
    if missing > 0 {
        bail!(
            "{missing} of {} deliveries never arrived",
            orders * listeners
        );
    }
    Ok(Report::new(
        "live",
        backend,
        listeners,
        seconds,
        latencies,
        server.peak_rss_mib(),
    )
    .with("orders", orders))
}

/// Reads one event stream, noting when each order's event arrives.
async fn read_stream(mut response: reqwest::Response, arrivals: Arrivals) {
    let mut buffer = String::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        let now = Instant::now();
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            let order_id = frame
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .filter_map(|d| serde_json::from_str::<serde_json::Value>(d.trim()).ok())
                .find_map(|event| event["order_id"].as_str().map(str::to_owned));
            if let (Some(id), Ok(mut map)) = (order_id, arrivals.lock()) {
                map.entry(id).or_default().push(now);
            }
        }
    }
}
