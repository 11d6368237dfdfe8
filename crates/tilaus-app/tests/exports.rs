//! Scheduled exports (NTF-6) on both backends: a daily export mails the orders as CSV and the
//! documents of the day that ended, over a real SMTP conversation; each period goes once;
//! weekly schedules wait for the week to end; bad schedules are refused and change nothing.

mod support;

use mail_parser::MimeHeaders;
use serde_json::json;
use support::mail_runner::MailRunner;
use tilaus_app::export_schedule::NewExportSchedule;
use tilaus_app::order::{NewOrderRequest, StateChange};
use tilaus_app::shop::NewShop;
use tilaus_app::{App, AppError, Principal};
use tilaus_store::ShopScope;
use tilaus_store::message::MessageRow;
use tilaus_store::testkit::TestDb;
use uuid::Uuid;

tilaus_store::on_both_backends!(
    start = Shop::start;
    a_daily_export_mails_the_days_orders_and_documents_once,
    a_weekly_export_waits_for_the_week_to_end,
    bad_schedules_are_refused_and_stopped_ones_send_nothing,
);

struct Shop {
    app: App,
    owner: Principal,
    _db: TestDb,
}

const DAY: i64 = 24 * 3600;

impl Shop {
    async fn start(db: TestDb) -> Shop {
        let app = App::open(&db.url).await.expect("open");
        let shop = app
            .create_shop(NewShop {
                name: "Kahvila Ilo".into(),
                owner_email: "owner@ilo.example".into(),
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

    /// An invoiced order of today; its number.
    async fn invoiced(&self, name: &str) -> i64 {
        let request: NewOrderRequest = serde_json::from_value(json!({
            "channel": "web", "language": "fi",
            "customer": {"kind": "organisation", "name": name, "email": "osto@example.fi"},
            "lines": [{"name": "Kahvipaketti", "quantity": 3, "unit_price": 990, "vat_rate": 1400}],
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
        self.app
            .issue_invoice(&self.owner, id)
            .await
            .expect("invoice");
        body["number"].as_i64().expect("number")
    }

    async fn schedule(&self, value: serde_json::Value) -> Result<Uuid, AppError> {
        let input: NewExportSchedule = serde_json::from_value(value).expect("input");
        Ok(self
            .app
            .create_export_schedule(&self.owner, &input)
            .await?
            .id)
    }

    /// The exports written so far, oldest first.
    async fn exports(&self) -> Vec<MessageRow> {
        let mut conn = self.app.db.read().await.expect("conn");
        let mut exports =
            tilaus_store::message::about_shop(&mut conn, self.scope(), "scheduled_export", 100)
                .await
                .expect("exports");
        exports.reverse();
        exports
    }

    async fn run_on(&self, days_from_now: i64) -> usize {
        let at = jiff::Timestamp::now()
            .checked_add(jiff::SignedDuration::from_secs(days_from_now * DAY))
            .expect("time");
        self.app.send_scheduled_exports(at).await.expect("run")
    }
}

async fn a_daily_export_mails_the_days_orders_and_documents_once(s: Shop) {
    let first = s.invoiced("Osakeyhtiö Aalto").await;
    let second = s.invoiced("Kauppa Oy").await;
    s.schedule(
        json!({"recipient": "kirjanpito@tilitoimisto.example", "frequency": "daily",
        "orders_format": "csv", "documents": true, "language": "sv"}),
    )
    .await
    .expect("scheduled");
    assert_eq!(s.run_on(0).await, 0, "today has not ended");
    assert_eq!(s.run_on(1).await, 1, "tomorrow, today's export");
    assert_eq!(s.run_on(1).await, 0, "once per day");
    let exports = s.exports().await;
    assert_eq!(exports.len(), 1);
    let export = &exports[0];
    assert_eq!(export.recipient, "kirjanpito@tilitoimisto.example");
    assert_eq!(export.language, "sv");
    assert!(export.subject.contains("Kahvila Ilo"), "{}", export.subject);
    assert!(
        export.body_text.contains("2 verifikat"),
        "{}",
        export.body_text
    );

    // The invoices mailed to the customer go through the same sink.
    let raw = MailRunner::start(&s.app, "document")
        .await
        .mail_containing("To: kirjanpito@tilitoimisto.example")
        .await;
    let mail = mail_parser::MessageParser::default()
        .parse(raw.as_bytes())
        .expect("a mail");
    let names: Vec<String> = mail
        .attachments()
        .filter_map(|a| a.attachment_name().map(str::to_owned))
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    let today = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::get("Europe/Helsinki").expect("zone"))
        .date();
    assert_eq!(names[0], format!("orders-{today}.csv"));
    assert!(names[1..].iter().all(|n| n.starts_with("document-")));
    let csv = mail
        .attachments()
        .next()
        .map(|a| String::from_utf8_lossy(a.contents()).into_owned())
        .unwrap_or_default();
    for (number, name) in [(first, "Osakeyhtiö Aalto"), (second, "Kauppa Oy")] {
        assert!(
            csv.lines()
                .any(|l| l.starts_with(&format!("{number};")) && l.contains(name)),
            "{csv}"
        );
    }
}

async fn a_weekly_export_waits_for_the_week_to_end(s: Shop) {
    s.invoiced("Osakeyhtiö Aalto").await;
    s.schedule(
        json!({"recipient": "kirjanpito@tilitoimisto.example", "frequency": "weekly",
        "documents": true}),
    )
    .await
    .expect("scheduled");
    // Made this week: the week before is not sent, this one once it has ended.
    assert_eq!(s.run_on(0).await, 0);
    let zone = jiff::tz::TimeZone::get("Europe/Helsinki").expect("zone");
    let today = jiff::Timestamp::now().to_zoned_datetime(zone).date();
    let to_monday = 7 - i64::from(today.weekday().to_monday_zero_offset());
    if to_monday > 1 {
        assert_eq!(
            s.run_on(to_monday - 1).await,
            0,
            "Sunday: the week is not over"
        );
    }
    assert_eq!(s.run_on(to_monday).await, 1, "Monday: last week's");
    assert_eq!(s.run_on(to_monday + 1).await, 0);
    let export = s.exports().await.pop().expect("export");
    assert_eq!(export.language, "fi", "the shop's language");
    let attached: Vec<serde_json::Value> = serde_json::from_str(&export.attachments).expect("json");
    assert_eq!(attached.len(), 1, "the invoice, no order list");
}

async fn bad_schedules_are_refused_and_stopped_ones_send_nothing(s: Shop) {
    for (bad, pointer) in [
        (
            json!({"recipient": "ei osoite", "frequency": "daily", "documents": true}),
            "/recipient",
        ),
        (
            json!({"recipient": "a@b.example", "frequency": "hourly", "documents": true}),
            "/frequency",
        ),
        (
            json!({"recipient": "a@b.example", "frequency": "daily", "orders_format": "pdf"}),
            "/orders_format",
        ),
        (
            json!({"recipient": "a@b.example", "frequency": "daily"}),
            "/documents",
        ),
    ] {
        match s.schedule(bad).await {
            Err(AppError::Invalid(errors)) => assert_eq!(errors.0[0].pointer, pointer),
            other => panic!("{pointer}: {other:?}"),
        }
    }
    assert!(
        s.app
            .export_schedules(&s.owner)
            .await
            .expect("list")
            .is_empty()
    );
    let id = s
        .schedule(
            json!({"recipient": "a@b.example", "frequency": "daily", "orders_format": "xlsx"}),
        )
        .await
        .expect("scheduled");
    s.app
        .delete_export_schedule(&s.owner, id)
        .await
        .expect("stopped");
    assert_eq!(s.run_on(1).await, 0);
    let again = s.app.delete_export_schedule(&s.owner, id).await;
    assert!(matches!(again, Err(AppError::NotFound(_))));
}
