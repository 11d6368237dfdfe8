//! Customers on both backends (CUS-1): search by name, e-mail, phone and business id, keyset
//! pages, a customer's orders, orders for an existing customer by id, and the manual order
//! form's pricing (the same rules as ingest, without writing).

use serde_json::{Value, json};
use tilaus_app::order::NewOrderRequest;
use tilaus_app::shop::NewShop;
use tilaus_app::{App, AppError, Principal};
use tilaus_store::testkit::TestDb;

tilaus_store::on_both_backends!(
    customers_are_found_by_any_of_their_details,
    customer_pages_and_orders_are_newest_first,
    an_order_for_an_existing_customer_by_id,
    pricing_an_order_in_the_making_writes_nothing,
);

async fn shop(app: &App, name: &str) -> Principal {
    let shop = app
        .create_shop(NewShop {
            name: name.into(),
            owner_email: format!("owner@{}.example", name.to_lowercase()),
            ..NewShop::default()
        })
        .await
        .expect("shop");
    Principal::system(shop.shop_id, "test")
}

fn request(customer: Value) -> NewOrderRequest {
    serde_json::from_value(json!({
        "channel": "phone", "customer": customer,
        "lines": [{"name": "Kahvi", "quantity": 1, "unit_price": 350, "vat_rate": 1400}]
    }))
    .expect("a valid request")
}

async fn order_for(app: &App, principal: &Principal, customer: Value) -> Value {
    let outcome = app
        .ingest_order(principal, &request(customer), None)
        .await
        .expect("ingest");
    serde_json::from_str(&outcome.body).expect("json")
}

async fn names(app: &App, principal: &Principal, q: &str) -> Vec<String> {
    app.list_customers(principal, Some(q), None, None)
        .await
        .expect("list")
        .items
        .into_iter()
        .map(|c| c.customer.name)
        .collect()
}

async fn customers_are_found_by_any_of_their_details(db: TestDb) {
    let app = App::open(&db.url).await.expect("open");
    let a = shop(&app, "Aalto").await;
    let b = shop(&app, "Berg").await;
    order_for(
        &app,
        &a,
        json!({"name": "Äijälä Eero", "email": "Eero@Example.FI", "phone": "+358 40 123 4567"}),
    )
    .await;
    order_for(
        &app,
        &a,
        json!({"kind": "organisation", "name": "Rakennus Oy", "business_id": "1234567-8",
        "vat_id": "FI12345678", "contact_person": "Pia Projekti"}),
    )
    .await;
    order_for(
        &app,
        &b,
        json!({"name": "Eero Toisessa", "email": "eero@b.example"}),
    )
    .await;

    assert_eq!(
        names(&app, &a, "äijä").await,
        ["Äijälä Eero"],
        "case-folded, non-ASCII too"
    );
    assert_eq!(names(&app, &a, "EXAMPLE.fi").await, ["Äijälä Eero"]);
    assert_eq!(names(&app, &a, "40 123").await, ["Äijälä Eero"]);
    assert_eq!(names(&app, &a, "1234567").await, ["Rakennus Oy"]);
    assert_eq!(names(&app, &a, "fi1234").await, ["Rakennus Oy"]);
    assert_eq!(names(&app, &a, "pia").await, ["Rakennus Oy"]);
    assert_eq!(
        names(&app, &a, "eero").await,
        ["Äijälä Eero"],
        "never another shop's"
    );
    assert_eq!(
        names(&app, &a, "%").await,
        Vec::<String>::new(),
        "wildcards are literal"
    );
    assert_eq!(names(&app, &a, "  ").await.len(), 2, "blank is no filter");
    let long = "x".repeat(201);
    assert!(matches!(
        app.list_customers(&a, Some(&long), None, None).await,
        Err(AppError::Invalid(e)) if e.0[0].pointer == "/q"
    ));
    assert!(matches!(
        app.list_customers(&a, None, Some("garbage"), None).await,
        Err(AppError::Invalid(e)) if e.0[0].pointer == "/cursor"
    ));
}

async fn customer_pages_and_orders_are_newest_first(db: TestDb) {
    let app = App::open(&db.url).await.expect("open");
    let a = shop(&app, "Aalto").await;
    let b = shop(&app, "Berg").await;
    for i in 0..5 {
        order_for(
            &app,
            &a,
            json!({"name": format!("Asiakas {i}"), "email": format!("a{i}@example.fi")}),
        )
        .await;
    }
    // Three orders of one returning customer (matched by e-mail).
    let mut order_ids = Vec::new();
    for _ in 0..3 {
        let order = order_for(
            &app,
            &a,
            json!({"name": "Kanta Asiakas", "email": "kanta@example.fi"}),
        )
        .await;
        order_ids.push(order["id"].as_str().expect("id").to_owned());
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = app
            .list_customers(&a, None, cursor.as_deref(), Some(2))
            .await
            .expect("page");
        assert!(page.items.len() <= 2);
        seen.extend(page.items.into_iter().map(|c| c.customer.name));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(
        seen,
        [
            "Kanta Asiakas",
            "Asiakas 4",
            "Asiakas 3",
            "Asiakas 2",
            "Asiakas 1",
            "Asiakas 0"
        ]
    );

    let kanta = &app
        .list_customers(&a, Some("kanta"), None, None)
        .await
        .expect("list")
        .items[0];
    let id = kanta.customer.id;
    assert_eq!(
        app.get_customer(&a, id)
            .await
            .expect("get")
            .customer
            .email
            .as_deref(),
        Some("kanta@example.fi")
    );
    let first = app
        .customer_orders(&a, id, None, Some(2))
        .await
        .expect("orders");
    let ids: Vec<String> = first.items.iter().map(|o| o.id.to_string()).collect();
    assert_eq!(ids, [order_ids[2].clone(), order_ids[1].clone()]);
    let rest = app
        .customer_orders(&a, id, first.next_cursor.as_deref(), Some(2))
        .await
        .expect("orders");
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.items[0].id.to_string(), order_ids[0]);
    assert!(rest.next_cursor.is_none());

    // Another shop sees neither the customer nor their orders.
    assert!(matches!(
        app.get_customer(&b, id).await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        app.customer_orders(&b, id, None, None).await,
        Err(AppError::NotFound(_))
    ));
}

async fn an_order_for_an_existing_customer_by_id(db: TestDb) {
    let app = App::open(&db.url).await.expect("open");
    let a = shop(&app, "Aalto").await;
    let b = shop(&app, "Berg").await;
    // Without e-mail a customer cannot be matched, only named by id.
    let first = order_for(
        &app,
        &a,
        json!({"name": "Tiskin Tiina", "phone": "040 111 2222"}),
    )
    .await;
    let id = first["customer"]["id"].as_str().expect("id").to_owned();
    let second = order_for(
        &app,
        &a,
        json!({"id": id, "name": "Tiskin Tiina", "phone": "040 111 2222"}),
    )
    .await;
    assert_eq!(second["customer"]["id"], first["customer"]["id"]);
    let page = app
        .list_customers(&a, Some("tiina"), None, None)
        .await
        .expect("list");
    assert_eq!(page.items.len(), 1, "no second record");
    let orders = app
        .customer_orders(&a, page.items[0].customer.id, None, None)
        .await
        .expect("orders");
    assert_eq!(orders.items.len(), 2);

    // Another shop's customer id is refused as a field error, and nothing is written.
    let refused = app
        .ingest_order(&b, &request(json!({"id": id, "name": "Varas"})), None)
        .await;
    match refused {
        Err(AppError::Invalid(e)) => assert_eq!(e.0[0].pointer, "/customer/id"),
        other => panic!("expected a field error, got {other:?}"),
    }
    let b_orders = app
        .list_orders(&b, &tilaus_app::order::ListQuery::default())
        .await
        .expect("list");
    assert!(b_orders.items.is_empty());
    assert!(
        app.list_customers(&b, None, None, None)
            .await
            .expect("list")
            .items
            .is_empty()
    );
}

async fn pricing_an_order_in_the_making_writes_nothing(db: TestDb) {
    let app = App::open(&db.url).await.expect("open");
    let a = shop(&app, "Aalto").await;
    app.create_product(
        &a,
        &serde_json::from_value(
            json!({"sku": "KAHVI", "names": {"fi": "Kahvi"}, "unit_price": 1255, "vat_rate": 2550}),
        )
        .expect("product"),
    )
    .await
    .expect("product");
    let request = |gross: bool| -> NewOrderRequest {
        serde_json::from_value(json!({
            "channel": "pos", "prices_include_vat": gross, "customer": {"name": ""},
            "lines": [
                {"sku": "KAHVI", "quantity": 2},
                {"name": "Pulla", "quantity": 3, "unit_price": 300, "vat_rate": 1400},
                {"name": "Rikki", "quantity": 0, "unit_price": 100, "vat_rate": 1400},
            ]
        }))
        .expect("request")
    };
    let gross = app.price_order(&a, &request(true)).await.expect("price");
    assert_eq!(gross.line_totals, [Some(2510), Some(900), None]);
    assert_eq!(gross.errors.0.len(), 1);
    assert_eq!(gross.errors.0[0].pointer, "/lines/2/quantity");
    // The domain's totals: VAT once per rate, half away from zero.
    assert_eq!(
        (gross.totals.net, gross.totals.vat, gross.totals.gross),
        (2789, 621, 3410)
    );
    // Net entry: the product's gross price converted, VAT added on top.
    let net = app.price_order(&a, &request(false)).await.expect("price");
    assert_eq!(net.line_totals[0], Some(2000));
    assert_eq!(net.totals.net, 2900);
    assert_eq!(net.totals.gross, 2900 + 510 + 126);
    assert!(
        app.list_customers(&a, None, None, None)
            .await
            .expect("list")
            .items
            .is_empty()
    );
}
