//! Headless Chromium at phone width through chromium-driver, for the public link pages' browser
//! tests. Without the two programs the test says SKIPPED, and under `CI=true` it fails.

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// A WebDriver session and the driver process behind it; `close` ends both.
pub struct PhoneBrowser {
    pub client: fantoccini::Client,
    driver: std::process::Child,
}

impl PhoneBrowser {
    /// A 390 px wide browser, or `None` (after saying so) when Chromium is not installed.
    pub async fn start(what: &str) -> Option<PhoneBrowser> {
        let installed = [CHROMEDRIVER, CHROMIUM]
            .iter()
            .all(|p| std::path::Path::new(p).exists());
        if !installed {
            assert!(
                std::env::var("CI").map_or(true, |v| v != "true"),
                "{what} needs {CHROMEDRIVER} and {CHROMIUM} under CI=true"
            );
            eprintln!("SKIPPED {what}: no chromium/chromedriver");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("port")
            .port();
        let driver = std::process::Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("chromedriver");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({"binary": CHROMIUM,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--no-first-run", "--disable-extensions", "--window-size=390,844", "--hide-scrollbars"]}),
        );
        let client = fantoccini::ClientBuilder::new(
            hyper_util::client::legacy::connect::HttpConnector::new(),
        )
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a WebDriver session");
        Some(PhoneBrowser { client, driver })
    }

    /// Saves what the browser shows as `name` in `$TILAUS_SCREENSHOTS` (relative to the
    /// workspace root), when it is set: the pictures in docs/screenshots come from here.
    pub async fn screenshot(&self, name: &str) {
        let Some(dir) = std::env::var_os("TILAUS_SCREENSHOTS") else {
            return;
        };
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(dir);
        std::fs::create_dir_all(&dir).expect("screenshot directory");
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::write(dir.join(name), png).expect("write screenshot");
    }

    pub async fn close(mut self) {
        let _ = self.client.close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
