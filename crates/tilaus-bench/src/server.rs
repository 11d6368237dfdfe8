//! The server under test: `tilaus serve` as a child process, and its memory from /proc.

use anyhow::{Context, Result, bail};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) struct Server {
    /// `None` for a server someone else started (`--url`): its memory is not ours to read.
    child: Option<Child>,
    pub base: String,
    pub client: reqwest::Client,
}

impl Server {
    /// Starts `exe serve` on a free local port against `database_url` and waits until ready.
    pub async fn start(exe: &std::path::Path, database_url: &str) -> Result<Server> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let child = Command::new(exe)
            .args([
                "serve",
                "--no-demo",
                "--listen",
                &format!("127.0.0.1:{port}"),
            ])
            .env("TILAUS_DATABASE_URL", database_url)
            .env("TILAUS_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start {}", exe.display()))?;
        let server = Server {
            child: Some(child),
            base: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::builder()
                .pool_max_idle_per_host(256)
                .build()?,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            let ready = server.client.get(server.url("/readyz")).send().await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                return Ok(server);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("the server did not become ready within 60 s")
    }

    /// A server that is already running at `base` (e.g. `http://127.0.0.1:8080`).
    pub fn external(base: &str) -> Result<Server> {
        Ok(Server {
            child: None,
            base: base.trim_end_matches('/').to_owned(),
            client: reqwest::Client::builder()
                .pool_max_idle_per_host(256)
                .build()?,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The server's resident memory now, MiB.
    pub fn rss_mib(&self) -> f64 {
        self.status_kib("VmRSS:") / 1024.0
    }

    /// The server's peak resident memory since start or the last [`Server::reset_peak`], MiB.
    pub fn peak_rss_mib(&self) -> f64 {
        self.status_kib("VmHWM:") / 1024.0
    }

    /// Starts a new peak measurement (Linux: writing 5 to clear_refs resets VmHWM).
    pub fn reset_peak(&self) {
        if let Some(child) = &self.child {
            let _ = std::fs::write(format!("/proc/{}/clear_refs", child.id()), "5");
        }
    }

    fn status_kib(&self, field: &str) -> f64 {
        self.child
            .as_ref()
            .and_then(|child| std::fs::read_to_string(format!("/proc/{}/status", child.id())).ok())
            .and_then(|status| {
                status
                    .lines()
                    .find(|l| l.starts_with(field))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|kib| kib.parse().ok())
            })
            .unwrap_or(f64::NAN)
    }

    pub fn stop(mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
