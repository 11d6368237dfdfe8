//! The two migration series must describe the same schema.

use tilaus_store::{Db, migrate, testkit};

#[tokio::test]
async fn sqlite_and_postgres_schemas_do_not_drift() {
    let sqlite = testkit::sqlite();
    let sqlite_db = Db::connect(&sqlite.url).await.expect("open sqlite");
    migrate::run(&sqlite_db).await.expect("migrate sqlite");
    let sqlite_schema = migrate::describe(&sqlite_db)
        .await
        .expect("describe sqlite");
    assert!(
        sqlite_schema.columns.contains("orders.shop_id binary"),
        "{:#?}",
        sqlite_schema.columns
    );
    assert!(
        sqlite_schema
            .indexes
            .contains("orders(shop_id, order_id) unique"),
        "{:#?}",
        sqlite_schema.indexes
    );

    let Some(pg) = testkit::postgres("schema drift").await else {
        return;
    };
    let pg_db = Db::connect(&pg.url).await.expect("open postgres");
    migrate::run(&pg_db).await.expect("migrate postgres");
    let pg_schema = migrate::describe(&pg_db).await.expect("describe postgres");
    let only = |a: &std::collections::BTreeSet<String>, b: &std::collections::BTreeSet<String>| {
        a.difference(b).cloned().collect::<Vec<_>>()
    };
    assert_eq!(
        only(&sqlite_schema.columns, &pg_schema.columns),
        Vec::<String>::new(),
        "columns only in SQLite"
    );
    assert_eq!(
        only(&pg_schema.columns, &sqlite_schema.columns),
        Vec::<String>::new(),
        "columns only in PostgreSQL"
    );
    assert_eq!(
        only(&sqlite_schema.indexes, &pg_schema.indexes),
        Vec::<String>::new(),
        "indexes only in SQLite"
    );
    assert_eq!(
        only(&pg_schema.indexes, &sqlite_schema.indexes),
        Vec::<String>::new(),
        "indexes only in PostgreSQL"
    );
}

#[tokio::test]
async fn every_primary_key_begins_with_shop_id() {
    let sqlite = testkit::sqlite();
    let db = Db::connect(&sqlite.url).await.expect("open sqlite");
    migrate::run(&db).await.expect("migrate");
    let schema = migrate::describe(&db).await.expect("describe");
    // Global tables: users, and the admin sessions and login throttle that belong to users; the
    // job queue, which holds installation-wide work too and is claimed across shops; the order
    // in which events were written, which only the sequencer reads, numbering every shop's events
    // (readers find events by shop and event id).
    let global = [
        "users(",
        "admin_sessions(",
        "login_throttle(",
        "jobs(",
        "job_attempts(",
        "job_schedule(",
        "order_events(seq)",
    ];
    for index in schema.indexes.iter().filter(|i| i.ends_with(" unique")) {
        if global.iter().any(|g| index.starts_with(g)) {
            continue;
        }
        let columns = index.split_once('(').map(|(_, c)| c).unwrap_or_default();
        assert!(
            columns.starts_with("shop_id"),
            "{index} does not begin with shop_id"
        );
    }
}

#[tokio::test]
async fn bad_database_urls_are_refused_with_the_reason() {
    let error = Db::connect("mysql://x@y/z").await.expect_err("unsupported");
    assert!(
        error.to_string().contains("unsupported database URL"),
        "{error}"
    );
    let error = Db::connect("postgres://app:secret@127.0.0.1:1/none")
        .await
        .expect_err("unreachable");
    assert!(!error.to_string().contains("secret"), "{error}");
}
