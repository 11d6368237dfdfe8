//! A real server on an ephemeral port with one shop, driven over HTTP as the API client and as
//! a customer's browser: what the payment-provider tests (paylink.rs, stripe.rs) share. Each
//! test binary uses part of it.
#![allow(dead_code)]

pub mod browser;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tilaus_app::App;
use tilaus_app::paylink::PaymentConfig;
use tilaus_app::shop::NewShop;
use tilaus_store::testkit::TestDb;

/// `TILAUS_SECRET_KEY` of the test servers.
pub const SECRET_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

pub struct Server {
    pub base: String,
    pub token: String,
    pub shop_id: uuid::Uuid,
    /// Follows no redirects, as a test must see them.
    pub browser: reqwest::Client,
    pub app: App,
    _db: TestDb,
}

impl Server {
    /// Starts the server with the payment configuration `payments` makes for its base URL,
    /// and creates the shop "Kahvila Aalto".
    pub async fn start(db: TestDb, payments: impl FnOnce(&str) -> PaymentConfig) -> Server {
        Server::start_with(db, |app, base| {
            app.with_payments(payments(base)).expect("payments")
        })
        .await
    }

    /// Starts the server with the app as `configure` makes it for the server's base URL.
    pub async fn start_with(db: TestDb, configure: impl FnOnce(App, &str) -> App) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let app = App::open(&db.url).await.expect("open the database");
        let app = configure(app, &base);
        let shop = app
            .create_shop(NewShop {
                name: "Kahvila Aalto".into(),
                owner_email: "owner@example.fi".into(),
                ..NewShop::default()
            })
            .await
            .expect("create a shop");
        let router = tilaus_web::router(app.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        Server {
            base,
            token: shop.api_token,
            shop_id: shop.shop_id,
            browser: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            app,
            _db: db,
        }
    }

    pub async fn send(
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

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(reqwest::Method::GET, path, None, &self.token)
            .await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, Some(body), &self.token)
            .await
    }

    pub async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::PUT, path, Some(body), &self.token)
            .await
    }

    /// An order of 24,80 € (two lines) in `language`, `open` or `confirmed`.
    pub async fn order(&self, language: &str, state: &str) -> String {
        let (status, order) = self
            .post("/api/v1/orders", json!({"channel": "phone", "language": language, "state": state,
                "customer": {"name": "Aino Asiakas", "email": "aino@example.fi"},
                "lines": [{"name": "Kahvipaketti", "quantity": 2, "unit_price": 990, "vat_rate": 1400},
                          {"name": "Muki", "quantity": 1, "unit_price": 500, "vat_rate": 2550}]}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{order}");
        order["id"].as_str().expect("id").to_owned()
    }

    /// A payment link's token (the URL's last segment).
    pub async fn link(&self, order_id: &str) -> String {
        let (status, link) = self
            .post(
                &format!("/api/v1/orders/{order_id}/payment-link"),
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{link}");
        let url = link["url"].as_str().expect("url");
        assert!(url.starts_with(&format!("{}/pay/", self.base)), "{url}");
        url.rsplit('/').next().expect("token").to_owned()
    }

    /// A browser request: status, the Location header, the body.
    pub async fn browse(&self, method: reqwest::Method, url: &str) -> (StatusCode, String, String) {
        self.browse_form(method, url, None).await
    }

    /// A browser request with a form body (`name=value`).
    pub async fn browse_form(
        &self,
        method: reqwest::Method,
        url: &str,
        form: Option<&str>,
    ) -> (StatusCode, String, String) {
        let url = if url.starts_with("http") {
            url.to_owned()
        } else {
            format!("{}{url}", self.base)
        };
        // A browser's form post says where it comes from; our pages post to us.
        let posts_to_us = method == reqwest::Method::POST && url.starts_with(&self.base);
        let mut request = self.browser.request(method, url);
        if posts_to_us {
            request = request.header("origin", &self.base);
        }
        if let Some(form) = form {
            request = request
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form.to_owned());
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (status, location, response.text().await.expect("body"))
    }

    pub async fn payments(&self, order_id: &str) -> Value {
        let (status, payments) = self
            .get(&format!("/api/v1/orders/{order_id}/payments"))
            .await;
        assert_eq!(status, StatusCode::OK, "{payments}");
        payments
    }

    pub async fn documents(&self, order_id: &str) -> Vec<Value> {
        self.get(&format!("/api/v1/orders/{order_id}/documents"))
            .await
            .1
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    pub async fn order_state(&self, order_id: &str) -> Value {
        self.get(&format!("/api/v1/orders/{order_id}")).await.1["state"].clone()
    }

    pub async fn event_kinds(&self, order_id: &str) -> Vec<String> {
        let (_, events) = self.get(&format!("/api/v1/orders/{order_id}/events")).await;
        events["items"]
            .as_array()
            .or(events.as_array())
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter_map(|e| e["kind"].as_str().map(str::to_owned))
            .collect()
    }

    /// The provider's reference of the order's latest payment.
    pub async fn latest_number(&self, order_id: &str) -> String {
        let payments = self.payments(order_id).await;
        let items = payments["items"].as_array().cloned().unwrap_or_default();
        items
            .last()
            .and_then(|p| p["provider_reference"].as_str())
            .expect("a provider payment")
            .to_owned()
    }

    /// The order's queued job kinds that start with `prefix`.
    pub async fn queued_jobs(&self, prefix: &str) -> Vec<String> {
        let (_, jobs) = self.get("/api/v1/jobs?state=queued").await;
        jobs["items"]
            .as_array()
            .expect("jobs")
            .iter()
            .filter_map(|j| j["kind"].as_str())
            .filter(|kind| kind.starts_with(prefix))
            .map(str::to_owned)
            .collect()
    }
}

pub fn sealing_key(encoded: &str) -> tilaus_integrations::sealing::SealingKey {
    tilaus_integrations::sealing::SealingKey::from_base64(encoded).expect("key")
}

/// The statuses of an order's payments, oldest first.
pub fn statuses(payments: &Value) -> Vec<String> {
    payments["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|p| p["status"].as_str().map(str::to_owned))
        .collect()
}
