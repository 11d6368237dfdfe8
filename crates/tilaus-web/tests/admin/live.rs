//! The live list over real HTTP on both backends: the event stream, resuming after a reconnect,
//! tenant isolation, roles, many listeners at once, and the row and group fragments the page's
//! script asks for.

use crate::support::{Client, EventStream, Message, PASSWORD, Server};
use reqwest::StatusCode;
use std::time::{Duration, Instant};
use tilaus_app::shop::NewShop;

tilaus_store::on_both_backends!(
    start = Server::start;
    a_new_order_arrives_within_a_second,
    a_reconnect_receives_exactly_the_missed_events,
    a_listener_far_behind_is_told_to_reload,
    other_shops_events_never_arrive,
    read_only_users_can_listen,
    many_listeners_share_one_feed,
    rows_and_groups_follow_the_filters,
);

/// Generous enough for a loaded CI machine; the requirement is one second.
const WITHIN: Duration = Duration::from_secs(1);
const QUIET: Duration = Duration::from_millis(400);

async fn owner(s: &Server) -> Client {
    let browser = s.client();
    let login = browser.login(&s.owner_email, PASSWORD).await;
    assert_eq!(login.status, StatusCode::SEE_OTHER, "{}", login.body);
    browser
}

async fn open(client: &Client, path: &str, last_event_id: Option<i64>) -> EventStream {
    let stream = client.events(path, last_event_id).await;
    assert_eq!(stream.status(), StatusCode::OK);
    assert!(
        stream
            .header("content-type")
            .starts_with("text/event-stream"),
        "{}",
        stream.header("content-type")
    );
    stream
}

fn kind(message: &Message) -> &str {
    message.data["kind"].as_str().unwrap_or_default()
}

fn order_id(message: &Message) -> &str {
    message.data["order_id"].as_str().unwrap_or_default()
}

async fn a_new_order_arrives_within_a_second(s: Server) {
    s.order("OLD-1", "Vanha Tilaaja").await;
    let browser = owner(&s).await;
    let mut stream = open(&browser, "/admin/orders/live", None).await;
    assert_eq!(stream.header("cache-control"), "no-cache");
    assert_eq!(stream.header("x-accel-buffering"), "no");
    // Without a position the stream starts now: nothing old is replayed, but a reconnect
    // would resume from here.
    assert!(stream.next(QUIET).await.is_none());
    assert_eq!(stream.last_event_id, Some(1));

    let started = Instant::now();
    let id = s.order("W-1", "Aino Virtanen").await;
    let message = stream.next(WITHIN).await.expect("the new order's event");
    eprintln!(
        "order.created arrived {:?} after the POST began",
        started.elapsed()
    );
    assert_eq!(kind(&message), "order.created");
    assert_eq!(order_id(&message), id);
    assert_eq!(message.id, 2, "the shop's second event");
    assert_eq!(message.data["id"], message.id);
    assert!(
        message.data["at"]
            .as_str()
            .is_some_and(|a| a.ends_with('Z'))
    );

    s.change_state(&id, "confirmed").await;
    let changed = stream.next(WITHIN).await.expect("the state change");
    assert_eq!(kind(&changed), "order.state_changed");
    assert_eq!(order_id(&changed), id);
    assert_eq!(changed.id, message.id + 1);

    // Not logged in: no stream, the login page instead.
    let stranger = s.client().events("/admin/orders/live", None).await;
    assert_eq!(stranger.status(), StatusCode::SEE_OTHER);
}

async fn a_reconnect_receives_exactly_the_missed_events(s: Server) {
    let browser = owner(&s).await;
    let mut stream = open(&browser, "/admin/orders/live", None).await;
    let first = s.order("R-1", "Eka Tilaaja").await;
    let seen = stream.next(WITHIN).await.expect("the first event");
    assert_eq!(order_id(&seen), first);
    drop(stream);

    // While the browser is away: two new orders and a state change.
    let second = s.order("R-2", "Toka Tilaaja").await;
    let third = s.order("R-3", "Kolmas Tilaaja").await;
    s.change_state(&first, "confirmed").await;

    let mut resumed = open(&browser, "/admin/orders/live?after=0", Some(seen.id)).await;
    let missed = resumed.drain(QUIET).await;
    let got: Vec<(i64, &str, &str)> = missed
        .iter()
        .map(|m| (m.id, kind(m), order_id(m)))
        .collect();
    assert_eq!(
        got,
        vec![
            (seen.id + 1, "order.created", second.as_str()),
            (seen.id + 2, "order.created", third.as_str()),
            (seen.id + 3, "order.state_changed", first.as_str()),
        ],
        "Last-Event-ID wins over ?after= and replays exactly what was missed"
    );
    // And the stream goes on live after the replay.
    let fourth = s.order("R-4", "Neljäs Tilaaja").await;
    let live = resumed.next(WITHIN).await.expect("live after the replay");
    assert_eq!((live.id, order_id(&live)), (seen.id + 4, fourth.as_str()));

    // A first connect with ?after= (the position the page was rendered at) replays from there.
    let mut from_page = open(
        &browser,
        &format!("/admin/orders/live?after={}", seen.id),
        None,
    )
    .await;
    let ids: Vec<i64> = from_page.drain(QUIET).await.iter().map(|m| m.id).collect();
    assert_eq!(ids, (seen.id + 1..=seen.id + 4).collect::<Vec<_>>());

    // A position the shop has not reached (another database's id) starts from now.
    let mut future = open(&browser, "/admin/orders/live", Some(1_000_000)).await;
    assert!(future.next(QUIET).await.is_none());
    let fifth = s.order("R-5", "Viides Tilaaja").await;
    let now = future.next(WITHIN).await.expect("live");
    assert_eq!((now.id, order_id(&now)), (seen.id + 5, fifth.as_str()));

    // Plain messages carry no event name.
    assert_eq!(now.event, None);

    // Garbage positions are refused.
    let garbage = browser.events("/admin/orders/live?after=abc", None).await;
    assert_eq!(garbage.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

async fn a_listener_far_behind_is_told_to_reload(s: Server) {
    let browser = owner(&s).await;
    let first = s.order("Z-1", "Zeta Ensimmäinen").await;
    // More events than a reconnect may replay, written straight into the log.
    let scope = tilaus_store::ShopScope::authorised(s.shop_id);
    let count = tilaus_app::live::MAX_REPLAY + 1;
    let order = uuid::Uuid::parse_str(&first).expect("id");
    let last = tilaus_store::testkit::write_events(&s.app.db, scope, order, count).await;
    let mut stream = open(&browser, "/admin/orders/live", Some(1)).await;
    let reset = stream.next(WITHIN).await.expect("a reset");
    assert_eq!(reset.event.as_deref(), Some("reset"));
    assert_eq!(reset.id, last);
    let id = s.order("Z-2", "Zeta Toinen").await;
    let live = stream.next(WITHIN).await.expect("then live");
    assert_eq!((live.id, order_id(&live)), (last + 1, id.as_str()));
}

async fn other_shops_events_never_arrive(s: Server) {
    let other = s
        .app
        .create_shop(NewShop {
            name: "Toinen kauppa".into(),
            owner_email: "other@example.fi".into(),
            owner_password: Some(PASSWORD.into()),
            ..NewShop::default()
        })
        .await
        .expect("shop");
    let browser = owner(&s).await;
    let theirs_browser = s.client();
    theirs_browser.login("other@example.fi", PASSWORD).await;
    let mut ours_stream = open(&browser, "/admin/orders/live?after=0", None).await;
    let mut theirs_stream = open(&theirs_browser, "/admin/orders/live?after=0", None).await;

    let theirs = s
        .order_with(&other.api_token, "B-1", "Bertta Toisesta")
        .await;
    let ours = s.order("A-1", "Aino Meiltä").await;
    let got = ours_stream.drain(QUIET).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(order_id(&got[0]), ours);
    let got = theirs_stream.drain(QUIET).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(order_id(&got[0]), theirs);
    // Each shop counts its own events.
    assert_eq!(got[0].id, 1);
}

async fn read_only_users_can_listen(s: Server) {
    let reader = s.read_only_client().await;
    let mut stream = open(&reader, "/admin/orders/live", None).await;
    let id = s.order("RO-1", "Luku Oikeus").await;
    let message = stream.next(WITHIN).await.expect("the event");
    assert_eq!(order_id(&message), id);
    let row = reader.get(&format!("/admin/orders/{id}/row")).await;
    assert_eq!(row.status, StatusCode::OK);
    assert!(row.body.contains("Luku Oikeus"));
}

async fn many_listeners_share_one_feed(s: Server) {
    let browser = owner(&s).await;
    let mut streams = Vec::new();
    for _ in 0..40 {
        streams.push(open(&browser, "/admin/orders/live", None).await);
    }
    let started = Instant::now();
    let id = s.order("M-1", "Monta Kuuntelijaa").await;
    for stream in &mut streams {
        let message = stream.next(WITHIN).await.expect("every listener gets it");
        assert_eq!(order_id(&message), id);
    }
    eprintln!(
        "40 listeners had the event {:?} after the POST began",
        started.elapsed()
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

async fn rows_and_groups_follow_the_filters(s: Server) {
    let browser = owner(&s).await;
    let page = browser.get("/admin/orders").await;
    assert!(page.body.contains("data-live=\"0\""), "the page's position");
    let id = s.order("F-1", "Fiia Filtteri").await;
    let page = browser.get("/admin/orders?state=open&q=fiia").await;
    assert!(page.body.contains("data-live=\"1\""));
    assert!(
        page.body.contains("data-filters=\"q=fiia&#38;state=open\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("data-first-page"));
    assert!(page.body.contains(&format!("<tr data-id=\"{id}\"")));

    let row = browser
        .get(&format!("/admin/orders/{id}/row?state=open&q=fiia"))
        .await;
    assert_eq!(row.status, StatusCode::OK);
    assert!(
        row.body
            .trim_start()
            .starts_with(&format!("<tr data-id=\"{id}\""))
    );
    assert!(row.body.contains("Fiia Filtteri"));
    assert!(row.body.contains("Avoin"), "the state as text, in Finnish");
    assert!(!row.body.contains("<html"), "a fragment, not a page");

    let filtered = browser
        .get(&format!("/admin/orders/{id}/row?state=confirmed"))
        .await;
    assert_eq!(filtered.status, StatusCode::NO_CONTENT);
    let missing = browser
        .get(&format!("/admin/orders/{}/row", uuid::Uuid::now_v7()))
        .await;
    assert_eq!(missing.status, StatusCode::NO_CONTENT);
    let garbage = browser.get("/admin/orders/nonsense/row").await;
    assert_eq!(garbage.status, StatusCode::NO_CONTENT);

    let home = browser.get("/admin").await;
    assert!(home.body.contains("data-live-groups=\"1\""));
    let groups = browser.get("/admin/groups").await;
    assert_eq!(groups.status, StatusCode::OK);
    assert!(groups.body.contains("Fiia Filtteri"));
    assert!(!groups.body.contains("<html"));
    s.change_state(&id, "cancelled").await;
    let groups = browser.get("/admin/groups").await;
    assert!(
        !groups.body.contains("Fiia Filtteri"),
        "cancelled orders wait for nobody"
    );
}
