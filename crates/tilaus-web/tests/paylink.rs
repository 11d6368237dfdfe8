//! Payment links paid through Visma Pay, end to end over real HTTP against a local fake Visma
//! Pay, on SQLite and on PostgreSQL alike.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use hmac::{Hmac, KeyInit, Mac};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use support::{SECRET_KEY, sealing_key, statuses};
use tilaus_app::paylink::{PayProvider, PaymentConfig};
use tilaus_app::shop::NewShop;
use tilaus_store::testkit::TestDb;

mod support;

const API_KEY: &str = "TESTAPIKEY";
const PRIVATE_KEY: &str = "private_key";

fn mac(key: &str, fields: &[&str]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("any key length");
    mac.update(fields.join("|").as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// How the fake's payment page behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Succeed,
    /// The card is reserved only (`SETTLED=0`): captured or cancelled later.
    Authorise,
    Decline,
}

#[derive(Debug, Clone)]
struct FakePayment {
    order_number: String,
    amount: i64,
    return_url: String,
    notify_url: String,
    /// Set once the customer went through the pay page.
    result: Option<Outcome>,
    /// What `capture` or `cancel` did to an authorised payment.
    concluded: Option<&'static str>,
    /// `payment_method.selected`, when the customer chose a method on our page.
    selected: Option<Value>,
}

#[derive(Debug)]
struct FakeState {
    outcome: Outcome,
    down: bool,
    /// Notifies sent before the pay page redirects the browser back (0, 1 or 2).
    notifies_first: usize,
    payments: HashMap<String, FakePayment>,
    refused_authcodes: usize,
    /// `capture` answers `result: 2` (refused by the gateway).
    refuse_capture: bool,
    /// What `create_refund` answers: `instant` (cards) or `email` (bank payments).
    refund_type: &'static str,
    refunds: Vec<FakeRefund>,
    /// `merchant_payment_methods` answers 503.
    methods_down: bool,
    /// How often `merchant_payment_methods` was asked.
    methods_asked: usize,
}

#[derive(Debug, Clone)]
struct FakeRefund {
    refund_id: u64,
    order_number: String,
    amount: i64,
    notify_url: String,
}

/// A local Visma Pay: checks authcodes as the real one does, answers `auth_payment` with a
/// token, serves the pay page that sends the customer back (and notifies), answers
/// `check_payment_status`, and can be told to decline, be down, or repeat callbacks.
#[derive(Clone)]
struct FakeVismaPay {
    base: String,
    state: Arc<Mutex<FakeState>>,
    http: reqwest::Client,
}

impl FakeVismaPay {
    async fn start() -> FakeVismaPay {
        let state = Arc::new(Mutex::new(FakeState {
            outcome: Outcome::Succeed,
            down: false,
            notifies_first: 1,
            payments: HashMap::new(),
            refused_authcodes: 0,
            refuse_capture: false,
            refund_type: "instant",
            refunds: Vec::new(),
            methods_down: false,
            methods_asked: 0,
        }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}/pbwapi", listener.local_addr().expect("address"));
        let fake = FakeVismaPay {
            base,
            state,
            http: reqwest::Client::new(),
        };
        let router = Router::new()
            .route("/pbwapi/auth_payment", post(auth_payment))
            .route("/pbwapi/check_payment_status", post(check_payment_status))
            .route("/pbwapi/token/{token}", get(pay_page))
            .route("/pbwapi/capture", post(capture))
            .route(
                "/pbwapi/merchant_payment_methods",
                post(merchant_payment_methods),
            )
            .route("/pbwapi/create_refund", post(create_refund))
            .route("/pbwapi/cancel", post(cancel))
            .with_state(fake.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        fake
    }

    fn set(&self, change: impl FnOnce(&mut FakeState)) {
        change(&mut self.state.lock().expect("lock"));
    }

    fn payment(&self, order_number: &str) -> Option<FakePayment> {
        let state = self.state.lock().expect("lock");
        state
            .payments
            .values()
            .find(|p| p.order_number == order_number)
            .cloned()
    }

    /// The signed callback query for a payment's result, as Visma Pay sends it.
    fn callback_query(order_number: &str, outcome: Outcome) -> String {
        match outcome {
            Outcome::Succeed => {
                let code = mac(PRIVATE_KEY, &["0", order_number, "1"]);
                format!("RETURN_CODE=0&ORDER_NUMBER={order_number}&SETTLED=1&AUTHCODE={code}")
            }
            Outcome::Authorise => {
                let code = mac(PRIVATE_KEY, &["0", order_number, "0"]);
                format!("RETURN_CODE=0&ORDER_NUMBER={order_number}&SETTLED=0&AUTHCODE={code}")
            }
            Outcome::Decline => {
                let code = mac(PRIVATE_KEY, &["1", order_number, "INC-1"]);
                format!(
                    "RETURN_CODE=1&ORDER_NUMBER={order_number}&INCIDENT_ID=INC-1&AUTHCODE={code}"
                )
            }
        }
    }

    fn refunds(&self) -> Vec<FakeRefund> {
        self.state.lock().expect("lock").refunds.clone()
    }

    /// Sends a refund's notify with `RETURN_CODE` `code` (signed with `key`); returns Tilaus's
    /// answer.
    async fn refund_notify(&self, refund: &FakeRefund, code: &str, key: &str) -> StatusCode {
        let id = refund.refund_id.to_string();
        let authcode = mac(key, &[code, &id]);
        let url = format!(
            "{}&RETURN_CODE={code}&REFUND_ID={id}&AUTHCODE={authcode}",
            refund.notify_url
        );
        self.http.get(url).send().await.expect("notify").status()
    }

    /// Sends the notify of a payment the customer went through; returns Tilaus's answer.
    async fn notify(&self, order_number: &str) -> StatusCode {
        let payment = self.payment(order_number).expect("known payment");
        let outcome = payment
            .result
            .expect("the customer went through the pay page");
        let separator = if payment.notify_url.contains('?') {
            '&'
        } else {
            '?'
        };
        let url = format!(
            "{}{separator}{}",
            payment.notify_url,
            Self::callback_query(order_number, outcome)
        );
        self.http.get(url).send().await.expect("notify").status()
    }
}

fn refuse_authcode(fake: &FakeVismaPay) -> Response {
    fake.set(|s| s.refused_authcodes += 1);
    Json(json!({"result": 1, "errors": ["Invalid authcode"]})).into_response()
}

async fn auth_payment(State(fake): State<FakeVismaPay>, Json(body): Json<Value>) -> Response {
    if fake.state.lock().expect("lock").down {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let text = |field: &str| body[field].as_str().unwrap_or_default().to_owned();
    let order_number = text("order_number");
    if body["api_key"] != API_KEY
        || text("authcode") != mac(PRIVATE_KEY, &[API_KEY, &order_number])
        || body["version"] != "w3.2"
    {
        return refuse_authcode(&fake);
    }
    let mut state = fake.state.lock().expect("lock");
    if state
        .payments
        .values()
        .any(|p| p.order_number == order_number)
    {
        return Json(json!({"result": 2})).into_response();
    }
    let token = format!("tok{}", rand::random::<u64>());
    state.payments.insert(
        token.clone(),
        FakePayment {
            order_number,
            amount: body["amount"].as_i64().unwrap_or_default(),
            return_url: body["payment_method"]["return_url"]
                .as_str()
                .unwrap_or_default()
                .into(),
            notify_url: body["payment_method"]["notify_url"]
                .as_str()
                .unwrap_or_default()
                .into(),
            result: None,
            concluded: None,
            selected: body["payment_method"].get("selected").cloned(),
        },
    );
    Json(json!({"result": 0, "token": token, "type": "e-payment"})).into_response()
}

async fn check_payment_status(
    State(fake): State<FakeVismaPay>,
    Json(body): Json<Value>,
) -> Response {
    let order_number = body["order_number"].as_str().unwrap_or_default().to_owned();
    if body["api_key"] != API_KEY || body["authcode"] != mac(PRIVATE_KEY, &[API_KEY, &order_number])
    {
        return refuse_authcode(&fake);
    }
    let answer = match fake.payment(&order_number).map(|p| p.result) {
        None => json!({"result": 1, "errors": ["unknown order_number"]}),
        Some(None) => json!({"result": 3}),
        Some(Some(Outcome::Succeed)) => json!({"result": 0, "settled": 1}),
        Some(Some(Outcome::Authorise)) => json!({"result": 0, "settled": 0}),
        Some(Some(Outcome::Decline)) => json!({"result": 2}),
    };
    Json(answer).into_response()
}

/// `capture` or `cancel` of an authorised payment, as Visma Pay answers them: `result: 2` when
/// it is not (or no longer) an authorised one, or when the gateway refuses.
async fn conclude(fake: &FakeVismaPay, body: &Value, done: &'static str) -> Response {
    let order_number = body["order_number"].as_str().unwrap_or_default().to_owned();
    if body["api_key"] != API_KEY || body["authcode"] != mac(PRIVATE_KEY, &[API_KEY, &order_number])
    {
        return refuse_authcode(fake);
    }
    let mut state = fake.state.lock().expect("lock");
    let refused = done == "captured" && state.refuse_capture;
    let Some(payment) = state
        .payments
        .values_mut()
        .find(|p| p.order_number == order_number)
    else {
        return Json(json!({"result": 1, "errors": ["unknown order_number"]})).into_response();
    };
    if refused || payment.result != Some(Outcome::Authorise) || payment.concluded.is_some() {
        return Json(json!({"result": 2})).into_response();
    }
    payment.concluded = Some(done);
    Json(json!({"result": 0})).into_response()
}

/// The merchant's methods (version 2, authcode over the api key): two card brands, two banks, a
/// wallet, and a credit invoice from 50 euros.
async fn merchant_payment_methods(
    State(fake): State<FakeVismaPay>,
    Json(body): Json<Value>,
) -> Response {
    if body["api_key"] != API_KEY
        || body["authcode"] != mac(PRIVATE_KEY, &[API_KEY])
        || body["version"] != "2"
    {
        return refuse_authcode(&fake);
    }
    let mut state = fake.state.lock().expect("lock");
    state.methods_asked += 1;
    if state.methods_down {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let method = |name: &str, value: &str, group: &str, min: i64| {
        json!({"name": name, "selected_value": value, "group": group, "min_amount": min,
            "max_amount": 1_000_000, "img": "https://www.vismapay.com/e-payments/x.png",
            "img_timestamp": 1, "currency": ["EUR"]})
    };
    Json(json!({"result": 0, "payment_methods": [
        method("Visa", "creditcards", "creditcards", 0),
        method("Mastercard", "creditcards", "creditcards", 0),
        method("Nordea", "nordea", "banks", 0),
        method("Osuuspankki", "osuuspankki", "banks", 0),
        method("MobilePay", "mobilepay", "wallets", 0),
        method("Jousto", "jousto", "creditinvoices", 5000),
    ]}))
    .into_response()
}

/// `create_refund` by amount of a paid payment, answered `instant` or `email` as told.
async fn create_refund(State(fake): State<FakeVismaPay>, Json(body): Json<Value>) -> Response {
    let order_number = body["order_number"].as_str().unwrap_or_default().to_owned();
    if body["api_key"] != API_KEY || body["authcode"] != mac(PRIVATE_KEY, &[API_KEY, &order_number])
    {
        return refuse_authcode(&fake);
    }
    let mut state = fake.state.lock().expect("lock");
    if state.down {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let paid = state
        .payments
        .values()
        .any(|p| p.order_number == order_number && p.result == Some(Outcome::Succeed));
    let amount = body["amount"].as_i64().unwrap_or_default();
    if !paid || amount <= 0 {
        return Json(json!({"result": 1, "errors": ["nothing to refund"]})).into_response();
    }
    let refund_id = 9000 + state.refunds.len() as u64;
    state.refunds.push(FakeRefund {
        refund_id,
        order_number,
        amount,
        notify_url: body["notify_url"].as_str().unwrap_or_default().into(),
    });
    Json(json!({"result": 0, "type": state.refund_type, "refund_id": refund_id})).into_response()
}

async fn capture(State(fake): State<FakeVismaPay>, Json(body): Json<Value>) -> Response {
    conclude(&fake, &body, "captured").await
}

async fn cancel(State(fake): State<FakeVismaPay>, Json(body): Json<Value>) -> Response {
    conclude(&fake, &body, "cancelled").await
}

/// The customer "pays" on the page: the outcome the fake was told, notifies first as told,
/// then the browser goes back to the return URL.
async fn pay_page(State(fake): State<FakeVismaPay>, Path(token): Path<String>) -> Response {
    let (payment, notifies) = {
        let mut state = fake.state.lock().expect("lock");
        let outcome = state.outcome;
        let notifies = state.notifies_first;
        let Some(payment) = state.payments.get_mut(&token) else {
            return StatusCode::NOT_FOUND.into_response();
        };
        payment.result = Some(outcome);
        (payment.clone(), notifies)
    };
    for _ in 0..notifies {
        assert_eq!(
            fake.notify(&payment.order_number).await,
            StatusCode::NO_CONTENT
        );
    }
    let outcome = payment.result.unwrap_or(Outcome::Decline);
    Redirect::to(&format!(
        "{}?{}",
        payment.return_url,
        FakeVismaPay::callback_query(&payment.order_number, outcome)
    ))
    .into_response()
}

/// The shared server with Visma Pay keys set, and the fake it talks to.
struct Server {
    server: support::Server,
    fake: FakeVismaPay,
}

impl std::ops::Deref for Server {
    type Target = support::Server;

    fn deref(&self) -> &support::Server {
        &self.server
    }
}

impl Server {
    async fn start(db: TestDb) -> Server {
        let fake = FakeVismaPay::start().await;
        let server = support::Server::start(db, |base| PaymentConfig {
            secret_key: Some(sealing_key(SECRET_KEY)),
            vismapay_url: fake.base.clone(),
            public_url: base.into(),
            ..PaymentConfig::default()
        })
        .await;
        let (status, body) = server
            .put(
                "/api/v1/payment-providers/vismapay",
                json!({"api_key": API_KEY, "private_key": PRIVATE_KEY}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        Server { server, fake }
    }

    /// Presses Pay: the redirect to the provider's pay page.
    async fn press_pay(&self, token: &str) -> String {
        let (status, location, body) = self
            .browse(reqwest::Method::POST, &format!("/pay/{token}"))
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        assert!(
            location.starts_with(&format!("{}/token/", self.fake.base)),
            "{location}"
        );
        location
    }

    /// Goes through the fake's pay page; returns the return URL it sends the browser to.
    async fn pay_at_provider(&self, pay_page: &str) -> String {
        let (status, location, _) = self.browse(reqwest::Method::GET, pay_page).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        location
    }
}

/// The money arrives through the notify first, then the browser returns: the order (open) is
/// confirmed, paid, gets its receipt, and the page thanks in the order's language.
async fn paid_by_notify_then_return(s: Server) {
    let order_id = s.order("sv", "open").await;
    let token = s.link(&order_id).await;
    let (status, _, page) = s
        .browse(reqwest::Method::GET, &format!("/pay/{token}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    for text in [
        "Kahvila Aalto",
        "Beställning",
        "Kahvipaketti",
        "Muki",
        "24,80",
        "Välj hur du betalar",
        "Nätbank",
    ] {
        assert!(page.contains(text), "{text} in {page}");
    }
    let pay_page = s.press_pay(&token).await;
    let number = s.latest_number(&order_id).await;
    assert_eq!(s.fake.payment(&number).map(|p| p.amount), Some(2480));
    assert_eq!(statuses(&s.payments(&order_id).await), ["pending"]);
    let back = s.pay_at_provider(&pay_page).await; // notifies first
    let payments = s.payments(&order_id).await;
    assert_eq!(
        (
            payments["payment_state"].as_str(),
            payments["balance_due"].as_i64()
        ),
        (Some("paid"), Some(0)),
        "{payments}"
    );
    let (status, _, page) = s.browse(reqwest::Method::GET, &back).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Tack!") && page.contains("Kvitto"), "{page}");
    assert!(!page.contains("<form"), "no second payment: {page}");
    let documents = s.documents(&order_id).await;
    assert_eq!(
        documents
            .iter()
            .map(|d| d["kind"].as_str())
            .collect::<Vec<_>>(),
        [Some("receipt")]
    );
    let (_, order) = s.get(&format!("/api/v1/orders/{order_id}")).await;
    assert_eq!(order["state"], "paid", "{order}");
    let kinds = s.event_kinds(&order_id).await;
    assert!(
        kinds.iter().any(|k| k == "order.payment_recorded")
            && kinds.iter().any(|k| k == "order.document_issued"),
        "{kinds:?}"
    );

    // A paid link cannot be paid again.
    let (status, _, page) = s
        .browse(reqwest::Method::POST, &format!("/pay/{token}"))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("Tack!"), "{page}");
    assert_eq!(
        s.payments(&order_id).await["items"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

/// The browser returns before the notify; the late notify, and a repeated one, change nothing.
async fn return_then_notify_and_duplicates(s: Server) {
    s.fake.set(|f| f.notifies_first = 0);
    let order_id = s.order("en", "confirmed").await;
    let token = s.link(&order_id).await;
    let pay_page = s.press_pay(&token).await;
    let back = s.pay_at_provider(&pay_page).await;
    let (status, _, page) = s.browse(reqwest::Method::GET, &back).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Thank you!") && page.contains("Receipt"),
        "{page}"
    );
    let number = s.latest_number(&order_id).await;
    let before = (
        s.payments(&order_id).await,
        s.documents(&order_id).await,
        s.event_kinds(&order_id).await,
    );
    assert_eq!(s.fake.notify(&number).await, StatusCode::NO_CONTENT);
    assert_eq!(s.fake.notify(&number).await, StatusCode::NO_CONTENT);
    let (status, _, _) = s.browse(reqwest::Method::GET, &back).await;
    assert_eq!(status, StatusCode::OK, "the return again");
    let after = (
        s.payments(&order_id).await,
        s.documents(&order_id).await,
        s.event_kinds(&order_id).await,
    );
    assert_eq!(before, after);
    assert_eq!(statuses(&after.0), ["paid"]);

    // Two notifies before the return, on another order.
    s.fake.set(|f| f.notifies_first = 2);
    let order_id = s.order("fi", "confirmed").await;
    let token = s.link(&order_id).await;
    let pay_page = s.press_pay(&token).await;
    let back = s.pay_at_provider(&pay_page).await;
    let (_, _, page) = s.browse(reqwest::Method::GET, &back).await;
    assert!(
        page.contains("Kiitos!") && page.contains("Kuitti"),
        "{page}"
    );
    assert_eq!(s.documents(&order_id).await.len(), 1);
    let recorded = s
        .event_kinds(&order_id)
        .await
        .iter()
        .filter(|k| *k == "order.payment_recorded")
        .count();
    assert_eq!(recorded, 1);
}

/// Forged and tampered callbacks are refused (400) and change nothing; a decline leaves the
/// customer a retry that then succeeds.
async fn forged_tampered_and_declined(s: Server) {
    s.fake.set(|f| {
        f.outcome = Outcome::Decline;
        f.notifies_first = 0;
    });
    let order_id = s.order("fi", "confirmed").await;
    let token = s.link(&order_id).await;
    let pay_page = s.press_pay(&token).await;
    let number = s.latest_number(&order_id).await;
    let back = s.pay_at_provider(&pay_page).await;
    let return_url = back.split('?').next().expect("url").to_owned();

    let forged = [
        // A success signed with another key.
        format!(
            "RETURN_CODE=0&ORDER_NUMBER={number}&SETTLED=1&AUTHCODE={}",
            mac("guess", &["0", &number, "1"])
        ),
        // The decline's authcode on a success.
        back.split('?')
            .nth(1)
            .expect("query")
            .replace("RETURN_CODE=1", "RETURN_CODE=0"),
        // A genuine success for another order number, carried over to this one.
        format!(
            "RETURN_CODE=0&ORDER_NUMBER={number}&SETTLED=1&AUTHCODE={}",
            mac(PRIVATE_KEY, &["0", "1-other", "1"])
        ),
        format!("RETURN_CODE=0&ORDER_NUMBER={number}&SETTLED=1"),
    ];
    for query in &forged {
        let (status, _, page) = s
            .browse(reqwest::Method::GET, &format!("{return_url}?{query}"))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert!(page.contains("ei voitu vahvistaa"), "{page}");
        let notify = format!(
            "/api/v1/providers/vismapay/notify?shop={}&{query}",
            s.shop_id
        );
        assert_eq!(
            s.browse(reqwest::Method::GET, &notify).await.0,
            StatusCode::BAD_REQUEST,
            "{query}"
        );
    }
    // A genuine callback of a number Tilaus never made.
    let unknown = FakeVismaPay::callback_query("999-unknown", Outcome::Succeed);
    let (status, _, _) = s
        .browse(
            reqwest::Method::GET,
            &format!(
                "/api/v1/providers/vismapay/notify?shop={}&{unknown}",
                s.shop_id
            ),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        statuses(&s.payments(&order_id).await),
        ["pending"],
        "nothing changed"
    );

    // The genuine decline: failed, and the page offers another try.
    let (status, _, page) = s.browse(reqwest::Method::GET, &back).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Maksu epäonnistui") && page.contains("<form"),
        "{page}"
    );
    assert_eq!(statuses(&s.payments(&order_id).await), ["failed"]);
    // The decline's notify arriving late changes nothing.
    assert_eq!(s.fake.notify(&number).await, StatusCode::NO_CONTENT);

    s.fake.set(|f| f.outcome = Outcome::Succeed);
    let pay_page = s.press_pay(&token).await;
    let back = s.pay_at_provider(&pay_page).await;
    let (_, _, page) = s.browse(reqwest::Method::GET, &back).await;
    assert!(page.contains("Kiitos!"), "{page}");
    assert_eq!(statuses(&s.payments(&order_id).await), ["failed", "paid"]);
    assert_eq!(s.payments(&order_id).await["received"], 2480);
    assert_eq!(
        s.fake.state.lock().expect("lock").refused_authcodes,
        0,
        "every request was signed right"
    );
}

/// Visma Pay down: the payment stays pending, no money, a clear message; the status check
/// settles a payment whose callbacks never came.
async fn provider_down_and_status_check(s: Server) {
    s.fake.set(|f| f.down = true);
    let order_id = s.order("en", "confirmed").await;
    let token = s.link(&order_id).await;
    let (status, _, page) = s
        .browse(reqwest::Method::POST, &format!("/pay/{token}"))
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
    let scope = tilaus_store::ShopScope::authorised(s.shop_id);
    let number = s.latest_number(&order_id).await;
    // The status check is queued for later, in the same transaction as the pending payment.
    assert_eq!(s.queued_jobs("payment.").await, ["payment.check_status"]);
    s.fake.set(|f| f.down = false);
    // Visma Pay never saw that payment: the check closes it.
    let checked = s
        .app
        .check_payment_status(scope, PayProvider::VismaPay, &number)
        .await
        .expect("check");
    assert_eq!(checked, tilaus_domain::payment::PaymentStatus::Failed);

    // The customer pays, closes the tab before returning, and the notify is lost.
    s.fake.set(|f| f.notifies_first = 0);
    let pay_page = s.press_pay(&token).await;
    let number = s.latest_number(&order_id).await;
    let checked = s
        .app
        .check_payment_status(scope, PayProvider::VismaPay, &number)
        .await
        .expect("check");
    assert_eq!(
        checked,
        tilaus_domain::payment::PaymentStatus::Pending,
        "not paid yet"
    );
    s.pay_at_provider(&pay_page).await;
    let checked = s
        .app
        .check_payment_status(scope, PayProvider::VismaPay, &number)
        .await
        .expect("check");
    assert_eq!(checked, tilaus_domain::payment::PaymentStatus::Paid);
    assert_eq!(s.payments(&order_id).await["payment_state"], "paid");
    assert_eq!(s.documents(&order_id).await.len(), 1, "the receipt");
    // Checking again changes nothing.
    let again = s
        .app
        .check_payment_status(scope, PayProvider::VismaPay, &number)
        .await
        .expect("check");
    assert_eq!(again, tilaus_domain::payment::PaymentStatus::Paid);
    assert_eq!(s.documents(&order_id).await.len(), 1);
}

/// An authorised card payment (FUL-4): the order is not paid until the money is captured. Staff
/// capture one and cancel another; a refused capture changes nothing; the default rule captures
/// when the order ships.
async fn authorised_payments_captured_or_cancelled(s: Server) {
    s.fake.set(|f| f.outcome = Outcome::Authorise);
    let s = &s;
    let authorised = |order_id: String| async move {
        let token = s.link(&order_id).await;
        let back = s.pay_at_provider(&s.press_pay(&token).await).await;
        let (status, _, page) = s.browse(reqwest::Method::GET, &back).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let payments = s.payments(&order_id).await;
        assert_eq!(statuses(&payments), ["authorised"], "{payments}");
        assert_eq!(payments["payment_state"], "unpaid", "reserved is not paid");
        let id = payments["items"][0]["id"].as_str().expect("id").to_owned();
        (order_id, id)
    };

    let (order_id, payment_id) = authorised(s.order("fi", "confirmed").await).await;
    let (status, body) = s
        .post(&format!("/api/v1/payments/{payment_id}/capture"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (
            body["payment"]["status"].as_str(),
            body["payment_state"].as_str()
        ),
        (Some("paid"), Some("paid"))
    );
    let number = s.latest_number(&order_id).await;
    assert_eq!(
        s.fake.payment(&number).and_then(|p| p.concluded),
        Some("captured")
    );
    assert_eq!(s.order_state(&order_id).await, "paid");
    assert_eq!(s.documents(&order_id).await.len(), 1, "the receipt");
    let (status, body) = s
        .post(&format!("/api/v1/payments/{payment_id}/capture"), json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "captured once: {body}");

    // Visma Pay refuses a capture: the payment stays authorised, nothing is issued.
    let (order_id, payment_id) = authorised(s.order("en", "confirmed").await).await;
    s.fake.set(|f| f.refuse_capture = true);
    let before = (s.payments(&order_id).await, s.event_kinds(&order_id).await);
    let (status, body) = s
        .post(&format!("/api/v1/payments/{payment_id}/capture"), json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("Visma Pay refused")),
        "{body}"
    );
    assert_eq!(
        before,
        (s.payments(&order_id).await, s.event_kinds(&order_id).await)
    );
    s.fake.set(|f| f.refuse_capture = false);
    // Cancelled instead: the reservation is released, the order still asks for its money.
    let (status, body) = s
        .post(&format!("/api/v1/payments/{payment_id}/cancel"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["payment"]["status"], "cancelled");
    assert_eq!(body["payment_state"], "unpaid");
    let number = s.latest_number(&order_id).await;
    assert_eq!(
        s.fake.payment(&number).and_then(|p| p.concluded),
        Some("cancelled")
    );
    assert!(s.documents(&order_id).await.is_empty());

    // Shipping the order captures by rule, through a job that runs after the shipping commits.
    let (order_id, _) = authorised(s.order("sv", "confirmed").await).await;
    let (status, body) = s
        .post(
            &format!("/api/v1/orders/{order_id}/deliveries"),
            json!({"step": "shipped", "tracking_number": "JJFI1"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(s.queued_jobs("payment.capture").await, ["payment.capture"]);
    let runner = tilaus_app::job::JobRunner::new(
        s.app.clone(),
        tilaus_app::job::Handlers::builtin(),
        tilaus_app::job::RunnerConfig {
            poll: std::time::Duration::from_millis(20),
            ..tilaus_app::job::RunnerConfig::default()
        },
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(runner.run(async move {
        let _ = stopped.await;
    }));
    let mut captured = false;
    for _ in 0..250 {
        if statuses(&s.payments(&order_id).await) == ["paid"] {
            captured = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let _ = stop.send(());
    running.await.expect("the runner stops");
    assert!(captured, "{}", s.payments(&order_id).await);
    let number = s.latest_number(&order_id).await;
    assert_eq!(
        s.fake.payment(&number).and_then(|p| p.concluded),
        Some("captured")
    );
    let (_, history) = s.get(&format!("/api/v1/orders/{order_id}/events")).await;
    assert!(
        history.to_string().contains("\"rule\""),
        "captured by the rule: {history}"
    );
}

/// The ways of paying the shop accepts: a switched-off provider is not offered (a link made
/// before says the shop cannot take payments now), and switched-off documents and hand-recorded
/// methods are refused without changing anything. Bank transfers are always recordable.
async fn accepted_methods_decide_what_is_offered(s: Server) {
    let (status, settings) = s.get("/api/v1/payment-methods").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        settings["accepted"].as_array().map(Vec::len),
        Some(7),
        "{settings}"
    );
    assert_eq!(settings["providers"][0]["provider"], "vismapay");
    assert_eq!(settings["updated_by"], Value::Null);
    let order_id = s.order("fi", "confirmed").await;
    let token = s.link(&order_id).await;

    let (status, settings) = s
        .put(
            "/api/v1/payment-methods",
            json!({"accepted": ["invoice", "cash", "cash"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{settings}");
    assert_eq!(settings["accepted"], json!(["invoice", "cash"]));
    assert!(settings["updated_by"].is_string());
    let page = s.app.payment_page(&token).await.expect("page");
    assert_eq!(page.status, tilaus_app::paylink::LinkStatus::Unavailable);
    let (status, body) = s
        .post(
            &format!("/api/v1/orders/{order_id}/payment-link"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let before = (s.payments(&order_id).await, s.documents(&order_id).await);
    let (status, body) = s
        .post(
            &format!("/api/v1/orders/{order_id}/payments"),
            json!({"method": "card_terminal", "amount": 100}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("card_terminal"), "{body}");
    let (status, body) = s
        .post(
            &format!("/api/v1/orders/{order_id}/transfer-slip"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(
        before,
        (s.payments(&order_id).await, s.documents(&order_id).await)
    );
    for method in ["cash", "bank_transfer"] {
        let (status, body) = s
            .post(
                &format!("/api/v1/orders/{order_id}/payments"),
                json!({"method": method, "amount": 100}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{method}: {body}");
    }

    let (status, body) = s
        .put(
            "/api/v1/payment-methods",
            json!({"accepted": ["visma_pay", "bitcoin"]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        s.get("/api/v1/payment-methods").await.1["accepted"],
        json!(["invoice", "cash"])
    );
    let (status, _) = s
        .put(
            "/api/v1/payment-methods",
            json!({"accepted": ["visma_pay", "invoice"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let page = s.app.payment_page(&token).await.expect("page");
    assert_eq!(page.status, tilaus_app::paylink::LinkStatus::Payable);
    s.press_pay(&token).await;
}

/// Visma Pay refunds: a card refund is done at once; a bank payment's refund waits for the
/// customer (pending, counting against what is left) until the signed refund notify says
/// refunded or rejected. Forged and repeated notifies change nothing; a provider that is down
/// changes nothing either.
async fn refunds_at_once_and_by_email(s: Server) {
    let s = &s;
    let paid = |language: &'static str| async move {
        let order_id = s.order(language, "confirmed").await;
        let token = s.link(&order_id).await;
        s.pay_at_provider(&s.press_pay(&token).await).await;
        let payments = s.payments(&order_id).await;
        assert_eq!(statuses(&payments), ["paid"], "{payments}");
        let id = payments["items"][0]["id"].as_str().expect("id").to_owned();
        (order_id, id)
    };
    let refund = |payment_id: String, body: Value| async move {
        s.post(&format!("/api/v1/payments/{payment_id}/refund"), body)
            .await
    };
    let (order_id, payment_id) = paid("fi").await;
    let (status, body) = refund(payment_id.clone(), json!({"amount": 480})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (
            body["payment"]["status"].as_str(),
            body["payment"]["refunded"].as_i64(),
            body["refund"]["status"].as_str()
        ),
        (Some("partially_refunded"), Some(480), Some("refunded"))
    );
    let asked = &s.fake.refunds()[0];
    assert_eq!(
        (asked.amount, asked.order_number.clone()),
        (480, s.latest_number(&order_id).await),
        "the payment's number at Visma Pay"
    );

    // The rest goes back by email: pending until Visma Pay reports.
    s.fake.set(|f| f.refund_type = "email");
    let (status, body) = refund(payment_id.clone(), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["refund"]["status"], "pending");
    assert_eq!(body["refund"]["amount"], 2000);
    assert_eq!(body["payment"]["refunded"], 480, "not yet given back");
    assert!(
        s.event_kinds(&order_id)
            .await
            .contains(&"order.refund_requested".to_owned())
    );
    let (status, body) = refund(payment_id.clone(), json!({"amount": 1})).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "the pending refund counts: {body}"
    );
    let pending = s.fake.refunds()[1].clone();
    let before = (s.payments(&order_id).await, s.event_kinds(&order_id).await);
    assert_eq!(
        s.fake.refund_notify(&pending, "0", "not-the-key").await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        before,
        (s.payments(&order_id).await, s.event_kinds(&order_id).await)
    );
    for _ in 0..2 {
        assert_eq!(
            s.fake.refund_notify(&pending, "0", PRIVATE_KEY).await,
            StatusCode::NO_CONTENT
        );
    }
    let payments = s.payments(&order_id).await;
    assert_eq!(
        (
            payments["items"][0]["status"].as_str(),
            payments["items"][0]["refunded"].as_i64()
        ),
        (Some("refunded"), Some(2480)),
        "{payments}"
    );
    assert_eq!(payments["payment_state"], "refunded");
    let refunded = s
        .event_kinds(&order_id)
        .await
        .iter()
        .filter(|k| *k == "order.payment_refunded")
        .count();
    assert_eq!(
        refunded, 2,
        "once for each refund, the repeat changed nothing"
    );
    let (_, refunds) = s
        .get(&format!("/api/v1/payments/{payment_id}/refunds"))
        .await;
    let shown: Vec<(Value, Value)> = refunds
        .as_array()
        .expect("list")
        .iter()
        .map(|r| (r["amount"].clone(), r["status"].clone()))
        .collect();
    assert_eq!(
        shown,
        [
            (json!(480), json!("refunded")),
            (json!(2000), json!("refunded"))
        ]
    );

    // Rejected: the money stays the shop's and can be refunded again.
    let (order_id, payment_id) = paid("en").await;
    let (_, body) = refund(payment_id.clone(), json!({})).await;
    assert_eq!(body["refund"]["status"], "pending", "{body}");
    let asked = s.fake.refunds().last().cloned().expect("refund");
    assert_eq!(
        s.fake.refund_notify(&asked, "1", PRIVATE_KEY).await,
        StatusCode::NO_CONTENT
    );
    let payments = s.payments(&order_id).await;
    assert_eq!(
        (statuses(&payments), payments["payment_state"].clone()),
        (vec!["paid".to_owned()], json!("paid"))
    );
    assert!(
        s.event_kinds(&order_id)
            .await
            .contains(&"order.refund_rejected".to_owned())
    );
    let (_, refunds) = s
        .get(&format!("/api/v1/payments/{payment_id}/refunds"))
        .await;
    assert_eq!(refunds[0]["status"], "rejected");

    // Visma Pay is down: 503 and nothing is recorded.
    s.fake.set(|f| f.down = true);
    let (status, _) = refund(payment_id.clone(), json!({})).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let (_, refunds) = s
        .get(&format!("/api/v1/payments/{payment_id}/refunds"))
        .await;
    assert_eq!(refunds.as_array().map(Vec::len), Some(1));
    s.fake.set(|f| f.down = false);
}

/// The payment page offers the merchant's Visma Pay methods (asked once, then kept): the
/// customer picks a bank and goes straight to it; a method the page does not offer is dropped;
/// while Visma Pay cannot tell, the page offers its hosted page instead.
async fn methods_are_chosen_on_our_page(s: Server) {
    let order_id = s.order("fi", "confirmed").await;
    let token = s.link(&order_id).await;
    s.fake.set(|f| f.methods_down = true);
    let (status, _, page) = s
        .browse(reqwest::Method::GET, &format!("/pay/{token}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("name=\"provider\" value=\"vismapay\""),
        "{page}"
    );
    assert!(!page.contains("name=\"method\""));

    s.fake.set(|f| f.methods_down = false);
    let (_, _, page) = s
        .browse(reqwest::Method::GET, &format!("/pay/{token}"))
        .await;
    for shown in [
        "Verkkopankki",
        "Nordea",
        "Osuuspankki",
        "Mobiilimaksu",
        "MobilePay",
        "Maksukortti",
    ] {
        assert!(page.contains(shown), "{shown} in {page}");
    }
    assert!(!page.contains("Jousto"), "under its minimum: {page}");
    assert_eq!(
        page.matches("value=\"creditcards\"").count(),
        1,
        "cards are one button"
    );
    assert!(
        !page.contains("name=\"provider\""),
        "the methods replace the generic button"
    );
    s.browse(reqwest::Method::GET, &format!("/pay/{token}"))
        .await;
    assert_eq!(
        s.fake.state.lock().expect("lock").methods_asked,
        2,
        "kept after the first answer"
    );

    let (status, location, _) = s
        .browse_form(
            reqwest::Method::POST,
            &format!("/pay/{token}"),
            Some("method=nordea"),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        location.starts_with(&format!("{}/token/", s.fake.base)),
        "{location}"
    );
    let number = s.latest_number(&order_id).await;
    assert_eq!(
        s.fake.payment(&number).and_then(|p| p.selected),
        Some(json!(["nordea"]))
    );

    let (status, _, _) = s
        .browse_form(
            reqwest::Method::POST,
            &format!("/pay/{token}"),
            Some("method=bitcoin"),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let number = s.latest_number(&order_id).await;
    let payment = s.fake.payment(&number).expect("started");
    assert_eq!(
        payment.selected, None,
        "not offered: Visma Pay's page offers them all"
    );
}

/// Changed content, expiry, other shops' tokens and bad requests: no payment is started.
async fn links_that_take_no_money(s: Server) {
    let order_id = s.order("fi", "open").await;
    let token = s.link(&order_id).await;
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
    let (status, _, page) = s
        .browse(reqwest::Method::GET, &format!("/pay/{token}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("sisältö on muuttunut") && !page.contains("<form"),
        "{page}"
    );
    let (status, _, _) = s
        .browse(reqwest::Method::POST, &format!("/pay/{token}"))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(s.payments(&order_id).await["items"], json!([]));

    // Expired.
    let token = s.link(&order_id).await;
    let mut tx = s.app.db.begin().await.expect("tx");
    tilaus_store::Queries::execute_raw(&mut tx, "UPDATE payment_links SET expires_at = 0")
        .await
        .expect("expire");
    tx.commit().await.expect("commit");
    let (_, _, page) = s
        .browse(reqwest::Method::GET, &format!("/pay/{token}"))
        .await;
    assert!(
        page.contains("vanhentunut") && !page.contains("<form"),
        "{page}"
    );
    assert_eq!(
        s.browse(reqwest::Method::POST, &format!("/pay/{token}"))
            .await
            .0,
        StatusCode::CONFLICT
    );
    assert_eq!(s.payments(&order_id).await["items"], json!([]));

    // Another shop's id in the token, a bit flipped, garbage: not found.
    let token = s.link(&order_id).await;
    let other = s
        .app
        .create_shop(NewShop {
            name: "Toinen".into(),
            owner_email: "o@toinen.fi".into(),
            ..NewShop::default()
        })
        .await
        .expect("shop");
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut bytes = engine.decode(&token).expect("token");
    bytes[..16].copy_from_slice(other.shop_id.as_bytes());
    let foreign = engine.encode(&bytes);
    let mut flipped = engine.decode(&token).expect("token");
    flipped[40] ^= 1;
    for bad in [foreign, engine.encode(flipped), "x".into(), "%00".into()] {
        let (status, _, page) = s.browse(reqwest::Method::GET, &format!("/pay/{bad}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{bad}");
        assert!(page.contains("ei löydy"), "{page}");
        assert_eq!(
            s.browse(reqwest::Method::POST, &format!("/pay/{bad}"))
                .await
                .0,
            StatusCode::NOT_FOUND
        );
    }
    // The other shop cannot make a link for this order, nor see our provider keys.
    let (status, _) = s
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/orders/{order_id}/payment-link"),
            Some(json!({})),
            &other.api_token,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, providers) = s
        .send(
            reqwest::Method::GET,
            "/api/v1/payment-providers",
            None,
            &other.api_token,
        )
        .await;
    assert_eq!(providers, json!([]));
    // A callback for our payment claimed for the other shop is refused: its keys differ.
    s.fake.set(|f| f.notifies_first = 0);
    s.press_pay(&token).await;
    let number = s.latest_number(&order_id).await;
    let query = FakeVismaPay::callback_query(&number, Outcome::Succeed);
    let (status, _, _) = s
        .browse(
            reqwest::Method::GET,
            &format!(
                "/api/v1/providers/vismapay/notify?shop={}&{query}",
                other.shop_id
            ),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(statuses(&s.payments(&order_id).await), ["pending"]);
    let (status, _, _) = s
        .browse(
            reqwest::Method::GET,
            &format!("/api/v1/providers/vismapay/notify?{query}"),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "no shop");

    // Bad requests for links.
    for (body, pointer) in [
        (json!({"expires_in_days": 0}), "/expires_in_days"),
        (json!({"expires_in_days": 91}), "/expires_in_days"),
        (json!({"x": 1}), ""),
    ] {
        let (status, problem) = s
            .post(&format!("/api/v1/orders/{order_id}/payment-link"), body)
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert!(problem.to_string().contains(pointer), "{problem}");
    }
    let (status, link) = s
        .post(
            &format!("/api/v1/orders/{order_id}/payment-link"),
            json!({"expires_in_days": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let expires: jiff::Timestamp = link["expires_at"]
        .as_str()
        .expect("expires")
        .parse()
        .expect("time");
    let hours = expires.duration_since(jiff::Timestamp::now()).as_hours();
    assert!((23..=24).contains(&hours), "{link}");
    // Cancelled orders and paid ones get no link.
    let (_, cancelled) = s
        .post(
            &format!("/api/v1/orders/{order_id}/state"),
            json!({"state": "cancelled"}),
        )
        .await;
    assert_eq!(cancelled["state"], "cancelled");
    let (status, _) = s
        .post(
            &format!("/api/v1/orders/{order_id}/payment-link"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
}

/// An open order whose link was never used is deleted with its link; one whose link started a
/// payment is refused with the reason (its payment keeps its order) and stays as it was.
async fn deleting_an_open_order_with_a_payment_link(s: Server) {
    let unused = s.order("fi", "open").await;
    s.link(&unused).await;
    let delete = |id: String| {
        let s = &s;
        async move {
            s.send(
                reqwest::Method::DELETE,
                &format!("/api/v1/orders/{id}"),
                None,
                &s.token,
            )
            .await
        }
    };
    let (status, body) = delete(unused.clone()).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, _) = s.get(&format!("/api/v1/orders/{unused}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let tried = s.order("fi", "open").await;
    let token = s.link(&tried).await;
    s.press_pay(&token).await;
    let (status, problem) = delete(tried.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("cancel it")),
        "{problem}"
    );
    assert_eq!(s.order_state(&tried).await, "open");
    assert_eq!(statuses(&s.payments(&tried).await), ["pending"]);
}

/// Credentials: stored sealed, shown by their last 4 characters, only by owners and managers,
/// and refused with a clear error on a server without a secret key.
async fn provider_settings(s: Server) {
    let (status, providers) = s.get("/api/v1/payment-providers").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(providers[0]["provider"], "vismapay");
    assert_eq!(
        (
            providers[0]["api_key"].as_str(),
            providers[0]["private_key"].as_str()
        ),
        (Some("…IKEY"), Some("…_key"))
    );
    // ("private_key" is also the field's name, so only the api key is looked for in the text.)
    assert!(!providers.to_string().contains(API_KEY), "{providers}");
    let (_, staff) = s
        .post("/api/v1/tokens", json!({"name": "staff", "role": "staff"}))
        .await;
    let staff = staff["token"].as_str().expect("token").to_owned();
    let (status, _) = s
        .send(
            reqwest::Method::PUT,
            "/api/v1/payment-providers/vismapay",
            Some(json!({"api_key": "A", "private_key": "B"})),
            &staff,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, problem) = s
        .send(
            reqwest::Method::PUT,
            "/api/v1/payment-providers/vismapay",
            Some(json!({"api_key": " ", "private_key": "B"})),
            &s.token.clone(),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(problem.to_string().contains("/api_key"), "{problem}");
    // The keys are sealed in the database.
    let mut conn = s.app.db.read().await.expect("conn");
    let rows = tilaus_store::payment_link::providers(
        &mut conn,
        tilaus_store::ShopScope::authorised(s.shop_id),
    )
    .await
    .expect("rows");
    assert!(
        !rows[0].private_key_sealed.contains(PRIVATE_KEY)
            && !rows[0].api_key_sealed.contains(API_KEY)
    );
    drop(conn);

    let keyless = s
        .app
        .clone()
        .with_payments(PaymentConfig::default())
        .expect("config");
    let owner = tilaus_app::Principal::system(s.shop_id, "test");
    let error = keyless
        .put_vismapay(
            &owner,
            &serde_json::from_value(json!({"api_key": "A", "private_key": "B"})).expect("settings"),
        )
        .await
        .expect_err("no key");
    assert!(error.to_string().contains("TILAUS_SECRET_KEY"), "{error}");
    // A server with another key cannot open the stored ones: links say payment is unavailable.
    let other_key = s
        .app
        .clone()
        .with_payments(PaymentConfig {
            secret_key: Some(sealing_key("BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=")),
            ..PaymentConfig::default()
        })
        .expect("config");
    let order_id = s.order("en", "confirmed").await;
    let token = s.link(&order_id).await;
    let page = other_key.payment_page(&token).await.expect("page");
    assert_eq!(page.status, tilaus_app::paylink::LinkStatus::Unavailable);
}

tilaus_store::on_both_backends!(start = Server::start;
    paid_by_notify_then_return,
    return_then_notify_and_duplicates,
    forged_tampered_and_declined,
    provider_down_and_status_check,
    links_that_take_no_money,
    provider_settings,
    deleting_an_open_order_with_a_payment_link,
    presses_from_elsewhere_or_too_often_start_nothing,
    authorised_payments_captured_or_cancelled,
    accepted_methods_decide_what_is_offered,
    refunds_at_once_and_by_email,
    methods_are_chosen_on_our_page,
);

/// The public page in a real headless Chromium at phone width: no sideways scrolling, the Pay
/// button reached by keyboard, through the fake's pay page and back to the thank-you page. The
/// CSP lets the form's redirect to the provider through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pay_in_a_real_browser_at_phone_width() {
    let Some(browser) =
        support::browser::PhoneBrowser::start("the payment page browser test").await
    else {
        return;
    };
    let s = Server::start(tilaus_store::testkit::sqlite()).await;
    let order_id = s.order("fi", "confirmed").await;
    let token = s.link(&order_id).await;
    let client = &browser.client;
    let result = async {
        use fantoccini::Locator;
        client.goto(&format!("{}/pay/{token}", s.base)).await?;
        let heading = client.find(Locator::Css("h1")).await?.text().await?;
        assert!(heading.contains("Tilaus"), "{heading}");
        let overflow = client
            .execute(
                "return document.documentElement.scrollWidth - window.innerWidth;",
                vec![],
            )
            .await?;
        assert!(
            overflow.as_i64().is_some_and(|o| o <= 0),
            "sideways scroll: {overflow}"
        );
        browser.screenshot("pay-methods.png").await;
        let choose = client.find(Locator::Css("form .choose")).await?;
        assert!(choose.text().await?.contains("24,80"));
        // The merchant's methods as buttons, cards first, as Visma Pay lists them.
        let button = client.find(Locator::Css("form button")).await?;
        assert_eq!(button.text().await?, "Maksukortti");
        let enter: char = fantoccini::key::Key::Enter.into();
        button.send_keys(&enter.to_string()).await?;
        let thanks = client
            .wait()
            .for_element(Locator::Css(".message.success"))
            .await?
            .text()
            .await?;
        assert!(thanks.contains("Kiitos"), "{thanks}");
        let receipt = client.find(Locator::Css(".receipt")).await?.text().await?;
        assert!(receipt.contains("Kuitti"), "{receipt}");
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    browser.close().await;
    result.expect("the browser flow");
    assert_eq!(s.payments(&order_id).await["payment_state"], "paid");
}

/// Pay starts a payment only from our own page and at most ten times an hour per link: a form
/// posted from another site, or a request without Origin or Referer, is refused before anything
/// is written, and the eleventh press in an hour gets 429 with the reason.
async fn presses_from_elsewhere_or_too_often_start_nothing(s: Server) {
    let order_id = s.order("fi", "open").await;
    let token = s.link(&order_id).await;
    let url = format!("{}/pay/{token}", s.base);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let forged = client
        .post(&url)
        .header("origin", "https://evil.example")
        .send()
        .await
        .expect("post");
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(
        forged
            .text()
            .await
            .expect("body")
            .contains("vain itse maksusivulta")
    );
    let bare = client.post(&url).send().await.expect("post");
    assert_eq!(bare.status(), StatusCode::FORBIDDEN);
    let referred = client
        .post(&url)
        .header("referer", format!("{}/pay/{token}", s.base))
        .send()
        .await
        .expect("post");
    assert_eq!(
        referred.status(),
        StatusCode::SEE_OTHER,
        "a Referer from our page will do"
    );
    assert_eq!(
        s.payments(&order_id).await["items"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );

    for _ in 0..9 {
        s.press_pay(&token).await;
    }
    let (status, _, page) = s
        .browse(reqwest::Method::POST, &format!("/pay/{token}"))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{page}");
    assert!(page.contains("monta kertaa"), "{page}");
    assert_eq!(
        s.payments(&order_id).await["items"]
            .as_array()
            .map(Vec::len),
        Some(10)
    );
}

/// What the "done" means, in a real browser at phone width: staff take a phone order in
/// the admin, send a payment link from the order's next step, the customer opens the link,
/// picks their bank, pays at Visma Pay (the fake) and sees the receipt; the order is paid and
/// has its receipt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_order_link_and_payment_in_a_real_browser() {
    let Some(browser) = support::browser::PhoneBrowser::start("the phone order browser test").await
    else {
        return;
    };
    let s = Server::start(tilaus_store::testkit::sqlite()).await;
    const PASSWORD: &str = "puhelin-myynti-2026";
    s.app
        .create_user(
            &tilaus_app::Principal::system(s.shop_id, "test"),
            "myyja@example.fi",
            Some("Mirja Myyjä"),
            PASSWORD.into(),
            tilaus_domain::access::Role::Staff,
        )
        .await
        .expect("a staff user");
    let client = &browser.client;
    let result = async {
        use fantoccini::Locator;
        client.goto(&format!("{}/admin/login", s.base)).await?;
        client
            .find(Locator::Css("#email"))
            .await?
            .send_keys("myyja@example.fi")
            .await?;
        client
            .find(Locator::Css("#password"))
            .await?
            .send_keys(PASSWORD)
            .await?;
        client
            .find(Locator::Css("form button[type=submit]"))
            .await?
            .click()
            .await?;
        client.wait().for_element(Locator::Css(".main-nav")).await?;

        // The phone order.
        client.goto(&format!("{}/admin/orders/new", s.base)).await?;
        client
            .wait()
            .for_element(Locator::Css("#c-name"))
            .await?
            .send_keys("Aino Puhelin")
            .await?;
        client
            .find(Locator::Css("#c-phone"))
            .await?
            .send_keys("040 123 4567")
            .await?;
        client
            .find(Locator::Css("#line-0-name"))
            .await?
            .send_keys("Kahvipaketti")
            .await?;
        client
            .find(Locator::Css("#line-0-price"))
            .await?
            .send_keys("12,40")
            .await?;
        client
            .find(Locator::Css("#line-0-vat"))
            .await?
            .send_keys("14")
            .await?;
        client
            .find(Locator::Css("button.save-confirmed"))
            .await?
            .click()
            .await?;
        client
            .wait()
            .for_element(Locator::Css(".alert.notice"))
            .await?;
        let order_url = client.current_url().await?;
        let order_id = order_url
            .path()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned();

        // The payment link from the next step; the URL is shown once.
        client
            .find(Locator::Css("[data-action=send_payment_link]"))
            .await?
            .click()
            .await?;
        let link = client
            .wait()
            .for_element(Locator::Css("#link-url"))
            .await?
            .attr("value")
            .await?
            .unwrap_or_default();
        assert!(link.starts_with(&format!("{}/pay/", s.base)), "{link}");

        // The customer.
        client.goto(&link).await?;
        client
            .wait()
            .for_element(Locator::Css("button[value=nordea]"))
            .await?
            .click()
            .await?;
        let thanks = client
            .wait()
            .for_element(Locator::Css(".message.success"))
            .await?
            .text()
            .await?;
        assert!(thanks.contains("Kiitos"), "{thanks}");
        assert!(client.source().await?.contains("Kuitti"));
        browser.screenshot("pay-thanks.png").await;

        // Staff see it paid.
        client.goto(order_url.as_str()).await?;
        let page = client.source().await?;
        browser.screenshot("order-paid-phone.png").await;
        // The admin speaks the browser's language (headless Chromium asks for English).
        assert!(page.contains(">Paid<"), "the order page says paid: {page}");
        Ok::<_, fantoccini::error::CmdError>(order_id)
    }
    .await;
    browser.close().await;
    let order_id = result.expect("the phone order flow");
    assert_eq!(s.order_state(&order_id).await, "paid");
    let number = s.latest_number(&order_id).await;
    assert_eq!(
        s.fake.payment(&number).map(|p| (p.amount, p.selected)),
        Some((1240, Some(json!(["nordea"]))))
    );
    let kinds: Vec<String> = s
        .documents(&order_id)
        .await
        .iter()
        .filter_map(|d| d["kind"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(kinds, ["receipt"]);
}
