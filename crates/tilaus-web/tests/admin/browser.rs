//! The admin UI in a real headless Chromium (Debian's chromium and chromium-driver, through
//! WebDriver): log in, see the list, filter it, save the filter as a view and use its quick
//! link, highlight rows with a rule, open an order and confirm it. Screenshots of
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

    // Save the filter as a view; its quick link brings the filter back.
    client
        .find(Locator::Css(".save-view input[name=name]"))
        .await?
        .send_keys("Avoimet")
        .await?;
    client
        .find(Locator::Css(".save-view button[type=submit]"))
        .await?
        .click()
        .await?;
    client
        .wait()
        .for_element(Locator::Css(".saved-views a[aria-current]"))
        .await?;
    client.goto(&format!("{base}/admin/orders")).await?;
    client
        .wait()
        .for_element(Locator::LinkText("Avoimet"))
        .await?
        .click()
        .await?;
    client
        .wait()
        .for_element(Locator::Css(".saved-views a[aria-current]"))
        .await?;
    assert!(
        client
            .current_url()
            .await?
            .as_str()
            .ends_with("/admin/orders?state=open")
    );

    // A highlight rule made on the settings page colours and names the matching rows.
    client.goto(&format!("{base}/admin/settings/list")).await?;
    let form = client
        .wait()
        .for_element(Locator::Css("form.rule-form"))
        .await?;
    form.find(Locator::Css("input[name=name]"))
        .await?
        .send_keys("Vahvistettavat")
        .await?;
    form.find(Locator::Css("select[name=field]"))
        .await?
        .select_by_value("state")
        .await?;
    form.find(Locator::Css("select[name=condition]"))
        .await?
        .select_by_value("is")
        .await?;
    form.find(Locator::Css("input[name=value]"))
        .await?
        .send_keys("open")
        .await?;
    form.find(Locator::Css("select[name=colour]"))
        .await?
        .select_by_value("yellow")
        .await?;
    form.find(Locator::Css("button[type=submit]"))
        .await?
        .click()
        .await?;
    client
        .wait()
        .for_element(Locator::Css(".alert.notice"))
        .await?;
    client
        .find(Locator::Css(".settings-list a"))
        .await?
        .click()
        .await?;
    client
        .wait()
        .for_element(Locator::Css("table.orders tbody tr.hl-yellow"))
        .await?;
    let marked = client
        .find_all(Locator::Css("tr.hl-yellow .mark[title=Vahvistettavat]"))
        .await?;
    assert_eq!(
        marked.len(),
        badges.len(),
        "every open order is highlighted"
    );

    // A message template's draft previews in the editor's sandboxed frame on a real order.
    client
        .goto(&format!(
            "{base}/admin/settings/messages/order_confirmed/fi"
        ))
        .await?;
    let subject = client
        .wait()
        .for_element(Locator::Css("input[name=subject]"))
        .await?;
    subject.clear().await?;
    subject
        .send_keys("Tilauksesi {{ order.number }} on vahvistettu – kiitos!")
        .await?;
    client
        .find(Locator::Css("button[data-action=preview]"))
        .await?
        .click()
        .await?;
    // The frame is sandboxed (no scripts of its own), so the page waits a moment for it
    // rather than asking it; the HTTP tests read what the preview holds.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let frame = client.find(Locator::Css("iframe.template-preview")).await?;
    assert_eq!(
        frame.attr("name").await?.as_deref(),
        Some("template-preview")
    );
    save(client, "template-editor.png").await;
    client.goto(&format!("{base}/admin/orders")).await?;

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

    // Tag it, leave a note, and read both in the history, in words.
    client
        .find(Locator::Css("#tag-add"))
        .await?
        .send_keys("soita")
        .await?;
    client
        .find(Locator::XPath(
            "//input[@id='tag-add']/following-sibling::button",
        ))
        .await?
        .click()
        .await?;
    // The page before had a notice too: wait for the new tag itself, not for any notice.
    client
        .wait()
        .for_element(Locator::XPath(
            "//ul[@class='tag-list']//span[@class='tag' and text()='soita']",
        ))
        .await?;
    client
        .find(Locator::Css("a[href$='?tab=notes']"))
        .await?
        .click()
        .await?;
    client
        .wait()
        .for_element(Locator::Css("#note-body"))
        .await?
        .send_keys("Asiakas soittaa huomenna")
        .await?;
    client
        .find(Locator::Css(".note-form button"))
        .await?
        .click()
        .await?;
    client
        .wait()
        .for_element(Locator::Css(".alert.notice"))
        .await?;
    assert!(client.source().await?.contains("Asiakas soittaa huomenna"));
    client
        .find(Locator::Css("a[href$='?tab=history']"))
        .await?
        .click()
        .await?;
    client
        .wait()
        .for_element(Locator::Css("ol.history"))
        .await?;
    let history = client.source().await?;
    for said in [
        "Avoin → Vahvistettu",
        "Tunnisteita lisättiin: soita",
        "Muistiinpano lisättiin",
    ] {
        assert!(history.contains(said), "{said}");
    }
    save(client, "order-history.png").await;

    // Ship a parcel from the Deliveries tab: the tab lists it with its tracking link.
    client
        .find(Locator::Css("a[href$='?tab=deliveries']"))
        .await?
        .click()
        .await?;
    client
        .wait()
        .for_element(Locator::XPath("//summary[text()='Lähetä paketti nyt']"))
        .await?
        .click()
        .await?;
    client
        .find(Locator::Css("#new-carrier"))
        .await?
        .send_keys("Posti")
        .await?;
    client
        .find(Locator::Css("#new-number"))
        .await?
        .send_keys("JJFI6431")
        .await?;
    client
        .find(Locator::Css("#new-url"))
        .await?
        .send_keys("https://www.posti.fi/fi/seuranta#/lahetys/JJFI6431")
        .await?;
    client
        .find(Locator::XPath(
            "//input[@id='new-url']/following-sibling::button",
        ))
        .await?
        .click()
        .await?;
    let shipped = client
        .wait()
        .for_element(Locator::Css(".alert.notice"))
        .await?;
    assert_eq!(shipped.text().await?, "Toimitus lisättiin.");
    assert!(client.source().await?.contains("JJFI6431"));
    save(client, "order-deliveries.png").await;
    client.goto(&format!("{base}/admin/settings/rules")).await?;
    client
        .wait()
        .for_element(Locator::Css("table.rules"))
        .await?;
    save(client, "rules.png").await;
    client.back().await?;
    client
        .wait()
        .for_element(Locator::Css("a[href$='?tab=history']"))
        .await?
        .click()
        .await?;
    client
        .wait()
        .for_element(Locator::Css("ol.history"))
        .await?;

    // Switch to Swedish: the same page, in Swedish, and it stays so.
    client
        .find(Locator::Css("form.languages button[value=sv]"))
        .await?
        .click()
        .await?;
    client
        .wait()
        .for_element(Locator::Css("html[lang=sv]"))
        .await?;
    assert!(
        client
            .source()
            .await?
            .contains("Status ändrades: Öppen → Bekräftad")
    );
    client.goto(&format!("{base}/admin/orders")).await?;
    client
        .wait()
        .for_element(Locator::Css("html[lang=sv]"))
        .await?;

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

/// The live views in a real browser: the situation centre (ORD-18) counts a new order and drops a
/// cancelled one; in the list (ORD-9) an order taken in through the API appears at the top
/// without a reload, a state change updates its row in place, a filtered list drops a row that
/// stops matching, and a user scrolled down is told how many new orders arrived.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_follows_new_and_changed_orders_live() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let server = crate::support::Server::start(tilaus_store::testkit::sqlite()).await;
    let client = browser(&driver).await;
    // Close the browser even when an assertion fails: killing chromedriver alone would leave
    // Chromium running.
    let outcome = futures::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(follow_live(
        &client, &server,
    )))
    .await;
    let _ = client.close().await;
    match outcome {
        Ok(result) => result.expect("the live flow"),
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// Runs a script in the page and returns its answer as text ("" for null).
async fn ask(client: &Client, script: &str) -> Result<String, fantoccini::error::CmdError> {
    let value = client.execute(script, Vec::new()).await?;
    Ok(match value {
        serde_json::Value::String(text) => text,
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    })
}

/// Waits until a script answers `expected`, at most `within`; returns how long it took.
async fn until(
    client: &Client,
    script: &str,
    expected: &str,
    within: Duration,
) -> Result<Duration, fantoccini::error::CmdError> {
    let started = std::time::Instant::now();
    loop {
        let answer = ask(client, script).await?;
        if answer == expected {
            return Ok(started.elapsed());
        }
        assert!(
            started.elapsed() < within,
            "waited {within:?} for `{script}` to be {expected:?}; it is {answer:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

const CONNECTED: &str = "return document.querySelector('[data-live-state]') ? document.querySelector('[data-live-state]').dataset.liveState : ''";
const FIRST_ROW: &str =
    "const r = document.querySelector('table.orders tbody tr'); return r ? r.dataset.id : ''";

/// Signs in as the shop's owner through the login form and waits for the situation centre.
async fn sign_in(
    client: &Client,
    s: &crate::support::Server,
) -> Result<(), fantoccini::error::CmdError> {
    client.goto(&format!("{}/admin/login", s.base)).await?;
    client
        .wait()
        .for_element(Locator::Css("#email"))
        .await?
        .send_keys(&s.owner_email)
        .await?;
    client
        .find(Locator::Css("#password"))
        .await?
        .send_keys(crate::support::PASSWORD)
        .await?;
    client
        .find(Locator::Css("form button[type=submit]"))
        .await?
        .click()
        .await?;
    client.wait().for_element(Locator::Css(".groups")).await?;
    Ok(())
}

async fn follow_live(
    client: &Client,
    s: &crate::support::Server,
) -> Result<(), fantoccini::error::CmdError> {
    let older = s.order("L-0", "Olli Aiempi").await;
    sign_in(client, s).await?;

    // The situation centre counts a new open order without a reload.
    until(client, CONNECTED, "open", Duration::from_secs(5)).await?;
    let open_count = "return document.querySelector('.group .count').textContent.trim()";
    assert_eq!(ask(client, open_count).await?, "1");
    let newer = s.order("L-00", "Nea Välissä").await;
    until(client, open_count, "2", Duration::from_secs(3)).await?;
    assert!(
        ask(
            client,
            "return document.querySelector('.groups').textContent"
        )
        .await?
        .contains("Nea Välissä")
    );
    s.change_state(&newer, "cancelled").await;
    until(client, open_count, "1", Duration::from_secs(3)).await?;

    client.goto(&format!("{}/admin/orders", s.base)).await?;
    until(client, CONNECTED, "open", Duration::from_secs(5)).await?;
    assert_eq!(ask(client, FIRST_ROW).await?, newer);

    // A new order appears at the top, highlighted, without a reload.
    let marker = "window.__notReloaded = true; return 'set'";
    assert_eq!(ask(client, marker).await?, "set");
    let id = s.order("L-1", "Liisa Live").await;
    let took = until(client, FIRST_ROW, &id, Duration::from_secs(3)).await?;
    eprintln!("the new row appeared {took:?} after the API answered");
    assert_eq!(
        ask(client, "return String(window.__notReloaded)").await?,
        "true"
    );
    let row = format!("document.querySelector('tr[data-id=\"{id}\"]')");
    assert_eq!(
        ask(
            client,
            &format!("return String({row}.classList.contains('live-new'))")
        )
        .await?,
        "true"
    );
    assert!(
        ask(client, &format!("return {row}.textContent"))
            .await?
            .contains("Liisa Live")
    );
    save(client, "orders-live.png").await;

    // A state change updates the row in place.
    let rows = "return String(document.querySelectorAll('table.orders tbody tr').length)";
    assert_eq!(ask(client, rows).await?, "3");
    s.change_state(&id, "confirmed").await;
    let badge = format!(
        "const r = {row}; return r ? r.querySelector('td:nth-child(5) .badge').textContent : ''"
    );
    until(client, &badge, "Vahvistettu", Duration::from_secs(3)).await?;
    assert_eq!(ask(client, rows).await?, "3");
    assert_eq!(ask(client, FIRST_ROW).await?, id);

    // A filtered list drops the row that stops matching.
    client
        .goto(&format!("{}/admin/orders?state=open", s.base))
        .await?;
    until(client, CONNECTED, "open", Duration::from_secs(5)).await?;
    assert_eq!(ask(client, FIRST_ROW).await?, older);
    s.change_state(&older, "cancelled").await;
    until(client, rows, "0", Duration::from_secs(3)).await?;

    // Scrolled down, the user is told how many new orders arrived above.
    client.set_window_size(390, 420).await?;
    client.goto(&format!("{}/admin/orders", s.base)).await?;
    until(client, CONNECTED, "open", Duration::from_secs(5)).await?;
    // Room below the list (CSSOM, which the CSP allows), then scroll the rows out of sight.
    let scroll = "document.body.style.paddingBottom = '3000px'; \
        const r = document.querySelector('table.orders tbody tr'); \
        window.scrollTo(0, window.scrollY + r.getBoundingClientRect().bottom + 200); \
        return String(r.getBoundingClientRect().bottom < 0)";
    assert_eq!(ask(client, scroll).await?, "true");
    s.order("L-2", "Toka Live").await;
    s.order("L-3", "Kolmas Live").await;
    let counter =
        "const c = document.querySelector('.live-counter'); return c.hidden ? '' : c.textContent";
    until(
        client,
        counter,
        "2 uutta tilausta ↑",
        Duration::from_secs(3),
    )
    .await?;
    save(client, "orders-live-counter.png").await;
    client
        .find(Locator::Css(".live-counter"))
        .await?
        .click()
        .await?;
    until(client, counter, "", Duration::from_secs(3)).await?;
    Ok(())
}

/// A manual order for a new customer in a real browser (ORD-4, CUS-1): type the customer, add a
/// product line from the search and a free line, watch the totals follow the typing, save as an
/// open order and land on the order's page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_a_manual_order_for_a_new_customer() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let server = crate::support::Server::start(tilaus_store::testkit::sqlite()).await;
    server
        .app
        .create_product(
            &tilaus_app::Principal::system(server.shop_id, "test"),
            &serde_json::from_value(json!({"sku": "KAHVI-1", "names": {"fi": "Kahvipaketti"},
                "unit_price": 1255, "vat_rate": 2550}))
            .expect("product"),
        )
        .await
        .expect("product");
    let client = browser(&driver).await;
    let outcome = futures::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(manual_order(
        &client, &server,
    )))
    .await;
    let _ = client.close().await;
    match outcome {
        Ok(result) => result.expect("the manual order flow"),
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

async fn manual_order(
    client: &Client,
    s: &crate::support::Server,
) -> Result<(), fantoccini::error::CmdError> {
    sign_in(client, s).await?;
    client
        .find(Locator::Css(".main-nav a[href='/admin/customers']"))
        .await?
        .click()
        .await?;
    client
        .wait()
        .for_element(Locator::Css("a[href='/admin/orders/new']"))
        .await?
        .click()
        .await?;
    let name = client.wait().for_element(Locator::Css("#c-name")).await?;
    name.send_keys("Uusi Asiakas").await?;
    client
        .find(Locator::Css("#c-phone"))
        .await?
        .send_keys("040 765 4321")
        .await?;
    // The free line the form starts with.
    client
        .find(Locator::Css("#line-0-name"))
        .await?
        .send_keys("Asennus")
        .await?;
    client
        .find(Locator::Css("#line-0-price"))
        .await?
        .send_keys("10,00")
        .await?;
    client
        .find(Locator::Css("#line-0-vat"))
        .await?
        .send_keys("14")
        .await?;
    // The totals follow the typing (the server prices the form).
    let grand = "const g = document.querySelector('[data-grand]'); return g ? g.textContent : ''";
    until(client, grand, "10,00\u{a0}€", Duration::from_secs(5)).await?;
    // A product line from the search; Enter in the search field searches.
    client
        .find(Locator::Css("#product-q"))
        .await?
        .send_keys("kahvi\u{e007}")
        .await?;
    client
        .wait()
        .for_element(Locator::Css("button.add-product[data-sku='KAHVI-1']"))
        .await?
        .click()
        .await?;
    client
        .wait()
        .for_element(Locator::Css("#line-1-quantity"))
        .await?;
    assert_eq!(
        client
            .find(Locator::Css("#c-name"))
            .await?
            .prop("value")
            .await?
            .as_deref(),
        Some("Uusi Asiakas"),
        "the customer is kept"
    );
    until(client, grand, "22,55\u{a0}€", Duration::from_secs(5)).await?;
    let quantity = client.find(Locator::Css("#line-1-quantity")).await?;
    quantity.clear().await?;
    quantity.send_keys("2").await?;
    until(client, grand, "35,10\u{a0}€", Duration::from_secs(5)).await?;
    save(client, "manual-order.png").await;
    client
        .find(Locator::Css("button.save-open"))
        .await?
        .click()
        .await?;
    let badge = client
        .wait()
        .for_element(Locator::Css(".order-head .badges .badge"))
        .await?;
    assert_eq!(badge.text().await?, "Avoin");
    let page = client.source().await?;
    assert!(page.contains("Uusi Asiakas"));
    assert!(page.contains("Kahvipaketti") && page.contains("Asennus"));
    assert!(page.contains("35,10"));
    assert!(
        client
            .current_url()
            .await?
            .path()
            .starts_with("/admin/orders/")
    );

    // The open order is edited in the same form (ORD-17), here at phone width.
    client.set_window_size(390, 844).await?;
    save(client, "order-phone.png").await;
    client
        .find(Locator::Css("a.edit-order"))
        .await?
        .click()
        .await?;
    let quantity = client
        .wait()
        .for_element(Locator::Css("#line-1-quantity"))
        .await?;
    quantity.clear().await?;
    quantity.send_keys("3").await?;
    // 10,00 € + 3 × 12,55 €
    until(client, grand, "47,65\u{a0}€", Duration::from_secs(5)).await?;
    save(client, "order-edit-phone.png").await;
    client
        .find(Locator::Css("button.save-changes"))
        .await?
        .click()
        .await?;
    client
        .wait()
        .for_element(Locator::Css(".alert.notice"))
        .await?;
    assert!(client.source().await?.contains("47,65"));
    Ok(())
}
