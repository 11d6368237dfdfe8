//! `tilaus bench`: the project's benchmark workloads, run against a real `tilaus serve` over
//! HTTP on 127.0.0.1, reported as one JSON object (or table row) per workload.
//!
//! The same definitions were used to measure peers, so the figures compare (issue 7):
//! `ingest` (closed loop, and its raw floor straight through the store), `list` (the admin's
//! common query on a large shop, and 20 pages deep), `export` (CSV and XLSX of the whole shop)
//! and `memory` (idle, and peak under ingest at 16 clients).

mod admin;
mod ingest;
mod list;
mod report;
mod server;
mod stats;

pub use report::Report;

use anyhow::{Context, Result, bail};
use server::Server;
use tilaus_app::App;
use tilaus_app::shop::NewShop;

/// What to run and where.
#[derive(Debug, Clone)]
pub struct Options {
    pub workloads: Vec<Workload>,
    /// `sqlite:PATH` or `postgres://…`; a fresh SQLite file in the temp dir when absent.
    pub database_url: Option<String>,
    /// Closed-loop client counts for ingest.
    pub clients: Vec<usize>,
    /// Orders per ingest run, or the shop's size for list and export.
    pub orders: usize,
    /// Queries per list run.
    pub queries: usize,
    /// The `tilaus` executable to start as the server.
    pub server_exe: std::path::PathBuf,
    /// A running server and an API token of a shop already filled with orders: list and
    /// export run against them instead of a fresh server and shop.
    pub external: Option<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    Ingest,
    List,
    Export,
    Memory,
    Live,
}

impl Workload {
    pub fn parse(text: &str) -> Result<Vec<Workload>> {
        let mut workloads = Vec::new();
        for name in text.split(',').map(str::trim) {
            match name {
                "ingest" => workloads.push(Workload::Ingest),
                "list" => workloads.push(Workload::List),
                "export" => workloads.push(Workload::Export),
                "memory" => workloads.push(Workload::Memory),
                "live" => workloads.push(Workload::Live),
                "all" => workloads.extend([
                    Workload::Memory,
                    Workload::Ingest,
                    Workload::Live,
                    Workload::List,
                    Workload::Export,
                ]),
                other => {
                    bail!(
                        "unknown workload '{other}': use ingest, list, export, memory, live or all"
                    )
                }
            }
        }
        Ok(workloads)
    }
}

/// A shop made for the run, with its owner's API token.
pub(crate) struct BenchShop {
    pub app: App,
    pub shop_id: uuid::Uuid,
    pub token: String,
    /// The owner's sign-in for the admin workloads.
    pub email: String,
    pub password: String,
}

/// Listeners on the live order stream (issue 7: 100).
const LIVE_LISTENERS: usize = 100;
/// Orders sent while they listen.
const LIVE_ORDERS: usize = 200;

/// Runs the workloads in order, calling `emit` with each report as soon as it exists.
pub async fn run(options: &Options, mut emit: impl FnMut(&Report)) -> Result<()> {
    if let Some((url, token)) = &options.external {
        return run_external(options, url, token, emit).await;
    }
    let url = match &options.database_url {
        Some(url) => url.clone(),
        None => format!(
            "sqlite:{}",
            std::env::temp_dir()
                .join(format!("tilaus-bench-{}.db", std::process::id()))
                .display()
        ),
    };
    let app = App::open(&url)
        .await
        .with_context(|| format!("cannot open --database-url {url}"))?;
    let email = format!("bench-{}@tilaus.example", uuid::Uuid::now_v7().simple());
    let password = uuid::Uuid::new_v4().simple().to_string();
    let created = app
        .create_shop(NewShop {
            name: format!("Benchmark {}", uuid::Uuid::now_v7()),
            owner_email: email.clone(),
            owner_password: Some(password.clone()),
            ..NewShop::default()
        })
        .await?;
    let shop = BenchShop {
        app,
        shop_id: created.shop_id,
        token: created.api_token,
        email,
        password,
    };
    shop.app.seed_catalogue(shop.shop_id).await?;
    let server = Server::start(&options.server_exe, &url).await?;
    let backend = format!("{:?}", shop.app.db.backend()).to_lowercase();
    let mut seeded = false;
    for workload in &options.workloads {
        if seeded {
            refresh_statistics(&shop.app).await?;
        }
        let growing = matches!(workload, Workload::Ingest | Workload::Memory);
        let analyze = if growing {
            Some(autoanalyze(&shop.app).await?)
        } else {
            None
        };
        let reports = match workload {
            Workload::Ingest => ingest::run(&server, &shop, options, &backend).await?,
            Workload::Memory => ingest::memory(&server, &shop, options, &backend).await?,
            Workload::Live => {
                let session = admin::login(&server, &shop.email, &shop.password).await?;
                let orders = LIVE_ORDERS.min(options.orders.max(1));
                let listeners = LIVE_LISTENERS;
                vec![
                    admin::live(&server, &session, &shop.token, listeners, orders, &backend)
                        .await?,
                ]
            }
            Workload::List | Workload::Export => {
                if !seeded {
                    shop.app
                        .seed_orders(shop.shop_id, options.orders, 2026, |_| {})
                        .await?;
                    refresh_statistics(&shop.app).await?;
                    seeded = true;
                }
                if *workload == Workload::List {
                    let mut reports = list::run(&server, &shop.token, options, &backend).await?;
                    let session = admin::login(&server, &shop.email, &shop.password).await?;
                    let queries = list::random_queries(options.queries);
                    reports.push(admin::admin_list(&server, &session, &queries, &backend).await?);
                    reports
                } else {
                    list::export(&server, &shop.token, options, &backend).await?
                }
            }
        };
        if let Some(analyze) = analyze {
            analyze.abort();
        }
        for report in &reports {
            emit(report);
        }
    }
    server.stop();
    if options.database_url.is_none() {
        shop.app.db.close().await;
        let path = url.trim_start_matches("sqlite:");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{suffix}"));
        }
    }
    Ok(())
}

/// Gives the planner fresh statistics before a workload on seeded data, as autovacuum would on a
/// production server (this machine's PostgreSQL runs with autovacuum off).
async fn refresh_statistics(app: &App) -> Result<()> {
    use tilaus_store::Queries as _;
    let mut tx = app.db.begin().await?;
    tx.execute_raw("ANALYZE").await?;
    tx.commit().await?;
    Ok(())
}

/// How often [`autoanalyze`] refreshes the statistics while tables grow.
const AUTOANALYZE_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// Stands in for autovacuum's automatic ANALYZE while a workload grows the tables, when the
/// PostgreSQL server runs without autovacuum (this machine's does). Production statistics follow
/// a growing table; statistics frozen at "empty" made the planner take the channel index for
/// the external-id lookup, reading every order of the channel for each new one (ingest fell from
/// about 320 to 240 orders/s between 3,000 and 8,000 orders: docs/benchmarks.md).
async fn autoanalyze(app: &App) -> Result<tokio::task::JoinHandle<()>> {
    use tilaus_store::Queries as _;
    let mut conn = app.db.read().await?;
    let needed = conn.backend() == tilaus_store::Backend::Postgres
        && !conn
            .fetch_bool("SELECT current_setting('autovacuum')::bool OR $1 <> 0", 0)
            .await?;
    drop(conn);
    let app = app.clone();
    Ok(tokio::spawn(async move {
        if !needed {
            return;
        }
        let mut every = tokio::time::interval(AUTOANALYZE_EVERY);
        loop {
            every.tick().await;
            if let Err(error) = refresh_statistics(&app).await {
                eprintln!("autoanalyze: {error}");
            }
        }
    }))
}

/// List and export against a server and shop someone else prepared (`--url`, `--token`).
async fn run_external(
    options: &Options,
    url: &str,
    token: &str,
    mut emit: impl FnMut(&Report),
) -> Result<()> {
    let server = Server::external(url)?;
    for workload in &options.workloads {
        let reports = match workload {
            Workload::List => list::run(&server, token, options, "external").await?,
            Workload::Export => list::export(&server, token, options, "external").await?,
            Workload::Ingest | Workload::Memory | Workload::Live => {
                bail!("with --url only list and export run (the others start their own server)")
            }
        };
        for report in &reports {
            emit(report);
        }
    }
    Ok(())
}
