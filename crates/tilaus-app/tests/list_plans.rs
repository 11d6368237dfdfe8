//! Evidence that the order list's query shapes use their indexes on both backends: a seeded
//! shop, fresh statistics, and the plans each backend chooses for the admin's common filters.
//! Run with `--nocapture` to read the plans (docs/query-plans.md keeps a copy).

use tilaus_app::App;
use tilaus_app::shop::NewShop;
use tilaus_store::order::{
    self, Cursor, ExportRow, OrderFilter, OrderRow, explain_list, export_page, list,
};
use tilaus_store::testkit::{self, TestDb};
use tilaus_store::{Backend, Queries, ShopScope, now_micros};

const ORDERS: usize = 20_000;
const DAY: i64 = 86_400_000_000;

async fn seeded(db: &TestDb) -> (App, ShopScope) {
    let app = App::open(&db.url).await.expect("open");
    let shop = app
        .create_shop(NewShop {
            name: "Plans".into(),
            owner_email: "owner@plans.example".into(),
            ..NewShop::default()
        })
        .await
        .expect("shop");
    app.seed_orders(shop.shop_id, ORDERS, 7, |_| {})
        .await
        .expect("seed");
    let mut tx = app.db.begin().await.expect("tx");
    tx.execute_raw("ANALYZE").await.expect("analyze");
    tx.commit().await.expect("commit");
    (app, ShopScope::authorised(shop.shop_id))
}

/// The admin list's common shapes, each with the index it must walk (newest first, no sort).
fn shapes() -> Vec<(
    &'static str,
    OrderFilter,
    Option<Cursor>,
    Option<&'static str>,
)> {
    let now = now_micros();
    let window = |f: OrderFilter| OrderFilter {
        created_from: Some(now - 90 * DAY),
        created_to: Some(now),
        ..f
    };
    vec![
        (
            "newest first",
            OrderFilter::default(),
            None,
            Some("orders_created"),
        ),
        (
            "state + 90-day window",
            window(OrderFilter {
                states: vec!["open".into()],
                ..OrderFilter::default()
            }),
            None,
            Some("orders_state_created"),
        ),
        (
            "state + 90-day window + name fragment",
            window(OrderFilter {
                states: vec!["completed".into()],
                text: Some("virta".into()),
                ..OrderFilter::default()
            }),
            None,
            None,
        ),
        (
            "channel",
            OrderFilter {
                channels: vec!["pos".into()],
                ..OrderFilter::default()
            },
            None,
            Some("orders_channel_created"),
        ),
        (
            "tag",
            OrderFilter {
                tag: Some("vip".into()),
                ..OrderFilter::default()
            },
            None,
            None,
        ),
        (
            "a later page (keyset cursor)",
            OrderFilter::default(),
            Some(Cursor {
                created_at: now - 200 * DAY,
                order_id: uuid::Uuid::max(),
            }),
            Some("orders_created"),
        ),
    ]
}

async fn plans_use_indexes(db: TestDb) {
    let (app, scope) = seeded(&db).await;
    let mut conn = app.db.read().await.expect("conn");
    let backend = conn.backend();
    for (name, filter, cursor, index) in shapes() {
        let plan = explain_list(&mut conn, scope, &filter, cursor, 51)
            .await
            .expect("explain");
        println!("-- {backend:?}: {name}\n{}\n", plan.join("\n"));
        let text = plan.join("\n");
        match backend {
            Backend::Sqlite => {
                assert!(!text.contains("TEMP B-TREE"), "{name}: sorts\n{text}");
                assert!(
                    !plan.iter().any(|l| l.trim() == "SCAN orders"),
                    "{name}: scans the table\n{text}"
                );
            }
            Backend::Postgres => {
                assert!(
                    !text.contains("Seq Scan on orders"),
                    "{name}: scans the table\n{text}"
                );
            }
        }
        if let Some(index) = index {
            assert!(text.contains(index), "{name}: does not use {index}\n{text}");
        }
        // The page itself comes back newest first.
        let rows = list(&mut conn, scope, &filter, cursor, 51)
            .await
            .expect("list");
        assert!(
            rows.windows(2).all(|w| w[0].created_at >= w[1].created_at),
            "{name}: order"
        );
    }
}

/// PostgreSQL must plan the list for the actual values on every call: after five executions of
/// a cached prepared statement it would switch to a generic plan that cannot see the search
/// pattern (reference/performance.md, trap 1). So the list statement is never cached.
async fn list_is_never_a_cached_statement(db: TestDb) {
    let (app, scope) = seeded(&db).await;
    let mut conn = app.db.read().await.expect("conn");
    let filter = OrderFilter {
        states: vec!["completed".into()],
        text: Some("virta".into()),
        ..OrderFilter::default()
    };
    for _ in 0..7 {
        list(&mut conn, scope, &filter, None, 51)
            .await
            .expect("list");
    }
    const CACHED_LIST: &str = "SELECT count(*) = $1 FROM pg_prepared_statements \
         WHERE statement LIKE '%search_text\" LIKE%' \
         AND statement NOT LIKE '%pg_prepared_statements%'";
    assert!(
        conn.fetch_bool(CACHED_LIST, 0).await.expect("query"),
        "the list statement was cached"
    );
    // Control: ordinary statements are cached on this very connection.
    const CACHED_ANY: &str = "SELECT count(*) > $1 FROM pg_prepared_statements";
    tilaus_store::order::get(&mut conn, scope, uuid::Uuid::nil())
        .await
        .expect("get");
    assert!(conn.fetch_bool(CACHED_ANY, 0).await.expect("query"));
    // The seventh plan is still a custom plan: it names the search pattern.
    let plan = explain_list(&mut conn, scope, &filter, None, 51)
        .await
        .expect("explain");
    assert!(plan.join("\n").contains("%virta%"), "{}", plan.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_list_plans_use_indexes() {
    plans_use_indexes(testkit::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_list_plans_use_indexes() {
    testkit::drop_stale_postgres_databases().await;
    if let Some(db) = testkit::postgres("list_plans").await {
        plans_use_indexes(db).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_list_is_planned_for_its_values_every_time() {
    if let Some(db) = testkit::postgres("generic_plans").await {
        list_is_never_a_cached_statement(db).await;
    }
}

/// Every page of a free-text search, whichever stage of [`list`] finds it (bounded probes of
/// the other filters' index, then the planner's own choice), equals filtering all candidate
/// rows by hand.
async fn text_search_finds_what_a_plain_scan_finds(db: TestDb) {
    let (app, scope) = seeded(&db).await;
    let mut conn = app.db.read().await.expect("conn");
    let now = now_micros();
    // Common, uncommon and absent fragments; with and without other filters; page sizes that
    // end inside and outside the first probe.
    let cases = [
        ("virta", vec![], None, 51),
        // Fills the page in the second stage.
        ("virta", vec![], None, 200),
        // Digits of phone numbers and e-mail addresses: a few per stage, so the planner's
        // query takes over after the first.
        ("4012", vec![], None, 51),
        ("ström", vec!["completed".to_owned()], Some(90), 51),
        ("korh", vec!["invoiced".to_owned()], Some(200), 7),
        ("web-1", vec![], None, 200),
        // Only in old orders: the first probe finds nothing, the planner's query the rest.
        ("web-10", vec![], None, 51),
        ("+3584012", vec!["open".to_owned()], None, 51),
        ("no such text", vec![], Some(30), 51),
    ];
    for (text, states, days, limit) in cases {
        let filter = OrderFilter {
            text: Some(text.to_owned()),
            states: states.clone(),
            created_from: days.map(|d| now - d * DAY),
            ..OrderFilter::default()
        };
        let others = OrderFilter {
            text: None,
            ..filter.clone()
        };
        // The oracle: every candidate, newest first, filtered here.
        let candidates = all_pages(200, async |cursor, n| {
            list(&mut conn, scope, &others, cursor, n)
                .await
                .expect("page")
        })
        .await;
        let expected: Vec<_> = candidates
            .iter()
            .filter(|o| o.search_text.contains(text))
            .map(|o| o.order_id)
            .collect();
        let found = all_pages(limit, async |cursor, n| {
            list(&mut conn, scope, &filter, cursor, n)
                .await
                .expect("page")
        })
        .await;
        let got: Vec<_> = found.iter().map(|o| o.order_id).collect();
        assert!(
            !expected.is_empty() || text == "no such text",
            "{text}: the seed has no match, so the case proves nothing"
        );
        assert_eq!(got.len(), expected.len(), "{text} {states:?} {days:?}");
        assert_eq!(got, expected, "{text} {states:?} {days:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_text_search_finds_what_a_plain_scan_finds() {
    text_search_finds_what_a_plain_scan_finds(testkit::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_text_search_finds_what_a_plain_scan_finds() {
    if let Some(db) = testkit::postgres("text_search").await {
        text_search_finds_what_a_plain_scan_finds(db).await;
    }
}

/// What an export writes of a listed order.
fn exported(o: &OrderRow) -> ExportRow {
    ExportRow {
        order_id: o.order_id,
        number: o.number,
        channel: o.channel.clone(),
        origin: o.origin.clone(),
        external_id: o.external_id.clone(),
        language: o.language.clone(),
        currency: o.currency.clone(),
        prices_include_vat: o.prices_include_vat,
        customer_kind: o.customer_kind.clone(),
        customer_name: o.customer_name.clone(),
        customer_email: o.customer_email.clone(),
        customer_phone: o.customer_phone.clone(),
        customer_business_id: o.customer_business_id.clone(),
        customer_vat_id: o.customer_vat_id.clone(),
        state: o.state.clone(),
        payment_state: o.payment_state.clone(),
        delivery_state: o.delivery_state.clone(),
        tags: o.tags.clone(),
        net: o.net,
        vat: o.vat,
        gross: o.gross,
        line_count: o.line_count,
        created_at: o.created_at,
        updated_at: o.updated_at,
    }
}

/// Every page of every filter, through `fetch`, following the cursor of each full page.
async fn all_pages<R, F>(page_size: u64, mut fetch: F) -> Vec<R>
where
    F: AsyncFnMut(Option<Cursor>, u64) -> Vec<R>,
    R: Clone,
    Cursor: for<'a> From<&'a R>,
{
    let mut all = Vec::new();
    let mut cursor = None;
    loop {
        let page = fetch(cursor, page_size).await;
        all.extend(page.iter().cloned());
        match page.last() {
            Some(last) if page.len() as u64 == page_size => cursor = Some(Cursor::from(last)),
            _ => return all,
        }
    }
}

/// An export reads exactly the list's orders and fields, on both backends. On SQLite its pages
/// travel as JSON, so text with quotes, backslashes, control characters and emoji, the flag
/// both ways and the ids must come back unchanged.
async fn export_pages_read_what_the_list_reads(db: TestDb) {
    let (app, scope) = seeded(&db).await;
    let mut conn = app.db.read().await.expect("conn");
    let newest = list(&mut conn, scope, &OrderFilter::default(), None, 1)
        .await
        .expect("list")
        .remove(0);
    drop(conn);
    let tags = vec!["a \"b\"".to_owned(), "ö\\".to_owned()];
    let odd = OrderRow {
        order_id: uuid::Uuid::now_v7(),
        number: newest.number + 1,
        external_id: None,
        origin: Some("pöytä 7 \u{1F37A}".into()),
        customer_name: "Ä \"quoted\" \\ back\u{1}\ttab \u{1F600}\u{FEFF}".into(),
        customer_email: None,
        prices_include_vat: !newest.prices_include_vat,
        tags: serde_json::to_string(&tags).expect("tags"),
        created_at: newest.created_at + 1,
        ..newest
    };
    let mut tx = app.db.begin().await.expect("tx");
    order::insert(&mut tx, scope, &odd, &[], &tags)
        .await
        .expect("insert");
    tx.commit().await.expect("commit");
    let now = now_micros();
    let filters = [
        OrderFilter::default(),
        OrderFilter {
            states: vec!["completed".into(), "open".into()],
            created_from: Some(now - 90 * DAY),
            ..OrderFilter::default()
        },
        OrderFilter {
            text: Some("nen".into()),
            ..OrderFilter::default()
        },
    ];
    let mut conn = app.db.read().await.expect("conn");
    for filter in filters {
        let listed = all_pages(500, async |cursor, n| {
            list(&mut conn, scope, &filter, cursor, n)
                .await
                .expect("list")
        })
        .await;
        let expected: Vec<ExportRow> = listed.iter().map(exported).collect();
        let got = all_pages(333, async |cursor, n| {
            export_page(&mut conn, scope, &filter, cursor, n)
                .await
                .expect("export page")
        })
        .await;
        assert!(expected.len() > 500, "{filter:?}: too few to page");
        assert_eq!(got.len(), expected.len(), "{filter:?}");
        assert!(got == expected, "{filter:?}: rows differ");
    }
    assert!(
        export_page(&mut conn, scope, &OrderFilter::default(), None, 1)
            .await
            .expect("page")
            == vec![exported(&odd)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_export_pages_read_what_the_list_reads() {
    export_pages_read_what_the_list_reads(testkit::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_export_pages_read_what_the_list_reads() {
    if let Some(db) = testkit::postgres("export_pages").await {
        export_pages_read_what_the_list_reads(db).await;
    }
}
