//! Text messages over real HTTP on both backends: the shop's SMS settings through the API, a
//! shipped order texted through a local fake GatewayAPI by the job runner, and GatewayAPI's
//! signed delivery report posted to the callback URL the text named (a forged one is refused
//! and changes nothing).

mod support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tilaus_app::job::{Handlers, JobRunner, RetryPolicy, RunnerConfig};
use tilaus_app::message::SendMessages;
use tilaus_app::message::sms::SmsConfig;
use tilaus_app::paylink::PaymentConfig;
use tilaus_integrations::sms::fake::FakeGatewayApi;
use tilaus_integrations::sms::{GatewayApi, SIGNATURE_HEADER, sign_delivery_report};
use tilaus_store::testkit::TestDb;

tilaus_store::on_both_backends!(
    start = Server::start;
    a_text_is_sent_and_its_signed_report_marks_it_delivered,
);

const SECRET: &str = "gwapi-webhook-secret";

struct Server {
    server: support::Server,
    fake: FakeGatewayApi,
}

impl std::ops::Deref for Server {
    type Target = support::Server;

    fn deref(&self) -> &support::Server {
        &self.server
    }
}

impl Server {
    async fn start(db: TestDb) -> Server {
        let fake = FakeGatewayApi::start(Vec::new()).await;
        let sender = GatewayApi::new(&fake.base, "tok-test").expect("client");
        let server = support::Server::start_with(db, |app, base| {
            app.with_payments(PaymentConfig {
                public_url: base.into(),
                ..PaymentConfig::default()
            })
            .expect("payments")
            .with_sms(SmsConfig {
                sender: Arc::new(sender),
                webhook_secret: Some(SECRET.into()),
            })
        })
        .await;
        Server { server, fake }
    }

    /// Runs the jobs until `done` says the order's text is where the test wants it.
    async fn text_of(&self, order: &str, done: impl Fn(&Value) -> bool) -> Value {
        let mut handlers = Handlers::builtin();
        handlers.register(SendMessages::new(None));
        let config = RunnerConfig {
            concurrency: 1,
            poll: Duration::from_millis(20),
            lease: Duration::from_secs(10),
            retry: RetryPolicy {
                first_retry: Duration::from_millis(50),
                cap: Duration::from_millis(200),
                max_attempts: 5,
            },
            shutdown_grace: Duration::from_secs(5),
        };
        let runner = JobRunner::new(self.app.clone(), handlers, config);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(runner.run(async move {
            let _ = stopped.await;
        }));
        let deadline = Instant::now() + Duration::from_secs(20);
        let text = loop {
            let (_, messages) = self.get(&format!("/api/v1/orders/{order}/messages")).await;
            let text = messages["items"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|m| m["channel"] == "sms")
                .cloned()
                .unwrap_or_default();
            if done(&text) {
                break text;
            }
            assert!(Instant::now() < deadline, "gave up waiting: {messages}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let _ = stop.send(());
        task.await.expect("the runner stops");
        text
    }
}

async fn a_text_is_sent_and_its_signed_report_marks_it_delivered(s: Server) {
    let (status, settings) = s.get("/api/v1/message-settings").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        settings["sms_sender"],
        Value::Null,
        "no SMS until a sender is set"
    );
    let mut wanted = settings.clone();
    wanted["sms_sender"] = "Kahvi Aalto".into();
    let (status, refused) = s
        .send(
            reqwest::Method::PUT,
            "/api/v1/message-settings",
            Some(wanted.clone()),
            &s.token,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["errors"][0]["pointer"], "/sms_sender");
    wanted["sms_sender"] = "KahviAalto".into();
    let (status, saved) = s
        .send(
            reqwest::Method::PUT,
            "/api/v1/message-settings",
            Some(wanted),
            &s.token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");

    let (_, order) = s
        .post(
            "/api/v1/orders",
            json!({"channel": "web", "language": "sv",
                "customer": {"name": "Aino Virtanen", "email": "aino@example.fi", "phone": "040 123 4567"},
                "lines": [{"name": "Kaffe", "quantity": 1, "unit_price": 990, "vat_rate": 1400}]}),
        )
        .await;
    let id = order["id"].as_str().expect("id").to_owned();
    s.post(
        &format!("/api/v1/orders/{id}/state"),
        json!({"state": "confirmed"}),
    )
    .await;
    let (status, _) = s
        .post(
            &format!("/api/v1/orders/{id}/deliveries"),
            json!({"step": "shipped", "tracking_number": "JJFI9"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let text = s.text_of(&id, |m| m["state"] == "sent").await;
    assert_eq!(text["to"], "+358401234567");
    assert_eq!(text["language"], "sv");
    assert!(
        text["body_text"]
            .as_str()
            .is_some_and(|b| b.contains("JJFI9") && b.contains("skickats")),
        "{text}"
    );
    let sent = s.fake.received();
    assert_eq!(sent.len(), 1);
    let callback = sent[0].json()["callback_url"]
        .as_str()
        .expect("callback")
        .to_owned();
    let path = callback.strip_prefix(&s.base).expect("our own URL");

    let report = serde_json::to_vec(&json!({
        "id": text["provider_id"].as_str().expect("id").parse::<u64>().expect("number"),
        "msisdn": 358_401_234_567_u64, "time": 1_765_000_000, "status": "DELIVERED",
        "userref": text["id"],
    }))
    .expect("json");
    let post = |signature: String| {
        s.browser
            .post(format!("{}{path}", s.base))
            .header(SIGNATURE_HEADER, signature)
            .header("content-type", "application/json")
            .body(report.clone())
            .send()
    };
    let forged = post(sign_delivery_report(&report, b"guess").expect("signed"))
        .await
        .expect("request");
    assert_eq!(forged.status(), StatusCode::BAD_REQUEST);
    let unsigned = s
        .browser
        .post(format!("{}{path}", s.base))
        .body(report.clone())
        .send()
        .await
        .expect("request");
    assert_eq!(unsigned.status(), StatusCode::BAD_REQUEST);
    let (_, still) = s.get(&format!("/api/v1/orders/{id}/messages")).await;
    assert!(
        still.to_string().contains("\"state\":\"sent\""),
        "unchanged"
    );

    let signature = sign_delivery_report(&report, SECRET.as_bytes()).expect("signed");
    for _ in 0..2 {
        let taken = post(signature.clone()).await.expect("request");
        assert_eq!(taken.status(), StatusCode::NO_CONTENT, "taken, also again");
    }
    let delivered = s.text_of(&id, |m| m["state"] == "delivered").await;
    assert_eq!(delivered["id"], text["id"]);
}
