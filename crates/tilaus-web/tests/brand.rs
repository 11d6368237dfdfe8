//! The shop's look over real HTTP on both backends: the accent colour and the logo through the
//! API (bad ones refused, nothing changed), the public logo served so that an SVG can run
//! nothing, the colours of the customers' pages, and a document printed with both.

mod support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tilaus_app::paylink::PaymentConfig;
use tilaus_store::testkit::TestDb;

tilaus_store::on_both_backends!(
    start = start;
    the_accent_and_logo_are_set_served_and_printed,
);

async fn start(db: TestDb) -> support::Server {
    support::Server::start(db, |base| PaymentConfig {
        public_url: base.into(),
        ..PaymentConfig::default()
    })
    .await
}

const SVG: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="80" height="24"><rect width="80" height="24" fill="#8a2be2"/><script>alert(1)</script></svg>"##;

async fn put_logo(s: &support::Server, content_type: &str, body: Vec<u8>) -> (StatusCode, Value) {
    let response = s
        .browser
        .put(format!("{}/api/v1/brand/logo", s.base))
        .bearer_auth(&s.token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("request");
    let status = response.status();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

async fn the_accent_and_logo_are_set_served_and_printed(s: support::Server) {
    let (status, brand) = s.get("/api/v1/brand").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(brand["accent_colour"], "#1f5fbf");
    assert_eq!(brand["logo_url"], Value::Null);

    let (status, refused) = s
        .put("/api/v1/brand", json!({"accent_colour": "purple"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let (status, brand) = s
        .put("/api/v1/brand", json!({"accent_colour": "#8A2BE2"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{brand}");
    assert_eq!(brand["accent_colour"], "#8a2be2");

    let (status, refused) = put_logo(&s, "image/gif", b"GIF89a....".to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["errors"][0]["pointer"], "/logo");
    let (status, brand) = put_logo(&s, "image/svg+xml", SVG.as_bytes().to_vec()).await;
    assert_eq!(status, StatusCode::OK, "{brand}");
    let url = brand["logo_url"].as_str().expect("logo url").to_owned();
    assert_eq!(url, format!("{}/brand/{}/logo", s.base, s.shop_id));

    // Public, as the mail and the pages need it, and inert.
    let logo = s.browser.get(&url).send().await.expect("logo");
    assert_eq!(logo.status(), StatusCode::OK);
    let headers = logo.headers().clone();
    assert_eq!(headers["content-type"], "image/svg+xml");
    let policy = headers["content-security-policy"].to_str().expect("csp");
    assert!(
        policy.contains("default-src 'none'") && policy.contains("sandbox"),
        "{policy}"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(logo.bytes().await.expect("bytes"), SVG.as_bytes());
    let css = s
        .browser
        .get(format!("{}/brand/{}/brand.css", s.base, s.shop_id))
        .send()
        .await
        .expect("css")
        .text()
        .await
        .expect("text");
    assert_eq!(css.trim(), ":root { --accent: #8a2be2; }");

    // A document prints with the logo.
    let (_, order) = s
        .post(
            "/api/v1/orders",
            json!({"channel": "web", "customer": {"name": "Aino Virtanen", "email": "aino@example.fi"},
                "lines": [{"name": "Kahvi", "quantity": 1, "unit_price": 990, "vat_rate": 1400}]}),
        )
        .await;
    let id = order["id"].as_str().expect("id");
    s.post(
        &format!("/api/v1/orders/{id}/state"),
        json!({"state": "confirmed"}),
    )
    .await;
    let (status, invoice) = s
        .post(&format!("/api/v1/orders/{id}/invoice"), json!({}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{invoice}");
    let pdf = s
        .browser
        .get(format!(
            "{}/api/v1/documents/{}/pdf",
            s.base,
            invoice["id"].as_str().expect("id")
        ))
        .bearer_auth(&s.token)
        .send()
        .await
        .expect("pdf");
    assert_eq!(pdf.status(), StatusCode::OK);
    assert!(pdf.bytes().await.expect("bytes").starts_with(b"%PDF"));

    let removed = s
        .send(
            reqwest::Method::DELETE,
            "/api/v1/brand/logo",
            None,
            &s.token,
        )
        .await;
    assert_eq!(removed.0, StatusCode::OK);
    assert_eq!(removed.1["logo_url"], Value::Null);
    let gone = s.browser.get(&url).send().await.expect("logo");
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
}
