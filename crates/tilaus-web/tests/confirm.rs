//! Confirmation links (ORD-7), end to end over real HTTP, on SQLite and on PostgreSQL alike:
//! staff make a link, an organisation reads the page and confirms, and exactly what it read is
//! recorded with its SHA-256.

use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::net::SocketAddr;
use tilaus_app::App;
use tilaus_app::shop::NewShop;
use tilaus_store::testkit::TestDb;

#[path = "support/browser.rs"]
mod browser;

const TERMS: &str =
    "Peruutus viimeistään 14 päivää ennen tilaisuutta.\n\nHinnat sisältävät tarjoilun.";

struct Server {
    base: String,
    token: String,
    browser: reqwest::Client,
    app: App,
    _db: TestDb,
}

impl Server {
    async fn start(db: TestDb) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let app = App::open(&db.url)
            .await
            .expect("open the database")
            .with_payments(tilaus_app::paylink::PaymentConfig {
                public_url: base.clone(),
                ..Default::default()
            })
            .expect("config");
        let shop = app
            .create_shop(NewShop {
                name: "Kahvila Aalto".into(),
                owner_email: "owner@example.fi".into(),
                ..NewShop::default()
            })
            .await
            .expect("create a shop");
        // With the peer's address, as `tilaus serve` runs it.
        let service =
            tilaus_web::router(app.clone()).into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, service).await });
        Server {
            base,
            token: shop.api_token,
            browser: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            app,
            _db: db,
        }
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        token: &str,
    ) -> (StatusCode, Value) {
        let mut request = self
            .browser
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let text = response.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(reqwest::Method::GET, path, None, &self.token)
            .await
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, Some(body), &self.token)
            .await
    }

    async fn put_terms(&self, text: &str) {
        let (status, body) = self
            .send(
                reqwest::Method::PUT,
                "/api/v1/terms",
                Some(json!({"text": text})),
                &self.token,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    /// An open order for an organisation: 24,80 € in two lines at two VAT rates.
    async fn order(&self, language: &str) -> String {
        let (status, order) = self
            .post("/api/v1/orders", json!({"channel": "phone", "language": language,
                "customer": {"kind": "organisation", "name": "Yritys Oy", "business_id": "1234567-1",
                             "email": "tilaukset@yritys.fi"},
                "lines": [{"name": "Kahvipaketti", "quantity": 2, "unit_price": 990, "vat_rate": 1400},
                          {"name": "Muki", "quantity": 1, "unit_price": 500, "vat_rate": 2550}]}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{order}");
        order["id"].as_str().expect("id").to_owned()
    }

    /// A confirmation link's token (the URL's last segment).
    async fn link(&self, order_id: &str) -> String {
        let (status, link) = self
            .post(
                &format!("/api/v1/orders/{order_id}/confirmation-link"),
                json!({"expires_in_days": 7}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{link}");
        assert!(
            link["id"].is_string() && link["expires_at"].is_string(),
            "{link}"
        );
        let url = link["url"].as_str().expect("url");
        assert!(url.starts_with(&format!("{}/confirm/", self.base)), "{url}");
        url.rsplit('/').next().expect("token").to_owned()
    }

    async fn page(&self, token: &str) -> (StatusCode, String) {
        let response = self
            .browser
            .get(format!("{}/confirm/{token}", self.base))
            .send()
            .await
            .expect("request");
        (response.status(), response.text().await.expect("body"))
    }

    /// Submits the form as a browser on our page does (Origin, a user agent).
    async fn submit(&self, token: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
        self.submit_from(token, fields, &self.base.clone()).await
    }

    async fn submit_from(
        &self,
        token: &str,
        fields: &[(&str, &str)],
        origin: &str,
    ) -> (StatusCode, String) {
        let response = self
            .browser
            .post(format!("{}/confirm/{token}", self.base))
            .header("origin", origin)
            .header("user-agent", "TestBrowser/1.0")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(
                form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(fields)
                    .finish(),
            )
            .send()
            .await
            .expect("request");
        (response.status(), response.text().await.expect("body"))
    }

    async fn state(&self, order_id: &str) -> String {
        let (_, order) = self.get(&format!("/api/v1/orders/{order_id}")).await;
        order["state"].as_str().expect("state").to_owned()
    }

    async fn confirmations(&self, order_id: &str) -> Vec<Value> {
        let (status, list) = self
            .get(&format!("/api/v1/orders/{order_id}/confirmations"))
            .await;
        assert_eq!(status, StatusCode::OK, "{list}");
        list["items"].as_array().cloned().expect("items")
    }

    async fn events(&self, order_id: &str) -> Vec<Value> {
        let (_, events) = self.get(&format!("/api/v1/orders/{order_id}/events")).await;
        events["items"]
            .as_array()
            .or(events.as_array())
            .cloned()
            .unwrap_or_default()
    }

    async fn token_with_role(&self, role: &str) -> String {
        let (status, token) = self
            .post("/api/v1/tokens", json!({"name": role, "role": role}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{token}");
        token["token"].as_str().expect("token").to_owned()
    }
}

/// The hidden field that carries the SHA-256 of what the page showed.
fn shown_hash(page: &str) -> String {
    let start = page
        .find(r#"name="snapshot" value=""#)
        .map(|i| i + r#"name="snapshot" value=""#.len())
        .expect("the form's snapshot field");
    page[start..].split('"').next().expect("value").to_owned()
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The whole flow in Swedish: the page shows the content, VAT per rate and the terms; a form
/// without acceptance changes nothing; confirming records the snapshot read, its hash, who,
/// when and from where, and confirms the order with one state change event; a second submit
/// changes nothing.
async fn confirmed_through_the_link(s: Server) {
    s.put_terms(TERMS).await;
    let order_id = s.order("sv").await;
    let token = s.link(&order_id).await;
    let (status, page) = s.page(&token).await;
    assert_eq!(status, StatusCode::OK);
    for text in [
        "Kahvila Aalto",
        "Bekräfta beställning",
        "Yritys Oy",
        "Kahvipaketti",
        "Muki",
        "14\u{a0}%",
        "25,5\u{a0}%",
        "24,80",
        "Peruutus viimeistään 14 päivää",
        "Hinnat sisältävät tarjoilun.",
        "Villkor",
        "<form",
    ] {
        assert!(page.contains(text), "{text} in {page}");
    }
    let hash = shown_hash(&page);

    // Not accepted, no name: nothing happens, the input is kept.
    let (status, refused) = s
        .submit(
            &token,
            &[("name", " "), ("title", "VD"), ("snapshot", &hash)],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(
        refused.contains("Skriv ditt namn") && refused.contains("Kryssa i rutan"),
        "{refused}"
    );
    assert!(refused.contains(r#"value="VD""#), "{refused}");
    assert_eq!(s.state(&order_id).await, "open");
    assert!(s.confirmations(&order_id).await.is_empty());
    let events_before = s.events(&order_id).await.len();

    let (status, done) = s
        .submit(
            &token,
            &[
                ("name", "Aino Virtanen"),
                ("title", "VD"),
                ("accept", "yes"),
                ("snapshot", &hash),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert!(
        done.contains("Tack!") && done.contains("Aino Virtanen, VD") && done.contains(&hash),
        "{done}"
    );
    assert!(!done.contains("<form"), "{done}");
    assert_eq!(s.state(&order_id).await, "confirmed");

    let confirmations = s.confirmations(&order_id).await;
    assert_eq!(confirmations.len(), 1, "{confirmations:?}");
    let c = &confirmations[0];
    assert_eq!(
        (
            c["name"].as_str(),
            c["title"].as_str(),
            c["ip_address"].as_str(),
            c["user_agent"].as_str(),
            c["valid"].as_bool(),
        ),
        (
            Some("Aino Virtanen"),
            Some("VD"),
            Some("127.0.0.1"),
            Some("TestBrowser/1.0"),
            Some(true)
        ),
        "{c}"
    );
    assert!(c["confirmed_at"].is_string(), "{c}");
    // The stored snapshot is what the page was read with, and hashes to the recorded SHA-256.
    let snapshot = c["snapshot"].as_str().expect("snapshot");
    assert_eq!(sha256_hex(snapshot), hash);
    assert_eq!(c["snapshot_sha256"].as_str(), Some(hash.as_str()));
    let content: Value = serde_json::from_str(snapshot).expect("JSON");
    assert_eq!(
        content.to_string(),
        snapshot,
        "canonical: sorted keys, no spaces"
    );
    assert_eq!(content["terms"], TERMS);
    assert_eq!(content["gross"], 2480);
    assert_eq!(content["customer_name"], "Yritys Oy");
    assert_eq!(content["lines"][0]["name"], "Kahvipaketti");
    assert_eq!(content["vat_breakdown"].as_array().map(Vec::len), Some(2));

    // One event: the state change, by the person, with the confirmation.
    let events = s.events(&order_id).await;
    assert_eq!(events.len(), events_before + 1);
    let last = events.last().expect("event");
    assert_eq!(last["kind"], "order.state_changed");
    assert_eq!(last["actor_kind"], "customer");
    assert_eq!(last["actor"], "Aino Virtanen, VD");
    assert_eq!(last["data"]["after"]["state"], "confirmed");
    assert_eq!(last["data"]["confirmation"]["snapshot_sha256"], hash);
    assert_eq!(last["data"]["confirmation"]["id"], c["id"]);

    // A second submit changes nothing and says it was confirmed already.
    let (status, again) = s
        .submit(
            &token,
            &[
                ("name", "Someone Else"),
                ("accept", "yes"),
                ("snapshot", &hash),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(again.contains("redan bekräftats"), "{again}");
    assert!(
        again.contains("Aino Virtanen") && !again.contains("<form"),
        "{again}"
    );
    assert_eq!(s.confirmations(&order_id).await.len(), 1);
    assert_eq!(s.events(&order_id).await.len(), events_before + 1);
    let (_, page) = s.page(&token).await;
    assert!(
        page.contains("redan bekräftats") && !page.contains("<form"),
        "{page}"
    );

    // A later change of the content invalidates the confirmation. (No API edits a confirmed
    // order's content today; this stands in for any future correction.)
    let mut tx = s.app.db.begin().await.expect("tx");
    tilaus_store::Queries::execute_raw(&mut tx, "UPDATE order_lines SET quantity = 3")
        .await
        .expect("change");
    tx.commit().await.expect("commit");
    let confirmations = s.confirmations(&order_id).await;
    assert_eq!(confirmations[0]["valid"], false, "{confirmations:?}");
}

/// Changed content, expiry, a change while reading and a form from another site: each says
/// so and records nothing; the order stays open.
async fn links_that_confirm_nothing(s: Server) {
    let order_id = s.order("fi").await;
    let changed = s.link(&order_id).await;
    let (status, body) = s
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/orders/{order_id}"),
            Some(json!({"lines": [
                {"name": "Kahvipaketti", "quantity": 3, "unit_price": 990, "vat_rate": 1400}]})),
            &s.token.clone(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, page) = s.page(&changed).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("sisältö on muuttunut") && !page.contains("<form"),
        "{page}"
    );
    let fields = [("name", "Aino"), ("accept", "yes"), ("snapshot", "x")];
    assert_eq!(s.submit(&changed, &fields).await.0, StatusCode::CONFLICT);

    // Expired.
    let expired = s.link(&order_id).await;
    let hash = shown_hash(&s.page(&expired).await.1);
    let mut tx = s.app.db.begin().await.expect("tx");
    tilaus_store::Queries::execute_raw(&mut tx, "UPDATE confirmation_links SET expires_at = 0")
        .await
        .expect("expire");
    tx.commit().await.expect("commit");
    let (_, page) = s.page(&expired).await;
    assert!(
        page.contains("vanhentunut") && !page.contains("<form"),
        "{page}"
    );
    let fields = [
        ("name", "Aino"),
        ("accept", "yes"),
        ("snapshot", hash.as_str()),
    ];
    let (status, page) = s.submit(&expired, &fields).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("vanhentunut"), "{page}");

    // The terms change while the page is open: what was read is not what would be recorded.
    let stale = s.link(&order_id).await;
    let hash = shown_hash(&s.page(&stale).await.1);
    s.put_terms("Uudet ehdot").await;
    let fields = [
        ("name", "Aino"),
        ("accept", "yes"),
        ("snapshot", hash.as_str()),
    ];
    let (status, page) = s.submit(&stale, &fields).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        page.contains("muuttui lukiessasi") && page.contains("Uudet ehdot"),
        "{page}"
    );
    assert_ne!(shown_hash(&page), hash);

    // From another site (or without Origin): refused.
    let hash = shown_hash(&page);
    let fields = [
        ("name", "Aino"),
        ("accept", "yes"),
        ("snapshot", hash.as_str()),
    ];
    let (status, page) = s.submit_from(&stale, &fields, "http://evil.example").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("toiselta sivustolta"), "{page}");

    assert_eq!(s.state(&order_id).await, "open");
    assert!(s.confirmations(&order_id).await.is_empty());

    // An open order with unused links can still be deleted; its links go with it.
    let (status, body) = s
        .send(
            reqwest::Method::DELETE,
            &format!("/api/v1/orders/{order_id}"),
            None,
            &s.token.clone(),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(s.page(&stale).await.0, StatusCode::NOT_FOUND);
}

/// Unknown, forged and other shops' tokens are one and the same "not found", telling nothing;
/// staff reach only their own shop's orders; read-only staff make no links; only open orders
/// get links.
async fn who_may_do_what(s: Server) {
    let order_id = s.order("en").await;
    let token = s.link(&order_id).await;
    let (_, real) = s.page(&token).await;
    assert!(real.contains("Kahvila Aalto"));

    use base64::Engine as _;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut bytes = engine.decode(&token).expect("base64");
    bytes[40] ^= 1;
    let flipped = engine.encode(&bytes);
    let mut bytes = engine.decode(&token).expect("base64");
    bytes[..16].copy_from_slice(uuid::Uuid::now_v7().as_bytes());
    let other_shop = engine.encode(&bytes);
    let mut pages = Vec::new();
    for bad in [
        flipped.as_str(),
        other_shop.as_str(),
        "garbage",
        "x".repeat(86).as_str(),
    ] {
        let (status, page) = s.page(bad).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{bad}");
        let fields = [("name", "Aino"), ("accept", "yes"), ("snapshot", "x")];
        assert_eq!(s.submit(bad, &fields).await.0, StatusCode::NOT_FOUND);
        assert!(
            !page.contains("Kahvila") && !page.contains("<form"),
            "{page}"
        );
        pages.push(page);
    }
    assert!(
        pages.windows(2).all(|w| w[0] == w[1]),
        "the same page for every bad token"
    );
    // A payment link's token does not open a confirmation page.
    assert_eq!(s.page(&token[..85]).await.0, StatusCode::NOT_FOUND);

    // Another shop's staff: not found, as if the order did not exist.
    let other = s
        .app
        .create_shop(NewShop {
            name: "Toinen".into(),
            owner_email: "o@toinen.fi".into(),
            ..NewShop::default()
        })
        .await
        .expect("shop");
    for (method, path) in [
        (
            reqwest::Method::POST,
            format!("/api/v1/orders/{order_id}/confirmation-link"),
        ),
        (
            reqwest::Method::GET,
            format!("/api/v1/orders/{order_id}/confirmations"),
        ),
    ] {
        let (status, body) = s.send(method, &path, None, &other.api_token).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
    }

    // Read-only staff may read confirmations but not make links or set terms.
    let read_only = s.token_with_role("read_only").await;
    let path = format!("/api/v1/orders/{order_id}/confirmation-link");
    let (status, _) = s.send(reqwest::Method::POST, &path, None, &read_only).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = s
        .send(
            reqwest::Method::GET,
            &format!("/api/v1/orders/{order_id}/confirmations"),
            None,
            &read_only,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let staff = s.token_with_role("staff").await;
    let (status, _) = s
        .send(
            reqwest::Method::PUT,
            "/api/v1/terms",
            Some(json!({"text": "x"})),
            &staff,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Staff may make links, with no body at all (the defaults).
    let (status, link) = s.send(reqwest::Method::POST, &path, None, &staff).await;
    assert_eq!(status, StatusCode::CREATED, "{link}");

    // Bad input and states that take no link.
    let (status, problem) = s.post(&path, json!({"expires_in_days": 0})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        problem.to_string().contains("/expires_in_days"),
        "{problem}"
    );
    let (status, problem) = s
        .send(
            reqwest::Method::PUT,
            "/api/v1/terms",
            Some(json!({"text": " "})),
            &s.token,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(problem.to_string().contains("/text"), "{problem}");
    assert_eq!(s.get("/api/v1/terms").await.0, StatusCode::NOT_FOUND);
    let (status, _) = s
        .post(
            &format!("/api/v1/orders/{order_id}/state"),
            json!({"state": "confirmed"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, problem) = s.post(&path, json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    // The link made while open now says the order is no longer confirmable.
    let (_, page) = s.page(&token).await;
    assert!(
        page.contains("can no longer be confirmed") && !page.contains("<form"),
        "{page}"
    );
    assert!(s.confirmations(&order_id).await.is_empty());
}

tilaus_store::on_both_backends!(start = Server::start;
    confirmed_through_the_link,
    links_that_confirm_nothing,
    who_may_do_what,
    terms_are_shown_in_the_orders_language,
);

/// Terms per language: a Swedish order's page shows the Swedish terms, an English one (no English
/// terms) the shop's default Finnish ones; the API reads them the same way and refuses an
/// unknown language.
async fn terms_are_shown_in_the_orders_language(s: Server) {
    s.put_terms("Suomenkieliset ehdot").await;
    let put = |body: Value| s.send(reqwest::Method::PUT, "/api/v1/terms", Some(body), &s.token);
    let (status, swedish) = put(json!({"language": "sv", "text": "Svenska villkor"})).await;
    assert_eq!(status, StatusCode::OK, "{swedish}");
    assert_eq!(swedish["language"], "sv");
    let (status, problem) = put(json!({"language": "xx", "text": "Terms"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(problem.to_string().contains("/language"), "{problem}");

    let sv_page = s.page(&s.link(&s.order("sv").await).await).await.1;
    assert!(
        sv_page.contains("Svenska villkor") && !sv_page.contains("Suomenkieliset"),
        "{sv_page}"
    );
    let en_page = s.page(&s.link(&s.order("en").await).await).await.1;
    assert!(en_page.contains("Suomenkieliset ehdot"), "{en_page}");

    let (_, terms) = s.get("/api/v1/terms?language=sv").await;
    assert_eq!(
        (terms["language"].as_str(), terms["text"].as_str()),
        (Some("sv"), Some("Svenska villkor"))
    );
    let (_, fallback) = s.get("/api/v1/terms?language=en").await;
    assert_eq!(fallback["language"], "fi");
}

/// In a real headless Chromium at phone width: the organisation types its name, accepts and
/// confirms, and the order is confirmed. Browsers post the page's form with its Origin only under
/// the pages' same-origin referrer policy, which this proves (under no-referrer it was `null`
/// and every real confirmation was refused).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirmed_in_a_real_browser_at_phone_width() {
    let Some(browser) = browser::PhoneBrowser::start("the confirmation page browser test").await
    else {
        return;
    };
    let s = Server::start(tilaus_store::testkit::sqlite()).await;
    let order_id = s.order("fi").await;
    let token = s.link(&order_id).await;
    let client = &browser.client;
    let result = async {
        use fantoccini::Locator;
        client.goto(&format!("{}/confirm/{token}", s.base)).await?;
        browser.screenshot("confirm-phone.png").await;
        client
            .find(Locator::Css("#confirm-name"))
            .await?
            .send_keys("Aino Virtanen")
            .await?;
        client
            .find(Locator::Css("input[name=accept]"))
            .await?
            .click()
            .await?;
        client
            .find(Locator::Css("form.confirm-form button"))
            .await?
            .click()
            .await?;
        let done = client
            .wait()
            .for_element(Locator::Css(".message.success"))
            .await?
            .text()
            .await?;
        Ok::<_, fantoccini::error::CmdError>(done)
    }
    .await;
    browser.close().await;
    let done = result.expect("the browser flow");
    assert!(!done.is_empty(), "a confirmation notice");
    let (_, order) = s.get(&format!("/api/v1/orders/{order_id}")).await;
    assert_eq!(order["state"], "confirmed", "{order}");
}
