//! The live feed on both backends, without HTTP: listeners that fall far behind, or start far
//! back, still receive every event exactly once and in order, then keep up live.

use std::time::Duration;
use tilaus_app::order::NewOrderRequest;
use tilaus_app::shop::NewShop;
use tilaus_app::{App, Principal};
use tilaus_store::testkit::TestDb;

tilaus_store::on_both_backends!(
    lagging_and_late_listeners_miss_nothing,
    another_servers_orders_arrive,
    listeners_far_behind_start_now,
    concurrent_writers_keep_every_history_in_order,
    events_a_dead_server_left_arrive,
);

const ORDERS: i64 = 150;

fn order(n: i64) -> NewOrderRequest {
    serde_json::from_value(serde_json::json!({
        "channel": "web", "external_id": format!("L-{n}"),
        "customer": {"kind": "consumer", "name": format!("Asiakas {n}")},
        "lines": [{"name": "Kahvi", "quantity": 1, "unit_price": 350, "vat_rate": 1400}]
    }))
    .expect("a valid request")
}

/// A new shop, and the system acting in it.
async fn shop(app: &App, name: &str) -> Principal {
    let shop = app
        .create_shop(NewShop {
            name: name.into(),
            owner_email: format!("owner@{}.example", name.to_lowercase().replace(' ', "-")),
            ..NewShop::default()
        })
        .await
        .expect("shop");
    Principal::system(shop.shop_id, "test")
}

async fn next_id(feed: &mut tilaus_app::live::LiveFeed) -> i64 {
    next_within(feed, Duration::from_secs(5)).await
}

async fn next_within(feed: &mut tilaus_app::live::LiveFeed, wait: Duration) -> i64 {
    tokio::time::timeout(wait, feed.next())
        .await
        .expect("an event in time")
        .expect("no error")
        .expect("the feed goes on")
        .id
}

async fn lagging_and_late_listeners_miss_nothing(db: TestDb) {
    let app = App::open(&db.url).await.expect("open");
    let principal = shop(&app, "Live").await;
    // Subscribed, but not reading while many more batches are published than the channel keeps.
    let mut lagging = app.live_events(&principal, None).await.expect("feed");
    assert_eq!(lagging.position(), 0);
    for n in 1..=ORDERS {
        app.ingest_order(&principal, &order(n), None)
            .await
            .expect("ingest");
        if n % 10 == 0 {
            // Let the feed publish in many small batches.
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    for expected in 1..=ORDERS {
        assert_eq!(next_id(&mut lagging).await, expected);
    }
    // A late listener starts far back and catches up from the database.
    let mut late = app
        .live_events(&principal, Some(ORDERS / 2))
        .await
        .expect("feed");
    for expected in ORDERS / 2 + 1..=ORDERS {
        assert_eq!(next_id(&mut late).await, expected);
    }
    // Both then follow live.
    app.ingest_order(&principal, &order(ORDERS + 1), None)
        .await
        .expect("ingest");
    assert_eq!(next_id(&mut lagging).await, ORDERS + 1);
    assert_eq!(next_id(&mut late).await, ORDERS + 1);
    assert_eq!(
        app.live_position(&principal).await.expect("position"),
        ORDERS + 1
    );
    // A negative position is refused.
    assert!(app.live_events(&principal, Some(-1)).await.is_err());
    // Once the server stops its live feed, streams end.
    app.stop_live();
    let ended = tokio::time::timeout(Duration::from_secs(2), lagging.next())
        .await
        .expect("ends promptly")
        .expect("no error");
    assert_eq!(ended, None);
}

/// Two servers on one database (two apps here): an order taken in by one reaches the other's
/// listeners. PostgreSQL carries the wake-up with NOTIFY, at once; SQLite has no channel between
/// processes, so the other server's safety poll finds it.
async fn another_servers_orders_arrive(db: TestDb) {
    let listening = App::open(&db.url).await.expect("open");
    let writing = App::open(&db.url).await.expect("open again");
    let principal = shop(&writing, "Two servers").await;
    let mut feed = listening.live_events(&principal, None).await.expect("feed");
    let postgres = listening.db.backend() == tilaus_app::Backend::Postgres;
    // Well under the 2-second safety poll on PostgreSQL, three times in a row.
    let wait = if postgres {
        Duration::from_millis(600)
    } else {
        tilaus_app::live::SAFETY_POLL + Duration::from_secs(1)
    };
    // Let the LISTEN connection settle (a missed wake-up is what the poll is for).
    tokio::time::sleep(Duration::from_millis(300)).await;
    for n in 1..=3 {
        let started = std::time::Instant::now();
        writing
            .ingest_order(&principal, &order(n), None)
            .await
            .expect("ingest");
        assert_eq!(next_within(&mut feed, wait).await, n);
        eprintln!("from the other server in {:?}", started.elapsed());
    }
}

/// A listener that asks to resume further back than the replay limit starts from now and is
/// told so; one just inside the limit replays.
async fn listeners_far_behind_start_now(db: TestDb) {
    use tilaus_app::live::MAX_REPLAY;
    let app = App::open(&db.url).await.expect("open");
    let principal = shop(&app, "Far").await;
    let last = tilaus_store::testkit::write_events(
        &app.db,
        tilaus_store::ShopScope::authorised(principal.shop_id()),
        uuid::Uuid::now_v7(),
        MAX_REPLAY + 1,
    )
    .await;
    let far = app.live_events(&principal, Some(0)).await.expect("feed");
    assert!(far.was_reset());
    assert_eq!(far.position(), last);
    let mut near = app.live_events(&principal, Some(1)).await.expect("feed");
    assert!(!near.was_reset());
    assert_eq!(next_id(&mut near).await, 2);
}

/// Many writers at once, each creating orders and then cancelling them. PostgreSQL numbers their
/// events after they commit, SQLite as they are written; either way a listener gets every event
/// exactly once with ids 1, 2, 3, … and each order's history keeps its own order.
async fn concurrent_writers_keep_every_history_in_order(db: TestDb) {
    const WRITERS: i64 = 16;
    const EACH: i64 = 6;
    let app = App::open(&db.url).await.expect("open");
    let principal = shop(&app, "Busy").await;
    let mut feed = app.live_events(&principal, None).await.expect("feed");
    let mut writers = tokio::task::JoinSet::new();
    for w in 0..WRITERS {
        let (app, principal) = (app.clone(), principal.clone());
        writers.spawn(async move {
            let mut ids = Vec::new();
            for n in 0..EACH {
                let taken = app
                    .ingest_order(&principal, &order(w * 100 + n), None)
                    .await
                    .expect("ingest");
                let body: serde_json::Value = serde_json::from_str(&taken.body).expect("json");
                let id = uuid::Uuid::parse_str(body["id"].as_str().expect("id")).expect("uuid");
                let cancel = tilaus_app::order::StateChange {
                    state: "cancelled".into(),
                    reason: Some(format!("writer {w}")),
                };
                app.change_order_state(&principal, id, &cancel)
                    .await
                    .expect("cancel");
                ids.push(id);
            }
            ids
        });
    }
    let mut orders = Vec::new();
    while let Some(ids) = writers.join_next().await {
        orders.extend(ids.expect("writer"));
    }
    let mut seen = std::collections::HashSet::new();
    for order_id in &orders {
        let history = app
            .order_events(&principal, *order_id)
            .await
            .expect("history");
        let kinds: Vec<&str> = history.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds.first(), Some(&"order.created"), "{kinds:?}");
        assert_eq!(kinds.last(), Some(&"order.state_changed"), "{kinds:?}");
        assert!(history.windows(2).all(|p| p[0].id < p[1].id));
        seen.extend(history.iter().map(|e| e.id));
    }
    let last = app.live_position(&principal).await.expect("position");
    assert_eq!(
        seen.len() as i64,
        last,
        "every event belongs to one of the orders"
    );
    for expected in 1..=last {
        assert_eq!(next_id(&mut feed).await, expected);
    }
}

/// Events written by a server that died before it woke anyone (here: written straight into the
/// log without a wake-up) still reach listeners, through the slow polls.
async fn events_a_dead_server_left_arrive(db: TestDb) {
    let app = App::open(&db.url).await.expect("open");
    let principal = shop(&app, "Orphans").await;
    let mut feed = app.live_events(&principal, None).await.expect("feed");
    let scope = tilaus_store::ShopScope::authorised(principal.shop_id());
    let mut tx = app.db.begin().await.expect("tx");
    for _ in 0..3 {
        let event = tilaus_store::testkit::updated(uuid::Uuid::now_v7());
        tilaus_store::order::insert_event(&mut tx, scope, &event)
            .await
            .expect("event");
    }
    tx.commit().await.expect("commit");
    let wait = tilaus_app::live::SAFETY_POLL * 2;
    for expected in 1..=3 {
        assert_eq!(next_within(&mut feed, wait).await, expected);
    }
}
