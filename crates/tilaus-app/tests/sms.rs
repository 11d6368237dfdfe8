//! Text messages on both backends, through the job runner against a local fake GatewayAPI: the
//! shipped notice by SMS to the customer's number in E.164, quiet hours, the provider down and
//! refusing, signed delivery reports, and settings that are refused with nothing changed.

use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tilaus_app::delivery::DeliveryInput;
use tilaus_app::job::{Handlers, JobRunner, RetryPolicy, RunnerConfig};
use tilaus_app::message::SendMessages;
use tilaus_app::message::sms::{MessageSettings, SmsConfig};
use tilaus_app::order::{NewOrderRequest, StateChange};
use tilaus_app::shop::NewShop;
use tilaus_app::{App, AppError, Principal};
use tilaus_integrations::sms::fake::{FIRST_ID, FakeGatewayApi};
use tilaus_integrations::sms::{GatewayApi, sign_delivery_report};
use tilaus_store::message::MessageRow;
use tilaus_store::testkit::TestDb;
use tilaus_store::{ShopScope, now_micros};
use tokio::sync::oneshot;
use uuid::Uuid;

tilaus_store::on_both_backends!(
    start = Shop::start;
    a_shipped_order_is_texted_to_the_customers_number,
    quiet_hours_hold_a_text_back_to_their_end,
    texts_need_a_sender_a_number_and_a_usable_one,
    a_provider_outage_retries_and_a_refusal_fails_with_the_reason,
    signed_delivery_reports_mark_texts_delivered_or_failed_once,
    bad_message_settings_change_nothing,
    a_shops_own_text_is_sent_and_a_broken_one_refused,
);

const SECRET: &str = "gwapi-webhook-secret";

struct Shop {
    app: App,
    owner: Principal,
    fake: FakeGatewayApi,
    _db: TestDb,
}

struct Running(oneshot::Sender<()>, tokio::task::JoinHandle<()>);

/// An app on `db` whose SMS provider is `fake`, with delivery reports signed by [`SECRET`].
async fn with_provider(db: &TestDb, fake: &FakeGatewayApi) -> App {
    let sender = GatewayApi::new(&fake.base, "tok-test").expect("client");
    App::open(&db.url).await.expect("open").with_sms(SmsConfig {
        sender: Arc::new(sender),
        webhook_secret: Some(SECRET.into()),
    })
}

/// A job runner of `app` sending messages, with quick retries.
fn runner(app: &App) -> Running {
    let mut handlers = Handlers::builtin();
    handlers.register(SendMessages::new(None));
    let config = RunnerConfig {
        concurrency: 2,
        poll: Duration::from_millis(20),
        lease: Duration::from_secs(10),
        retry: RetryPolicy {
            first_retry: Duration::from_millis(50),
            cap: Duration::from_millis(200),
            max_attempts: 10,
        },
        shutdown_grace: Duration::from_secs(5),
    };
    let runner = JobRunner::new(app.clone(), handlers, config);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(runner.run(async move {
        let _ = stopped.await;
    }));
    Running(stop, task)
}

impl Running {
    async fn stop(self) {
        let _ = self.0.send(());
        self.1.await.expect("the runner stops");
    }
}

impl Shop {
    async fn start(db: TestDb) -> Shop {
        let fake = FakeGatewayApi::start(Vec::new()).await;
        let app = with_provider(&db, &fake).await;
        let shop = app
            .create_shop(NewShop {
                name: "Kahvila Ilo".into(),
                owner_email: "owner@ilo.example".into(),
                ..NewShop::default()
            })
            .await
            .expect("shop");
        let owner = Principal::system(shop.shop_id, "test");
        let s = Shop {
            app,
            owner,
            fake,
            _db: db,
        };
        s.settings(|m| m.sms_sender = Some("KahvilaIlo".into()))
            .await
            .expect("settings");
        s
    }

    fn scope(&self) -> ShopScope {
        ShopScope::authorised(self.owner.shop_id())
    }

    async fn settings(
        &self,
        change: impl FnOnce(&mut MessageSettings),
    ) -> Result<MessageSettings, AppError> {
        let mut settings = self.app.message_settings(&self.owner).await?;
        change(&mut settings);
        self.app.put_message_settings(&self.owner, &settings).await
    }

    fn runner(&self) -> Running {
        runner(&self.app)
    }

    /// A confirmed order for Aino, whose phone is `phone`.
    async fn order(&self, phone: Option<&str>) -> Uuid {
        let request: NewOrderRequest = serde_json::from_value(json!({
            "channel": "web", "language": "fi",
            "customer": {"kind": "consumer", "name": "Aino Virtanen", "email": "aino@example.fi", "phone": phone},
            "lines": [{"name": "Kahvipaketti", "quantity": 1, "unit_price": 2490, "vat_rate": 1400}],
        }))
        .expect("request");
        let outcome = self
            .app
            .ingest_order(&self.owner, &request, None)
            .await
            .expect("ingest");
        let body: serde_json::Value = serde_json::from_str(&outcome.body).expect("json");
        let id: Uuid = body["id"].as_str().expect("id").parse().expect("uuid");
        let confirm = StateChange {
            state: "confirmed".into(),
            reason: None,
        };
        self.app
            .change_order_state(&self.owner, id, &confirm)
            .await
            .expect("confirm");
        id
    }

    async fn ship(&self, order: Uuid) {
        let input: DeliveryInput = serde_json::from_value(json!({
            "step": "shipped", "carrier": "Posti",
            "tracking_url": "https://www.posti.fi/fi/seuranta#/lahetys/JJFI1"
        }))
        .expect("input");
        self.app
            .add_delivery(&self.owner, order, &input)
            .await
            .expect("shipped");
    }

    async fn texts(&self, order: Uuid) -> Vec<MessageRow> {
        let mut conn = self.app.db.read().await.expect("conn");
        let all = tilaus_store::message::for_order(&mut conn, self.scope(), order)
            .await
            .expect("messages");
        all.into_iter().filter(|m| m.channel == "sms").collect()
    }

    async fn wait_for(&self, message_id: Uuid, check: impl Fn(&MessageRow) -> bool) -> MessageRow {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let mut conn = self.app.db.read().await.expect("conn");
            let message = tilaus_store::message::get(&mut conn, self.scope(), message_id)
                .await
                .expect("get")
                .expect("exists");
            drop(conn);
            if check(&message) {
                return message;
            }
            assert!(Instant::now() < deadline, "gave up waiting: {message:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn job_run_at(&self, message: &MessageRow) -> i64 {
        let mut conn = self.app.db.read().await.expect("conn");
        tilaus_store::job::get(&mut conn, Some(self.scope()), message.job_id.expect("job"))
            .await
            .expect("job")
            .expect("exists")
            .run_at
    }
}

async fn a_shipped_order_is_texted_to_the_customers_number(s: Shop) {
    let order = s.order(Some("040 123 4567")).await;
    // Confirming sends e-mail only: the default rules text the important news.
    assert!(s.texts(order).await.is_empty());
    s.ship(order).await;
    let texts = s.texts(order).await;
    assert_eq!(texts.len(), 1);
    let text = &texts[0];
    assert_eq!(text.kind, "order_shipped");
    assert_eq!(text.recipient, "+358401234567");
    assert!(text.subject.is_empty() && text.body_html.is_empty());
    assert!(
        text.body_text
            .contains("https://www.posti.fi/fi/seuranta#/lahetys/JJFI1"),
        "{}",
        text.body_text
    );
    let running = s.runner();
    let sent = s.wait_for(text.message_id, |m| m.state == "sent").await;
    running.stop().await;
    assert_eq!(sent.provider_id, Some((FIRST_ID + 1).to_string()));
    let received = s.fake.received();
    assert_eq!(received.len(), 1, "sent once");
    let body = received[0].json();
    assert_eq!(body["recipients"][0]["msisdn"], 358_401_234_567_u64);
    assert_eq!(body["sender"], "KahvilaIlo");
    assert_eq!(body["userref"], text.message_id.to_string());
    assert_eq!(body["message"], text.body_text.as_str());
    let callback = body["callback_url"].as_str().expect("callback");
    assert!(
        callback.ends_with(&format!(
            "/api/v1/providers/gatewayapi/reports?shop={}",
            s.owner.shop_id()
        )),
        "{callback}"
    );
}

async fn quiet_hours_hold_a_text_back_to_their_end(s: Shop) {
    let zone = jiff::tz::TimeZone::get("Europe/Helsinki").expect("zone");
    let now = jiff::Timestamp::now().to_zoned_datetime(zone);
    let hhmm = |hours: i64| {
        now.checked_add(jiff::Span::new().hours(hours))
            .expect("time")
            .strftime("%H:%M")
            .to_string()
    };
    s.settings(|m| {
        m.quiet_from = Some(hhmm(-1));
        m.quiet_until = Some(hhmm(2));
    })
    .await
    .expect("quiet hours");
    let order = s.order(Some("+46 70 123 45 67")).await;
    s.ship(order).await;
    let text = s.texts(order).await.pop().expect("the text");
    assert_eq!(text.recipient, "+46701234567");
    let waits_minutes = (s.job_run_at(&text).await - now_micros()) / 60_000_000;
    // Until the end of the quiet hours, two hours from now (to the minute).
    assert!(
        (118..=120).contains(&waits_minutes),
        "waits {waits_minutes} min"
    );
}

async fn texts_need_a_sender_a_number_and_a_usable_one(s: Shop) {
    let without_phone = s.order(None).await;
    s.ship(without_phone).await;
    assert!(s.texts(without_phone).await.is_empty());

    let bad_phone = s.order(Some("+358 40 1234 5678 901")).await;
    s.ship(bad_phone).await;
    let failed = s.texts(bad_phone).await;
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].state, "failed");
    let reason = failed[0].failure_reason.as_deref().unwrap_or_default();
    assert!(reason.contains("+358 40 1234 5678 901"), "{reason}");

    s.settings(|m| m.sms_sender = None).await.expect("no SMS");
    let no_sender = s.order(Some("040 123 4567")).await;
    s.ship(no_sender).await;
    assert!(s.texts(no_sender).await.is_empty(), "the shop sends no SMS");
}

async fn a_provider_outage_retries_and_a_refusal_fails_with_the_reason(s: Shop) {
    let order = s.order(Some("040 123 4567")).await;
    s.ship(order).await;
    let text = s.texts(order).await.pop().expect("the text");
    // A server of the same shop whose provider is down once, then refuses the number.
    let flaky = FakeGatewayApi::start(vec![
        (503, "Service Unavailable"),
        (
            400,
            r#"{"code":"0x0101","message":"Invalid recipient %1","variables":["x"]}"#,
        ),
    ])
    .await;
    let server = with_provider(&s._db, &flaky).await;
    let running = runner(&server);
    let failed = s.wait_for(text.message_id, |m| m.state == "failed").await;
    running.stop().await;
    assert_eq!(
        failed.attempts, 2,
        "the outage was retried, the refusal was not"
    );
    let reason = failed.failure_reason.unwrap_or_default();
    assert!(reason.contains("Invalid recipient x"), "{reason}");
    assert_eq!(flaky.received().len(), 2);
    assert!(s.fake.received().is_empty());
}

async fn signed_delivery_reports_mark_texts_delivered_or_failed_once(s: Shop) {
    let first = s.order(Some("040 123 4567")).await;
    let second = s.order(Some("040 765 4321")).await;
    s.ship(first).await;
    s.ship(second).await;
    let running = s.runner();
    let mut sent = Vec::new();
    for order in [first, second] {
        let text = s.texts(order).await.pop().expect("text");
        sent.push(s.wait_for(text.message_id, |m| m.state == "sent").await);
    }
    running.stop().await;
    let report = |message: &MessageRow, status: &str| {
        serde_json::to_vec(&json!({
            "id": message.provider_id.as_deref().expect("id").parse::<u64>().expect("number"),
            "msisdn": 358_401_234_567_u64, "time": 1_765_000_000, "status": status,
            "userref": message.message_id.to_string(),
        }))
        .expect("json")
    };
    let shop = s.owner.shop_id();
    let delivered = report(&sent[0], "DELIVERED");
    let signature = sign_delivery_report(&delivered, SECRET.as_bytes()).expect("signed");
    let forged = sign_delivery_report(&delivered, b"not the secret").expect("signed");
    let refused = s.app.sms_delivery_report(shop, &forged, &delivered).await;
    assert!(
        matches!(refused, Err(AppError::Forbidden(_))),
        "{refused:?}"
    );
    assert_eq!(s.wait_for(sent[0].message_id, |_| true).await.state, "sent");
    let taken = s
        .app
        .sms_delivery_report(shop, &signature, &delivered)
        .await;
    assert!(taken.expect("taken"));
    let again = s
        .app
        .sms_delivery_report(shop, &signature, &delivered)
        .await;
    assert!(!again.expect("a repeat"), "a repeat changes nothing");
    assert_eq!(
        s.wait_for(sent[0].message_id, |_| true).await.state,
        "delivered"
    );
    // Another shop's URL with a genuine report finds nothing of its own.
    let elsewhere = s
        .app
        .sms_delivery_report(Uuid::now_v7(), &signature, &delivered)
        .await;
    assert!(!elsewhere.expect("verified"));

    let expired = report(&sent[1], "EXPIRED");
    let signature = sign_delivery_report(&expired, SECRET.as_bytes()).expect("signed");
    assert!(
        s.app
            .sms_delivery_report(shop, &signature, &expired)
            .await
            .expect("taken")
    );
    let failed = s.wait_for(sent[1].message_id, |_| true).await;
    assert_eq!(failed.state, "failed");
    assert!(
        failed
            .failure_reason
            .unwrap_or_default()
            .contains("EXPIRED")
    );
}

async fn bad_message_settings_change_nothing(s: Shop) {
    let before = s.app.message_settings(&s.owner).await.expect("settings");
    for (change, pointer) in [
        (
            Box::new(|m: &mut MessageSettings| m.sms_sender = Some("Kahvila Ilo".into()))
                as Box<dyn FnOnce(&mut MessageSettings)>,
            "/sms_sender",
        ),
        (
            Box::new(|m: &mut MessageSettings| m.quiet_from = Some("21:00".into())),
            "/quiet_until",
        ),
        (
            Box::new(|m: &mut MessageSettings| {
                m.quiet_from = Some("25:00".into());
                m.quiet_until = Some("08:00".into());
            }),
            "/quiet_from",
        ),
        (
            Box::new(|m: &mut MessageSettings| m.phone_country = "XX".into()),
            "/phone_country",
        ),
        (
            Box::new(|m: &mut MessageSettings| m.reply_to = Some("ei-osoite".into())),
            "/reply_to",
        ),
    ] {
        match s.settings(change).await {
            Err(AppError::Invalid(errors)) => assert_eq!(errors.0[0].pointer, pointer),
            other => panic!("{pointer}: {other:?}"),
        }
    }
    assert_eq!(
        s.app.message_settings(&s.owner).await.expect("settings"),
        before
    );
    let good = s
        .settings(|m| {
            m.quiet_from = Some("21:00".into());
            m.quiet_until = Some("8:00".into());
            m.phone_country = "se".into();
        })
        .await
        .expect("saved");
    assert_eq!(good.quiet_until.as_deref(), Some("08:00"));
    assert_eq!(good.phone_country, "SE");
}

async fn a_shops_own_text_is_sent_and_a_broken_one_refused(s: Shop) {
    use tilaus_app::message::sms_template::SmsTemplateInput;
    let own = |text: &str| SmsTemplateInput { text: text.into() };
    // A preview needs an order to write about.
    let first = s.order(Some("040 123 4567")).await;
    let broken = s
        .app
        .put_sms_template(&s.owner, "order_shipped", "fi", &own("{{ order.number"))
        .await;
    match broken {
        Err(AppError::Invalid(errors)) => {
            assert_eq!(errors.0[0].pointer, "/text");
            assert!(errors.0[0].detail.contains("line 1"), "{:?}", errors.0[0]);
        }
        other => panic!("{other:?}"),
    }
    let preview = s
        .app
        .preview_sms_template(
            &s.owner,
            "order_shipped",
            "fi",
            &own("Paketti {{ order.number }} ✈"),
            None,
        )
        .await
        .expect("preview");
    assert_eq!((preview.encoding.as_str(), preview.segments), ("ucs2", 1));
    let saved = s
        .app
        .put_sms_template(
            &s.owner,
            "order_shipped",
            "fi",
            &own("{{ shop.name }}: paketti {{ order.number }} on matkalla"),
        )
        .await
        .expect("saved");
    assert!(saved.custom);
    s.ship(first).await;
    let text = s.texts(first).await.pop().expect("text");
    assert!(
        text.body_text.starts_with("Kahvila Ilo: paketti "),
        "{}",
        text.body_text
    );
    assert!(text.body_text.ends_with(" on matkalla"));
    let reset = s
        .app
        .reset_sms_template(&s.owner, "order_shipped", "fi")
        .await
        .expect("reset");
    assert!(!reset.custom && reset.text.contains("lähtenyt matkaan"));
    let not_sms = s.app.sms_template(&s.owner, "invoice_reminder", "fi").await;
    assert!(matches!(not_sms, Err(AppError::NotFound(_))));
}
