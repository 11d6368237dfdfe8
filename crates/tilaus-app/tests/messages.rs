//! Email to customers through the job runner, with real SMTP conversations against a local
//! sink, on both backends: the order's language, exactly-once sending after an outage, permanent
//! refusals, resends, and repeated job runs.

mod support;

use serde_json::json;
use std::time::{Duration, Instant};
use support::smtp_sink::Sink;
use tilaus_app::job::{self, EnqueueOptions, Handlers, JobRunner, RetryPolicy, RunnerConfig};
use tilaus_app::message::{Mailer, Resend, SendMessage, SendMessages};
use tilaus_app::order::{NewOrderRequest, StateChange};
use tilaus_app::shop::NewShop;
use tilaus_app::{App, Principal};
use tilaus_store::message::{MessageRow, SettingsRow};
use tilaus_store::testkit::TestDb;
use tilaus_store::{ShopScope, now_micros};
use tokio::sync::oneshot;
use uuid::Uuid;

tilaus_store::on_both_backends!(
    start = Shop::start;
    confirming_sends_one_email_in_the_orders_language,
    an_smtp_outage_delays_but_loses_nothing,
    a_refused_recipient_fails_the_message_without_retries,
    a_resend_is_a_new_linked_message_to_the_corrected_address,
    a_repeated_job_run_does_not_send_twice,
    automatic_email_can_be_switched_off,
    a_message_whose_job_gives_up_fails_with_the_reason,
    mail_shows_the_shops_logo_inline_and_its_colour,
);

struct Shop {
    app: App,
    owner: Principal,
    _db: TestDb,
}

struct Running(oneshot::Sender<()>, tokio::task::JoinHandle<()>);

impl Running {
    async fn stop(self) {
        let _ = self.0.send(());
        self.1.await.expect("the runner stops");
    }
}

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

    fn runner(&self, port: u16) -> Running {
        self.runner_giving_up_after(port, 100)
    }

    fn runner_giving_up_after(&self, port: u16, max_attempts: u32) -> Running {
        let mailer =
            Mailer::new(&format!("smtp://127.0.0.1:{port}"), "tilaus@ilo.example").expect("mailer");
        let mut handlers = Handlers::builtin();
        handlers.register(SendMessages::new(Some(mailer)));
        let config = RunnerConfig {
            concurrency: 4,
            poll: Duration::from_millis(20),
            lease: Duration::from_secs(10),
            retry: RetryPolicy {
                first_retry: Duration::from_millis(50),
                cap: Duration::from_millis(200),
                max_attempts,
            },
            shutdown_grace: Duration::from_secs(5),
        };
        let runner = JobRunner::new(self.app.clone(), handlers, config);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(runner.run(async move {
            let _ = stopped.await;
        }));
        Running(stop, task)
    }

    /// 2 × 24,90 € and 1 × 10,00 € (59,80 €) for aino@example.fi in `language`.
    async fn order(&self, language: &str) -> (Uuid, i64) {
        let request: NewOrderRequest = serde_json::from_value(json!({
            "channel": "web", "language": language,
            "customer": {"kind": "consumer", "name": "Aino Virtanen", "email": "aino@example.fi"},
            "lines": [{"name": "Kahvipaketti", "quantity": 2, "unit_price": 2490, "vat_rate": 1400},
                      {"name": "Muki", "quantity": 1, "unit_price": 1000, "vat_rate": 2550}],
        }))
        .expect("request");
        let outcome = self
            .app
            .ingest_order(&self.owner, &request, None)
            .await
            .expect("ingest");
        let body: serde_json::Value = serde_json::from_str(&outcome.body).expect("json");
        (
            body["id"].as_str().expect("id").parse().expect("uuid"),
            body["number"].as_i64().expect("number"),
        )
    }

    async fn change(&self, order_id: Uuid, state: &str, reason: Option<&str>) {
        self.app
            .change_order_state(
                &self.owner,
                order_id,
                &StateChange {
                    state: state.into(),
                    reason: reason.map(Into::into),
                },
            )
            .await
            .expect("state change");
    }

    async fn messages(&self, order_id: Uuid) -> Vec<MessageRow> {
        let mut conn = self.app.db.read().await.expect("conn");
        tilaus_store::message::for_order(&mut conn, self.scope(), order_id)
            .await
            .expect("messages")
    }

    async fn message(&self, message_id: Uuid) -> MessageRow {
        let mut conn = self.app.db.read().await.expect("conn");
        tilaus_store::message::get(&mut conn, self.scope(), message_id)
            .await
            .expect("get")
            .expect("exists")
    }

    /// Waits until `check` holds for the message.
    async fn wait_for(&self, message_id: Uuid, check: impl Fn(&MessageRow) -> bool) -> MessageRow {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let message = self.message(message_id).await;
            if check(&message) {
                return message;
            }
            assert!(Instant::now() < deadline, "gave up waiting: {message:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn parse(raw: &str) -> mail_parser::Message<'_> {
    mail_parser::MessageParser::default()
        .parse(raw.as_bytes())
        .expect("a parsable mail")
}

async fn confirming_sends_one_email_in_the_orders_language(s: Shop) {
    let mut conn = s.app.db.begin().await.expect("tx");
    tilaus_store::message::put_settings(
        &mut conn,
        s.scope(),
        &SettingsRow {
            automatic_email: true,
            reply_to: Some("asiakaspalvelu@ilo.example".into()),
            ..SettingsRow::default()
        },
        now_micros(),
    )
    .await
    .expect("settings");
    conn.commit().await.expect("commit");
    let sink = Sink::default();
    let runner = s.runner(sink.start("127.0.0.1:0").await);
    let (order_id, number) = s.order("sv").await;
    s.change(order_id, "confirmed", None).await;
    let messages = s.messages(order_id).await;
    let kinds: Vec<_> = messages.iter().map(|m| m.kind.as_str()).collect();
    assert_eq!(kinds, ["order_received", "order_confirmed"]);
    for m in &messages {
        s.wait_for(m.message_id, |m| m.state == "sent").await;
    }
    runner.stop().await;
    let mails = sink.mails();
    assert_eq!(mails.len(), 2, "one received, one confirmed");
    let subject = format!("Din beställning {number} är bekräftad");
    let confirmed: Vec<_> = mails
        .iter()
        .filter(|raw| parse(raw).subject() == Some(subject.as_str()))
        .collect();
    assert_eq!(confirmed.len(), 1, "exactly one confirmation");
    let mail = parse(confirmed[0]);
    let text = mail.body_text(0).expect("text part");
    let html = mail.body_html(0).expect("html part");
    assert!(text.contains("Hej Aino Virtanen"), "{text}");
    assert!(text.contains("Totalt 59,80\u{a0}€"), "{text}");
    assert!(text.contains("2 × Kahvipaketti: 49,80\u{a0}€"), "{text}");
    assert!(html.contains("lang=\"sv\""), "{html}");
    let from = mail.from().and_then(|a| a.first()).expect("from");
    assert_eq!(from.name(), Some("Kahvila Ilo"));
    assert_eq!(from.address(), Some("tilaus@ilo.example"));
    let reply_to = mail.reply_to().and_then(|a| a.first()).expect("reply-to");
    assert_eq!(reply_to.address(), Some("asiakaspalvelu@ilo.example"));
    let stored = s.message(messages[1].message_id).await;
    assert_eq!(mail.message_id(), stored.provider_id.as_deref());
    assert_eq!((stored.attempts, stored.language.as_str()), (1, "sv"));
    assert!(stored.sent_at.is_some());

    // A language the shop has no template in: its default (Finnish), and the log says so.
    let (german, _) = s.order("de").await;
    let received = &s.messages(german).await[0];
    assert_eq!(
        (
            received.language.as_str(),
            received.fallback_from.as_deref()
        ),
        ("fi", Some("de"))
    );
}

async fn an_smtp_outage_delays_but_loses_nothing(s: Shop) {
    // A port with nothing listening: connections are refused.
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("probe");
        probe.local_addr().expect("addr").port()
    };
    let runner = s.runner(port);
    let (order_id, _) = s.order("fi").await;
    s.change(order_id, "cancelled", Some("Tuote on loppunut"))
        .await;
    let messages = s.messages(order_id).await;
    assert_eq!(messages.len(), 2);
    for m in &messages {
        let waiting = s
            .wait_for(m.message_id, |m| m.attempts >= 2 && m.state == "queued")
            .await;
        assert!(waiting.failure_reason.is_some(), "{waiting:?}");
    }
    let sink = Sink::default();
    sink.start(&format!("127.0.0.1:{port}")).await;
    for m in &messages {
        s.wait_for(m.message_id, |m| m.state == "sent").await;
    }
    // Let any stray retry come due: still one mail per message.
    tokio::time::sleep(Duration::from_millis(300)).await;
    runner.stop().await;
    let mails = sink.mails();
    assert_eq!(mails.len(), 2, "every message exactly once");
    let cancelled = mails
        .iter()
        .map(|raw| parse(raw))
        .find(|m| m.subject().is_some_and(|s| s.contains("peruttu")))
        .expect("the cancellation");
    let text = cancelled.body_text(0).expect("text");
    assert!(text.contains("Syy: Tuote on loppunut"), "{text}");
}

/// A server that stays down longer than the retries last: the job is parked dead, and in the same
/// transaction the message becomes `failed` with why, instead of waiting as `queued` for ever.
async fn a_message_whose_job_gives_up_fails_with_the_reason(s: Shop) {
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("probe");
        probe.local_addr().expect("addr").port()
    };
    let runner = s.runner_giving_up_after(port, 3);
    let (order_id, _) = s.order("fi").await;
    let message = s.messages(order_id).await.remove(0);
    let failed = s
        .wait_for(message.message_id, |m| m.state == "failed")
        .await;
    runner.stop().await;
    let reason = failed.failure_reason.expect("reason");
    assert!(reason.starts_with("gave up after 3 attempts: "), "{reason}");
    assert_eq!(failed.attempts, 3);
    let mut conn = s.app.db.read().await.expect("conn");
    let job = tilaus_store::job::get(&mut conn, Some(s.scope()), failed.job_id.expect("job"))
        .await
        .expect("get")
        .expect("job");
    assert_eq!(job.state, "dead");
}

async fn a_refused_recipient_fails_the_message_without_retries(s: Shop) {
    let sink = Sink::default();
    *sink.refuse_rcpt.lock().expect("lock") = Some("550 5.1.1 no such user here".into());
    let runner = s.runner(sink.start("127.0.0.1:0").await);
    let (order_id, _) = s.order("en").await;
    let message = s.messages(order_id).await.remove(0);
    let failed = s
        .wait_for(message.message_id, |m| m.state == "failed")
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    runner.stop().await;
    let reason = failed.failure_reason.expect("reason");
    assert!(reason.contains("550"), "{reason}");
    assert_eq!(s.message(message.message_id).await.attempts, 1, "no retry");
    assert!(sink.mails().is_empty());
    let mut conn = s.app.db.read().await.expect("conn");
    let job = tilaus_store::job::get(&mut conn, Some(s.scope()), failed.job_id.expect("job"))
        .await
        .expect("get")
        .expect("job");
    assert_eq!(job.state, "dead");
}

async fn a_resend_is_a_new_linked_message_to_the_corrected_address(s: Shop) {
    let sink = Sink::default();
    let runner = s.runner(sink.start("127.0.0.1:0").await);
    let (order_id, _) = s.order("fi").await;
    let original = s.messages(order_id).await.remove(0);
    s.wait_for(original.message_id, |m| m.state == "sent").await;
    let again = s
        .app
        .resend_message(
            &s.owner,
            original.message_id,
            &Resend {
                to: Some("aino.virtanen@example.fi".into()),
            },
        )
        .await
        .expect("resend");
    assert_ne!(again.id, original.message_id);
    assert_eq!(again.resend_of, Some(original.message_id));
    s.wait_for(again.id, |m| m.state == "sent").await;
    runner.stop().await;
    let mails = sink.mails();
    assert_eq!(mails.len(), 2);
    let second = parse(&mails[1]);
    let to = second.to().and_then(|a| a.first()).expect("to");
    assert_eq!(to.address(), Some("aino.virtanen@example.fi"));
    assert_eq!(second.subject(), parse(&mails[0]).subject());
    assert_ne!(second.message_id(), parse(&mails[0]).message_id());
}

async fn a_repeated_job_run_does_not_send_twice(s: Shop) {
    let sink = Sink::default();
    let port = sink.start("127.0.0.1:0").await;
    let runner = s.runner(port);
    let (order_id, _) = s.order("fi").await;
    let message = s.messages(order_id).await.remove(0);
    s.wait_for(message.message_id, |m| m.state == "sent").await;
    // The same work enqueued again (a retry that raced): it finds the message sent.
    let mut tx = s.app.db.begin().await.expect("tx");
    let repeat = job::enqueue(
        &mut tx,
        Some(s.scope()),
        &SendMessage {
            message_id: message.message_id,
        },
        EnqueueOptions::default(),
    )
    .await
    .expect("enqueue");
    tx.commit().await.expect("commit");
    s.app.jobs_committed();
    let job::Enqueued::New(repeat) = repeat else {
        panic!("no dedupe key, a new job")
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut conn = s.app.db.read().await.expect("conn");
        let job = tilaus_store::job::get(&mut conn, Some(s.scope()), repeat)
            .await
            .expect("get")
            .expect("job");
        if job.state == "done" {
            break;
        }
        assert!(Instant::now() < deadline, "{job:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    runner.stop().await;
    assert_eq!(sink.mails().len(), 1, "sent once");
    assert_eq!(s.message(message.message_id).await.attempts, 1);
}

async fn automatic_email_can_be_switched_off(s: Shop) {
    let mut tx = s.app.db.begin().await.expect("tx");
    tilaus_store::message::put_settings(
        &mut tx,
        s.scope(),
        &SettingsRow {
            automatic_email: false,
            reply_to: None,
            ..SettingsRow::default()
        },
        now_micros(),
    )
    .await
    .expect("settings");
    tx.commit().await.expect("commit");
    let (order_id, _) = s.order("fi").await;
    s.change(order_id, "confirmed", None).await;
    assert!(s.messages(order_id).await.is_empty());
}

/// A shop with a PNG logo and its own colour: the mail carries the logo inline (shown as
/// `cid:logo`, no remote image) and the layout uses the colour.
async fn mail_shows_the_shops_logo_inline_and_its_colour(s: Shop) {
    let logo = b"\x89PNG\r\n\x1a\n a logo".to_vec();
    s.app.put_logo(&s.owner, &logo).await.expect("logo");
    let colour = tilaus_app::brand::BrandInput {
        accent_colour: "#8a2be2".into(),
    };
    s.app
        .put_accent_colour(&s.owner, &colour)
        .await
        .expect("colour");
    let sink = Sink::default();
    let runner = s.runner(sink.start("127.0.0.1:0").await);
    let (order_id, _) = s.order("fi").await;
    let message = s.messages(order_id).await.remove(0);
    s.wait_for(message.message_id, |m| m.state == "sent").await;
    runner.stop().await;
    assert!(message.body_html.contains("src=\"cid:logo\""));
    assert!(message.body_html.contains("#8a2be2"));
    let raw = sink.mails().remove(0);
    assert!(raw.contains("multipart/related"), "{raw}");
    assert!(raw.contains("Content-ID: <logo>"), "{raw}");
    let mail = parse(&raw);
    let inline: Vec<_> = mail
        .parts
        .iter()
        .filter(|p| {
            matches!(
                &p.body,
                mail_parser::PartType::InlineBinary(_) | mail_parser::PartType::Binary(_)
            )
        })
        .collect();
    assert_eq!(inline.len(), 1, "the logo, and no other file");
    assert_eq!(inline[0].contents(), logo.as_slice());
}
