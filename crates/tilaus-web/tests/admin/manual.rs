//! Customers and manual orders (ORD-4, CUS-1) over HTTP on both backends: the customer list
//! and page, the form's round trips without JavaScript (search, add lines, recalculate), its
//! live totals fragment, saving through ingest, field errors with the input kept, CSRF,
//! read-only users and another shop's customers.

use crate::support::{Client, PASSWORD, Server, form_fields};
use reqwest::StatusCode;
use serde_json::json;
use tilaus_app::shop::NewShop;

tilaus_store::on_both_backends!(
    start = Server::start;
    customers_are_listed_searched_and_shown,
    a_manual_order_is_built_and_saved_without_javascript,
    the_form_keeps_input_and_shows_errors_beside_fields,
    read_only_users_and_other_shops_get_nothing,
    an_open_order_is_edited_in_the_same_form,
    a_stale_or_no_longer_open_edit_changes_nothing,
);

async fn owner(s: &Server) -> Client {
    let client = s.client();
    assert_eq!(
        client.login(&s.owner_email, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    client
}

/// The value of a hidden field of the page.
fn hidden(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker).map(|i| i + marker.len()).unwrap_or(0);
    let end = body[start..].find('"').map_or(start, |e| start + e);
    body[start..end].to_owned()
}

async fn customers_are_listed_searched_and_shown(s: Server) {
    let id = s.order("W-1", "Aino Virtanen").await;
    s.order("W-2", "Bertil Berg").await;
    let browser = owner(&s).await;
    let list = browser.get("/admin/customers").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("Aino Virtanen") && list.body.contains("Bertil Berg"));
    let found = browser.get("/admin/customers?q=W-1%40EXAMPLE").await;
    assert!(found.body.contains("Aino Virtanen"), "by e-mail, any case");
    assert!(!found.body.contains("Bertil Berg"));
    let bad = browser.get("/admin/customers?cursor=bogus").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    let order = s.api_order(&id).await;
    let customer = order["customer"]["id"].as_str().expect("id");
    let page = browser.get(&format!("/admin/customers/{customer}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(&format!("/admin/orders/{id}")),
        "links to the order"
    );
    assert!(
        page.body
            .contains(&format!("/admin/orders/new?customer={customer}"))
    );
    // Their messages over all orders (CUS-7): the order-received mail, linked to its order.
    assert!(
        page.body
            .contains(&format!("href=\"/admin/orders/{id}?tab=messages\"")),
        "{}",
        page.body
    );
    let messages: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/api/v1/customers/{customer}/messages", s.base))
        .bearer_auth(&s.token)
        .send()
        .await
        .expect("messages")
        .json()
        .await
        .expect("json");
    let items = messages["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{messages}");
    assert_eq!(items[0]["kind"], "order_received");
    assert_eq!(items[0]["order_id"], id.as_str());
    let form = browser
        .get(&format!("/admin/orders/new?customer={customer}"))
        .await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(hidden(&form.body, "customer_id"), customer);
    assert!(form.body.contains("value=\"Aino Virtanen\""));
    let missing = browser
        .get(&format!("/admin/customers/{}", uuid::Uuid::now_v7()))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

async fn a_manual_order_is_built_and_saved_without_javascript(s: Server) {
    s.app
        .create_product(
            &tilaus_app::Principal::system(s.shop_id, "test"),
            &serde_json::from_value(json!({"sku": "KAHVI-1", "names": {"fi": "Kahvipaketti"},
                "unit_price": 1255, "vat_rate": 2550}))
            .expect("product"),
        )
        .await
        .expect("product");
    let browser = owner(&s).await;
    let page = browser.get("/admin/orders/new").await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = page.csrf();
    let key = hidden(&page.body, "form_key");
    let base = |extra: &[(&'static str, &'static str)]| -> Vec<(&'static str, String)> {
        let mut fields: Vec<(&'static str, String)> = vec![
            ("csrf", csrf.clone()),
            ("form_key", key.clone()),
            ("customer_id", String::new()),
            ("kind", "organisation".into()),
            ("name", "Puu Oy".into()),
            ("email", "".into()),
            ("phone", "040 555 1234".into()),
            ("business_id", "1234567-8".into()),
            ("contact_person", "Paavo Puu".into()),
            ("channel", "phone".into()),
            ("prices", "gross".into()),
        ];
        fields.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
        fields
    };
    let post = |fields: Vec<(&'static str, String)>| {
        let browser = &browser;
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            browser.post("/admin/orders/new", &pairs).await
        }
    };
    // Product search, then adding the product: the page comes back with a product line.
    let searched = post(base(&[("product_q", "kahvi"), ("action", "find_product")])).await;
    assert_eq!(searched.status, StatusCode::OK);
    assert!(
        searched.body.contains("add_product:KAHVI-1"),
        "{}",
        searched.body
    );
    assert!(searched.body.contains("value=\"Puu Oy\""), "input kept");
    let added = post(base(&[("action", "add_product:KAHVI-1")])).await;
    assert!(added.body.contains("Kahvipaketti · KAHVI-1"));
    assert!(added.body.contains("12,55"), "the product line is priced");

    let lines: &[(&'static str, &'static str)] = &[
        ("line_sku", "KAHVI-1"),
        ("line_label", "Kahvipaketti · KAHVI-1"),
        ("line_name", ""),
        ("line_kind", ""),
        ("line_quantity", "2"),
        ("line_unit_price", ""),
        ("line_vat_rate", ""),
        ("line_sku", ""),
        ("line_label", ""),
        ("line_name", "Asennus"),
        ("line_kind", "service"),
        ("line_quantity", "1"),
        ("line_unit_price", "10,00"),
        ("line_vat_rate", "14"),
    ];
    // The live totals fragment: the domain's totals for these lines.
    let mut fields = base(lines);
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let totals = browser.post("/admin/orders/new/totals", &pairs).await;
    assert_eq!(totals.status, StatusCode::OK);
    // 25,10 € at 25,5 % and 10,00 € at 14 %: VAT 5,10 € + 1,23 €.
    assert!(totals.body.contains("35,10"), "{}", totals.body);
    assert!(totals.body.contains("6,33"), "{}", totals.body);
    assert!(!totals.body.contains("<html"), "a fragment");
    // Recalculate without JavaScript: the same totals in the whole page.
    fields.push(("action", "recalc".into()));
    let recalculated = post(fields).await;
    assert!(recalculated.body.contains("35,10"));

    let mut fields = base(lines);
    fields.push(("note", "Soitti aamulla".into()));
    fields.push(("action", "save_open".into()));
    let saved = post(fields.clone()).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let location = saved.location().to_owned();
    assert!(location.starts_with("/admin/orders/"));
    assert!(location.ends_with("?done=created"), "{location}");
    // A double click replays the same order instead of making a second one.
    let again = post(fields).await;
    assert_eq!(again.location(), location);
    let id = location
        .trim_start_matches("/admin/orders/")
        .trim_end_matches("?done=created");
    let shown = browser.get(&location).await;
    assert!(shown.body.contains("role=\"status\""), "the notice");
    let order = s.api_order(id).await;
    assert_eq!(order["channel"], "phone");
    assert_eq!(order["state"], "open");
    assert_eq!(order["customer"]["business_id"], "1234567-8");
    assert_eq!(order["lines"][0]["sku"], "KAHVI-1");
    assert_eq!(order["lines"][0]["unit_price"], 1255);
    assert_eq!(order["lines"][1]["kind"], "service");
    assert_eq!(order["totals"]["gross"], 3510);
    assert_eq!(order["notes"][0]["body"], "Soitti aamulla");
    let list = reqwest::Client::new()
        .get(format!("{}/api/v1/orders", s.base))
        .bearer_auth(&s.token)
        .send()
        .await
        .expect("list")
        .json::<serde_json::Value>()
        .await
        .expect("json");
    assert_eq!(
        list["items"].as_array().expect("items").len(),
        1,
        "one order"
    );

    // The customer is now found by the form's search, and a second order can be theirs.
    let found = post(vec![
        ("csrf", csrf.clone()),
        ("customer_q", "1234567".into()),
        ("action", "find_customer".into()),
    ])
    .await;
    assert!(found.body.contains("pick_customer:"), "{}", found.body);
}

async fn the_form_keeps_input_and_shows_errors_beside_fields(s: Server) {
    let browser = owner(&s).await;
    let csrf = browser.csrf("/admin/orders/new").await;
    let refused = browser
        .post(
            "/admin/orders/new",
            &[
                ("csrf", &csrf),
                ("form_key", "k1"),
                ("kind", "consumer"),
                ("name", ""),
                ("email", "ei-osoite"),
                ("channel", "pos"),
                ("line_sku", ""),
                ("line_label", ""),
                ("line_name", "Pulla"),
                ("line_kind", "goods"),
                ("line_quantity", "kaksi"),
                ("line_unit_price", "3,5"),
                ("line_vat_rate", "14"),
                ("action", "save_confirmed"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("is not a whole number"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("value=\"Pulla\"") && refused.body.contains("value=\"3,5\""));
    assert!(refused.body.contains("value=\"ei-osoite\""));
    // Readable input, invalid order: ingest's errors beside the customer's fields.
    let refused = browser
        .post(
            "/admin/orders/new",
            &[
                ("csrf", &csrf),
                ("form_key", "k2"),
                ("name", ""),
                ("email", "ei-osoite"),
                ("channel", "pos"),
                ("line_sku", ""),
                ("line_name", "Pulla"),
                ("line_quantity", "2"),
                ("line_unit_price", "3,5"),
                ("line_vat_rate", "14"),
                ("action", "save_confirmed"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("must not be empty"));
    assert!(refused.body.contains("is not a valid e-mail address"));
    assert!(refused.body.contains("aria-invalid"));
    assert!(
        refused.body.contains("7,00"),
        "the totals of the kept lines"
    );
    let list = browser.get("/admin/orders").await;
    assert!(list.body.contains("class=\"empty\""), "nothing was saved");
    // Without the CSRF token nothing happens.
    let forged = browser
        .post(
            "/admin/orders/new",
            &[("name", "X"), ("action", "save_open")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let forged = browser.post("/admin/orders/new/totals", &[]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
}

async fn read_only_users_and_other_shops_get_nothing(s: Server) {
    let ours = s.order("A-1", "Aino Meiltä").await;
    let other = s
        .app
        .create_shop(NewShop {
            name: "Toinen kauppa".into(),
            owner_email: "other@example.fi".into(),
            ..NewShop::default()
        })
        .await
        .expect("shop");
    let theirs = s
        .order_with(&other.api_token, "B-1", "Bertta Toisesta")
        .await;
    let customer_of = |id: String, token: String| {
        let base = s.base.clone();
        async move {
            let order: serde_json::Value = reqwest::Client::new()
                .get(format!("{base}/api/v1/orders/{id}"))
                .bearer_auth(token)
                .send()
                .await
                .expect("get")
                .json()
                .await
                .expect("json");
            order["customer"]["id"].as_str().expect("id").to_owned()
        }
    };
    let their_customer = customer_of(theirs, other.api_token.clone()).await;
    let our_customer = customer_of(ours, s.token.clone()).await;

    let browser = owner(&s).await;
    assert!(
        !browser
            .get("/admin/customers")
            .await
            .body
            .contains("Bertta")
    );
    let page = browser
        .get(&format!("/admin/customers/{their_customer}"))
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(!page.body.contains("Bertta"));
    let form = browser
        .get(&format!("/admin/orders/new?customer={their_customer}"))
        .await;
    assert_eq!(form.status, StatusCode::NOT_FOUND);
    let csrf = browser.csrf("/admin/orders/new").await;
    let picked = browser
        .post(
            "/admin/orders/new",
            &[
                ("csrf", &csrf),
                ("action", &format!("pick_customer:{their_customer}")),
            ],
        )
        .await;
    assert_eq!(picked.status, StatusCode::NOT_FOUND);
    assert!(!picked.body.contains("Bertta"));

    let reader = s.read_only_client().await;
    let page = reader
        .get(&format!("/admin/customers/{our_customer}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Aino Meiltä"));
    assert!(
        !page.body.contains("/admin/orders/new"),
        "no New order button"
    );
    assert!(
        !reader
            .get("/admin/customers")
            .await
            .body
            .contains("/admin/orders/new")
    );
    assert_eq!(
        reader.get("/admin/orders/new").await.status,
        StatusCode::FORBIDDEN
    );
    let csrf = page.csrf();
    for path in ["/admin/orders/new", "/admin/orders/new/totals"] {
        let refused = reader
            .post(
                path,
                &[("csrf", &csrf), ("name", "X"), ("action", "save_open")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path}");
    }
}

/// An open order with what the form must keep: a booked service with its reservation and a
/// discount, tags and a delivery address.
async fn open_order(s: &Server) -> String {
    s.post_order(
        &s.token,
        &json!({
            "channel": "phone", "language": "fi", "state": "open",
            "customer": {"kind": "consumer", "name": "Aino Virtanen", "email": "aino@example.fi",
                "delivery_address": {"line1": "Katu 1", "postal_code": "00100", "city": "Helsinki", "country": "FI"}},
            "lines": [
                {"name": "Kahvikurssi", "kind": "service", "quantity": 1, "unit_price": 5000,
                 "vat_rate": 1400, "discount": 500,
                 "reservation_start": "2026-12-01T15:00", "reservation_end": "2026-12-01T17:00"},
                {"name": "Muki", "quantity": 2, "unit_price": 1000, "vat_rate": 2550}
            ],
            "tags": ["vip"]
        }),
    )
    .await
}

/// Sets `name` (the `nth` of that name) in a form's fields.
fn set(fields: &mut [(String, String)], name: &str, nth: usize, value: &str) {
    let field = fields
        .iter_mut()
        .filter(|(n, _)| n == name)
        .nth(nth)
        .unwrap_or_else(|| panic!("no field {name} #{nth}"));
    field.1 = value.to_owned();
}

async fn submit(
    browser: &Client,
    path: &str,
    fields: &[(String, String)],
    action: &str,
) -> crate::support::Response {
    let mut pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    pairs.push(("action", action));
    browser.post(path, &pairs).await
}

async fn an_open_order_is_edited_in_the_same_form(s: Server) {
    let id = open_order(&s).await;
    let before = s.api_order(&id).await;
    let browser = owner(&s).await;
    let order_page = browser.get(&format!("/admin/orders/{id}")).await;
    let edit = format!("/admin/orders/{id}/edit");
    assert!(
        order_page.body.contains(&format!("href=\"{edit}\"")),
        "the Edit button"
    );
    let page = browser.get(&edit).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let fields = form_fields(&page.body, &edit);
    let value = |fields: &[(String, String)], name: &str| -> Vec<String> {
        fields
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .collect()
    };
    // The form holds the order as it is, in the user's (Finnish) number format.
    assert_eq!(value(&fields, "line_name"), ["Kahvikurssi", "Muki"]);
    assert_eq!(value(&fields, "line_unit_price"), ["50,00", "10,00"]);
    assert_eq!(value(&fields, "line_vat_rate"), ["14", "25,5"]);
    assert_eq!(value(&fields, "line_discount"), ["5,00", ""]);
    assert_eq!(value(&fields, "tags"), ["vip"]);
    assert_eq!(value(&fields, "delivery_city"), ["Helsinki"]);
    assert_eq!(value(&fields, "language"), ["fi"]);
    assert_eq!(value(&fields, "version"), [before["version"].to_string()]);
    assert_eq!(
        value(&fields, "customer_id"),
        [before["customer"]["id"].as_str().expect("id")]
    );

    // Saving the form untouched changes nothing of the content: every line, discount and
    // reservation survives the round trip.
    let saved = submit(&browser, &edit, &fields, "save_changes").await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(saved.location(), format!("/admin/orders/{id}?done=edited"));
    let same = s.api_order(&id).await;
    assert_eq!(same["lines"], before["lines"]);
    assert_eq!(same["totals"], before["totals"]);
    assert_eq!(same["delivery_address"], before["delivery_address"]);
    assert_eq!(same["customer"], before["customer"]);

    // Now a real edit: another quantity, a new free line, a billing address, tags, language.
    let page = browser.get(&edit).await;
    let mut fields = form_fields(&page.body, &edit);
    set(&mut fields, "line_quantity", 1, "3");
    set(&mut fields, "tags", 0, "vip, lahja");
    set(&mut fields, "language", 0, "sv");
    set(&mut fields, "billing_name", 0, "Aino Virtanen");
    set(&mut fields, "billing_line1", 0, "Laskukatu 2");
    set(&mut fields, "billing_postal_code", 0, "00200");
    set(&mut fields, "billing_city", 0, "Helsinki");
    let added = submit(&browser, &edit, &fields, "add_line").await;
    assert_eq!(added.status, StatusCode::OK);
    let mut fields = form_fields(&added.body, &edit);
    assert_eq!(
        value(&fields, "line_name").len(),
        3,
        "the blank line is there"
    );
    set(&mut fields, "line_name", 2, "Toimitus");
    set(&mut fields, "line_unit_price", 2, "5,90");
    set(&mut fields, "line_vat_rate", 2, "25,5");
    let saved = submit(&browser, &edit, &fields, "save_changes").await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let after = s.api_order(&id).await;
    assert_eq!(after["lines"].as_array().expect("lines").len(), 3);
    assert_eq!(
        after["lines"][0], before["lines"][0],
        "the booked line is kept as it was"
    );
    assert_eq!(after["lines"][1]["quantity"], 3);
    assert_eq!(after["lines"][2]["unit_price"], 590);
    // 45,00 + 30,00 + 5,90
    assert_eq!(after["totals"]["gross"], 8090);
    assert_eq!(after["tags"], json!(["vip", "lahja"]));
    assert_eq!(after["language"], "sv");
    assert_eq!(after["billing_address"]["line1"], "Laskukatu 2");
    assert_eq!(after["delivery_address"], before["delivery_address"]);
    let shown = browser.get(saved.location()).await;
    assert!(shown.body.contains("role=\"status\""), "the notice");

    // Choosing another existing customer makes the order theirs.
    let other = s.order("W-9", "Bertil Berg").await;
    let bertil = s.api_order(&other).await["customer"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let page = browser.get(&edit).await;
    let fields = form_fields(&page.body, &edit);
    let chosen = submit(&browser, &edit, &fields, &format!("pick_customer:{bertil}")).await;
    let fields = form_fields(&chosen.body, &edit);
    assert_eq!(value(&fields, "customer_id"), [bertil.as_str()]);
    let saved = submit(&browser, &edit, &fields, "save_changes").await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let after = s.api_order(&id).await;
    assert_eq!(after["customer"]["id"], bertil.as_str());
    assert_eq!(after["customer"]["name"], "Bertil Berg");
}

async fn a_stale_or_no_longer_open_edit_changes_nothing(s: Server) {
    let id = open_order(&s).await;
    let browser = owner(&s).await;
    let edit = format!("/admin/orders/{id}/edit");
    let page = browser.get(&edit).await;
    let mut fields = form_fields(&page.body, &edit);
    // Someone else changes the order meanwhile.
    s.change_state(&id, "confirmed").await;
    let before = s.api_order(&id).await;
    set(&mut fields, "line_quantity", 1, "7");
    let refused = submit(&browser, &edit, &fields, "save_changes").await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(refused.body.contains("role=\"alert\""));
    let kept = form_fields(&refused.body, &edit);
    assert!(
        kept.contains(&("line_quantity".to_owned(), "7".to_owned())),
        "input kept"
    );
    assert_eq!(s.api_order(&id).await, before, "nothing changed");
    // A confirmed order has no edit form, and the order page no Edit button.
    let page = browser.get(&edit).await;
    assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.body);
    let order_page = browser.get(&format!("/admin/orders/{id}")).await;
    assert!(!order_page.body.contains(&format!("href=\"{edit}\"")));
    // Unreadable input is refused beside its field.
    let other = open_order(&s).await;
    let edit = format!("/admin/orders/{other}/edit");
    let page = browser.get(&edit).await;
    let mut fields = form_fields(&page.body, &edit);
    set(&mut fields, "line_discount", 0, "paljon");
    let before = s.api_order(&other).await;
    let refused = submit(&browser, &edit, &fields, "save_changes").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("value=\"paljon\""));
    assert_eq!(s.api_order(&other).await, before);
    // Read-only users get no form.
    let reader = s.read_only_client().await;
    assert_eq!(reader.get(&edit).await.status, StatusCode::FORBIDDEN);
    set(&mut fields, "csrf", 0, &reader.csrf("/admin/orders").await);
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        reader.post(&edit, &pairs).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(s.api_order(&other).await, before);
}
