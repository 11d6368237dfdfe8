//! The admin UI over real HTTP: getting in and out, CSRF and Origin, the login throttle, roles,
//! tenant isolation, the list, the detail page and the situation centre.

use crate::support::{Client, PASSWORD, Server, serve};
use reqwest::StatusCode;
use tilaus_app::Principal;
use tilaus_app::shop::NewShop;
use tilaus_domain::access::Role;

tilaus_store::on_both_backends!(
    start = Server::start;
    login_sets_a_safe_cookie_and_logout_ends_the_session,
    forms_without_the_right_token_or_origin_change_nothing,
    failed_logins_lock_the_account_and_the_address,
    read_only_users_see_but_cannot_change,
    other_shops_orders_do_not_exist,
    users_with_several_shops_choose_one,
    list_filters_pages_and_exports,
    detail_changes_state_and_explains_refusals,
    situation_centre_counts_waiting_orders,
);

fn has_security_headers(response: &crate::support::Response) {
    let header = |name: &str| {
        response
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let csp = header("content-security-policy");
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(header("x-frame-options"), "DENY");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("referrer-policy"), "same-origin");
}

async fn login_sets_a_safe_cookie_and_logout_ends_the_session(s: Server) {
    let browser = s.client();
    let first = browser.get("/admin/orders").await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    assert_eq!(first.location(), "/admin/login");
    has_security_headers(&first);

    let page = browser.get("/admin/login").await;
    assert_eq!(page.status, StatusCode::OK);
    has_security_headers(&page);
    assert!(page.body.contains("Kirjaudu sisään"), "Finnish by default");
    assert!(page.body.contains("lang=\"fi\""));

    let wrong = browser.login(&s.owner_email, "väärä salasana").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(
        wrong
            .body
            .contains("Sähköpostiosoite tai salasana on väärin.")
    );
    assert!(
        wrong
            .set_cookies()
            .iter()
            .all(|c| !c.starts_with("tilaus_session"))
    );

    let ok = browser.login(&s.owner_email, PASSWORD).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_eq!(ok.location(), "/admin");
    let cookie = ok
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("tilaus_session="))
        .expect("a session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");
    let token = cookie["tilaus_session=".len()..]
        .split(';')
        .next()
        .expect("value")
        .to_owned();
    assert_eq!(token.len(), 43, "256 bits");

    // Only the token's SHA-256 is stored.
    let mut conn = s.app.db.read().await.expect("conn");
    assert!(
        tilaus_store::session::find(&mut conn, &token)
            .await
            .expect("find")
            .is_none()
    );
    let hash = tilaus_app::auth::sha256_hex(token.as_bytes());
    assert!(
        tilaus_store::session::find(&mut conn, &hash)
            .await
            .expect("find")
            .is_some()
    );
    drop(conn);

    let home = browser.get("/admin").await;
    assert_eq!(home.status, StatusCode::OK);
    has_security_headers(&home);
    assert!(home.body.contains("Kahvila Aalto"));
    assert!(home.body.contains("Olli Omistaja"));
    assert_eq!(
        home.headers
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );

    // Logging out ends the session for good, even for someone who kept the cookie.
    let csrf = home.csrf();
    let out = browser.post("/admin/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.location(), "/admin/login");
    assert!(
        out.set_cookies()
            .iter()
            .any(|c| c.starts_with("tilaus_session=;"))
    );
    let thief = s.client();
    thief
        .cookies
        .lock()
        .expect("cookies")
        .insert("tilaus_session".into(), token);
    let after = thief.get("/admin").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert_eq!(after.location(), "/admin/login");

    // A session left idle for longer than the idle timeout is over.
    let idle = s.client();
    let ok = idle.login(&s.owner_email, PASSWORD).await;
    let token = ok
        .set_cookies()
        .into_iter()
        .find_map(|c| {
            c.strip_prefix("tilaus_session=")
                .and_then(|rest| rest.split(';').next())
                .map(str::to_owned)
        })
        .expect("a session cookie");
    assert_eq!(idle.get("/admin").await.status, StatusCode::OK);
    let mut tx = s.app.db.begin().await.expect("tx");
    let long_ago = tilaus_store::now_micros() - tilaus_app::session::IDLE_TIMEOUT - 1;
    tilaus_store::session::touch(
        &mut tx,
        &tilaus_app::auth::sha256_hex(token.as_bytes()),
        long_ago,
    )
    .await
    .expect("age the session");
    tx.commit().await.expect("commit");
    let after = idle.get("/admin").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert_eq!(after.location(), "/admin/login");

    // A password reset ends the user's sessions.
    let kept = s.client();
    kept.login(&s.owner_email, PASSWORD).await;
    assert_eq!(kept.get("/admin").await.status, StatusCode::OK);
    s.app
        .reset_password(&s.owner_email, PASSWORD.into())
        .await
        .expect("reset");
    assert_eq!(kept.get("/admin").await.location(), "/admin/login");

    // Over https (a proxy says so) the cookie is Secure.
    let mut secure = s.client();
    secure.headers.push(("x-forwarded-proto", "https".into()));
    secure.origin = Some(s.base.replace("http://", "https://"));
    let ok = secure.login(&s.owner_email, PASSWORD).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert!(
        ok.set_cookies()
            .iter()
            .any(|c| c.starts_with("tilaus_session=") && c.contains("; Secure"))
    );
}

async fn forms_without_the_right_token_or_origin_change_nothing(s: Server) {
    let id = s.order("W-1", "Aino Virtanen").await;
    let browser = s.client();
    assert_eq!(
        browser.login(&s.owner_email, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let path = format!("/admin/orders/{id}/state");
    let csrf = browser.csrf(&format!("/admin/orders/{id}")).await;

    let missing = browser.post(&path, &[("state", "confirmed")]).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    assert!(
        missing.body.contains("Lomake vanhentui"),
        "{}",
        missing.body
    );
    has_security_headers(&missing);
    let wrong = browser
        .post(
            &path,
            &[("csrf", "x".repeat(43).as_str()), ("state", "confirmed")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);

    // The right token from another site's page is still refused.
    let mut evil = s.client();
    *evil.cookies.lock().expect("cookies") = browser.cookies.lock().expect("cookies").clone();
    evil.origin = Some("http://evil.example".into());
    let cross = evil
        .post(&path, &[("csrf", &csrf), ("state", "confirmed")])
        .await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    evil.origin = None;
    let no_origin = evil
        .post(&path, &[("csrf", &csrf), ("state", "confirmed")])
        .await;
    assert_eq!(no_origin.status, StatusCode::FORBIDDEN);
    assert_eq!(s.order_state(&id).await, "open");

    // Another session's token does not fit this session.
    let other = s.client();
    other.login(&s.owner_email, PASSWORD).await;
    let other_csrf = other.csrf("/admin").await;
    assert_ne!(other_csrf, csrf);
    let mixed = browser
        .post(&path, &[("csrf", &other_csrf), ("state", "confirmed")])
        .await;
    assert_eq!(mixed.status, StatusCode::FORBIDDEN);
    assert_eq!(s.order_state(&id).await, "open");

    // The login form needs its own token too.
    let fresh = s.client();
    let bare = fresh
        .post(
            "/admin/login",
            &[("email", s.owner_email.as_str()), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(bare.status, StatusCode::FORBIDDEN);

    let done = browser
        .post(&path, &[("csrf", &csrf), ("state", "confirmed")])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(s.order_state(&id).await, "confirmed");
}

async fn failed_logins_lock_the_account_and_the_address(s: Server) {
    let browser = s.client();
    for attempt in 1..=4 {
        let refused = browser.login(&s.owner_email, "väärin").await;
        assert_eq!(
            refused.status,
            StatusCode::UNAUTHORIZED,
            "attempt {attempt}"
        );
    }
    let locked = browser.login(&s.owner_email, "väärin").await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        locked
            .body
            .contains("Liian monta epäonnistunutta kirjautumisyritystä"),
        "{}",
        locked.body
    );
    // Now even the right password is refused, with the same clear message…
    let right = browser.login(&s.owner_email, PASSWORD).await;
    assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(right.body.contains("15 minuutiksi"), "{}", right.body);
    // …also through another server on the same database (the count is in the database).
    let again = tilaus_app::App::open(&s.db.url).await.expect("reopen");
    let other_server = Client::new(&serve(again).await);
    let right = other_server.login(&s.owner_email, PASSWORD).await;
    assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS);

    // One address trying many accounts is locked out after 20 failures in all.
    s.app
        .create_user(
            &Principal::system(s.shop_id, "test"),
            "staff@example.fi",
            Some("Sanna Staff"),
            PASSWORD.into(),
            Role::Staff,
        )
        .await
        .expect("user");
    for n in 0..15 {
        let refused = browser
            .login(&format!("nobody{n}@example.fi"), "väärin")
            .await;
        assert_ne!(refused.status, StatusCode::SEE_OTHER);
    }
    let staff = browser.login("staff@example.fi", PASSWORD).await;
    assert_eq!(
        staff.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        staff.body
    );
}

async fn read_only_users_see_but_cannot_change(s: Server) {
    let id = s.order("W-1", "Aino Virtanen").await;
    let reader = s.read_only_client().await;
    let list = reader.get("/admin/orders").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("Aino Virtanen"));
    let detail = reader.get(&format!("/admin/orders/{id}")).await;
    assert_eq!(detail.status, StatusCode::OK);
    assert!(detail.body.contains("vain luku"), "the role is shown");
    assert!(!detail.body.contains("/state\""), "no state buttons");
    assert!(!detail.body.contains("/notes\""), "no note form");
    let csrf = detail.csrf();
    let refused = reader
        .post(
            &format!("/admin/orders/{id}/state"),
            &[("csrf", &csrf), ("state", "confirmed")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.body.contains("Roolillasi voi katsoa"),
        "{}",
        refused.body
    );
    let refused = reader
        .post(
            &format!("/admin/orders/{id}/notes"),
            &[("csrf", &csrf), ("body", "hei")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(s.order_state(&id).await, "open");
    let detail = reader.get(&format!("/admin/orders/{id}")).await;
    assert!(!detail.body.contains("hei</div>"));
}

async fn other_shops_orders_do_not_exist(s: Server) {
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
    let theirs = s
        .order_with(&other.api_token, "B-1", "Bertta Toisesta")
        .await;
    let ours = s.order("A-1", "Aino Meiltä").await;
    let browser = s.client();
    browser.login(&s.owner_email, PASSWORD).await;
    let list = browser.get("/admin/orders").await;
    assert!(list.body.contains("Aino Meiltä"));
    assert!(!list.body.contains("Bertta Toisesta"));
    let detail = browser.get(&format!("/admin/orders/{theirs}")).await;
    assert_eq!(detail.status, StatusCode::NOT_FOUND);
    assert!(!detail.body.contains("Bertta"));
    let csrf = browser.csrf(&format!("/admin/orders/{ours}")).await;
    let change = browser
        .post(
            &format!("/admin/orders/{theirs}/state"),
            &[("csrf", &csrf), ("state", "confirmed")],
        )
        .await;
    assert_eq!(change.status, StatusCode::NOT_FOUND);
    let note = browser
        .post(
            &format!("/admin/orders/{theirs}/notes"),
            &[("csrf", &csrf), ("body", "x")],
        )
        .await;
    assert_eq!(note.status, StatusCode::NOT_FOUND);
    let export = browser.get("/admin/orders/export?format=csv").await;
    assert_eq!(export.status, StatusCode::OK);
    assert!(export.body.contains("Aino Meiltä"));
    assert!(!export.body.contains("Bertta"));
    let garbage = browser.get("/admin/orders/not-a-uuid").await;
    assert_eq!(garbage.status, StatusCode::NOT_FOUND);
    let unknown = browser.get("/admin/no/such/page").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(
        unknown.body.contains("Etsimääsi ei löydy"),
        "{}",
        unknown.body
    );
    has_security_headers(&unknown);
    let css = browser.get("/admin/static/admin.css").await;
    assert_eq!(css.status, StatusCode::OK);
    has_security_headers(&css);
    // Our user cannot pick their shop either.
    let pick = browser
        .post(
            "/admin/shops",
            &[("csrf", &csrf), ("shop_id", &other.shop_id.to_string())],
        )
        .await;
    assert_eq!(pick.status, StatusCode::NOT_FOUND);
    let list = browser.get("/admin/orders").await;
    assert!(!list.body.contains("Bertta"));
}

async fn users_with_several_shops_choose_one(s: Server) {
    let second = s
        .app
        .create_shop(NewShop {
            name: "Saariston Majoitus".into(),
            owner_email: "other@example.fi".into(),
            ..NewShop::default()
        })
        .await
        .expect("shop");
    s.order_with(&second.api_token, "S-1", "Sara Saaristosta")
        .await;
    // Our owner is staff in the second shop too.
    s.app
        .create_user(
            &Principal::system(second.shop_id, "test"),
            &s.owner_email,
            None,
            PASSWORD.into(),
            Role::Staff,
        )
        .await
        .expect("membership");
    let browser = s.client();
    let login = browser.login(&s.owner_email, PASSWORD).await;
    assert_eq!(login.location(), "/admin/shops");
    let orders = browser.get("/admin/orders").await;
    assert_eq!(orders.location(), "/admin/shops", "no shop chosen yet");
    let picker = browser.get("/admin/shops").await;
    assert!(picker.body.contains("Kahvila Aalto"));
    assert!(picker.body.contains("Saariston Majoitus"));
    let csrf = picker.csrf();
    let chosen = browser
        .post(
            "/admin/shops",
            &[("csrf", &csrf), ("shop_id", &second.shop_id.to_string())],
        )
        .await;
    assert_eq!(chosen.status, StatusCode::SEE_OTHER);
    let list = browser.get("/admin/orders").await;
    assert!(list.body.contains("Sara Saaristosta"));
    assert!(list.body.contains("henkilökunta"), "the role in this shop");
}

async fn list_filters_pages_and_exports(s: Server) {
    let mut ids = Vec::new();
    for n in 0..53 {
        ids.push(s.order(&format!("W-{n}"), &format!("Asiakas {n:02}")).await);
    }
    let browser = s.client();
    browser.login(&s.owner_email, PASSWORD).await;
    let first = browser.get("/admin/orders").await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(
        first.body.matches("<tr").count(),
        51,
        "a header and 50 rows"
    );
    // Newest first; money in Finnish format.
    let newest = first.body.find("Asiakas 52").expect("newest");
    let older = first.body.find("Asiakas 40").expect("older");
    assert!(newest < older);
    assert!(first.body.contains("49,80\u{a0}€"), "fi money");
    assert!(first.body.contains("Avoin"));
    assert!(first.body.contains("class=\"badge state-open\""));
    // "Show more" carries a cursor, no page numbers.
    let marker = "class=\"button secondary more\" href=\"";
    let start = first.body.find(marker).expect("show more") + marker.len();
    let href = first.body[start..]
        .split('"')
        .next()
        .expect("href")
        .replace("&#38;", "&");
    assert!(href.contains("cursor="), "{href}");
    let second = browser.get(&href).await;
    assert_eq!(second.body.matches("<tr").count(), 4);
    assert!(second.body.contains("Asiakas 00"));
    assert!(!second.body.contains("button secondary more"));

    // Filters live in the URL and narrow the list.
    let csrf = browser.csrf(&format!("/admin/orders/{}", ids[3])).await;
    browser
        .post(
            &format!("/admin/orders/{}/state", ids[3]),
            &[("csrf", &csrf), ("state", "confirmed")],
        )
        .await;
    let confirmed = browser.get("/admin/orders?state=confirmed").await;
    assert_eq!(confirmed.body.matches("<tr").count(), 2);
    assert!(confirmed.body.contains("Asiakas 03"));
    assert!(
        confirmed
            .body
            .contains("<option value=\"confirmed\" selected>")
    );
    let found = browser.get("/admin/orders?q=asiakas+1&channel=web").await;
    assert_eq!(found.body.matches("<tr").count(), 11, "10–19 and 1");
    let bad = browser.get("/admin/orders?created_from=eilen").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("Tarkista syötetyt tiedot"),
        "{}",
        bad.body
    );
    assert!(bad.body.contains("Alkaen:"), "the field is named");

    // Exports of the current filter, through the same export as the API.
    let csv = browser
        .get("/admin/orders/export?format=csv&state=confirmed")
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/csv"))
    );
    assert_eq!(csv.body.lines().count(), 2, "{}", csv.body);
    let xlsx = browser.get("/admin/orders/export?format=xlsx").await;
    assert_eq!(xlsx.status, StatusCode::OK);

    // English, chosen by Accept-Language or by the user.
    let mut english = s.client();
    english
        .headers
        .push(("accept-language", "en-GB,en;q=0.9".into()));
    english.login(&s.owner_email, PASSWORD).await;
    let list = english.get("/admin/orders").await;
    assert!(list.body.contains("€49.80"), "en money");
    assert!(list.body.contains(">Open<"));
    let csrf = english.csrf("/admin/orders").await;
    let switched = english
        .post("/admin/language", &[("csrf", &csrf), ("lang", "sv")])
        .await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER);
    let list = english.get("/admin/orders").await;
    assert!(list.body.contains("Beställningar"));
    assert!(list.body.contains("49,80\u{a0}€"));
    // The choice is the user's, not the browser's: another browser asking for English gets it.
    let mut elsewhere = s.client();
    elsewhere
        .headers
        .push(("accept-language", "en-GB,en;q=0.9".into()));
    elsewhere.login(&s.owner_email, PASSWORD).await;
    let list = elsewhere.get("/admin/orders").await;
    assert!(list.body.contains("Beställningar"), "remembered per user");
    // Before login, the switch is a cookie only.
    let anonymous = s.client();
    let switched = anonymous.get("/admin/language?lang=en").await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER);
    assert!(
        anonymous
            .get("/admin/login")
            .await
            .body
            .contains("lang=\"en\"")
    );
}

async fn detail_changes_state_and_explains_refusals(s: Server) {
    let id = s.order("W-1", "Aino Virtanen").await;
    let browser = s.client();
    browser.login(&s.owner_email, PASSWORD).await;
    let page = browser.get(&format!("/admin/orders/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    for text in [
        "Tilaus 1",
        "Aino Virtanen",
        "T-paita",
        "25,5\u{a0}%",
        "39,68\u{a0}€",
        "10,12\u{a0}€",
        "49,80\u{a0}€",
        "Verkkokauppa",
    ] {
        assert!(page.body.contains(text), "{text} in {}", page.body);
    }
    let history = browser
        .get(&format!("/admin/orders/{id}?tab=history"))
        .await;
    assert!(history.body.contains("Tilaus luotiin"), "{}", history.body);
    // Only the states the domain allows from "open" are offered.
    assert!(page.body.contains("value=\"confirmed\""));
    assert!(page.body.contains("value=\"cancelled\""));
    assert!(!page.body.contains("value=\"paid\""));
    let csrf = page.csrf();
    let note = browser
        .post(
            &format!("/admin/orders/{id}/notes"),
            &[("csrf", &csrf), ("body", "Soita ennen toimitusta")],
        )
        .await;
    assert_eq!(note.status, StatusCode::SEE_OTHER);
    let empty = browser
        .post(
            &format!("/admin/orders/{id}/notes"),
            &[("csrf", &csrf), ("body", "   ")],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("Muistiinpano:"), "{}", empty.body);
    let confirm = browser
        .post(
            &format!("/admin/orders/{id}/state"),
            &[("csrf", &csrf), ("state", "confirmed")],
        )
        .await;
    assert_eq!(confirm.status, StatusCode::SEE_OTHER);
    let page = browser.get(confirm.location()).await;
    assert!(page.body.contains("Tilauksen tila on muutettu."));
    assert!(page.body.contains("value=\"paid\""));
    let history = browser
        .get(&format!("/admin/orders/{id}?tab=history"))
        .await;
    assert!(history.body.contains("Tila muuttui: Avoin → Vahvistettu"));
    assert!(history.body.contains("Olli Omistaja"), "the actor");
    let notes = browser.get(&format!("/admin/orders/{id}?tab=notes")).await;
    assert!(notes.body.contains("Soita ennen toimitusta"));

    // A refused move shows the domain's reason on the page, not a problem document.
    let refused = browser
        .post(
            &format!("/admin/orders/{id}/state"),
            &[("csrf", &csrf), ("state", "open")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/html"))
    );
    assert!(
        refused.body.contains("Tilauksen tila on Vahvistettu"),
        "{}",
        refused.body
    );
    let bogus = browser
        .post(
            &format!("/admin/orders/{id}/state"),
            &[("csrf", &csrf), ("state", "<script>")],
        )
        .await;
    assert_eq!(bogus.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!bogus.body.contains("<script>"), "escaped");
    assert_eq!(s.order_state(&id).await, "confirmed");
}

async fn situation_centre_counts_waiting_orders(s: Server) {
    let a = s.order("W-1", "Aino").await;
    s.order("W-2", "Bertta").await;
    let browser = s.client();
    browser.login(&s.owner_email, PASSWORD).await;
    let csrf = browser.csrf("/admin").await;
    browser
        .post(
            &format!("/admin/orders/{a}/state"),
            &[("csrf", &csrf), ("state", "confirmed")],
        )
        .await;
    let home = browser.get("/admin").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Avoimet tilaukset"));
    assert!(
        home.body.contains("aria-label=\"Avoimet tilaukset: 1\""),
        "{}",
        home.body
    );
    assert!(
        home.body
            .contains("aria-label=\"Vahvistettu, maksamatta: 1\"")
    );
    assert!(home.body.contains("href=\"/admin/orders?state=open\""));
    let link = "/admin/orders?state=confirmed&payment_state=unpaid%2Cpartially_paid";
    let list = browser.get(link).await;
    assert_eq!(list.body.matches("<tr").count(), 2);
    assert!(list.body.contains("Aino"));
}
