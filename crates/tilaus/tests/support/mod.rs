//! `tilaus serve` as a child process on a free port, for the tests that kill it, cut its
//! database or watch its memory, and the orders they send it.

// Every test binary compiles this module and uses only part of it.
#![allow(dead_code)]

use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    pub url: String,
    pub database_url: String,
    port: u16,
    child: Option<Child>,
}

impl Server {
    /// Starts the server on `database_url` and waits until it is ready.
    pub async fn start(database_url: &str, client: &reqwest::Client) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("port")
            .local_addr()
            .expect("addr")
            .port();
        let mut server = Server {
            url: format!("http://127.0.0.1:{port}"),
            database_url: database_url.to_owned(),
            port,
            child: None,
        };
        server.spawn();
        server.wait_ready(client).await;
        server
    }

    pub fn spawn(&mut self) {
        let child = Command::new(env!("CARGO_BIN_EXE_tilaus"))
            .args([
                "serve",
                "--no-demo",
                "--listen",
                &format!("127.0.0.1:{}", self.port),
            ])
            .env("TILAUS_DATABASE_URL", &self.database_url)
            .env("TILAUS_LOG", "error")
            .stdout(Stdio::null())
            .spawn()
            .expect("start tilaus serve");
        self.child = Some(child);
    }

    pub async fn wait_ready(&self, client: &reqwest::Client) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let ready = client.get(format!("{}/readyz", self.url)).send().await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the server did not come back");
    }

    /// The server's resident set size in KiB, from `/proc`.
    pub fn rss_kib(&self) -> u64 {
        let pid = self.child.as_ref().expect("running").id();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS")
    }

    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("SIGKILL");
            child.wait().expect("reap");
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Makes a shop through the CLI; returns its API token.
pub fn create_shop(database_url: &str) -> String {
    let shop = Command::new(env!("CARGO_BIN_EXE_tilaus"))
        .args([
            "shop",
            "create",
            "--name",
            "Kestävä",
            "--owner-email",
            "owner@kestava.fi",
            "--json",
        ])
        .env("TILAUS_DATABASE_URL", database_url)
        .output()
        .expect("shop create");
    assert!(
        shop.status.success(),
        "{}",
        String::from_utf8_lossy(&shop.stderr)
    );
    let shop: Value = serde_json::from_slice(&shop.stdout).expect("json");
    shop["api_token"].as_str().expect("token").to_owned()
}

/// Client `client`'s `i`th order, from a new customer: three lines, 35,70 € in all.
pub fn order(client: usize, i: usize) -> Value {
    json!({
        "channel": "web", "external_id": format!("K-{client}-{i}"),
        "customer": {"name": format!("Asiakas {client}"), "email": format!("c{client}-{i}@example.fi")},
        "lines": [
            {"name": "Yksi", "quantity": 1, "unit_price": 100, "vat_rate": 2550},
            {"name": "Kaksi", "quantity": 2, "unit_price": 250, "vat_rate": 1400},
            {"name": "Kolme", "quantity": 3, "unit_price": 990, "vat_rate": 1000}
        ]
    })
}
