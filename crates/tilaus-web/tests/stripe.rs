//! Payment links paid through Stripe Checkout, webhooks and refunds, end to end over real HTTP
//! against a local fake Stripe, on SQLite and on PostgreSQL alike.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use support::{SECRET_KEY, sealing_key, statuses};
use tilaus_app::paylink::{PayProvider, PaymentConfig};
use tilaus_domain::payment::PaymentStatus;
use tilaus_integrations::stripe::WebhookSecret;
use tilaus_store::ShopScope;
use tilaus_store::testkit::TestDb;

mod support;

const SECRET: &str = "sk_test_51FakeSecretKey4242";
const WEBHOOK_SECRET: &str = "whsec_fake_endpoint_secret";

/// What the customer does on the fake's Checkout page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Pay,
    Cancel,
}

#[derive(Debug, Clone)]
struct FakeSession {
    id: String,
    status: String,
    payment_status: String,
    payment_intent: Option<String>,
    reference: String,
    amount: i64,
    currency: String,
    url: String,
    success_url: String,
    cancel_url: String,
    metadata: HashMap<String, String>,
}

impl FakeSession {
    /// The session as Stripe's API shows it.
    fn json(&self) -> Value {
        json!({"id": self.id, "object": "checkout.session", "mode": "payment",
            "status": self.status, "payment_status": self.payment_status,
            "payment_intent": self.payment_intent, "client_reference_id": self.reference,
            "amount_total": self.amount, "currency": self.currency,
            "url": (self.status == "open").then_some(&self.url), "metadata": self.metadata})
    }
}

#[derive(Debug)]
struct FakeState {
    outcome: Outcome,
    down: bool,
    /// `checkout.session.completed` deliveries before the browser is sent back (0, 1 or 2).
    webhooks_first: usize,
    webhook_url: String,
    sessions: Vec<FakeSession>,
    /// Every session request's form and Idempotency-Key.
    created: Vec<(HashMap<String, String>, Option<String>)>,
    /// Answers by Idempotency-Key, replayed for a repeated key.
    replies: HashMap<String, Value>,
    /// (payment_intent, amount) of each refund made.
    refunds: Vec<(String, i64)>,
    /// The id of each refund made, in order.
    refund_ids: Vec<String>,
    /// The status new refunds answer: `succeeded`, or `pending` (reported later by webhook).
    refund_status: &'static str,
    unauthorised: usize,
}

/// A local Stripe: Checkout Sessions (create, retrieve, expire), the hosted page that "pays"
/// and sends the customer back, refunds, and signed webhook deliveries — form-encoded
/// requests, Bearer keys, Idempotency-Key replay and Stripe's error shape, as documented.
#[derive(Clone)]
struct FakeStripe {
    base: String,
    state: Arc<Mutex<FakeState>>,
    http: reqwest::Client,
}

fn stripe_error(status: StatusCode, kind: &str, message: &str) -> Response {
    (
        status,
        Json(json!({"error": {"type": kind, "message": message}})),
    )
        .into_response()
}

fn form(body: &Bytes) -> HashMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

impl FakeStripe {
    async fn start() -> FakeStripe {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let fake = FakeStripe {
            base: format!("http://{}", listener.local_addr().expect("address")),
            state: Arc::new(Mutex::new(FakeState {
                outcome: Outcome::Pay,
                down: false,
                webhooks_first: 1,
                webhook_url: String::new(),
                sessions: Vec::new(),
                created: Vec::new(),
                replies: HashMap::new(),
                refunds: Vec::new(),
                refund_ids: Vec::new(),
                refund_status: "succeeded",
                unauthorised: 0,
            })),
            http: reqwest::Client::new(),
        };
        let router = Router::new()
            .route("/v1/checkout/sessions", post(create_session))
            .route("/v1/checkout/sessions/{id}", get(retrieve_session))
            .route("/v1/checkout/sessions/{id}/expire", post(expire_session))
            .route("/v1/refunds", post(create_refund))
            .route("/c/pay/{id}", get(checkout_page))
            .with_state(fake.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        fake
    }

    fn set(&self, change: impl FnOnce(&mut FakeState)) {
        change(&mut self.state.lock().expect("lock"));
    }

    fn session(&self, id: &str) -> Option<FakeSession> {
        let state = self.state.lock().expect("lock");
        state.sessions.iter().find(|s| s.id == id).cloned()
    }

    fn update(&self, id: &str, change: impl FnOnce(&mut FakeSession)) {
        let mut state = self.state.lock().expect("lock");
        if let Some(session) = state.sessions.iter_mut().find(|s| s.id == id) {
            change(session);
        }
    }

    /// Refuses a request without the shop's key, or while "down"; `None` lets it through.
    fn gate(&self, headers: &HeaderMap) -> Option<Response> {
        let mut state = self.state.lock().expect("lock");
        if state.down {
            return Some(stripe_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "api_error",
                "down",
            ));
        }
        let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
        if auth != Some(&format!("Bearer {SECRET}")) {
            state.unauthorised += 1;
            return Some(stripe_error(
                StatusCode::UNAUTHORIZED,
                "invalid_request_error",
                "Invalid API Key provided",
            ));
        }
        None
    }

    /// An event about a session, as Stripe sends it.
    fn event(kind: &str, session: &FakeSession) -> Vec<u8> {
        json!({"id": format!("evt_{}", rand::random::<u32>()), "object": "event",
            "api_version": "2025-01-27.acacia", "type": kind, "livemode": false,
            "data": {"object": session.json()}})
        .to_string()
        .into_bytes()
    }

    /// Delivers `body` with `signature` to Tilaus's webhook (`url` by default the shop's).
    async fn deliver(
        &self,
        url: Option<&str>,
        body: Vec<u8>,
        signature: Option<String>,
    ) -> StatusCode {
        let url = url.map_or_else(
            || self.state.lock().expect("lock").webhook_url.clone(),
            str::to_owned,
        );
        let mut request = self
            .http
            .post(url)
            .header("content-type", "application/json; charset=utf-8")
            .body(body);
        if let Some(signature) = signature {
            request = request.header("Stripe-Signature", signature);
        }
        request.send().await.expect("webhook").status()
    }

    /// Sends a correctly signed `kind` event about a refund now `status`.
    async fn send_refund(&self, kind: &str, id: &str, amount: i64, status: &str) -> StatusCode {
        let body = json!({"id": format!("evt_{}", rand::random::<u32>()), "object": "event",
            "api_version": "2025-01-27.acacia", "type": kind, "livemode": false,
            "data": {"object": {"id": id, "object": "refund", "amount": amount,
                "status": status, "currency": "eur"}}})
        .to_string()
        .into_bytes();
        let signature = WebhookSecret::new(WEBHOOK_SECRET).sign(jiff::Timestamp::now(), &body);
        self.deliver(None, body, Some(signature)).await
    }

    /// Sends a correctly signed event of `kind` about the session.
    async fn send(&self, kind: &str, session_id: &str) -> StatusCode {
        let session = self.session(session_id).expect("known session");
        let body = Self::event(kind, &session);
        let signature = WebhookSecret::new(WEBHOOK_SECRET).sign(jiff::Timestamp::now(), &body);
        self.deliver(None, body, Some(signature)).await
    }
}

async fn create_session(
    State(fake): State<FakeStripe>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refused) = fake.gate(&headers) {
        return refused;
    }
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let form = form(&body);
    let mut state = fake.state.lock().expect("lock");
    state.created.push((form.clone(), key.clone()));
    if let Some(reply) = key.as_ref().and_then(|k| state.replies.get(k)) {
        return Json(reply.clone()).into_response();
    }
    let field = |name: &str| form.get(name).cloned().unwrap_or_default();
    let amount = field("line_items[0][price_data][unit_amount]")
        .parse::<i64>()
        .unwrap_or_default();
    if field("mode") != "payment"
        || amount <= 0
        || field("line_items[0][price_data][product_data][name]").is_empty()
        || field("success_url").is_empty()
    {
        return stripe_error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "Missing required param",
        );
    }
    let id = format!("cs_test_{}", rand::random::<u64>());
    let session = FakeSession {
        url: format!("{}/c/pay/{id}", fake.base),
        id,
        status: "open".into(),
        payment_status: "unpaid".into(),
        payment_intent: None,
        reference: field("client_reference_id"),
        amount,
        currency: field("line_items[0][price_data][currency]"),
        success_url: field("success_url"),
        cancel_url: field("cancel_url"),
        metadata: form
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix("metadata[")
                    .and_then(|k| k.strip_suffix(']'))
                    .map(|k| (k.to_owned(), v.clone()))
            })
            .collect(),
    };
    let reply = session.json();
    state.sessions.push(session);
    if let Some(key) = key {
        state.replies.insert(key, reply.clone());
    }
    Json(reply).into_response()
}

async fn retrieve_session(
    State(fake): State<FakeStripe>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Some(refused) = fake.gate(&headers) {
        return refused;
    }
    match fake.session(&id) {
        Some(session) => Json(session.json()).into_response(),
        None => stripe_error(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            "No such checkout.session",
        ),
    }
}

async fn expire_session(
    State(fake): State<FakeStripe>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Some(refused) = fake.gate(&headers) {
        return refused;
    }
    match fake.session(&id) {
        Some(session) if session.status == "open" => {
            fake.update(&id, |s| s.status = "expired".into());
            Json(fake.session(&id).expect("session").json()).into_response()
        }
        Some(_) => stripe_error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "Only Checkout Sessions with a status in [open] can be expired.",
        ),
        None => stripe_error(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            "No such checkout.session",
        ),
    }
}

async fn create_refund(
    State(fake): State<FakeStripe>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refused) = fake.gate(&headers) {
        return refused;
    }
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let form = form(&body);
    let mut state = fake.state.lock().expect("lock");
    if let Some(reply) = key.as_ref().and_then(|k| state.replies.get(k)) {
        return Json(reply.clone()).into_response();
    }
    let intent = form.get("payment_intent").cloned().unwrap_or_default();
    let Some(paid) = state
        .sessions
        .iter()
        .find(|s| s.payment_intent.as_deref() == Some(intent.as_str()))
        .map(|s| s.amount)
    else {
        return stripe_error(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            "No such payment_intent",
        );
    };
    let before: i64 = state
        .refunds
        .iter()
        .filter(|(pi, _)| *pi == intent)
        .map(|(_, a)| a)
        .sum();
    let amount = form
        .get("amount")
        .and_then(|a| a.parse::<i64>().ok())
        .unwrap_or(paid - before);
    if amount <= 0 || before + amount > paid {
        return stripe_error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "Refund amount is greater than unrefunded amount on charge",
        );
    }
    state.refunds.push((intent.clone(), amount));
    let id = format!("re_{}", rand::random::<u32>());
    state.refund_ids.push(id.clone());
    let reply = json!({"id": id, "object": "refund", "amount": amount, "payment_intent": intent,
        "status": state.refund_status, "currency": "eur"});
    if let Some(key) = key {
        state.replies.insert(key, reply.clone());
    }
    Json(reply).into_response()
}

/// The hosted page: the customer pays (the session completes, `webhooks_first` completed
/// events go out, the browser goes to `success_url`) or cancels (to `cancel_url`).
async fn checkout_page(State(fake): State<FakeStripe>, Path(id): Path<String>) -> Response {
    let Some(session) = fake.session(&id).filter(|s| s.status == "open") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let (outcome, webhooks) = {
        let state = fake.state.lock().expect("lock");
        (state.outcome, state.webhooks_first)
    };
    if outcome == Outcome::Cancel {
        return Redirect::to(&session.cancel_url).into_response();
    }
    fake.update(&id, |s| {
        s.status = "complete".into();
        s.payment_status = "paid".into();
        s.payment_intent = Some(format!("pi_{}", rand::random::<u64>()));
    });
    for _ in 0..webhooks {
        assert_eq!(
            fake.send("checkout.session.completed", &id).await,
            StatusCode::NO_CONTENT
        );
    }
    Redirect::to(&session.success_url).into_response()
}

/// The shared server with Stripe's keys (and Visma Pay's, for the choice), and the fake.
struct Server {
    server: support::Server,
    fake: FakeStripe,
}

impl std::ops::Deref for Server {
    type Target = support::Server;

    fn deref(&self) -> &support::Server {
        &self.server
    }
}

impl Server {
    async fn start(db: TestDb) -> Server {
        let fake = FakeStripe::start().await;
        let server = support::Server::start(db, |base| PaymentConfig {
            secret_key: Some(sealing_key(SECRET_KEY)),
            stripe_url: fake.base.clone(),
            stripe_checkout_origin: fake.base.clone(),
            public_url: base.into(),
            ..PaymentConfig::default()
        })
        .await;
        let (status, body) = server
            .put(
                "/api/v1/payment-providers/stripe",
                json!({"secret_key": SECRET, "webhook_secret": WEBHOOK_SECRET}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        fake.set(|f| {
            f.webhook_url = format!(
                "{}/api/v1/providers/stripe/webhook?shop={}",
                server.base, server.shop_id
            );
        });
        Server { server, fake }
    }

    /// Chooses Stripe on the link's page: the redirect to the fake's Checkout page.
    async fn press_pay(&self, token: &str) -> String {
        let (status, location, body) = self
            .browse_form(
                reqwest::Method::POST,
                &format!("/pay/{token}"),
                Some("provider=stripe"),
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        assert!(
            location.starts_with(&format!("{}/c/pay/cs_test_", self.fake.base)),
            "{location}"
        );
        location
    }

    /// Goes through the fake's Checkout page; returns where it sends the browser.
    async fn checkout(&self, page: &str) -> String {
        let (status, location, _) = self.browse(reqwest::Method::GET, page).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        location
    }

    /// The order's latest Stripe session id.
    async fn session_id(&self, order_id: &str) -> String {
        let id = self.latest_number(order_id).await;
        assert!(id.starts_with("cs_test_"), "{id}");
        id
    }

    /// Our number for the order's latest attempt (the session's client_reference_id).
    async fn attempt_number(&self, order_id: &str) -> String {
        let session = self.session_id(order_id).await;
        self.fake.session(&session).expect("session").reference
    }

    async fn refund(&self, payment_id: &str, body: Value) -> (StatusCode, Value) {
        self.post(&format!("/api/v1/payments/{payment_id}/refund"), body)
            .await
    }

    /// Everything a repeated event could change.
    async fn snapshot(&self, order_id: &str) -> (Value, Vec<Value>, Vec<String>) {
        (
            self.payments(order_id).await,
            self.documents(order_id).await,
            self.event_kinds(order_id).await,
        )
    }
}

/// Both providers on the page; Stripe chosen; the webhook settles the money before the
/// customer is back, and the success return shows the receipt.
async fn paid_by_webhook_then_return(s: Server) {
    let (status, _) = s
        .put(
            "/api/v1/payment-providers/vismapay",
            json!({"api_key": "KEY", "private_key": "private"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let order_id = s.order("fi", "open").await;
    let token = s.link(&order_id).await;
    let response = s
        .browser
        .get(format!("{}/pay/{token}", s.base))
        .send()
        .await
        .expect("page");
    let csp = response
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        csp.contains("form-action 'self' ") && csp.contains(&s.fake.base),
        "{csp}"
    );
    let page = response.text().await.expect("page");
    for text in [
        "Valitse, miten maksat 24,80",
        "value=\"vismapay\"",
        "Verkkopankki",
        "value=\"stripe\"",
        "Kortti (Stripe)",
    ] {
        assert!(page.contains(text), "{text} in {page}");
    }

    let checkout = s.press_pay(&token).await;
    let payments = s.payments(&order_id).await;
    assert_eq!(statuses(&payments), ["pending"]);
    assert_eq!(payments["items"][0]["provider"], "stripe");
    let session = s.session_id(&order_id).await;
    let (form, key) = s.fake.state.lock().expect("lock").created[0].clone();
    let number = form["client_reference_id"].clone();
    assert_eq!(key.as_deref(), Some(number.as_str()), "Idempotency-Key");
    for (field, value) in [
        ("mode", "payment"),
        ("line_items[0][quantity]", "1"),
        ("line_items[0][price_data][currency]", "eur"),
        ("line_items[0][price_data][unit_amount]", "2480"),
        ("customer_email", "aino@example.fi"),
        ("locale", "fi"),
        ("metadata[order_id]", order_id.as_str()),
        ("metadata[shop_id]", &s.shop_id.to_string()),
        (
            "success_url",
            &format!("{}/pay/{token}/stripe/success", s.base),
        ),
        (
            "cancel_url",
            &format!("{}/pay/{token}/stripe/cancel", s.base),
        ),
    ] {
        assert_eq!(form.get(field).map(String::as_str), Some(value), "{field}");
    }
    assert!(form.contains_key("metadata[payment_id]") && form.contains_key("expires_at"));

    let back = s.checkout(&checkout).await; // the webhook first
    assert_eq!(
        s.fake.session(&session).expect("session").status,
        "complete"
    );
    let payments = s.payments(&order_id).await;
    assert_eq!(
        (statuses(&payments), payments["payment_state"].clone()),
        (vec!["paid".to_owned()], json!("paid")),
        "{payments}"
    );
    let (status, _, page) = s.browse(reqwest::Method::GET, &back).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Kiitos!") && page.contains("Kuitti"),
        "{page}"
    );
    assert!(!page.contains("<form"), "{page}");
    assert_eq!(s.order_state(&order_id).await, "paid");
    let kinds: Vec<Value> = s
        .documents(&order_id)
        .await
        .iter()
        .map(|d| d["kind"].clone())
        .collect();
    assert_eq!(kinds, [json!("receipt")]);
    let events = s.event_kinds(&order_id).await;
    assert!(
        events.iter().any(|k| k == "order.payment_recorded")
            && events.iter().any(|k| k == "order.document_issued"),
        "{events:?}"
    );
    // A paid link takes no second payment, by either provider.
    for provider in ["stripe", "vismapay"] {
        let (status, _, _) = s
            .browse_form(
                reqwest::Method::POST,
                &format!("/pay/{token}"),
                Some(&format!("provider={provider}")),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
    }
    assert_eq!(s.fake.state.lock().expect("lock").unauthorised, 0);
}

/// The customer is back before the webhook: the return asks Stripe and settles; the late
/// webhook, twice, and the return again change nothing.
async fn return_before_webhook_and_duplicates(s: Server) {
    s.fake.set(|f| f.webhooks_first = 0);
    let order_id = s.order("en", "confirmed").await;
    let token = s.link(&order_id).await;
    let checkout = s.press_pay(&token).await;
    let session = s.session_id(&order_id).await;
    let back = s.checkout(&checkout).await;
    // A forged query on the way back is ignored: only Stripe's word counts.
    let (status, _, page) = s
        .browse(
            reqwest::Method::GET,
            &format!("{back}?session_id=cs_forged&paid=1"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Thank you!") && page.contains("Receipt"),
        "{page}"
    );
    let before = s.snapshot(&order_id).await;
    assert_eq!(statuses(&before.0), ["paid"]);
    for _ in 0..2 {
        assert_eq!(
            s.fake.send("checkout.session.completed", &session).await,
            StatusCode::NO_CONTENT
        );
    }
    assert_eq!(
        s.browse(reqwest::Method::GET, &back).await.0,
        StatusCode::OK
    );
    assert_eq!(s.snapshot(&order_id).await, before);

    // Two deliveries of the same event before the customer is back.
    s.fake.set(|f| f.webhooks_first = 2);
    let order_id = s.order("sv", "confirmed").await;
    let token = s.link(&order_id).await;
    let back = s.checkout(&s.press_pay(&token).await).await;
    let (_, _, page) = s.browse(reqwest::Method::GET, &back).await;
    assert!(page.contains("Tack!") && page.contains("Kvitto"), "{page}");
    assert_eq!(s.documents(&order_id).await.len(), 1);
    let recorded = s
        .event_kinds(&order_id)
        .await
        .iter()
        .filter(|k| *k == "order.payment_recorded")
        .count();
    assert_eq!(recorded, 1);
}

/// The customer cancels (the session is expired at Stripe, so it can no longer be paid); a
/// session Stripe expires, and a delayed method that fails, end the attempt too; a retry pays.
async fn cancelled_expired_and_failed(s: Server) {
    s.fake.set(|f| f.outcome = Outcome::Cancel);
    let order_id = s.order("fi", "confirmed").await;
    let token = s.link(&order_id).await;
    let checkout = s.press_pay(&token).await;
    let session = s.session_id(&order_id).await;
    let back = s.checkout(&checkout).await;
    assert!(back.ends_with("/stripe/cancel"), "{back}");
    let (status, _, page) = s.browse(reqwest::Method::GET, &back).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Maksu epäonnistui") && page.contains("<form"),
        "{page}"
    );
    assert_eq!(s.fake.session(&session).expect("session").status, "expired");
    assert_eq!(statuses(&s.payments(&order_id).await), ["failed"]);
    // Stripe's expired event for it changes nothing.
    let before = s.snapshot(&order_id).await;
    assert_eq!(
        s.fake.send("checkout.session.expired", &session).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(s.snapshot(&order_id).await, before);

    // The customer leaves Stripe's page open until the session expires.
    s.press_pay(&token).await;
    let session = s.session_id(&order_id).await;
    s.fake.update(&session, |f| f.status = "expired".into());
    assert_eq!(
        s.fake.send("checkout.session.expired", &session).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(statuses(&s.payments(&order_id).await), ["failed", "failed"]);

    // A delayed method: completed but unpaid waits; its failure ends the attempt.
    s.press_pay(&token).await;
    let session = s.session_id(&order_id).await;
    s.fake.update(&session, |f| f.status = "complete".into());
    assert_eq!(
        s.fake.send("checkout.session.completed", &session).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        statuses(&s.payments(&order_id).await),
        ["failed", "failed", "pending"]
    );
    assert_eq!(
        s.fake
            .send("checkout.session.async_payment_failed", &session)
            .await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        statuses(&s.payments(&order_id).await),
        ["failed", "failed", "failed"]
    );

    s.fake.set(|f| f.outcome = Outcome::Pay);
    let back = s.checkout(&s.press_pay(&token).await).await;
    let (_, _, page) = s.browse(reqwest::Method::GET, &back).await;
    assert!(page.contains("Kiitos!"), "{page}");
    let payments = s.payments(&order_id).await;
    assert_eq!(statuses(&payments), ["failed", "failed", "failed", "paid"]);
    assert_eq!(payments["received"], 2480);
}

/// Forged, tampered, stale and misdirected deliveries are refused with 400 and change nothing;
/// genuine events about sessions Tilaus did not make, or of other types, are acknowledged.
async fn forged_and_stale_webhooks(s: Server) {
    s.fake.set(|f| f.webhooks_first = 0);
    let order_id = s.order("fi", "confirmed").await;
    let token = s.link(&order_id).await;
    s.press_pay(&token).await;
    let session = s.session_id(&order_id).await;
    s.fake.update(&session, |f| {
        f.status = "complete".into();
        f.payment_status = "paid".into();
    });
    let body = FakeStripe::event(
        "checkout.session.completed",
        &s.fake.session(&session).expect("session"),
    );
    let now = jiff::Timestamp::now();
    let genuine = WebhookSecret::new(WEBHOOK_SECRET);
    let stale = now - jiff::SignedDuration::from_secs(301);
    let mut tampered = body.clone();
    let at = tampered.len() - 3;
    tampered[at] ^= 1;
    let other = s
        .app
        .create_shop(tilaus_app::shop::NewShop {
            name: "Toinen".into(),
            owner_email: "o@toinen.fi".into(),
            ..tilaus_app::shop::NewShop::default()
        })
        .await
        .expect("shop");
    let webhook = format!("{}/api/v1/providers/stripe/webhook", s.base);
    let cases: Vec<(Option<String>, Vec<u8>, Option<String>)> = vec![
        (
            None,
            body.clone(),
            Some(WebhookSecret::new("whsec_guess").sign(now, &body)),
        ),
        (None, body.clone(), Some(genuine.sign(stale, &body))),
        (None, body.clone(), None),
        (None, body.clone(), Some("t=1,v1=00".into())),
        (None, tampered.clone(), Some(genuine.sign(now, &body))),
        (
            Some(format!("{webhook}?shop={}", other.shop_id)),
            body.clone(),
            Some(genuine.sign(now, &body)),
        ),
        (
            Some(webhook.clone()),
            body.clone(),
            Some(genuine.sign(now, &body)),
        ),
    ];
    for (i, (url, body, signature)) in cases.into_iter().enumerate() {
        let status = s.fake.deliver(url.as_deref(), body, signature).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "case {i}");
    }
    assert_eq!(
        statuses(&s.payments(&order_id).await),
        ["pending"],
        "nothing changed"
    );

    // Signed right, but not for us to act on.
    let mut foreign = s.fake.session(&session).expect("session");
    foreign.id = "cs_test_from_the_web_shop".into();
    foreign.reference = "W-1001".into();
    for (kind, session) in [
        ("checkout.session.completed", &foreign),
        (
            "payment_intent.succeeded",
            &s.fake.session(&session).expect("session"),
        ),
    ] {
        let body = FakeStripe::event(kind, session);
        let signature = genuine.sign(now, &body);
        assert_eq!(
            s.fake.deliver(None, body, Some(signature)).await,
            StatusCode::NO_CONTENT
        );
    }
    assert_eq!(statuses(&s.payments(&order_id).await), ["pending"]);
    // The genuine one settles it.
    assert_eq!(
        s.fake.send("checkout.session.completed", &session).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(statuses(&s.payments(&order_id).await), ["paid"]);
}

/// Stripe down: no session, the payment stays pending, and the status check closes it. A lost
/// webhook while Stripe is down on the return: pending until the status check settles it.
async fn stripe_down_and_status_check(s: Server) {
    let scope = ShopScope::authorised(s.shop_id);
    s.fake.set(|f| f.down = true);
    let order_id = s.order("en", "confirmed").await;
    let token = s.link(&order_id).await;
    let (status, _, page) = s
        .browse_form(
            reqwest::Method::POST,
            &format!("/pay/{token}"),
            Some("provider=stripe"),
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        page.contains("not answering") && page.contains("no money was taken"),
        "{page}"
    );
    let payments = s.payments(&order_id).await;
    assert_eq!(
        (statuses(&payments), payments["received"].as_i64()),
        (vec!["pending".to_owned()], Some(0))
    );
    assert_eq!(s.queued_jobs("payment.").await, ["payment.check_status"]);
    s.fake.set(|f| f.down = false);
    let (_, attempts) = s.get(&format!("/api/v1/orders/{order_id}/payments")).await;
    assert!(
        attempts["items"][0]["provider_reference"].is_null(),
        "no session was made"
    );
    assert!(s.fake.state.lock().expect("lock").sessions.is_empty());
    let number = {
        let mut conn = s.app.db.read().await.expect("conn");
        tilaus_store::payment_link::pending_attempts(&mut conn, scope, i64::MAX, 1)
            .await
            .expect("attempts")[0]
            .provider_order_number
            .clone()
    };
    let checked = s
        .app
        .check_payment_status(scope, PayProvider::Stripe, &number)
        .await
        .expect("check");
    assert_eq!(checked, PaymentStatus::Failed);

    // The customer pays; the webhook is lost and Stripe is down when they come back.
    s.fake.set(|f| f.webhooks_first = 0);
    let checkout = s.press_pay(&token).await;
    let number = s.attempt_number(&order_id).await;
    assert_eq!(
        s.app
            .check_payment_status(scope, PayProvider::Stripe, &number)
            .await
            .expect("check"),
        PaymentStatus::Pending,
        "open, not paid yet"
    );
    let back = s.checkout(&checkout).await;
    s.fake.set(|f| f.down = true);
    let (status, _, page) = s.browse(reqwest::Method::GET, &back).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("still waiting for confirmation"), "{page}");
    assert_eq!(
        statuses(&s.payments(&order_id).await),
        ["failed", "pending"]
    );
    assert!(
        s.app
            .check_payment_status(scope, PayProvider::Stripe, &number)
            .await
            .is_err(),
        "Stripe is down: the job tries again later"
    );
    s.fake.set(|f| f.down = false);
    let checked = s
        .app
        .check_payment_status(scope, PayProvider::Stripe, &number)
        .await
        .expect("check");
    assert_eq!(checked, PaymentStatus::Paid);
    assert_eq!(s.payments(&order_id).await["payment_state"], "paid");
    assert_eq!(s.documents(&order_id).await.len(), 1, "the receipt");
    let again = s
        .app
        .check_payment_status(scope, PayProvider::Stripe, &number)
        .await
        .expect("check");
    assert_eq!(again, PaymentStatus::Paid);
    assert_eq!(s.documents(&order_id).await.len(), 1);
}

/// Refunds Stripe finishes later: a pending one is applied when `refund.updated` says succeeded
/// (once, however often it comes); one that fails after succeeding is taken back off the
/// payment; events about refunds Tilaus did not make change nothing.
async fn refunds_reported_later_by_webhook(s: Server) {
    let order_id = s.order("en", "confirmed").await;
    let token = s.link(&order_id).await;
    s.checkout(&s.press_pay(&token).await).await;
    let payments = s.payments(&order_id).await;
    let payment_id = payments["items"][0]["id"].as_str().expect("id").to_owned();
    s.fake.set(|f| f.refund_status = "pending");
    let (status, body) = s.refund(&payment_id, json!({"amount": 1000})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (
            body["refund"]["status"].as_str(),
            body["payment"]["refunded"].as_i64()
        ),
        (Some("pending"), Some(0))
    );
    let pending = s.fake.state.lock().expect("lock").refund_ids[0].clone();
    for _ in 0..2 {
        let status = s
            .fake
            .send_refund("refund.updated", &pending, 1000, "succeeded")
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    let payments = s.payments(&order_id).await;
    assert_eq!(
        (
            payments["refunded"].as_i64(),
            payments["payment_state"].as_str()
        ),
        (Some(1000), Some("partially_refunded")),
        "{payments}"
    );

    s.fake.set(|f| f.refund_status = "succeeded");
    let (status, body) = s.refund(&payment_id, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["payment"]["status"], "refunded");
    let second = s.fake.state.lock().expect("lock").refund_ids[1].clone();
    let status = s
        .fake
        .send_refund("refund.failed", &second, 1480, "failed")
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let payments = s.payments(&order_id).await;
    assert_eq!(
        (statuses(&payments), payments["refunded"].as_i64()),
        (vec!["partially_refunded".to_owned()], Some(1000)),
        "the failed refund's money is the shop's again: {payments}"
    );
    let (_, refunds) = s
        .get(&format!("/api/v1/payments/{payment_id}/refunds"))
        .await;
    let shown: Vec<&Value> = refunds
        .as_array()
        .expect("list")
        .iter()
        .map(|r| &r["status"])
        .collect();
    assert_eq!(shown, [&json!("refunded"), &json!("rejected")]);
    let kinds = s.event_kinds(&order_id).await;
    assert_eq!(
        kinds
            .iter()
            .filter(|k| *k == "order.payment_refunded")
            .count(),
        2
    );
    assert!(
        kinds.contains(&"order.refund_rejected".to_owned()),
        "{kinds:?}"
    );

    let before = s.payments(&order_id).await;
    let status = s
        .fake
        .send_refund("refund.failed", "re_from_dashboard", 500, "failed")
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(before, s.payments(&order_id).await);
}

/// Partial then full refunds through Stripe; the payment and the order's payment state follow;
/// bad amounts, other payments, roles and Stripe down change nothing.
async fn refunds_full_and_partial(s: Server) {
    let order_id = s.order("fi", "confirmed").await;
    let token = s.link(&order_id).await;
    s.checkout(&s.press_pay(&token).await).await;
    let payments = s.payments(&order_id).await;
    assert_eq!(payments["payment_state"], "paid");
    let payment_id = payments["items"][0]["id"].as_str().expect("id").to_owned();
    let session = s.session_id(&order_id).await;
    let intent = s
        .fake
        .session(&session)
        .and_then(|f| f.payment_intent)
        .expect("paid");

    let (status, refunded) = s.refund(&payment_id, json!({"amount": 1000})).await;
    assert_eq!(status, StatusCode::OK, "{refunded}");
    assert_eq!(
        (
            refunded["payment"]["status"].as_str(),
            refunded["payment"]["refunded"].as_i64(),
            refunded["payment_state"].as_str(),
            refunded["balance_due"].as_i64()
        ),
        (
            Some("partially_refunded"),
            Some(1000),
            Some("partially_refunded"),
            Some(1000)
        )
    );
    assert_eq!(
        s.fake.state.lock().expect("lock").refunds,
        [(intent.clone(), 1000)]
    );

    let (status, problem) = s.refund(&payment_id, json!({"amount": 1481})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(problem.to_string().contains("/amount"), "{problem}");
    for amount in [0, -5] {
        let (status, _) = s.refund(&payment_id, json!({"amount": amount})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let (status, _) = s.refund(&payment_id, json!({"x": 1})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Stripe down: 503, nothing refunded or recorded.
    s.fake.set(|f| f.down = true);
    let (status, problem) = s.refund(&payment_id, json!({})).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{problem}");
    s.fake.set(|f| f.down = false);
    // Staff may not give money back.
    let (_, staff) = s
        .post("/api/v1/tokens", json!({"name": "staff", "role": "staff"}))
        .await;
    let staff = staff["token"].as_str().expect("token").to_owned();
    let (status, _) = s
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/payments/{payment_id}/refund"),
            Some(json!({})),
            &staff,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(s.payments(&order_id).await["refunded"], 1000);

    // The rest (no amount: all that is left).
    let response = s
        .browser
        .post(format!("{}/api/v1/payments/{payment_id}/refund", s.base))
        .bearer_auth(&s.token)
        .send()
        .await
        .expect("refund");
    assert_eq!(response.status(), StatusCode::OK);
    let payments = s.payments(&order_id).await;
    assert_eq!(
        (
            statuses(&payments),
            payments["payment_state"].as_str(),
            payments["refunded"].as_i64()
        ),
        (vec!["refunded".to_owned()], Some("refunded"), Some(2480))
    );
    assert_eq!(
        s.fake.state.lock().expect("lock").refunds,
        [(intent.clone(), 1000), (intent, 1480)]
    );
    let refunds = s
        .event_kinds(&order_id)
        .await
        .iter()
        .filter(|k| *k == "order.payment_refunded")
        .count();
    assert_eq!(refunds, 2);
    let (status, _) = s.refund(&payment_id, json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "nothing left");

    // A manual payment is not refunded through Stripe; unknown and other shops' ids are 404.
    let order_id = s.order("fi", "confirmed").await;
    let (status, recorded) = s
        .post(
            &format!("/api/v1/orders/{order_id}/payments"),
            json!({"method": "cash", "amount": 2480}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{recorded}");
    let cash = recorded["payment"]["id"].as_str().expect("id").to_owned();
    let (status, _) = s.refund(&cash, json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = s.refund(&uuid::Uuid::now_v7().to_string(), json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let other = s
        .app
        .create_shop(tilaus_app::shop::NewShop {
            name: "Toinen".into(),
            owner_email: "o@toinen.fi".into(),
            ..tilaus_app::shop::NewShop::default()
        })
        .await
        .expect("shop");
    let (status, _) = s
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/payments/{payment_id}/refund"),
            Some(json!({})),
            &other.api_token,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Stripe keys: checked, stored sealed, shown by their last 4 characters only.
async fn stripe_settings(s: Server) {
    let (status, providers) = s.get("/api/v1/payment-providers").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        providers,
        json!([{"provider": "stripe", "secret_key": "…4242", "webhook_secret": "…cret",
            "updated_at": providers[0]["updated_at"]}])
    );
    for (body, pointer) in [
        (
            json!({"secret_key": "pk_test_1", "webhook_secret": WEBHOOK_SECRET}),
            "/secret_key",
        ),
        (
            json!({"secret_key": SECRET, "webhook_secret": "secret"}),
            "/webhook_secret",
        ),
        (
            json!({"secret_key": " ", "webhook_secret": WEBHOOK_SECRET}),
            "/secret_key",
        ),
        (json!({"secret_key": SECRET}), ""),
    ] {
        let (status, problem) = s.put("/api/v1/payment-providers/stripe", body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert!(problem.to_string().contains(pointer), "{problem}");
    }
    let mut conn = s.app.db.read().await.expect("conn");
    let rows = tilaus_store::payment_link::providers(&mut conn, ShopScope::authorised(s.shop_id))
        .await
        .expect("rows");
    assert!(
        !rows[0].api_key_sealed.contains(SECRET)
            && !rows[0].private_key_sealed.contains(WEBHOOK_SECRET)
    );
    drop(conn);
    // With Stripe alone, the page has one Pay button, for Stripe.
    let order_id = s.order("en", "confirmed").await;
    let token = s.link(&order_id).await;
    let (_, _, page) = s
        .browse(reqwest::Method::GET, &format!("/pay/{token}"))
        .await;
    assert!(
        page.contains("value=\"stripe\"")
            && page.contains("Pay ")
            && page.contains("24.80")
            && !page.contains("vismapay"),
        "{page}"
    );
}

tilaus_store::on_both_backends!(start = Server::start;
    paid_by_webhook_then_return,
    return_before_webhook_and_duplicates,
    cancelled_expired_and_failed,
    forged_and_stale_webhooks,
    stripe_down_and_status_check,
    refunds_full_and_partial,
    stripe_settings,
    refunds_reported_later_by_webhook,
);
