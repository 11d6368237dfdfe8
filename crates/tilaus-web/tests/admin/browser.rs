//! The admin UI in a real headless Chromium (Debian's chromium and chromium-driver, through
//! WebDriver): log in, see the list, filter it, open an order and confirm it. Screenshots of
//! the list and the detail page land in `$TILAUS_SCREENSHOTS` (or the test target directory).
//!
//! Without chromedriver the test says loudly that it was skipped; under `CI=true` it fails.

use crate::support::serve;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tilaus_app::App;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// chromedriver on a free local port, stopped when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_driver() -> Option<Driver> {
    let found =
        std::path::Path::new(CHROMEDRIVER).exists() && std::path::Path::new(CHROMIUM).exists();
    if !found {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!(
                "the browser test needs {CHROMEDRIVER} and {CHROMIUM} under CI=true (apt-get install chromium chromium-driver)"
            );
        }
        eprintln!(
            "SKIPPED the admin UI browser test: {CHROMEDRIVER} or {CHROMIUM} is missing (apt-get install chromium chromium-driver)"
        );
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Some(driver);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start listening on port {port}");
}

async fn browser(driver: &Driver) -> Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--no-first-run", "--disable-background-networking", "--disable-extensions",
                     "--window-size=1366,900", "--hide-scrollbars"],
            // Headless Chromium ignores --lang; the preference sets Accept-Language.
            "prefs": {"intl.accept_languages": "fi-FI,fi"}
        }),
    );
    // chromedriver listens on localhost: plain HTTP, no TLS stack.
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a WebDriver session")
}

fn screenshot_dir() -> PathBuf {
    // A relative TILAUS_SCREENSHOTS is taken from the workspace root (tests run in the crate).
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = std::env::var_os("TILAUS_SCREENSHOTS")
        .map(|d| workspace.join(d))
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots"));
    std::fs::create_dir_all(&dir).expect("screenshot directory");
    dir
}

async fn save(client: &Client, name: &str) {
    let png = client.screenshot().await.expect("screenshot");
    let path = screenshot_dir().join(name);
    std::fs::write(&path, png).expect("write screenshot");
    eprintln!("screenshot: {}", path.display());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_in_filter_open_and_confirm_in_a_real_browser() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let db = tilaus_store::testkit::sqlite();
    let app = App::open(&db.url).await.expect("open");
    let demo = app.create_demo_shop(120).await.expect("demo shop");
    let base = serve(app).await;
    let client = browser(&driver).await;
    let result = drive(&client, &base, &demo.admin_email, &demo.admin_password).await;
    let _ = client.close().await;
    result.expect("the browser flow");
}

async fn drive(
    client: &Client,
    base: &str,
    email: &str,
    password: &str,
) -> Result<(), fantoccini::error::CmdError> {
    client.goto(&format!("{base}/admin/orders")).await?;
    // Not logged in: the login page, in Finnish.
    client
        .wait()
        .for_element(Locator::Css("#email"))
        .await?
        .send_keys(email)
        .await?;
    client
        .find(Locator::Css("#password"))
        .await?
        .send_keys(password)
        .await?;
    save(client, "login.png").await;
    client
        .find(Locator::Css("form button[type=submit]"))
        .await?
        .click()
        .await?;
    client.wait().for_element(Locator::Css(".groups")).await?;
    save(client, "situation-centre.png").await;

    client
        .find(Locator::Css(".main-nav a[href='/admin/orders']"))
        .await?
        .click()
        .await?;
    client
        .wait()
        .for_element(Locator::Css("table.orders tbody tr"))
        .await?;
    let rows = client
        .find_all(Locator::Css("table.orders tbody tr"))
        .await?;
    assert_eq!(rows.len(), 50, "the first page");
    assert!(client.source().await?.contains("Tilaukset"));
    save(client, "orders.png").await;

    // Filter by state with the form; the filter lands in the URL.
    client
        .find(Locator::Css("select[name=state]"))
        .await?
        .select_by_value("open")
        .await?;
    client
        .find(Locator::Css(".filters button[type=submit]"))
        .await?
        .click()
        .await?;
    for _ in 0..50 {
        if client.current_url().await?.as_str().contains("state=open") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(client.current_url().await?.as_str().contains("state=open"));
    let badges = client
        .find_all(Locator::Css("table.orders tbody tr td:nth-child(5) .badge"))
        .await?;
    assert!(!badges.is_empty());
    for badge in &badges {
        assert_eq!(badge.text().await?, "Avoin");
    }

    // Open the first order and confirm it.
    client
        .find(Locator::Css("table.orders tbody tr td.num a"))
        .await?
        .click()
        .await?;
    let confirm = client
        .wait()
        .for_element(Locator::Css("button[data-state=confirmed]"))
        .await?;
    save(client, "order.png").await;
    confirm.click().await?;
    let notice = client
        .wait()
        .for_element(Locator::Css(".alert.notice"))
        .await?;
    assert_eq!(notice.text().await?, "Tilauksen tila on muutettu.");
    let state = client
        .find(Locator::Css(".order-head .badges .badge"))
        .await?;
    assert_eq!(state.text().await?, "Vahvistettu");
    assert!(client.source().await?.contains("Avoin → Vahvistettu"));

    // Phone width still works.
    client.set_window_size(390, 844).await?;
    client.goto(&format!("{base}/admin/orders")).await?;
    client
        .wait()
        .for_element(Locator::Css("table.orders"))
        .await?;
    save(client, "orders-phone.png").await;
    Ok(())
}
