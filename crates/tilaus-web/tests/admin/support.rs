//! A real server on an ephemeral port with a shop whose owner can log in, and a small HTTP
//! client that keeps cookies the way a browser does (by hand, so that tests can read them).

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use tilaus_app::App;
use tilaus_app::shop::NewShop;
use tilaus_store::testkit::TestDb;

pub const PASSWORD: &str = "oikein-hyvä-salasana";

pub struct Server {
    pub base: String,
    pub app: App,
    pub shop_id: uuid::Uuid,
    pub owner_email: String,
    pub token: String,
    pub db: TestDb,
}

impl Server {
    pub async fn start(db: TestDb) -> Server {
        let app = App::open(&db.url).await.expect("open the database");
        let shop = app
            .create_shop(NewShop {
                name: "Kahvila Aalto".into(),
                owner_email: "owner@example.fi".into(),
                owner_name: Some("Olli Omistaja".into()),
                owner_password: Some(PASSWORD.into()),
                // Everything a Finnish invoice needs, so that its PDF carries the bank codes.
                business_id: Some("2486559-4".into()),
                vat_id: Some("FI24865594".into()),
                iban: Some("FI21 1234 5600 0007 85".into()),
                bic: Some("NDEAFIHH".into()),
                ..NewShop::default()
            })
            .await
            .expect("create a shop");
        let base = serve(app.clone()).await;
        Server {
            base,
            app,
            shop_id: shop.shop_id,
            owner_email: shop.owner_email,
            token: shop.api_token,
            db,
        }
    }

    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }

    /// A read-only staff member of the shop, signed in.
    pub async fn read_only_client(&self) -> Client {
        self.app
            .create_user(
                &tilaus_app::Principal::system(self.shop_id, "test"),
                "reader@example.fi",
                Some("Reija Reader"),
                PASSWORD.into(),
                tilaus_domain::access::Role::ReadOnly,
            )
            .await
            .expect("user");
        let reader = self.client();
        assert_eq!(
            reader.login("reader@example.fi", PASSWORD).await.status,
            StatusCode::SEE_OTHER
        );
        reader
    }

    /// Takes in an order through the JSON API; returns its id.
    pub async fn order(&self, external_id: &str, name: &str) -> String {
        self.order_with(&self.token, external_id, name).await
    }

    pub async fn order_with(&self, token: &str, external_id: &str, name: &str) -> String {
        let body = json!({
            "channel": "web", "external_id": external_id, "language": "fi",
            "customer": {"kind": "consumer", "name": name, "email": format!("{external_id}@example.fi")},
            "lines": [{"sku": "TEE-1", "name": "T-paita", "quantity": 2, "unit_price": 2490, "vat_rate": 2550}],
            "tags": ["web"]
        });
        self.post_order(token, &body).await
    }

    /// Takes in `body` through the JSON API with `token`; returns the new order's id.
    pub async fn post_order(&self, token: &str, body: &Value) -> String {
        let response = reqwest::Client::new()
            .post(format!("{}/api/v1/orders", self.base))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("post an order");
        let status = response.status();
        let created: Value = response.json().await.expect("json");
        assert_eq!(status, StatusCode::CREATED, "{created}");
        created["id"].as_str().expect("id").to_owned()
    }

    /// The order as the JSON API shows it.
    pub async fn api_order(&self, id: &str) -> Value {
        self.api_get(&format!("/api/v1/orders/{id}")).await
    }

    /// What the JSON API answers to GET `path` with the shop's token.
    pub async fn api_get(&self, path: &str) -> Value {
        reqwest::Client::new()
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json")
    }

    /// Moves an order to another state through the JSON API.
    pub async fn change_state(&self, id: &str, state: &str) {
        let response = reqwest::Client::new()
            .post(format!("{}/api/v1/orders/{id}/state", self.base))
            .bearer_auth(&self.token)
            .json(&json!({"state": state}))
            .send()
            .await
            .expect("change the state");
        assert_eq!(response.status(), StatusCode::OK);
    }

    pub async fn order_state(&self, id: &str) -> String {
        let order = self.api_order(id).await;
        order["state"].as_str().unwrap_or_default().to_owned()
    }
}

/// Serves the app on 127.0.0.1 with peer addresses (for the per-address login throttle).
pub async fn serve(app: App) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let service = tilaus_web::router(app).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, service).await });
    base
}

pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Response {
    pub fn location(&self) -> &str {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }

    /// The CSRF token of the first form on the page.
    pub fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let start = self.body.find(marker).expect("a form with a CSRF token") + marker.len();
        let end = self.body[start..].find('"').expect("end of value") + start;
        self.body[start..end].to_owned()
    }
}

/// A cookie-keeping client that does not follow redirects.
pub struct Client {
    base: String,
    http: reqwest::Client,
    pub cookies: Mutex<BTreeMap<String, String>>,
    pub origin: Option<String>,
    pub headers: Vec<(&'static str, String)>,
}

impl Client {
    pub fn new(base: &str) -> Client {
        Client {
            base: base.to_owned(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            cookies: Mutex::new(BTreeMap::new()),
            origin: Some(base.to_owned()),
            headers: Vec::new(),
        }
    }

    pub fn cookie_header(&self) -> String {
        let cookies = self.cookies.lock().expect("cookies");
        cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Response {
        let mut request = request.header("cookie", self.cookie_header());
        for (name, value) in &self.headers {
            request = request.header(*name, value);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.text().await.expect("body");
        let response = Response {
            status,
            headers,
            body,
        };
        let mut cookies = self.cookies.lock().expect("cookies");
        for set in response.set_cookies() {
            let pair = set.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                if value.is_empty() || set.contains("Max-Age=0") {
                    cookies.remove(name);
                } else {
                    cookies.insert(name.to_owned(), value.to_owned());
                }
            }
        }
        response
    }

    pub async fn get(&self, path: &str) -> Response {
        self.send(self.http.get(format!("{}{path}", self.base)))
            .await
    }

    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let mut body = form_urlencoded::Serializer::new(String::new());
        for (name, value) in fields {
            body.append_pair(name, value);
        }
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.finish());
        if let Some(origin) = &self.origin {
            request = request.header("origin", origin);
        }
        self.send(request).await
    }

    /// Opens a server-sent event stream with the client's cookies (and `Last-Event-ID`).
    pub async fn events(&self, path: &str, last_event_id: Option<i64>) -> EventStream {
        let mut request = self
            .http
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .header("accept", "text/event-stream");
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id.to_string());
        }
        let response = request.send().await.expect("open the stream");
        EventStream {
            response,
            buffer: Vec::new(),
            last_event_id: None,
        }
    }

    /// Logs in through the form; returns the answer to the POST.
    pub async fn login(&self, email: &str, password: &str) -> Response {
        let page = self.get("/admin/login").await;
        let csrf = if page.status == StatusCode::OK {
            page.csrf()
        } else {
            String::new()
        };
        self.post(
            "/admin/login",
            &[("csrf", &csrf), ("email", email), ("password", password)],
        )
        .await
    }

    /// A page's CSRF token (the logout form in the frame carries it).
    pub async fn csrf(&self, path: &str) -> String {
        self.get(path).await.csrf()
    }
}

/// One message of a server-sent event stream.
#[derive(Debug, Clone)]
pub struct Message {
    pub id: i64,
    /// The `event:` field (absent for plain messages).
    pub event: Option<String>,
    pub data: Value,
}

/// The reading end of a server-sent event stream.
pub struct EventStream {
    pub response: reqwest::Response,
    buffer: Vec<u8>,
    /// What a browser would send as `Last-Event-ID` on reconnecting.
    pub last_event_id: Option<i64>,
}

impl EventStream {
    pub fn status(&self) -> StatusCode {
        self.response.status()
    }

    pub fn header(&self, name: &str) -> String {
        self.response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }

    /// The next message with data, or `None` when none came within `wait` (or the stream ended).
    pub async fn next(&mut self, wait: std::time::Duration) -> Option<Message> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            while let Some(end) = self.buffer.windows(2).position(|w| w == b"\n\n") {
                let bytes: Vec<u8> = self.buffer.drain(..end + 2).collect();
                let block = String::from_utf8(bytes).expect("UTF-8");
                let mut id = None;
                let mut event = None;
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(value) = line.strip_prefix("id:") {
                        id = value.trim().parse().ok();
                    } else if let Some(value) = line.strip_prefix("event:") {
                        event = Some(value.trim().to_owned());
                    } else if let Some(value) = line.strip_prefix("data:") {
                        data.push_str(value.trim_start());
                    }
                }
                if id.is_some() {
                    self.last_event_id = id;
                }
                if !data.is_empty() {
                    return Some(Message {
                        id: id.expect("every message has an id"),
                        event,
                        data: serde_json::from_str(&data).expect("JSON data"),
                    });
                }
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk())
                .await
                .ok()?
                .expect("read the stream")?;
            self.buffer.extend_from_slice(&chunk);
        }
    }

    /// Every message that arrives within `wait` of the one before.
    pub async fn drain(&mut self, wait: std::time::Duration) -> Vec<Message> {
        let mut messages = Vec::new();
        while let Some(message) = self.next(wait).await {
            messages.push(message);
        }
        messages
    }
}

/// What a browser submits for the form whose `action` is given, without pressing a button:
/// inputs (checked ones only for radios and checkboxes), selected options and text areas, in
/// document order. A small reader for the server's own markup, not a general HTML parser.
pub fn form_fields(body: &str, action: &str) -> Vec<(String, String)> {
    let start = body
        .find(&format!("action=\"{action}\""))
        .unwrap_or_else(|| panic!("no form posts to {action}"));
    let form = &body[start..];
    let form = &form[..form.find("</form>").unwrap_or(form.len())];
    let mut fields = Vec::new();
    let mut rest = form;
    while let Some(open) = rest.find('<') {
        rest = &rest[open + 1..];
        let tag_end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[..tag_end];
        let name = attribute(tag, "name");
        if let Some(attributes) = tag.strip_prefix("input ") {
            let kind = attribute(attributes, "type").unwrap_or_default();
            let unchecked =
                matches!(kind.as_str(), "radio" | "checkbox") && !attributes.contains(" checked");
            if let Some(name) = name.filter(|_| !unchecked) {
                fields.push((name, attribute(attributes, "value").unwrap_or_default()));
            }
        } else if let (true, Some(name)) = (tag.starts_with("select "), name.clone()) {
            let options = &rest[..rest.find("</select>").unwrap_or(rest.len())];
            let chosen = options
                .split("<option ")
                .skip(1)
                .find(|o| o[..o.find('>').unwrap_or(0)].contains(" selected"))
                .or_else(|| options.split("<option ").nth(1))
                .and_then(|o| attribute(o, "value"))
                .unwrap_or_default();
            fields.push((name, chosen));
        } else if let (true, Some(name)) = (tag.starts_with("textarea "), name) {
            let text = &rest[tag_end + 1..];
            let text = &text[..text.find("</textarea>").unwrap_or(0)];
            fields.push((name, unescape(text)));
        }
    }
    fields
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let marker = format!(" {name}=\"");
    let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
    let start = format!(" {tag}").find(&marker)? + marker.len() - 1;
    let end = tag[start..].find('"')? + start;
    Some(unescape(&tag[start..end]))
}

/// Undoes askama's HTML escaping.
fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}
