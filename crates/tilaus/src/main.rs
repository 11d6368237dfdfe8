//! `tilaus`: the server and the operator's command line.

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::time::Duration;
use tilaus_app::export::ExportFormat;
use tilaus_app::job::{Handlers, JobRunner, RetryPolicy, RunnerConfig, Schedule};
use tilaus_app::message::{Mailer, SendMessages};
use tilaus_app::order::ListQuery;
use tilaus_app::shop::NewShop;
use tilaus_app::{App, Principal};
use tilaus_domain::access::Role;
use uuid::Uuid;

#[derive(Parser)]
#[command(name = "tilaus", version, about = "Tilaus order management system")]
struct Cli {
    /// Log lines as human-readable text or as one JSON object per line (for log shippers).
    #[arg(
        long,
        env = "TILAUS_LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

/// Logs go to standard error, filtered by `TILAUS_LOG` (e.g. `debug,sqlx=warn`); each request's
/// lines carry its `x-request-id`.
fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TILAUS_LOG")
        .unwrap_or_else(|_| "info,sqlx=warn".into());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .init(),
    }
}

#[derive(Args, Clone)]
struct Database {
    /// sqlite:PATH or postgres://USER@HOST/DB
    #[arg(
        long = "database-url",
        env = "TILAUS_DATABASE_URL",
        default_value = "sqlite:tilaus.db",
        global = true
    )]
    url: String,
}

/// How the job runner works (issue 6); see `RunnerConfig` for what each setting means.
#[derive(Args, Clone)]
struct JobOptions {
    /// Jobs run at once by this process's runner.
    #[arg(long, env = "TILAUS_JOB_CONCURRENCY", default_value_t = 4)]
    job_concurrency: usize,
    /// How often the runner looks for due jobs without being woken, in milliseconds.
    #[arg(long, env = "TILAUS_JOB_POLL_MS", default_value_t = 1000)]
    job_poll_ms: u64,
    /// How long a claimed job is held before another runner may take it over, in seconds.
    #[arg(long, env = "TILAUS_JOB_LEASE_SECS", default_value_t = 300)]
    job_lease_secs: u64,
    /// The longest wait before a failed job's first retry, in seconds (then doubling).
    #[arg(long, env = "TILAUS_JOB_FIRST_RETRY_SECS", default_value_t = 30)]
    job_first_retry_secs: u64,
    /// The longest wait between two attempts, in seconds.
    #[arg(long, env = "TILAUS_JOB_RETRY_CAP_SECS", default_value_t = 3600)]
    job_retry_cap_secs: u64,
    /// Attempts before a failing job is dead (staff can retry it).
    #[arg(long, env = "TILAUS_JOB_MAX_ATTEMPTS", default_value_t = 12)]
    job_max_attempts: u32,
    /// On shutdown, how long running jobs may take to finish, in seconds.
    #[arg(long, env = "TILAUS_JOB_SHUTDOWN_SECS", default_value_t = 30)]
    job_shutdown_secs: u64,
    /// The SMTP server that sends email: smtp://host:25, smtp://user:pass@host:587?tls=starttls
    /// or smtps://user:pass@host:465. Without it, messages fail with "email is not set up".
    #[arg(long, env = "TILAUS_SMTP_URL", requires = "smtp_from")]
    smtp_url: Option<String>,
    /// The sender address of every email (shops appear as the sender name).
    #[arg(long, env = "TILAUS_SMTP_FROM", requires = "smtp_url")]
    smtp_from: Option<String>,
}

/// What a job runner is started with.
struct JobSetup {
    config: RunnerConfig,
    mailer: Option<Mailer>,
}

impl JobOptions {
    fn setup(&self) -> Result<JobSetup> {
        let mailer = match (&self.smtp_url, &self.smtp_from) {
            (Some(url), Some(from)) => Some(Mailer::new(url, from)?),
            _ => None,
        };
        if mailer.is_none() {
            tracing::warn!("TILAUS_SMTP_URL is not set: messages to customers will not be sent");
        }
        Ok(JobSetup {
            config: self.config()?,
            mailer,
        })
    }

    fn config(&self) -> Result<RunnerConfig> {
        anyhow::ensure!(
            self.job_concurrency >= 1,
            "TILAUS_JOB_CONCURRENCY must be at least 1"
        );
        anyhow::ensure!(
            self.job_poll_ms >= 1 && self.job_lease_secs >= 1 && self.job_max_attempts >= 1,
            "TILAUS_JOB_POLL_MS, TILAUS_JOB_LEASE_SECS and TILAUS_JOB_MAX_ATTEMPTS must be at least 1"
        );
        Ok(RunnerConfig {
            concurrency: self.job_concurrency,
            poll: Duration::from_millis(self.job_poll_ms),
            lease: Duration::from_secs(self.job_lease_secs),
            retry: RetryPolicy {
                first_retry: Duration::from_secs(self.job_first_retry_secs),
                cap: Duration::from_secs(self.job_retry_cap_secs),
                max_attempts: self.job_max_attempts,
            },
            shutdown_grace: Duration::from_secs(self.job_shutdown_secs),
        })
    }
}

#[derive(Subcommand)]
enum Command {
    /// Runs the server (migrating the database first; an empty database gets the demo shop).
    Serve {
        #[command(flatten)]
        db: Database,
        #[arg(long, env = "TILAUS_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Do not create the demo shop on an empty database.
        #[arg(long)]
        no_demo: bool,
        /// Always mark admin cookies Secure (behind a TLS proxy that sends no X-Forwarded-Proto).
        #[arg(long, env = "TILAUS_SECURE_COOKIES")]
        secure_cookies: bool,
        /// Take the client address from X-Forwarded-For (only behind a proxy that sets it).
        #[arg(long, env = "TILAUS_TRUST_PROXY")]
        trust_proxy: bool,
        /// Run no background jobs here (when separate `tilaus worker` processes run them).
        #[arg(long, env = "TILAUS_NO_JOB_RUNNER")]
        no_job_runner: bool,
        #[command(flatten)]
        jobs: JobOptions,
    },
    /// Runs only the background jobs (email, SMS, webhooks, scheduled checks), for deployments
    /// that keep them apart from the web servers. Any number may run against one database.
    Worker {
        #[command(flatten)]
        db: Database,
        #[command(flatten)]
        jobs: JobOptions,
    },
    /// Brings the database schema up to date.
    Migrate {
        #[command(flatten)]
        db: Database,
    },
    /// Creates a demo shop with realistic orders and prints how to get in.
    Demo {
        #[command(flatten)]
        db: Database,
        #[arg(long, default_value_t = 300)]
        orders: usize,
        #[arg(long)]
        json: bool,
    },
    /// Fills a shop with many realistic orders quickly (bulk inserts), for benchmarks and for
    /// trying the admin at scale.
    Seed {
        #[command(flatten)]
        db: Database,
        /// The shop to fill.
        #[arg(long)]
        shop: uuid::Uuid,
        #[arg(long, default_value_t = 10_000)]
        orders: usize,
        /// The random seed: the same seed gives the same orders.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        #[arg(long)]
        json: bool,
    },
    /// Runs benchmark workloads against a real server over HTTP (build with --release).
    Bench {
        /// ingest, list, export, memory or all; several joined by commas.
        workload: String,
        /// Where the server keeps its data; a fresh SQLite file in the temp dir by default.
        #[arg(long = "database-url", env = "TILAUS_BENCH_DATABASE_URL")]
        database_url: Option<String>,
        /// Closed-loop client counts for ingest.
        #[arg(long, value_delimiter = ',', default_value = "1,16,64")]
        clients: Vec<usize>,
        /// Orders per ingest run; the shop's size for list and export.
        #[arg(long, default_value_t = 5_000)]
        orders: usize,
        /// Queries per list run.
        #[arg(long, default_value_t = 1_000)]
        queries: usize,
        /// One JSON object per workload instead of a table.
        #[arg(long)]
        json: bool,
        /// Run list/export against this running server instead of starting one.
        #[arg(long, requires = "token")]
        url: Option<String>,
        /// An API token of the filled shop on `--url`.
        #[arg(long, env = "TILAUS_BENCH_TOKEN", requires = "url")]
        token: Option<String>,
    },
    #[command(subcommand)]
    Shop(ShopCommand),
    #[command(subcommand)]
    Token(TokenCommand),
    #[command(subcommand)]
    User(UserCommand),
    #[command(subcommand)]
    Export(ExportCommand),
    #[command(subcommand)]
    Job(JobCommand),
}

#[derive(Subcommand)]
enum JobCommand {
    /// Enqueues a probe job that waits, then writes `job.probe_ran` to the shop's audit trail:
    /// proof that a runner picks up work. Prints the job's id.
    Probe {
        #[command(flatten)]
        db: Database,
        #[arg(long)]
        shop: Uuid,
        /// How long the probe's work takes.
        #[arg(long, default_value_t = 0)]
        millis: u64,
    },
}

#[derive(Subcommand)]
enum ShopCommand {
    /// Opens a shop and prints its id and the owner's API token.
    Create {
        #[command(flatten)]
        db: Database,
        #[arg(long)]
        name: String,
        #[arg(long)]
        owner_email: String,
        #[arg(long, default_value = "EUR")]
        currency: String,
        #[arg(long, default_value = "Europe/Helsinki")]
        time_zone: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Makes an API token and prints it (shown once).
    Create {
        #[command(flatten)]
        db: Database,
        #[arg(long)]
        shop: Uuid,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "staff")]
        role: String,
        #[arg(long)]
        json: bool,
    },
    List {
        #[command(flatten)]
        db: Database,
        #[arg(long)]
        shop: Uuid,
    },
    Revoke {
        #[command(flatten)]
        db: Database,
        #[arg(long)]
        shop: Uuid,
        token_id: Uuid,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Adds a staff user to a shop; the password comes from TILAUS_PASSWORD or standard input.
    Create {
        #[command(flatten)]
        db: Database,
        #[arg(long)]
        shop: Uuid,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long, default_value = "staff")]
        role: String,
    },
    /// Sets a user's password (from TILAUS_PASSWORD or standard input).
    ResetPassword {
        #[command(flatten)]
        db: Database,
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
enum ExportCommand {
    /// Exports a shop's orders (with the list's filters) as CSV or XLSX.
    Orders {
        #[command(flatten)]
        db: Database,
        #[arg(long)]
        shop: Uuid,
        #[arg(long, default_value = "csv")]
        format: String,
        #[arg(long)]
        delimiter: Option<String>,
        /// The file to write.
        #[arg(long)]
        output: std::path::PathBuf,
        #[arg(long)]
        state: Vec<String>,
        #[arg(long)]
        channel: Vec<String>,
        #[arg(long)]
        q: Option<String>,
        #[arg(long)]
        created_from: Option<String>,
        #[arg(long)]
        created_to: Option<String>,
    },
}

async fn open(db: &Database) -> Result<App> {
    let payments = tilaus_app::paylink::PaymentConfig::from_env().map_err(anyhow::Error::msg)?;
    let app = App::open(&db.url).await.with_context(|| {
        format!(
            "cannot use TILAUS_DATABASE_URL / --database-url '{}'",
            redacted(&db.url)
        )
    })?;
    let sms = tilaus_app::message::sms::SmsConfig::from_env()
        .map_err(anyhow::Error::msg)
        .context("cannot use TILAUS_SMS_URL / TILAUS_SMS_TOKEN")?;
    let app = app
        .with_payments(payments)
        .context("cannot use TILAUS_VISMAPAY_URL")?;
    Ok(match sms {
        Some(sms) => app.with_sms(sms),
        None => app,
    })
}

fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s && url[s + 3..at].contains(':') => {
            format!("{}***{}", &url[..s + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

fn read_password() -> Result<String> {
    if let Ok(password) = std::env::var("TILAUS_PASSWORD") {
        return Ok(password);
    }
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn role(text: &str) -> Result<Role> {
    Role::parse(text)
        .with_context(|| format!("unknown role '{text}'; use one of {}", Role::expected()))
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    if let Err(error) = run(cli).await {
        eprintln!("tilaus: {error:#}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve {
            db,
            listen,
            no_demo,
            secure_cookies,
            trust_proxy,
            no_job_runner,
            jobs,
        } => {
            let admin = tilaus_web::admin::AdminConfig {
                secure_cookies,
                trust_proxy,
            };
            let jobs = (!no_job_runner).then(|| jobs.setup()).transpose()?;
            serve(&db, listen, no_demo, admin, jobs).await
        }
        Command::Worker { db, jobs } => {
            let setup = jobs.setup()?;
            let app = open(&db).await?;
            tracing::info!(backend = ?app.db.backend(), "tilaus worker is running jobs");
            job_runner(app.clone(), setup).run(shutdown_signal()).await;
            app.db.close().await;
            Ok(())
        }
        Command::Job(JobCommand::Probe { db, shop, millis }) => {
            let app = open(&db).await?;
            let id = app
                .enqueue_probe(&Principal::system(shop, "cli"), millis)
                .await?;
            println!("{id}");
            Ok(())
        }
        Command::Migrate { db } => {
            open(&db).await?;
            println!("database is up to date");
            Ok(())
        }
        Command::Demo { db, orders, json } => {
            let demo = open(&db).await?.create_demo_shop(orders).await?;
            print_demo(&demo, json, "http://127.0.0.1:8080")
        }
        Command::Bench {
            workload,
            database_url,
            clients,
            orders,
            queries,
            json,
            url,
            token,
        } => {
            let options = tilaus_bench::Options {
                external: url.zip(token),
                workloads: tilaus_bench::Workload::parse(&workload)?,
                database_url,
                clients,
                orders,
                queries,
                server_exe: std::env::current_exe()?,
            };
            if !json {
                println!("{}", tilaus_bench::Report::table_header());
            }
            tilaus_bench::run(&options, |report| {
                if json {
                    println!("{}", serde_json::to_string(report).unwrap_or_default());
                } else {
                    println!("{}", report.table_row());
                }
            })
            .await
        }
        Command::Seed {
            db,
            shop,
            orders,
            seed,
            json,
        } => {
            let app = open(&db).await?;
            let report = app
                .seed_orders(shop, orders, seed, |done| {
                    if !json && done % 50_000 == 0 {
                        eprintln!("{done} orders");
                    }
                })
                .await?;
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                println!(
                    "Seeded {} orders for {} customers in {:.1} s ({:.0} orders/s).",
                    report.orders,
                    report.customers,
                    report.seconds,
                    report.orders as f64 / report.seconds.max(f64::EPSILON)
                );
            }
            Ok(())
        }
        Command::Shop(ShopCommand::Create {
            db,
            name,
            owner_email,
            currency,
            time_zone,
            json,
        }) => {
            let app = open(&db).await?;
            let shop = app
                .create_shop(NewShop {
                    name,
                    owner_email,
                    currency: Some(currency),
                    time_zone: Some(time_zone),
                    ..NewShop::default()
                })
                .await?;
            if json {
                println!("{}", serde_json::to_string(&shop)?);
            } else {
                println!(
                    "shop_id:   {}\napi_token: {}  (shown once; keep it safe)",
                    shop.shop_id, shop.api_token
                );
            }
            Ok(())
        }
        Command::Token(command) => token(command).await,
        Command::User(command) => user(command).await,
        Command::Export(ExportCommand::Orders {
            db,
            shop,
            format,
            delimiter,
            output,
            state,
            channel,
            q,
            created_from,
            created_to,
        }) => {
            let app = open(&db).await?;
            let format = ExportFormat::parse(&format, delimiter.as_deref())?;
            let query = ListQuery {
                q,
                state,
                channel,
                created_from,
                created_to,
                ..ListQuery::default()
            };
            let file = std::fs::File::create(&output)
                .with_context(|| format!("cannot create {}", output.display()))?;
            let written = app
                .export_orders(
                    &Principal::system(shop, "cli export"),
                    &query,
                    format,
                    std::io::BufWriter::new(file),
                )
                .await?;
            eprintln!("wrote {written} orders to {}", output.display());
            Ok(())
        }
    }
}

async fn token(command: TokenCommand) -> Result<()> {
    match command {
        TokenCommand::Create {
            db,
            shop,
            name,
            role: r,
            json,
        } => {
            let created = open(&db)
                .await?
                .create_token(&Principal::system(shop, "cli"), &name, role(&r)?)
                .await?;
            if json {
                println!("{}", serde_json::to_string(&created)?);
            } else {
                println!("{}  (id {}, shown once)", created.token, created.info.id);
            }
        }
        TokenCommand::List { db, shop } => {
            for t in open(&db)
                .await?
                .list_tokens(&Principal::system(shop, "cli"))
                .await?
            {
                let state = t
                    .revoked_at
                    .map_or("active".to_owned(), |at| format!("revoked {at}"));
                println!(
                    "{}  {:<10} {:<20} {}  {state}",
                    t.id, t.role, t.name, t.created_at
                );
            }
        }
        TokenCommand::Revoke { db, shop, token_id } => {
            open(&db)
                .await?
                .revoke_token(&Principal::system(shop, "cli"), token_id)
                .await?;
            println!("revoked {token_id}");
        }
    }
    Ok(())
}

async fn user(command: UserCommand) -> Result<()> {
    match command {
        UserCommand::Create {
            db,
            shop,
            email,
            name,
            role: r,
        } => {
            let app = open(&db).await?;
            let id = app
                .create_user(
                    &Principal::system(shop, "cli"),
                    &email,
                    name.as_deref(),
                    read_password()?,
                    role(&r)?,
                )
                .await?;
            println!("user {id} can now sign in to shop {shop} as {r}");
        }
        UserCommand::ResetPassword { db, email } => {
            open(&db)
                .await?
                .reset_password(&email, read_password()?)
                .await?;
            println!("password set for {email}");
        }
    }
    Ok(())
}

/// Prints how to get into the demo shop; `base` is where the server answers (the default
/// address for `tilaus demo`, the actual one for `tilaus serve`).
fn print_demo(demo: &tilaus_app::demo::DemoShop, json: bool, base: &str) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string(demo)?);
    } else {
        println!(
            "Demo shop ready with {} orders.\n  shop_id:        {}\n  api_token:      {}\n  admin_email:    {}\n  admin_password: {}\nAdmin UI: {base}/admin (log in with the e-mail and password above)\nTry: curl -H 'Authorization: Bearer {}' {base}/api/v1/orders",
            demo.orders,
            demo.shop_id,
            demo.api_token,
            demo.admin_email,
            demo.admin_password,
            demo.api_token
        );
    }
    Ok(())
}

async fn serve(
    db: &Database,
    listen: SocketAddr,
    no_demo: bool,
    admin: tilaus_web::admin::AdminConfig,
    jobs: Option<JobSetup>,
) -> Result<()> {
    let app = open(db).await?;
    if !no_demo && !app.any_shop().await? {
        let demo = app.create_demo_shop(300).await?;
        println!("First start on an empty database: created a demo shop.");
        print_demo(&demo, false, &format!("http://{listen}"))?;
    }
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on TILAUS_LISTEN / --listen {listen}"))?;
    tracing::info!(%listen, backend = ?app.db.backend(), "tilaus is serving");
    let db_handle = app.db.clone();
    let live = app.clone();
    // The runner stops claiming when the server begins to shut down, and is awaited (within its
    // grace period) after the last request.
    let (stop_jobs, jobs_stopped) = tokio::sync::oneshot::channel::<()>();
    let runner = jobs.map(|setup| {
        tokio::spawn(job_runner(app.clone(), setup).run(async {
            let _ = jobs_stopped.await;
        }))
    });
    // The peer address feeds the admin login throttle (per client address).
    let service =
        tilaus_web::router_with(app, admin).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            let _ = stop_jobs.send(());
            // Live streams would otherwise hold the shutdown open until they end by themselves.
            live.stop_live();
        })
        .await?;
    if let Some(runner) = runner {
        let _ = runner.await;
    }
    db_handle.close().await;
    Ok(())
}

/// The runner with every built-in kind (email through the configured SMTP server) and schedule
/// (the hourly idempotency-key purge, the daily overdue check).
fn job_runner(app: App, setup: JobSetup) -> JobRunner {
    let mut handlers = Handlers::builtin();
    handlers.register(
        SendMessages::new(setup.mailer)
            .with_documents(std::sync::Arc::new(tilaus_web::MailAttachments)),
    );
    JobRunner::new(app, handlers, setup.config).with_schedules(Schedule::builtin())
}

/// Resolves on SIGINT or SIGTERM; in-flight requests then finish before the server stops.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down after in-flight requests");
}
