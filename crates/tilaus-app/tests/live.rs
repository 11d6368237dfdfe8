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
    let shop = app
        .create_shop(NewShop {
            name: "Live".into(),
            owner_email: "owner@live.example".into(),
            ..NewShop::default()
        })
        .await
        .expect("shop");
    let principal = Principal::system(shop.shop_id, "test");
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
    let shop = writing
        .create_shop(NewShop {
            name: "Two servers".into(),
            owner_email: "owner@two.example".into(),
            ..NewShop::default()
        })
        .await
        .expect("shop");
    let principal = Principal::system(shop.shop_id, "test");
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

/// Writes `count` events straight into the shop's log (faster than taking in that many orders).
async fn raw_events(app: &App, shop_id: uuid::Uuid, count: i64) -> i64 {
    use tilaus_store::{ShopScope, order, shop};
    let scope = ShopScope::authorised(shop_id);
    let mut tx = app.db.begin().await.expect("tx");
    let last = shop::reserve_event_ids(&mut tx, scope, count)
        .await
        .expect("ids");
    for event_id in last - count + 1..=last {
        let event = order::EventRow {
            event_id,
            order_id: uuid::Uuid::now_v7(),
            kind: "order.updated".into(),
            actor_kind: "system".into(),
            actor_id: None,
            actor_label: "test".into(),
            data: "{}".into(),
            created_at: tilaus_store::now_micros(),
        };
        order::insert_event(&mut tx, scope, &event)
            .await
            .expect("event");
    }
    tx.commit().await.expect("commit");
    last
}

/// A listener that asks to resume further back than the replay limit starts from now and is
/// told so; one just inside the limit replays.
async fn listeners_far_behind_start_now(db: TestDb) {
    use tilaus_app::live::MAX_REPLAY;
    let app = App::open(&db.url).await.expect("open");
    let shop = app
        .create_shop(NewShop {
            name: "Far".into(),
            owner_email: "owner@far.example".into(),
            ..NewShop::default()
        })
        .await
        .expect("shop");
    let principal = Principal::system(shop.shop_id, "test");
    let last = raw_events(&app, shop.shop_id, MAX_REPLAY + 1).await;
    let far = app.live_events(&principal, Some(0)).await.expect("feed");
    assert!(far.was_reset());
    assert_eq!(far.position(), last);
    let mut near = app.live_events(&principal, Some(1)).await.expect("feed");
    assert!(!near.was_reset());
    assert_eq!(next_id(&mut near).await, 2);
}
