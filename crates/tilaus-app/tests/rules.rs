//! Deliveries and the notification rules on both backends: what each delivery step tells the
//! customer (with tracking and the document), the automatic steps that complete an order, the
//! repeat window, conditions, switched-off and delayed rules, delay notices, and bad input that
//! changes nothing.

use serde_json::json;
use tilaus_app::delivery::{DelayNotice, DeliveryInput};
use tilaus_app::order::{NewOrderRequest, StateChange};
use tilaus_app::payment::NewPayment;
use tilaus_app::rules::RuleSettings;
use tilaus_app::shop::NewShop;
use tilaus_app::{App, AppError, Principal};
use tilaus_store::message::MessageRow;
use tilaus_store::testkit::TestDb;
use tilaus_store::{ShopScope, now_micros};
use uuid::Uuid;

tilaus_store::on_both_backends!(
    start = Shop::start;
    shipping_tells_the_customer_with_tracking_and_the_invoice,
    the_last_delivery_of_an_invoiced_order_completes_it_by_rule,
    a_payment_after_delivery_completes_the_order_and_sends_the_receipt,
    the_repeat_window_holds_back_a_second_shipped_message,
    conditions_switched_off_and_delayed_rules,
    a_delay_notice_tells_the_expected_day_and_why,
    bad_deliveries_and_rules_change_nothing,
    another_shop_cannot_touch_the_deliveries,
);

struct Shop {
    app: App,
    owner: Principal,
    _db: TestDb,
}

fn input(value: serde_json::Value) -> DeliveryInput {
    serde_json::from_value(value).expect("delivery input")
}

impl Shop {
    async fn start(db: TestDb) -> Shop {
        let app = App::open(&db.url).await.expect("open");
        let owner = new_shop(&app, "Kahvila Ilo").await;
        Shop {
            app,
            owner,
            _db: db,
        }
    }

    fn scope(&self) -> ShopScope {
        ShopScope::authorised(self.owner.shop_id())
    }

    /// 2 × 24,90 € for aino@example.fi, with `extra` fields (e.g. tags), moved to `state`.
    async fn order(&self, state: &str, extra: serde_json::Value) -> Uuid {
        let mut request = json!({
            "channel": "web", "language": "fi",
            "customer": {"kind": "consumer", "name": "Aino Virtanen", "email": "aino@example.fi"},
            "lines": [{"name": "Kahvipaketti", "quantity": 2, "unit_price": 2490, "vat_rate": 1400}],
        });
        if let (Some(request), Some(extra)) = (request.as_object_mut(), extra.as_object()) {
            request.extend(extra.clone());
        }
        let request: NewOrderRequest = serde_json::from_value(request).expect("request");
        let outcome = self
            .app
            .ingest_order(&self.owner, &request, None)
            .await
            .expect("ingest");
        let body: serde_json::Value = serde_json::from_str(&outcome.body).expect("json");
        let id: Uuid = body["id"].as_str().expect("id").parse().expect("uuid");
        if state != "open" {
            self.app
                .change_order_state(
                    &self.owner,
                    id,
                    &StateChange {
                        state: "confirmed".into(),
                        reason: None,
                    },
                )
                .await
                .expect("confirm");
        }
        if state == "invoiced" {
            self.app
                .issue_invoice(&self.owner, id)
                .await
                .expect("invoice");
        }
        id
    }

    async fn messages(&self, order_id: Uuid, kind: &str) -> Vec<MessageRow> {
        let mut conn = self.app.db.read().await.expect("conn");
        let all = tilaus_store::message::for_order(&mut conn, self.scope(), order_id)
            .await
            .expect("messages");
        all.into_iter().filter(|m| m.kind == kind).collect()
    }

    async fn events(&self, order_id: Uuid) -> Vec<(String, String, serde_json::Value)> {
        let events = self
            .app
            .order_events(&self.owner, order_id)
            .await
            .expect("events");
        events
            .into_iter()
            .map(|e| (e.kind, e.actor, e.data))
            .collect()
    }

    async fn state(&self, order_id: Uuid) -> (String, String) {
        let order = self
            .app
            .get_order(&self.owner, order_id)
            .await
            .expect("order");
        (order.summary.state, order.summary.delivery_state)
    }

    async fn rules(&self, change: impl FnOnce(&mut RuleSettings)) {
        let mut rules = self.app.rule_settings(&self.owner).await.expect("rules");
        change(&mut rules);
        self.app
            .put_rule_settings(&self.owner, &rules)
            .await
            .expect("put rules");
    }
}

async fn new_shop(app: &App, name: &str) -> Principal {
    let shop = app
        .create_shop(NewShop {
            name: name.into(),
            owner_email: "owner@ilo.example".into(),
            ..NewShop::default()
        })
        .await
        .expect("shop");
    Principal::system(shop.shop_id, "test")
}

async fn shipping_tells_the_customer_with_tracking_and_the_invoice(s: Shop) {
    let order = s.order("invoiced", json!({})).await;
    let invoice = s.messages(order, "invoice_issued").await;
    let invoice_id: Vec<Uuid> = serde_json::from_str(&invoice[0].attachments).expect("ids");
    let shipped = s
        .app
        .add_delivery(
            &s.owner,
            order,
            &input(
                json!({"step": "shipped", "carrier": "Posti", "tracking_number": "JJFI64",
                "tracking_url": "https://www.posti.fi/fi/seuranta#/lahetys/JJFI64"}),
            ),
        )
        .await
        .expect("shipped");
    assert_eq!(shipped.step, "shipped");
    assert!(shipped.shipped_at.is_some() && shipped.delivered_at.is_none());
    let messages = s.messages(order, "order_shipped").await;
    assert_eq!(messages.len(), 1);
    let message = &messages[0];
    assert_eq!(message.language, "fi");
    assert!(message.subject.contains("lähtenyt"), "{}", message.subject);
    assert!(message.body_text.contains("Posti") && message.body_text.contains("JJFI64"));
    // The tracking button; the HTML escapes `/` as `&#x2f;`, which mail clients read back.
    let html = message.body_html.replace("&#x2f;", "/");
    assert!(html.contains(r#"href="https://www.posti.fi/fi/seuranta#/lahetys/JJFI64""#));
    let attached: Vec<Uuid> = serde_json::from_str(&message.attachments).expect("ids");
    assert_eq!(attached, invoice_id, "the invoice goes with the parcel");
    assert_eq!(
        s.state(order).await,
        ("invoiced".to_owned(), "pending".to_owned())
    );
    let events = s.events(order).await;
    let (kind, _, data) = events.last().expect("event");
    assert_eq!(kind, "order.shipped");
    assert_eq!(data["tracking_number"], "JJFI64");
}

async fn the_last_delivery_of_an_invoiced_order_completes_it_by_rule(s: Shop) {
    let order = s.order("invoiced", json!({})).await;
    let first = s
        .app
        .add_delivery(&s.owner, order, &DeliveryInput::default())
        .await
        .expect("processing");
    assert_eq!(first.step, "processing");
    // The processing message is off by default.
    assert!(s.messages(order, "order_processing").await.is_empty());
    let second = s
        .app
        .add_delivery(&s.owner, order, &input(json!({"step": "delivered"})))
        .await
        .expect("picked up");
    assert_eq!(
        s.state(order).await,
        ("invoiced".to_owned(), "partially_delivered".to_owned())
    );
    let shipped = s
        .app
        .advance_delivery(
            &s.owner,
            first.id,
            &input(json!({"carrier": "Matkahuolto"})),
        )
        .await
        .expect("shipped");
    assert_eq!(shipped.step, "shipped");
    let delivered = s
        .app
        .advance_delivery(&s.owner, first.id, &DeliveryInput::default())
        .await
        .expect("delivered");
    assert_eq!(delivered.carrier.as_deref(), Some("Matkahuolto"));
    assert_eq!(
        s.state(order).await,
        ("completed".to_owned(), "delivered".to_owned())
    );
    let events = s.events(order).await;
    let kinds: Vec<&str> = events.iter().map(|(k, _, _)| k.as_str()).collect();
    assert_eq!(
        kinds[kinds.len() - 5..],
        [
            "order.processing",
            "order.delivered",
            "order.shipped",
            "order.delivered",
            "order.state_changed"
        ]
    );
    let (_, actor, data) = events.last().expect("completion");
    assert_eq!(actor, "rule");
    assert_eq!(data["after"]["state"], "completed");
    assert!(data["rule_id"].as_str().is_some(), "{data}");
    let _ = second;
}

async fn a_payment_after_delivery_completes_the_order_and_sends_the_receipt(s: Shop) {
    let order = s.order("confirmed", json!({})).await;
    s.app
        .add_delivery(&s.owner, order, &input(json!({"step": "delivered"})))
        .await
        .expect("delivered");
    // A confirmed order is not complete before it is paid or invoiced.
    assert_eq!(
        s.state(order).await,
        ("confirmed".to_owned(), "delivered".to_owned())
    );
    s.app
        .record_payment(
            &s.owner,
            order,
            &NewPayment {
                method: "cash".into(),
                amount: 4980,
                reference: None,
                document_id: None,
            },
        )
        .await
        .expect("paid");
    assert_eq!(
        s.state(order).await,
        ("completed".to_owned(), "delivered".to_owned())
    );
    let paid = s.messages(order, "payment_received").await;
    assert_eq!(paid.len(), 1);
    let receipt: Vec<Uuid> = serde_json::from_str(&paid[0].attachments).expect("ids");
    assert_eq!(receipt.len(), 1, "the receipt goes with the thanks");
    assert!(paid[0].body_text.contains("49,80"), "{}", paid[0].body_text);
}

async fn the_repeat_window_holds_back_a_second_shipped_message(s: Shop) {
    let order = s.order("confirmed", json!({})).await;
    let parcel = input(json!({"step": "shipped", "carrier": "Posti"}));
    for _ in 0..2 {
        s.app
            .add_delivery(&s.owner, order, &parcel)
            .await
            .expect("parcel");
    }
    assert_eq!(s.messages(order, "order_shipped").await.len(), 1);
    s.rules(|r| r.repeat_window_minutes = 0).await;
    s.app
        .add_delivery(&s.owner, order, &parcel)
        .await
        .expect("third parcel");
    assert_eq!(s.messages(order, "order_shipped").await.len(), 2);
}

async fn conditions_switched_off_and_delayed_rules(s: Shop) {
    s.rules(|r| {
        for rule in &mut r.rules {
            match rule.trigger.as_str() {
                "order_received" => rule.conditions.tag = Some("vip".into()),
                "order_confirmed" => rule.enabled = false,
                "order_processing" => {
                    rule.enabled = true;
                    rule.action = tilaus_domain::rules::Action::Send {
                        delay_minutes: 30,
                        channels: vec![tilaus_domain::message::Channel::Email],
                    };
                }
                _ => {}
            }
        }
    })
    .await;
    let plain = s.order("confirmed", json!({})).await;
    assert!(s.messages(plain, "order_received").await.is_empty());
    assert!(s.messages(plain, "order_confirmed").await.is_empty());
    let vip = s.order("open", json!({"tags": ["VIP"]})).await;
    assert_eq!(s.messages(vip, "order_received").await.len(), 1);
    s.app
        .add_delivery(&s.owner, plain, &DeliveryInput::default())
        .await
        .expect("processing");
    let delayed = s.messages(plain, "order_processing").await;
    assert_eq!(delayed.len(), 1);
    let mut conn = s.app.db.read().await.expect("conn");
    let job = tilaus_store::job::get(&mut conn, Some(s.scope()), delayed[0].job_id.expect("job"))
        .await
        .expect("job")
        .expect("exists");
    let in_minutes = (job.run_at - now_micros()) / 60_000_000;
    assert!((28..=30).contains(&in_minutes), "runs in {in_minutes} min");
}

async fn a_delay_notice_tells_the_expected_day_and_why(s: Shop) {
    let order = s.order("confirmed", json!({})).await;
    let day = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date()
        .saturating_add(jiff::Span::new().days(10));
    s.app
        .notify_delay(
            &s.owner,
            order,
            &DelayNotice {
                expected_on: day.to_string(),
                reason: Some("Tuote on jälkitoimituksessa".into()),
            },
        )
        .await
        .expect("notice");
    let delayed = s.messages(order, "order_delayed").await;
    assert_eq!(delayed.len(), 1);
    let written = format!("{}.{}.{}", day.day(), day.month(), day.year());
    assert!(
        delayed[0].body_text.contains(&written),
        "{}",
        delayed[0].body_text
    );
    assert!(delayed[0].body_text.contains("jälkitoimituksessa"));
    let events = s.events(order).await;
    assert_eq!(events.last().expect("event").0, "order.delay_notified");
}

async fn bad_deliveries_and_rules_change_nothing(s: Shop) {
    let open = s.order("open", json!({})).await;
    let refused = s
        .app
        .add_delivery(&s.owner, open, &DeliveryInput::default())
        .await
        .expect_err("open orders are not delivered");
    assert!(matches!(refused, AppError::State(_)), "{refused:?}");
    let order = s.order("confirmed", json!({})).await;
    let events_before = s.events(order).await.len();
    for (bad, pointer) in [
        (json!({"step": "lost"}), "/step"),
        (
            json!({"tracking_url": "javascript:alert(1)"}),
            "/tracking_url",
        ),
        (json!({"carrier": "x".repeat(201)}), "/carrier"),
    ] {
        match s.app.add_delivery(&s.owner, order, &input(bad)).await {
            Err(AppError::Invalid(errors)) => assert_eq!(errors.0[0].pointer, pointer),
            other => panic!("{other:?}"),
        }
    }
    let delivered = s
        .app
        .add_delivery(&s.owner, order, &input(json!({"step": "delivered"})))
        .await
        .expect("delivered");
    let backwards = s
        .app
        .advance_delivery(&s.owner, delivered.id, &input(json!({"step": "shipped"})))
        .await
        .expect_err("no way back");
    assert!(matches!(backwards, AppError::Conflict(_)), "{backwards:?}");
    let past = s
        .app
        .notify_delay(
            &s.owner,
            order,
            &DelayNotice {
                expected_on: "2020-01-01".into(),
                reason: None,
            },
        )
        .await
        .expect_err("the past");
    assert!(matches!(past, AppError::Invalid(_)));
    assert_eq!(s.events(order).await.len(), events_before + 1);
    let deliveries = s.app.order_deliveries(&s.owner, order).await.expect("list");
    assert_eq!(deliveries.len(), 1);

    let before = s.app.rule_settings(&s.owner).await.expect("rules");
    let mut bad = before.clone();
    bad.repeat_window_minutes = -1;
    bad.rules[0].action = tilaus_domain::rules::Action::Step {
        step: tilaus_domain::rules::AutomaticStep::Complete,
    };
    match s.app.put_rule_settings(&s.owner, &bad).await {
        Err(AppError::Invalid(errors)) => assert_eq!(errors.0.len(), 2, "{errors:?}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(s.app.rule_settings(&s.owner).await.expect("rules"), before);
}

async fn another_shop_cannot_touch_the_deliveries(s: Shop) {
    let order = s.order("confirmed", json!({})).await;
    let delivery = s
        .app
        .add_delivery(&s.owner, order, &DeliveryInput::default())
        .await
        .expect("delivery");
    let other = new_shop(&s.app, "Toinen kauppa").await;
    let advanced = s
        .app
        .advance_delivery(&other, delivery.id, &DeliveryInput::default())
        .await;
    assert!(
        matches!(advanced, Err(AppError::NotFound(_))),
        "{advanced:?}"
    );
    let listed = s.app.order_deliveries(&other, order).await;
    assert!(matches!(listed, Err(AppError::NotFound(_))));
    let added = s
        .app
        .add_delivery(&other, order, &DeliveryInput::default())
        .await;
    assert!(matches!(added, Err(AppError::NotFound(_))));
    assert_eq!(
        s.app.order_deliveries(&s.owner, order).await.expect("own")[0].step,
        "processing"
    );
}
