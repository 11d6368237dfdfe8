//! Documents and payments on both backends, without HTTP: gap-free numbering under concurrency,
//! immutability, payment state, orders that arrive paid, credit-note limits and tenancy.

use serde_json::json;
use tilaus_app::document::{CreditLineInput, CreditNoteRequest, InvoicingTerms, SeriesSettings};
use tilaus_app::order::NewOrderRequest;
use tilaus_app::payment::{NewPayment, PaymentByReference};
use tilaus_app::shop::NewShop;
use tilaus_app::{App, AppError, Principal};
use tilaus_store::testkit::TestDb;
use tilaus_store::{ShopScope, document};
use uuid::Uuid;

tilaus_store::on_both_backends!(
    start = Shop::start;
    concurrent_invoices_take_exactly_the_next_numbers,
    issued_documents_never_change,
    payment_state_follows_the_payments,
    paid_orders_get_their_receipt_in_the_same_transaction,
    credit_notes_never_exceed_what_remains,
    other_shops_see_nothing,
    series_and_terms_are_the_shops_to_set,
    a_transfer_slip_is_paid_by_its_reference,
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
                name: "Laskukauppa".into(),
                owner_email: "owner@lasku.example".into(),
                business_id: Some("2486559-4".into()),
                vat_id: Some("FI24865594".into()),
                iban: Some("FI21 1234 5600 0007 85".into()),
                bic: Some("NDEAFIHH".into()),
                ..NewShop::default()
            })
            .await
            .expect("shop");
        let owner = Principal::system(shop.shop_id, "test");
        Shop {
            app,
            owner,
            _db: db,
        }
    }

    /// An order of 2 × 24.90 € at 25.5 % and 1 × 10.00 € at 13.5 % (gross 59.80 €).
    async fn order(&self, state: &str, payments: serde_json::Value) -> serde_json::Value {
        let request: NewOrderRequest = serde_json::from_value(json!({
            "channel": "web", "state": state,
            "customer": {"kind": "organisation", "name": "Oy Asiakas Ab", "business_id": "1234567-8",
                "billing_address": {"line1": "Katu 1", "postal_code": "00100", "city": "Helsinki", "country": "FI"}},
            "lines": [{"name": "T-paita", "quantity": 2, "unit_price": 2490, "vat_rate": 2550},
                      {"name": "Kirja", "quantity": 1, "unit_price": 1000, "vat_rate": 1350}],
            "payments": payments,
        }))
        .expect("a valid request");
        let outcome = self
            .app
            .ingest_order(&self.owner, &request, None)
            .await
            .expect("ingest");
        serde_json::from_str(&outcome.body).expect("json")
    }

    async fn confirmed_order(&self) -> Uuid {
        id_of(&self.order("confirmed", json!([])).await)
    }

    fn scope(&self) -> ShopScope {
        ShopScope::authorised(self.owner.shop_id())
    }
}

fn id_of(order: &serde_json::Value) -> Uuid {
    order["id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("id")
}

fn cash(amount: i64) -> NewPayment {
    NewPayment {
        method: "cash".into(),
        amount,
        reference: None,
        document_id: None,
    }
}

async fn concurrent_invoices_take_exactly_the_next_numbers(s: Shop) {
    const ISSUES: usize = 200;
    let first = s.confirmed_order().await;
    let invoice = s.app.issue_invoice(&s.owner, first).await.expect("invoice");
    assert_eq!((invoice.sequence_number, invoice.number.as_str()), (1, "1"));
    // A refused issue (the order is open) takes no number.
    let open = id_of(&s.order("open", json!([])).await);
    assert!(matches!(
        s.app.issue_invoice(&s.owner, open).await,
        Err(AppError::State(_))
    ));
    let mut orders = Vec::new();
    for _ in 0..ISSUES {
        orders.push(s.confirmed_order().await);
    }
    let tasks: Vec<_> = orders
        .iter()
        .map(|&id| {
            let (app, owner) = (s.app.clone(), s.owner.clone());
            tokio::spawn(async move { app.issue_invoice(&owner, id).await })
        })
        .collect();
    let mut numbers = Vec::new();
    let mut references = std::collections::BTreeSet::new();
    for task in tasks {
        let document = task.await.expect("task").expect("issue");
        numbers.push(document.sequence_number);
        references.insert(document.reference.expect("an invoice has a reference"));
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (2..=ISSUES as i64 + 1).collect::<Vec<_>>());
    assert_eq!(references.len(), ISSUES, "every reference is distinct");
    // Issuing the same order twice is refused and takes no number either.
    assert!(matches!(
        s.app.issue_invoice(&s.owner, orders[0]).await,
        Err(AppError::State(_))
    ));
    let last = s.confirmed_order().await;
    let next = s.app.issue_invoice(&s.owner, last).await.expect("invoice");
    assert_eq!(next.sequence_number, ISSUES as i64 + 2);
}

async fn issued_documents_never_change(s: Shop) {
    let order_id = s.confirmed_order().await;
    let invoice = s
        .app
        .issue_invoice(&s.owner, order_id)
        .await
        .expect("invoice");
    assert_eq!(invoice.kind, "invoice");
    assert_eq!(invoice.total, 5980);
    let content = &invoice.content;
    assert_eq!(content["seller"]["business_id"], "2486559-4");
    assert_eq!(content["seller"]["iban"], "FI21 1234 5600 0007 85");
    assert_eq!(content["buyer"]["business_id"], "1234567-8");
    assert_eq!(content["buyer"]["address"]["city"], "Helsinki");
    assert_eq!(content["lines"][0]["unit_price_net"], 1984);
    assert_eq!(
        content["totals"]["vat_breakdown"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(content["payment_terms"]["days"], 14);
    let issue = jiff::civil::Date::strptime("%Y-%m-%d", &invoice.issue_date).expect("date");
    let due = issue.checked_add(jiff::Span::new().days(14)).expect("date");
    assert_eq!(invoice.due_date, Some(due.to_string()));
    let reference = invoice.reference.clone().expect("reference");
    assert_eq!(
        tilaus_domain::reference::Reference::parse(&reference).map(|r| r.printed()),
        Ok(invoice.reference_printed.clone().expect("printed"))
    );
    // The payer's codes follow from the frozen content: RF form, bank barcode with the amount.
    let rf = invoice.rf_reference.clone().expect("rf");
    assert!(
        tilaus_domain::bank::rf::CreditorReference::parse(&rf).is_ok(),
        "{rf}"
    );
    assert!(
        rf.ends_with(reference.trim_start_matches('0')),
        "{rf} for {reference}"
    );
    let barcode = invoice.bank_barcode.clone().expect("barcode");
    let read = tilaus_domain::bank::barcode::BarcodeContent::decode(&barcode).expect("decodes");
    assert_eq!(read.amount_cents, Some(invoice.total));
    assert_eq!(read.due_date, Some(due));
    assert_eq!(
        invoice.pdf_url,
        format!("/api/v1/documents/{}/pdf", invoice.id)
    );

    // The order moves on, is paid, completed, credited: the invoice reads the same.
    let order = s.app.get_order(&s.owner, order_id).await.expect("order");
    assert_eq!(order.summary.state, "invoiced");
    s.app
        .record_payment(&s.owner, order_id, &cash(5980))
        .await
        .expect("payment");
    s.app
        .issue_credit_note(&s.owner, invoice.id, &CreditNoteRequest::default())
        .await
        .expect("credit");
    let again = s
        .app
        .get_document(&s.owner, invoice.id)
        .await
        .expect("read");
    assert_eq!(again.content, invoice.content);
    assert_eq!((again.total, again.number), (invoice.total, invoice.number));
    // A second invoice for the same order is refused: corrections are credit notes.
    assert!(s.app.issue_invoice(&s.owner, order_id).await.is_err());
    let kinds: Vec<String> = s
        .app
        .order_documents(&s.owner, order_id)
        .await
        .expect("documents")
        .into_iter()
        .map(|d| d.kind)
        .collect();
    assert_eq!(kinds, vec!["invoice", "credit_note"]);
}

async fn payment_state_follows_the_payments(s: Shop) {
    // Invoiced, then paid in two parts from bank statements by reference number.
    let order_id = s.confirmed_order().await;
    let invoice = s
        .app
        .issue_invoice(&s.owner, order_id)
        .await
        .expect("invoice");
    let printed = invoice.reference_printed.clone().expect("printed");
    let part = s
        .app
        .record_payment_by_reference(
            &s.owner,
            &PaymentByReference {
                reference: printed.clone(),
                amount: 2000,
                method: None,
            },
        )
        .await
        .expect("by reference");
    assert_eq!(part.payment_state, "partially_paid");
    assert_eq!(part.balance_due, 3980);
    assert_eq!(part.payment.document_id, Some(invoice.id));
    assert_eq!(part.payment.method, "bank_transfer");
    assert!(part.receipt.is_none(), "an invoiced order gets no receipt");
    let rest = s
        .app
        .record_payment_by_reference(
            &s.owner,
            &PaymentByReference {
                reference: printed,
                amount: 3980,
                method: Some("bank_transfer".into()),
            },
        )
        .await
        .expect("rest");
    assert_eq!((rest.payment_state.as_str(), rest.balance_due), ("paid", 0));
    let order = s.app.get_order(&s.owner, order_id).await.expect("order");
    assert_eq!(
        (
            order.summary.state.as_str(),
            order.summary.payment_state.as_str()
        ),
        ("invoiced", "paid")
    );
    let listed = s
        .app
        .order_payments(&s.owner, order_id)
        .await
        .expect("list");
    assert_eq!(
        (listed.items.len(), listed.received, listed.balance_due),
        (2, 5980, 0)
    );

    // A confirmed counter sale paid in full by hand is documented by its receipt.
    let counter = s.confirmed_order().await;
    let half = s
        .app
        .record_payment(&s.owner, counter, &cash(2990))
        .await
        .expect("half");
    assert_eq!(half.payment_state, "partially_paid");
    assert!(half.receipt.is_none());
    let full = s
        .app
        .record_payment(
            &s.owner,
            counter,
            &NewPayment {
                method: "card_terminal".into(),
                amount: 2990,
                reference: Some("terminal 7".into()),
                document_id: None,
            },
        )
        .await
        .expect("rest");
    let receipt = full.receipt.expect("a receipt");
    assert_eq!((receipt.kind.as_str(), receipt.total), ("receipt", 5980));
    assert_eq!(receipt.reference, None);
    let order = s.app.get_order(&s.owner, counter).await.expect("order");
    assert_eq!(
        (
            order.summary.state.as_str(),
            order.summary.payment_state.as_str()
        ),
        ("paid", "paid")
    );
    let events: Vec<String> = s
        .app
        .order_events(&s.owner, counter)
        .await
        .expect("events")
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        events,
        vec![
            "order.created",
            "order.payment_recorded",
            "order.payment_recorded",
            "order.state_changed",
            "order.document_issued"
        ]
    );

    // Refused payments change nothing: open orders, unknown methods, bad amounts and references.
    let open = id_of(&s.order("open", json!([])).await);
    assert!(matches!(
        s.app.record_payment(&s.owner, open, &cash(100)).await,
        Err(AppError::State(_))
    ));
    for (method, amount, pointer) in [
        ("card", 100, "/method"),
        ("cash", 0, "/amount"),
        ("cash", -5, "/amount"),
    ] {
        let bad = NewPayment {
            method: method.into(),
            amount,
            reference: None,
            document_id: None,
        };
        match s.app.record_payment(&s.owner, counter, &bad).await {
            Err(AppError::Invalid(errors)) => assert_eq!(errors.0[0].pointer, pointer),
            other => panic!("{method} {amount}: {other:?}"),
        }
    }
    let wrong = PaymentByReference {
        reference: "1234562".into(),
        amount: 100,
        method: None,
    };
    assert!(matches!(
        s.app.record_payment_by_reference(&s.owner, &wrong).await,
        Err(AppError::Invalid(_))
    ));
    let unknown = PaymentByReference {
        reference: "1234561".into(),
        amount: 100,
        method: None,
    };
    assert!(matches!(
        s.app.record_payment_by_reference(&s.owner, &unknown).await,
        Err(AppError::NotFound(_))
    ));
    assert_eq!(
        s.app
            .order_payments(&s.owner, counter)
            .await
            .expect("list")
            .items
            .len(),
        2
    );
    assert!(
        s.app
            .order_payments(&s.owner, open)
            .await
            .expect("list")
            .items
            .is_empty()
    );
}

async fn paid_orders_get_their_receipt_in_the_same_transaction(s: Shop) {
    let paid = s
        .order(
            "open",
            json!([{"method": "card", "amount": 5980, "provider": "visma_pay", "reference": "VP-1"}]),
        )
        .await;
    assert_eq!(
        (paid["state"].as_str(), paid["payment_state"].as_str()),
        (Some("paid"), Some("paid"))
    );
    let id = id_of(&paid);
    let documents = s
        .app
        .order_documents(&s.owner, id)
        .await
        .expect("documents");
    assert_eq!(documents.len(), 1);
    assert_eq!(
        (documents[0].kind.as_str(), documents[0].sequence_number),
        ("receipt", 1)
    );
    let payments = s.app.order_payments(&s.owner, id).await.expect("payments");
    assert_eq!(payments.items[0].provider.as_deref(), Some("visma_pay"));
    assert_eq!(
        payments.items[0].provider_reference.as_deref(),
        Some("VP-1")
    );

    // Part paid: documented and confirmed, not paid.
    let part = s
        .order("open", json!([{"method": "mobile_wallet", "amount": 1000}]))
        .await;
    assert_eq!(
        (part["state"].as_str(), part["payment_state"].as_str()),
        (Some("confirmed"), Some("partially_paid"))
    );

    // Bad payments are refused with their pointer and nothing is written.
    let request: Result<NewOrderRequest, _> = serde_json::from_value(json!({
        "channel": "web", "customer": {"name": "X"},
        "lines": [{"name": "A", "quantity": 1, "unit_price": 100, "vat_rate": 0}],
        "payments": [{"method": "cash", "amount": 100}, {"method": "barter", "amount": 0, "status": "failed"}]}));
    let request = request.expect("shape");
    match s.app.ingest_order(&s.owner, &request, None).await {
        Err(AppError::Invalid(errors)) => {
            let pointers: Vec<&str> = errors.0.iter().map(|e| e.pointer.as_str()).collect();
            assert_eq!(
                pointers,
                vec![
                    "/payments/1/method",
                    "/payments/1/amount",
                    "/payments/1/status"
                ]
            );
        }
        other => panic!("{other:?}"),
    }

    // A receipt that cannot be written takes the order and its payments down with it: turn the
    // receipt series back so that its next number collides with receipt 2.
    let before = s
        .app
        .list_orders(&s.owner, &Default::default())
        .await
        .expect("list")
        .items
        .len();
    let mut tx = s.app.db.begin().await.expect("tx");
    let row = document::SeriesRow {
        kind: "receipt".into(),
        prefix: String::new(),
        next_number: 2,
    };
    document::set_series(&mut tx, s.scope(), &row)
        .await
        .expect("series");
    tx.commit().await.expect("commit");
    let request: NewOrderRequest = serde_json::from_value(json!({
        "channel": "web", "external_id": "PAID-3", "customer": {"name": "Kolmas"},
        "lines": [{"name": "A", "quantity": 1, "unit_price": 100, "vat_rate": 0}],
        "payments": [{"method": "card", "amount": 100}]}))
    .expect("shape");
    let failed = s.app.ingest_order(&s.owner, &request, None).await;
    assert!(matches!(failed, Err(AppError::Store(_))), "{failed:?}");
    let after = s
        .app
        .list_orders(&s.owner, &Default::default())
        .await
        .expect("list")
        .items
        .len();
    assert_eq!(after, before, "the order was rolled back with its receipt");
    let mut conn = s.app.db.read().await.expect("read");
    let series = document::series(&mut conn, s.scope())
        .await
        .expect("series");
    assert_eq!(series, vec![row], "the failed receipt gave its number back");
}

async fn credit_notes_never_exceed_what_remains(s: Shop) {
    let order_id = s.confirmed_order().await;
    let invoice = s
        .app
        .issue_invoice(&s.owner, order_id)
        .await
        .expect("invoice");
    let one_shirt = CreditNoteRequest {
        lines: Some(vec![CreditLineInput {
            position: 1,
            quantity: 1,
        }]),
    };
    let first = s
        .app
        .issue_credit_note(&s.owner, invoice.id, &one_shirt)
        .await
        .expect("one shirt");
    assert_eq!(
        (first.kind.as_str(), first.total, first.sequence_number),
        ("credit_note", -2490, 1)
    );
    assert_eq!(first.credits_document_id, Some(invoice.id));
    assert_eq!(first.content["credits"]["number"], invoice.number);
    assert_eq!(first.reference, None);
    let too_many = CreditNoteRequest {
        lines: Some(vec![CreditLineInput {
            position: 1,
            quantity: 2,
        }]),
    };
    match s
        .app
        .issue_credit_note(&s.owner, invoice.id, &too_many)
        .await
    {
        Err(AppError::Invalid(errors)) => assert_eq!(errors.0[0].pointer, "/lines/0/quantity"),
        other => panic!("{other:?}"),
    }
    let rest = s
        .app
        .issue_credit_note(&s.owner, invoice.id, &CreditNoteRequest::default())
        .await
        .expect("the rest");
    assert_eq!((rest.total, rest.sequence_number), (-3490, 2));
    assert!(matches!(
        s.app
            .issue_credit_note(&s.owner, invoice.id, &CreditNoteRequest::default())
            .await,
        Err(AppError::Invalid(_))
    ));
    // A credit note itself cannot be credited.
    assert!(matches!(
        s.app
            .issue_credit_note(&s.owner, rest.id, &CreditNoteRequest::default())
            .await,
        Err(AppError::Conflict(_))
    ));
    let payments = s
        .app
        .order_payments(&s.owner, order_id)
        .await
        .expect("payments");
    assert_eq!(
        (payments.total, payments.balance_due),
        (0, 0),
        "nothing is owed any more"
    );
}

async fn other_shops_see_nothing(s: Shop) {
    let order_id = s.confirmed_order().await;
    let invoice = s
        .app
        .issue_invoice(&s.owner, order_id)
        .await
        .expect("invoice");
    let other = s
        .app
        .create_shop(NewShop {
            name: "Toinen".into(),
            owner_email: "owner@toinen.example".into(),
            ..NewShop::default()
        })
        .await
        .expect("shop");
    let them = Principal::system(other.shop_id, "other");
    let not_found = |r: Result<_, AppError>| matches!(r, Err(AppError::NotFound(_)));
    assert!(not_found(
        s.app.get_document(&them, invoice.id).await.map(|_| ())
    ));
    assert!(not_found(
        s.app.order_documents(&them, order_id).await.map(|_| ())
    ));
    assert!(not_found(
        s.app.order_payments(&them, order_id).await.map(|_| ())
    ));
    assert!(not_found(
        s.app.issue_invoice(&them, order_id).await.map(|_| ())
    ));
    assert!(not_found(
        s.app
            .issue_credit_note(&them, invoice.id, &CreditNoteRequest::default())
            .await
            .map(|_| ())
    ));
    assert!(not_found(
        s.app
            .record_payment(&them, order_id, &cash(1))
            .await
            .map(|_| ())
    ));
    let by_reference = PaymentByReference {
        reference: invoice.reference.clone().expect("reference"),
        amount: 1,
        method: None,
    };
    assert!(not_found(
        s.app
            .record_payment_by_reference(&them, &by_reference)
            .await
            .map(|_| ())
    ));
    // Their own numbering starts at 1, independent of ours.
    let theirs: NewOrderRequest = serde_json::from_value(json!({"channel": "web", "state": "confirmed",
        "customer": {"name": "B"}, "lines": [{"name": "A", "quantity": 1, "unit_price": 100, "vat_rate": 0}]}))
    .expect("shape");
    let created = s
        .app
        .ingest_order(&them, &theirs, None)
        .await
        .expect("ingest");
    let their_order = id_of(&serde_json::from_str(&created.body).expect("json"));
    let their_invoice = s
        .app
        .issue_invoice(&them, their_order)
        .await
        .expect("invoice");
    assert_eq!(their_invoice.sequence_number, 1);
    assert_eq!(
        their_invoice.reference, invoice.reference,
        "references are per shop"
    );
    assert!(
        s.app
            .order_payments(&s.owner, order_id)
            .await
            .expect("ours")
            .items
            .is_empty()
    );
}

async fn series_and_terms_are_the_shops_to_set(s: Shop) {
    let first = s.confirmed_order().await;
    s.app
        .issue_invoice(&s.owner, first)
        .await
        .expect("invoice 1");
    let settings = SeriesSettings {
        prefix: " L- ".into(),
        next_number: 1001,
    };
    let set = s
        .app
        .set_document_series(&s.owner, "invoice", &settings)
        .await
        .expect("series");
    assert_eq!(set.prefix, "L-");
    let terms = InvoicingTerms {
        payment_terms_days: 30,
        late_interest: Some(1050),
    };
    s.app
        .set_invoicing_terms(&s.owner, &terms)
        .await
        .expect("terms");
    let order_id = s.confirmed_order().await;
    let invoice = s
        .app
        .issue_invoice(&s.owner, order_id)
        .await
        .expect("invoice");
    assert_eq!(
        (invoice.number.as_str(), invoice.sequence_number),
        ("L-1001", 1001)
    );
    assert_eq!(
        invoice.reference,
        tilaus_domain::reference::Reference::for_number("1", 1001)
            .ok()
            .map(|r| r.to_string())
    );
    assert_eq!(
        invoice.content["payment_terms"],
        json!({"days": 30, "late_interest": 1050})
    );
    let issue = jiff::civil::Date::strptime("%Y-%m-%d", &invoice.issue_date).expect("date");
    let due = issue.checked_add(jiff::Span::new().days(30)).expect("date");
    assert_eq!(invoice.due_date, Some(due.to_string()));

    // Never back to an issued number; only known kinds; terms within limits; owners only.
    let back = SeriesSettings {
        prefix: String::new(),
        next_number: 1001,
    };
    assert!(matches!(
        s.app.set_document_series(&s.owner, "invoice", &back).await,
        Err(AppError::Invalid(_))
    ));
    assert!(matches!(
        s.app
            .set_document_series(&s.owner, "quote", &settings)
            .await,
        Err(AppError::Invalid(_))
    ));
    let long = InvoicingTerms {
        payment_terms_days: 400,
        late_interest: Some(-1),
    };
    match s.app.set_invoicing_terms(&s.owner, &long).await {
        Err(AppError::Invalid(errors)) => assert_eq!(errors.0.len(), 2),
        other => panic!("{other:?}"),
    }
    let token = s
        .app
        .create_token(&s.owner, "kassa", tilaus_domain::access::Role::Staff)
        .await
        .expect("token");
    let staff = s.app.authenticate_token(&token.token).await.expect("staff");
    assert!(matches!(
        s.app.set_invoicing_terms(&staff, &terms).await,
        Err(AppError::Forbidden(_))
    ));
}

/// Prepayment by bank transfer: a confirmed order gets one transfer slip with its own reference
/// and bank barcode, stays confirmed, and the payment found by that reference makes it paid with
/// its receipt. Open, partly paid or already-slipped orders are refused and change nothing.
async fn a_transfer_slip_is_paid_by_its_reference(s: Shop) {
    let order_id = s.confirmed_order().await;
    let slip = s
        .app
        .issue_transfer_slip(&s.owner, order_id)
        .await
        .expect("slip");
    assert_eq!(slip.kind, "transfer_slip");
    assert_eq!(slip.total, 5980);
    let reference = slip.reference.clone().expect("a reference");
    assert!(
        reference.starts_with('2'),
        "transfer slips have their own references: {reference}"
    );
    assert_eq!(slip.bank_barcode.as_deref().map(str::len), Some(54));
    assert!(slip.due_date.is_some());
    let order = s.app.get_order(&s.owner, order_id).await.expect("order");
    assert_eq!(order.summary.state, "confirmed");
    assert!(matches!(
        s.app.issue_transfer_slip(&s.owner, order_id).await,
        Err(AppError::Conflict(_))
    ));

    let paid = s
        .app
        .record_payment_by_reference(
            &s.owner,
            &PaymentByReference {
                reference,
                amount: 5980,
                method: None,
            },
        )
        .await
        .expect("paid by reference");
    assert_eq!(paid.payment_state, "paid");
    assert!(paid.receipt.is_some(), "the payment documents the sale");
    let kinds: Vec<String> = s
        .app
        .order_documents(&s.owner, order_id)
        .await
        .expect("documents")
        .iter()
        .map(|d| d.kind.clone())
        .collect();
    assert_eq!(kinds, ["transfer_slip", "receipt"]);

    let open = id_of(&s.order("open", json!([])).await);
    assert!(matches!(
        s.app.issue_transfer_slip(&s.owner, open).await,
        Err(AppError::State(_))
    ));
    let partly = s.confirmed_order().await;
    s.app
        .record_payment(&s.owner, partly, &cash(1000))
        .await
        .expect("part");
    assert!(matches!(
        s.app.issue_transfer_slip(&s.owner, partly).await,
        Err(AppError::Conflict(_))
    ));
    assert!(
        s.app
            .order_documents(&s.owner, partly)
            .await
            .expect("documents")
            .iter()
            .all(|d| d.kind != "transfer_slip")
    );
}
