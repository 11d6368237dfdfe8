//! Payment reminders (NTF-5) on both backends, without HTTP: levels by days past due, one per
//! invoice and level however often the daily run goes, the consumer fee cap, dunning stops, and
//! nothing for paid invoices or shops with reminders off.

mod support;

use jiff::{Timestamp, ToSpan};
use mail_parser::MimeHeaders;
use serde_json::json;
use support::mail_runner::MailRunner;
use tilaus_app::dunning::{DunningSettings, StopTarget};
use tilaus_app::order::NewOrderRequest;
use tilaus_app::payment::NewPayment;
use tilaus_app::shop::NewShop;
use tilaus_app::{App, AppError, Principal};
use tilaus_domain::dunning::ReminderLevel;
use tilaus_store::message::MessageRow;
use tilaus_store::testkit::TestDb;
use tilaus_store::{ShopScope, order};
use uuid::Uuid;

tilaus_store::on_both_backends!(
    start = Shop::start;
    overdue_invoices_are_reminded_level_by_level,
    a_reminder_mail_carries_the_invoice,
);

struct Shop {
    app: App,
    owner: Principal,
    _db: TestDb,
}

impl Shop {
    async fn start(db: TestDb) -> Shop {
        let app = App::open(&db.url).await.expect("open");
        let shop = app
            .create_shop(NewShop {
                name: "Muistutuskauppa".into(),
                owner_email: "owner@muistutus.example".into(),
                business_id: Some("2486559-4".into()),
                iban: Some("FI21 1234 5600 0007 85".into()),
                bic: Some("NDEAFIHH".into()),
                ..NewShop::default()
            })
            .await
            .expect("shop");
        Shop {
            app,
            owner: Principal::system(shop.shop_id, "test"),
            _db: db,
        }
    }

    fn scope(&self) -> ShopScope {
        ShopScope::authorised(self.owner.shop_id())
    }

    /// An invoiced order of 59,80 € for a customer of `kind`; returns the order and invoice ids.
    async fn invoiced(&self, kind: &str, email: &str) -> (Uuid, Uuid) {
        let request: NewOrderRequest = serde_json::from_value(json!({
            "channel": "web", "state": "confirmed", "language": "fi",
            "customer": {"kind": kind, "name": "Aino Virtanen", "email": email},
            "lines": [{"name": "T-paita", "quantity": 2, "unit_price": 2490, "vat_rate": 2550},
                      {"name": "Kirja", "quantity": 1, "unit_price": 1000, "vat_rate": 1350}],
        }))
        .expect("request");
        let outcome = self
            .app
            .ingest_order(&self.owner, &request, None)
            .await
            .expect("ingest");
        let body: serde_json::Value = serde_json::from_str(&outcome.body).expect("json");
        let order_id: Uuid = body["id"].as_str().expect("id").parse().expect("uuid");
        let invoice = self
            .app
            .issue_invoice(&self.owner, order_id)
            .await
            .expect("invoice");
        (order_id, invoice.id)
    }

    async fn reminders(&self, order_id: Uuid) -> Vec<MessageRow> {
        let mut conn = self.app.db.read().await.expect("conn");
        tilaus_store::message::for_order(&mut conn, self.scope(), order_id)
            .await
            .expect("messages")
            .into_iter()
            .filter(|m| m.kind == "invoice_reminder")
            .collect()
    }

    async fn run(&self, at: Timestamp) -> u32 {
        self.app.send_overdue_reminders(at).await.expect("run")
    }
}

async fn overdue_invoices_are_reminded_level_by_level(s: Shop) {
    let (consumer, consumer_invoice) = s.invoiced("consumer", "aino@example.fi").await;
    let (firm, _) = s.invoiced("organisation", "osto@yritys.example").await;
    let (stopped_customer, _) = s.invoiced("organisation", "kielto@yritys.example").await;
    // Invoices are due in 14 days by default; the clock moves in days from now.
    let day = |n: i64| Timestamp::now() + (n * 24).hours();
    assert_eq!(
        s.run(day(60)).await,
        0,
        "reminders are off until the shop turns them on"
    );

    let settings = DunningSettings {
        enabled: true,
        grace_days: 7,
        levels: vec![
            ReminderLevel {
                days_overdue: 14,
                fee: 1000,
            },
            ReminderLevel {
                days_overdue: 28,
                fee: 1000,
            },
        ],
    };
    s.app
        .put_dunning_settings(&s.owner, &settings)
        .await
        .expect("settings");
    let bad = DunningSettings {
        levels: vec![ReminderLevel {
            days_overdue: 3,
            fee: -1,
        }],
        ..settings.clone()
    };
    assert!(matches!(
        s.app.put_dunning_settings(&s.owner, &bad).await,
        Err(AppError::Invalid(_))
    ));
    let customer_of = |order_id| {
        let app = s.app.clone();
        let scope = s.scope();
        async move {
            let mut conn = app.db.read().await.expect("conn");
            order::get(&mut conn, scope, order_id)
                .await
                .expect("get")
                .expect("order")
                .customer_id
        }
    };
    s.app
        .stop_dunning(
            &s.owner,
            StopTarget::Customer(customer_of(stopped_customer).await),
        )
        .await
        .expect("stop");

    assert_eq!(s.run(day(14 + 13)).await, 0, "not yet two weeks past due");
    assert_eq!(s.run(day(14 + 14)).await, 2, "the first level for both");
    assert_eq!(
        s.run(day(14 + 14)).await,
        0,
        "once per level, however often it runs"
    );
    let first = s.reminders(consumer).await;
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].recipient, "aino@example.fi");
    assert!(
        first[0].subject.starts_with("Maksumuistutus: lasku"),
        "{}",
        first[0].subject
    );
    let text = &first[0].body_text;
    assert!(text.contains("Avoinna: 59,80\u{a0}€"), "{text}");
    assert!(
        text.contains("Muistutusmaksu: 5,00\u{a0}€"),
        "a consumer pays at most 5 €: {text}"
    );
    assert!(text.contains("Maksettavaa: 64,80\u{a0}€"), "{text}");
    assert!(
        text.contains("FI21 1234 5600 0007 85") && text.contains("Viitenumero: "),
        "{text}"
    );
    assert!(text.contains("korkolain 4 §"), "{text}");
    let firm_text = &s.reminders(firm).await[0].body_text;
    assert!(
        firm_text.contains("Muistutusmaksu: 10,00\u{a0}€"),
        "{firm_text}"
    );
    assert!(firm_text.contains("korkolain 4 a §"), "{firm_text}");
    assert!(
        s.reminders(stopped_customer).await.is_empty(),
        "the customer's stop holds"
    );
    let events = s
        .app
        .order_events(&s.owner, consumer)
        .await
        .expect("events");
    assert!(
        events
            .iter()
            .any(|e| e.kind == "order.reminder_sent" && e.data["level"] == 1)
    );

    // The consumer's invoice is stopped, the firm pays: the second level goes to nobody.
    s.app
        .stop_dunning(&s.owner, StopTarget::Invoice(consumer_invoice))
        .await
        .expect("stop");
    assert!(matches!(
        s.app
            .stop_dunning(&s.owner, StopTarget::Invoice(consumer_invoice))
            .await,
        Err(AppError::Conflict(_))
    ));
    let payment = NewPayment {
        method: "bank_transfer".into(),
        amount: 5980,
        reference: None,
        document_id: None,
    };
    s.app
        .record_payment(&s.owner, firm, &payment)
        .await
        .expect("paid");
    assert_eq!(s.run(day(14 + 28)).await, 0);

    // Lifted, the consumer's stop lets the second level out.
    s.app
        .resume_dunning(&s.owner, StopTarget::Invoice(consumer_invoice))
        .await
        .expect("resume");
    assert_eq!(s.run(day(14 + 28)).await, 1);
    let both = s.reminders(consumer).await;
    assert_eq!(both.len(), 2);
    assert!(
        both[1].subject.starts_with("2. maksumuistutus"),
        "{}",
        both[1].subject
    );
    assert_eq!(
        s.run(day(14 + 100)).await,
        0,
        "no third level in this policy"
    );
}

/// The reminder goes out over SMTP with the overdue invoice attached, and the log lists it.
async fn a_reminder_mail_carries_the_invoice(s: Shop) {
    let (order_id, invoice) = s.invoiced("consumer", "aino@example.fi").await;
    let on = DunningSettings {
        enabled: true,
        ..DunningSettings::default()
    };
    s.app.put_dunning_settings(&s.owner, &on).await.expect("on");
    assert_eq!(s.run(Timestamp::now() + (40 * 24).hours()).await, 1);
    let logged = s.app.order_messages(&s.owner, order_id).await.expect("log");
    // Issuing the invoice sent it already, with its PDF and how to pay it.
    let issued = logged
        .items
        .iter()
        .find(|m| m.kind == "invoice_issued")
        .expect("the invoice's message");
    assert_eq!(issued.attachments, [invoice]);
    assert!(issued.subject.starts_with("Lasku "), "{}", issued.subject);
    assert!(
        issued.body_text.contains("Summa: 59,80\u{a0}€")
            && issued.body_text.contains("Viitenumero: "),
        "{}",
        issued.body_text
    );
    let reminder = logged
        .items
        .iter()
        .find(|m| m.kind == "invoice_reminder")
        .expect("the reminder");
    assert_eq!(reminder.attachments, [invoice]);

    let raw = MailRunner::start(&s.app, "invoice")
        .await
        .mail_containing("Maksumuistutus")
        .await;
    let mail = mail_parser::MessageParser::default()
        .parse(raw.as_bytes())
        .expect("a mail");
    let attached: Vec<_> = mail.attachments().collect();
    assert_eq!(attached.len(), 1, "{raw}");
    assert_eq!(
        attached[0].attachment_name(),
        Some(format!("invoice-{invoice}.pdf").as_str())
    );
    assert_eq!(attached[0].contents(), support::named_files::STAND_IN);
    assert!(mail.body_text(0).is_some_and(|t| t.contains("Maksettavaa")));
}
