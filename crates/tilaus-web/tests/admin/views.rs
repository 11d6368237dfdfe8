//! Saved views and highlight rules over real HTTP: CSRF, form errors on the page, views that
//! only their owner sees, and rules that highlight rows in the list and in live row fragments.

use crate::support::{PASSWORD, Server};
use reqwest::StatusCode;
use tilaus_app::Principal;
use tilaus_app::shop::NewShop;

tilaus_store::on_both_backends!(
    start = Server::start;
    saved_views_are_personal_and_per_shop,
    rules_highlight_list_rows_and_live_rows,
    payment_reminders_are_set_on_their_page,
    message_templates_are_edited_with_a_preview,
    notification_rules_are_switched_and_delayed_on_their_page,
    scheduled_exports_are_added_listed_and_stopped,
    the_shops_look_is_set_on_its_page,
    text_messages_are_edited_with_their_cost,
    rules_are_added_with_conditions_and_removed,
    payment_methods_are_switched_and_payments_captured,
    the_shop_and_its_invoicing_are_set_on_their_page,
);

async fn owner(s: &Server) -> Principal {
    s.app
        .authenticate_password(&s.owner_email, PASSWORD, Some(s.shop_id))
        .await
        .expect("owner")
}

async fn saved_views_are_personal_and_per_shop(s: Server) {
    s.order("W-1", "Aino Tänään").await;
    let browser = s.client();
    browser.login(&s.owner_email, PASSWORD).await;
    let list = browser.get("/admin/orders?channel=web&created=today").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("Aino Tänään"));
    let csrf = list.csrf();

    // Without the token nothing is saved.
    let forged = browser
        .post("/admin/views", &[("name", "Ohi"), ("query", "channel=web")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    // The filters are stored in the list's own canonical form (no cursor, fixed order).
    let saved = browser
        .post(
            "/admin/views",
            &[
                ("csrf", &csrf),
                ("name", "Tänään verkosta"),
                ("query", "created=today&cursor=abc&channel=web&bogus=1"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(saved.location(), "/admin/orders?channel=web&created=today");
    let list = browser.get(saved.location()).await;
    assert!(
        list.body.contains(
            "<a href=\"/admin/orders?channel=web&#38;created=today\" aria-current=\"true\">Tänään verkosta</a>"
        ),
        "{}",
        list.body
    );
    // The situation centre offers the same quick links, and "New order" to those who may.
    let home = browser.get("/admin").await;
    assert!(
        home.body.contains(
            "<a href=\"/admin/orders?channel=web&#38;created=today\">Tänään verkosta</a>"
        ),
        "{}",
        home.body
    );
    assert!(home.body.contains("href=\"/admin/orders/new\""));

    // Refusals come back on the list page with the reason and the filters kept.
    let refused = browser
        .post(
            "/admin/views",
            &[
                ("csrf", &csrf),
                ("name", " "),
                ("query", "created=yesterday"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("role=\"alert\""), "{}", refused.body);
    assert!(refused.body.contains("Nimi: must not be empty"));
    assert!(refused.body.contains("Luotu: "), "{}", refused.body);
    assert!(refused.body.contains("yesterday"));
    assert!(
        refused
            .body
            .contains("name=\"query\" value=\"created=yesterday\""),
        "the filters are kept"
    );
    let views = s.app.saved_views(&owner(&s).await).await.expect("views");
    assert_eq!(views.len(), 1);
    let view_id = views[0].id;

    // A read-only colleague keeps views of their own and never sees or touches the owner's.
    let reader = s.read_only_client().await;
    let their_list = reader.get("/admin/orders").await;
    assert!(!their_list.body.contains("Tänään verkosta"));
    assert!(
        !their_list.body.contains("href=\"/admin/orders/new\""),
        "read-only"
    );
    let their_home = reader.get("/admin").await;
    assert!(!their_home.body.contains("Tänään verkosta"));
    assert!(!their_home.body.contains("href=\"/admin/orders/new\""));
    let reader_csrf = their_list.csrf();
    let own = reader
        .post(
            "/admin/views",
            &[
                ("csrf", &reader_csrf),
                ("name", "Avoimet"),
                ("query", "state=open"),
            ],
        )
        .await;
    assert_eq!(own.status, StatusCode::SEE_OTHER);
    for path in ["rename", "delete"] {
        let attempt = reader
            .post(
                &format!("/admin/views/{view_id}/{path}"),
                &[("csrf", &reader_csrf), ("name", "Minun")],
            )
            .await;
        assert_eq!(attempt.status, StatusCode::NOT_FOUND, "{path}");
    }
    let settings = reader.get("/admin/settings/list").await;
    assert!(settings.body.contains("Avoimet"));
    assert!(!settings.body.contains("Tänään verkosta"));

    // Another shop's owner: not found either.
    s.app
        .create_shop(NewShop {
            name: "Toinen kauppa".into(),
            owner_email: "other@example.fi".into(),
            owner_password: Some(PASSWORD.into()),
            ..NewShop::default()
        })
        .await
        .expect("shop");
    let stranger = s.client();
    stranger.login("other@example.fi", PASSWORD).await;
    let stranger_csrf = stranger.csrf("/admin/orders").await;
    let attempt = stranger
        .post(
            &format!("/admin/views/{view_id}/delete"),
            &[("csrf", &stranger_csrf)],
        )
        .await;
    assert_eq!(attempt.status, StatusCode::NOT_FOUND);

    // The owner renames (a clash is a form error) and deletes.
    let renamed = browser
        .post(
            &format!("/admin/views/{view_id}/rename"),
            &[("csrf", &csrf), ("name", "Verkko tänään")],
        )
        .await;
    assert_eq!(renamed.status, StatusCode::SEE_OTHER);
    let page = browser.get("/admin/settings/list?done=view-renamed").await;
    assert!(page.body.contains("Verkko tänään"));
    assert!(page.body.contains("Näkymä nimettiin uudelleen."));
    let deleted = browser
        .post(
            &format!("/admin/views/{view_id}/delete"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert!(
        s.app
            .saved_views(&owner(&s).await)
            .await
            .expect("views")
            .is_empty()
    );
}

async fn post(
    browser: &crate::support::Client,
    fields: Vec<(&'static str, String)>,
) -> crate::support::Response {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    browser.post("/admin/highlights", &fields).await
}

async fn rules_highlight_list_rows_and_live_rows(s: Server) {
    // 2 × 24.90 = 49.80 €.
    let id = s.order("W-1", "Iso Tilaaja").await;
    let browser = s.client();
    browser.login(&s.owner_email, PASSWORD).await;
    let csrf = browser.csrf("/admin/settings/list").await;
    let rule = |name: &'static str, field: &'static str, shared: bool| {
        let mut fields = vec![
            ("csrf", csrf.clone()),
            ("name", name.to_owned()),
            ("field", field.to_owned()),
            ("condition", "greater_than".to_owned()),
            ("value", "40".to_owned()),
            ("colour", "red".to_owned()),
            ("icon", "star".to_owned()),
        ];
        if shared {
            fields.push(("shared", "1".to_owned()));
        }
        fields
    };
    let bad = post(&browser, rule("Painavat", "weight", false)).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Kenttä: "), "{}", bad.body);
    assert!(bad.body.contains("weight"));
    assert!(
        bad.body.contains("value=\"Painavat\""),
        "the form keeps what was typed"
    );
    let made = post(&browser, rule("Isot", "total", true)).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);

    let list = browser.get("/admin/orders").await;
    assert!(list.body.contains("class=\"hl hl-red\""), "{}", list.body);
    assert!(list.body.contains("title=\"Isot\""));
    assert!(
        list.body
            .contains("<span class=\"visually-hidden\">Isot</span>")
    );
    let row = browser.get(&format!("/admin/orders/{id}/row")).await;
    assert_eq!(row.status, StatusCode::OK);
    assert!(row.body.contains("class=\"hl hl-red\""), "{}", row.body);

    // A read-only user sees the shared rule, keeps private ones, and cannot share.
    let reader = s.read_only_client().await;
    assert!(
        reader
            .get(&format!("/admin/orders/{id}/row"))
            .await
            .body
            .contains("hl-red")
    );
    let reader_csrf = reader.csrf("/admin/settings/list").await;
    let share = reader
        .post(
            "/admin/highlights",
            &[
                ("csrf", &reader_csrf),
                ("name", "Kaikille"),
                ("field", "age"),
                ("condition", "older_than"),
                ("value", "1"),
                ("icon", "clock"),
                ("shared", "1"),
            ],
        )
        .await;
    assert_eq!(share.status, StatusCode::FORBIDDEN);
    let settings = reader.get("/admin/settings/list").await;
    assert!(!settings.body.contains("Kaikille"));
    assert!(!settings.body.contains("name=\"shared\""), "no share box");
    assert!(!settings.body.contains("/delete"), "not theirs to delete");

    let rules = s
        .app
        .highlight_rules(&owner(&s).await)
        .await
        .expect("rules");
    let deleted = browser
        .post(
            &format!("/admin/highlights/{}/delete", rules[0].id),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert!(!browser.get("/admin/orders").await.body.contains("hl-red"));
}

/// The payment reminder page shows the policy, saves what the owner types, keeps a refused form
/// as typed with the reason, and shows read-only users the settings without a way to save.
async fn payment_reminders_are_set_on_their_page(s: Server) {
    let browser = s.client();
    browser.login(&s.owner_email, PASSWORD).await;
    let hub = browser.get("/admin/settings").await;
    for link in [
        "/admin/settings/list",
        "/admin/settings/messages",
        "/admin/settings/reminders",
    ] {
        assert!(
            hub.body.contains(&format!("href=\"{link}\"")),
            "{link} in {}",
            hub.body
        );
    }
    let page = browser.get("/admin/settings/reminders").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Maksumuistutukset"), "{}", page.body);
    let mut fields = crate::support::form_fields(&page.body, "/admin/settings/reminders");
    fields.retain(|(name, _)| name != "enabled");
    fields.push(("enabled".into(), "on".into()));
    for (name, value) in fields.iter_mut() {
        match name.as_str() {
            "days_1" => *value = "10".into(),
            "fee_1" => *value = "4,50".into(),
            "days_3" => *value = String::new(),
            _ => {}
        }
    }
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let saved = browser.post("/admin/settings/reminders", &pairs).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let owner = owner(&s).await;
    let settings = s.app.dunning_settings(&owner).await.expect("settings");
    assert!(settings.enabled);
    assert_eq!(settings.levels.len(), 2, "the third level was left empty");
    assert_eq!(
        (settings.levels[0].days_overdue, settings.levels[0].fee),
        (10, 450)
    );
    let shown = browser.get(saved.location()).await;
    assert!(shown.body.contains("Muistutusasetukset tallennettiin"));
    assert!(shown.body.contains("value=\"4,50\""));

    let bad: Vec<(&str, &str)> = pairs
        .iter()
        .map(|&(n, v)| if n == "fee_1" { (n, "paljon") } else { (n, v) })
        .collect();
    let refused = browser.post("/admin/settings/reminders", &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("value=\"paljon\""),
        "typed input is kept"
    );
    assert!(
        refused.body.contains("Maksu (€) 1:"),
        "the field in words: {}",
        refused.body
    );
    assert_eq!(
        s.app
            .dunning_settings(&owner)
            .await
            .expect("settings")
            .levels[0]
            .fee,
        450
    );

    let reader = s.read_only_client().await;
    let read = reader.get("/admin/settings/reminders").await;
    assert_eq!(read.status, StatusCode::OK);
    assert!(read.body.contains("disabled") && !read.body.contains(">Tallenna</button>"));
    let csrf = read.csrf();
    let forged = reader
        .post(
            "/admin/settings/reminders",
            &[
                ("csrf", csrf.as_str()),
                ("grace_days", "1"),
                ("days_1", "2"),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
}

/// The shop's own wording for a message: the editor starts from the default, previews a draft on
/// a real order in a sandboxed frame, refuses a template that does not render with its line and
/// keeps what was typed, and once saved the next message uses it; reset brings the default back.
async fn message_templates_are_edited_with_a_preview(s: Server) {
    let id = s.order("M-1", "Aino Virtanen").await;
    let number = s.api_order(&id).await["number"]
        .as_i64()
        .expect("number")
        .to_string();
    let browser = s.client();
    browser.login(&s.owner_email, PASSWORD).await;
    let list = browser.get("/admin/settings/messages").await;
    assert!(
        list.body.contains("Viestipohjat") && list.body.contains("Tilaus vahvistettu"),
        "{}",
        list.body
    );
    let editor_path = "/admin/settings/messages/order_confirmed/fi";
    let editor = browser.get(editor_path).await;
    assert_eq!(editor.status, StatusCode::OK);
    assert!(
        editor.body.contains("{{ order.number }}"),
        "the default to start from"
    );
    let fields = crate::support::form_fields(&editor.body, editor_path);
    let with = |name: &str, value: &str| -> Vec<(String, String)> {
        fields
            .iter()
            .map(|(n, v)| {
                (
                    n.clone(),
                    if n == name {
                        value.to_owned()
                    } else {
                        v.clone()
                    },
                )
            })
            .collect()
    };
    let send = |fields: Vec<(String, String)>, path: String| {
        let browser = &browser;
        async move {
            let pairs: Vec<(&str, &str)> = fields
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            browser.post(&path, &pairs).await
        }
    };

    let draft: Vec<(String, String)> = with(
        "subject",
        "Kiitos, tilaus {{ order.number }} on vahvistettu!",
    )
    .into_iter()
    .map(|(n, v)| {
        if n == "order" {
            (n, number.clone())
        } else {
            (n, v)
        }
    })
    .collect();
    let preview = send(draft.clone(), format!("{editor_path}/preview")).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert!(
        preview
            .body
            .contains(&format!("Kiitos, tilaus {number} on vahvistettu!")),
        "{}",
        preview.body
    );
    let policy = preview.headers["content-security-policy"]
        .to_str()
        .expect("csp");
    assert!(
        policy.contains("sandbox") && policy.contains("default-src 'none'"),
        "{policy}"
    );

    let broken = with("html", "<p>{% if order.number %}</p>");
    let refused = send(broken, editor_path.into()).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("HTML-versio: body.html, line 1"),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("{% if order.number %}"),
        "typed text kept"
    );

    let saved = send(draft, editor_path.into()).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    s.change_state(&id, "confirmed").await;
    let messages = s.api_get(&format!("/api/v1/orders/{id}/messages")).await;
    let subjects: Vec<&str> = messages["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|m| m["subject"].as_str())
        .collect();
    assert!(
        subjects.contains(&format!("Kiitos, tilaus {number} on vahvistettu!").as_str()),
        "{subjects:?}"
    );

    let reader = s.read_only_client().await;
    let csrf = reader.csrf(editor_path).await;
    let forbidden = reader
        .post(
            editor_path,
            &[
                ("csrf", csrf.as_str()),
                ("subject", "x"),
                ("text", "x"),
                ("html", "x"),
            ],
        )
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);

    let csrf = browser.csrf(editor_path).await;
    let reset = browser
        .post(&format!("{editor_path}/reset"), &[("csrf", csrf.as_str())])
        .await;
    assert_eq!(reset.status, StatusCode::SEE_OTHER);
    assert!(
        browser
            .get("/admin/settings/messages")
            .await
            .body
            .contains("(oletus)")
    );
}

/// The rules page lists the default rules in words, saves switches, delays and the repeat
/// window, refuses a bad delay with nothing changed, and is read-only for read-only users.
async fn notification_rules_are_switched_and_delayed_on_their_page(s: Server) {
    let browser = s.client();
    browser.login(&s.owner_email, PASSWORD).await;
    let hub = browser.get("/admin/settings").await;
    assert!(hub.body.contains("href=\"/admin/settings/rules\""));
    let page = browser.get("/admin/settings/rules").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Paketti lähetetty"), "{}", page.body);
    assert!(page.body.contains("Lähetä ”Tilaus lähetetty”"));
    let owner = owner(&s).await;
    let before = s.app.rule_settings(&owner).await.expect("rules");
    let shipped = before
        .rules
        .iter()
        .find(|r| r.trigger.as_str() == "order_shipped")
        .expect("shipped rule")
        .id
        .to_string();
    let delay_field = format!("delay_{shipped}");
    let mut fields = crate::support::form_fields(&page.body, "/admin/settings/rules");
    // Switch the shipped message off and delay the received one, in a 60-minute window.
    fields.retain(|(name, value)| !(name == "enabled" && *value == shipped));
    for (name, value) in fields.iter_mut() {
        if name == "window" {
            *value = "60".into();
        }
    }
    let received = before.rules[0].id.to_string();
    let received_delay = format!("delay_{received}");
    for (name, value) in fields.iter_mut() {
        if *name == received_delay {
            *value = "15".into();
        }
    }
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let saved = browser.post("/admin/settings/rules", &pairs).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let after = s.app.rule_settings(&owner).await.expect("rules");
    assert_eq!(after.repeat_window_minutes, 60);
    let rule = |id: &str| {
        after
            .rules
            .iter()
            .find(|r| r.id.to_string() == id)
            .expect("rule")
    };
    assert!(!rule(&shipped).enabled);
    assert_eq!(
        rule(&received).action,
        tilaus_domain::rules::Action::Send {
            delay_minutes: 15,
            channels: vec![tilaus_domain::message::Channel::Email],
        }
    );
    assert_eq!(
        after.rules.iter().filter(|r| r.enabled).count(),
        before.rules.iter().filter(|r| r.enabled).count() - 1
    );
    let shown = browser.get(saved.location()).await;
    assert!(shown.body.contains("Säännöt tallennettiin"));

    let bad: Vec<(&str, &str)> = pairs
        .iter()
        .map(|&(n, v)| {
            if n == delay_field.as_str() {
                (n, "-3")
            } else {
                (n, v)
            }
        })
        .collect();
    let refused = browser.post("/admin/settings/rules", &bad).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert_eq!(s.app.rule_settings(&owner).await.expect("rules"), after);

    // How the shop sends: an SMS sender with a space is refused and kept as typed.
    let sending = crate::support::form_fields(&shown.body, "/admin/settings/sending");
    let with = |name: &str, value: &str| -> Vec<(String, String)> {
        let mut fields: Vec<(String, String)> =
            sending.iter().filter(|(n, _)| n != name).cloned().collect();
        fields.push((name.into(), value.into()));
        fields
    };
    let browser = &browser;
    let post = |fields: Vec<(String, String)>| async move {
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        browser.post("/admin/settings/sending", &pairs).await
    };
    let refused = post(with("sms_sender", "Kahvila Ilo")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("value=\"Kahvila Ilo\""),
        "typed input is kept"
    );
    let mut fields = with("sms_sender", "KahvilaIlo");
    fields.retain(|(n, _)| n != "quiet_from" && n != "quiet_until");
    fields.push(("quiet_from".into(), "21:00".into()));
    fields.push(("quiet_until".into(), "08:00".into()));
    let saved = post(fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let sending = s.app.message_settings(&owner).await.expect("sending");
    assert_eq!(sending.sms_sender.as_deref(), Some("KahvilaIlo"));
    assert_eq!(
        (
            sending.quiet_from.as_deref(),
            sending.quiet_until.as_deref()
        ),
        (Some("21:00"), Some("08:00"))
    );
    let shown = browser.get(saved.location()).await;
    assert!(shown.body.contains("Lähetysasetukset tallennettiin"));

    let reader = s.read_only_client().await;
    let read_only = reader.get("/admin/settings/rules").await;
    assert_eq!(read_only.status, StatusCode::OK);
    assert!(!read_only.body.contains("Tallenna säännöt"));
    assert!(!read_only.body.contains("Tallenna lähetysasetukset"));
}

/// The exports page adds a schedule from its form (a bad address is refused and kept as
/// typed), lists it with what it sends, shows the exports written, and stops it.
async fn scheduled_exports_are_added_listed_and_stopped(s: Server) {
    let browser = s.client();
    browser.login(&s.owner_email, PASSWORD).await;
    let hub = browser.get("/admin/settings").await;
    assert!(hub.body.contains("href=\"/admin/settings/exports\""));
    let page = browser.get("/admin/settings/exports").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Ei ajastettuja vientejä"),
        "{}",
        page.body
    );
    let fields = crate::support::form_fields(&page.body, "/admin/settings/exports");
    let with = |recipient: &str| -> Vec<(String, String)> {
        let mut all: Vec<(String, String)> = fields
            .iter()
            .filter(|(n, _)| n != "recipient")
            .cloned()
            .collect();
        all.push(("recipient".into(), recipient.into()));
        all
    };
    let post = |fields: Vec<(String, String)>| {
        let browser = &browser;
        async move {
            let pairs: Vec<(&str, &str)> = fields
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            browser.post("/admin/settings/exports", &pairs).await
        }
    };
    let refused = post(with("kirjanpito")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("value=\"kirjanpito\""));
    let added = post(with("kirjanpito@tilitoimisto.example")).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let owner = owner(&s).await;
    let schedules = s.app.export_schedules(&owner).await.expect("list");
    assert_eq!(schedules.len(), 1);
    assert_eq!(
        (
            schedules[0].frequency.as_str(),
            schedules[0].orders_format.as_deref(),
            schedules[0].documents
        ),
        ("daily", Some("csv"), true),
        "the form's defaults"
    );
    s.order("W-1", "Aino Tänään").await;
    let tomorrow = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_hours(24))
        .expect("time");
    assert_eq!(
        s.app.send_scheduled_exports(tomorrow).await.expect("run"),
        1
    );
    let shown = browser.get(added.location()).await;
    assert!(shown.body.contains("Vienti ajastettiin"));
    assert!(shown.body.contains("kirjanpito@tilitoimisto.example"));
    assert!(
        shown.body.contains("tilaukset CSV-muodossa"),
        "{}",
        shown.body
    );
    assert!(shown.body.contains("Viimeisimmät viennit"));
    let csrf = shown.csrf();
    let stopped = browser
        .post(
            &format!("/admin/settings/exports/{}/stop", schedules[0].id),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(stopped.status, StatusCode::SEE_OTHER);
    assert!(
        s.app
            .export_schedules(&owner)
            .await
            .expect("list")
            .is_empty()
    );

    let reader = s.read_only_client().await;
    let read_only = reader.get("/admin/settings/exports").await;
    assert_eq!(read_only.status, StatusCode::OK);
    assert!(!read_only.body.contains("Ajasta vienti"));
}

/// The look page saves the colour (a bad one refused), takes a logo as base64 from its form
/// (a GIF refused), shows it, and removes it; read-only users only look.
async fn the_shops_look_is_set_on_its_page(s: Server) {
    use base64::Engine as _;
    let browser = s.client();
    browser.login(&s.owner_email, PASSWORD).await;
    let page = browser.get("/admin/settings/brand").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("value=\"#1f5fbf\""), "{}", page.body);
    let csrf = page.csrf();
    let bad = browser
        .post(
            "/admin/settings/brand",
            &[("csrf", &csrf), ("accent_colour", "red")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let saved = browser
        .post(
            "/admin/settings/brand",
            &[("csrf", &csrf), ("accent_colour", "#8a2be2")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let owner = owner(&s).await;
    assert_eq!(
        s.app.brand(&owner).await.expect("brand").accent_colour,
        "#8a2be2"
    );

    let encode = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let gif = encode(b"GIF89a not a logo");
    let refused = browser
        .post(
            "/admin/settings/brand/logo",
            &[("csrf", &csrf), ("logo", &gif)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let svg = encode(br#"<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>"#);
    let uploaded = browser
        .post(
            "/admin/settings/brand/logo",
            &[("csrf", &csrf), ("logo", &svg)],
        )
        .await;
    assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.body);
    let shown = browser.get(uploaded.location()).await;
    assert!(
        shown
            .body
            .contains(&format!("src=\"/brand/{}/logo\"", s.shop_id))
    );
    let removed = browser
        .post("/admin/settings/brand/logo/delete", &[("csrf", &csrf)])
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    assert!(s.app.brand(&owner).await.expect("brand").logo_url.is_none());

    let reader = s.read_only_client().await;
    let read_only = reader.get("/admin/settings/brand").await;
    assert!(!read_only.body.contains("Tallenna väri"));
}

/// The message templates page lists the text messages too; the SMS editor shows the text on
/// the newest order with its SMS count, refuses a broken one with the typed text kept, and
/// saves and resets.
async fn text_messages_are_edited_with_their_cost(s: Server) {
    s.order("W-1", "Aino Tänään").await;
    let browser = s.client();
    browser.login(&s.owner_email, PASSWORD).await;
    let list = browser.get("/admin/settings/messages").await;
    assert!(
        list.body
            .contains("href=\"/admin/settings/sms/order_shipped/fi\"")
    );
    let path = "/admin/settings/sms/order_shipped/fi";
    let page = browser.get(path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("1 tekstiviestiä (GSM7)"),
        "{}",
        page.body
    );
    let csrf = page.csrf();
    let broken = browser
        .post(path, &[("csrf", &csrf), ("text", "{{ order.number")])
        .await;
    assert_eq!(broken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        broken.body.contains("{{ order.number</textarea>"),
        "{}",
        broken.body
    );
    let saved = browser
        .post(
            path,
            &[
                ("csrf", &csrf),
                ("text", "Paketti {{ order.number }} tulossa"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let shown = browser.get(saved.location()).await;
    assert!(shown.body.contains("Paketti 1 tulossa"), "{}", shown.body);
    let reset = browser
        .post(&format!("{path}/reset"), &[("csrf", &csrf)])
        .await;
    assert_eq!(reset.status, StatusCode::SEE_OTHER);
    let owner = owner(&s).await;
    let view = s
        .app
        .sms_template(&owner, "order_shipped", "fi")
        .await
        .expect("view");
    assert!(!view.custom);
}

/// A rule is added from the rules page with its conditions (a bad amount is refused and the
/// form kept as typed), shown in words, and removed.
async fn rules_are_added_with_conditions_and_removed(s: Server) {
    let browser = s.client();
    browser.login(&s.owner_email, PASSWORD).await;
    let page = browser.get("/admin/settings/rules").await;
    let csrf = page.csrf();
    let owner = owner(&s).await;
    let before = s
        .app
        .rule_settings(&owner)
        .await
        .expect("rules")
        .rules
        .len();
    let fields = |min: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("trigger", "order_shipped".to_owned()),
            ("action", "send".to_owned()),
            ("sms", "on".to_owned()),
            ("delay", "10".to_owned()),
            ("channels", "web, pos".to_owned()),
            ("customer_kind", "organisation".to_owned()),
            ("tag", "vip".to_owned()),
            ("product_kind", "goods".to_owned()),
            ("min_total", min.to_owned()),
            ("max_total", String::new()),
        ]
    };
    let post = |fields: Vec<(&'static str, String)>| {
        let browser = &browser;
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
            browser.post("/admin/settings/rules/new", &pairs).await
        }
    };
    let refused = post(fields("paljon")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("value=\"paljon\""),
        "typed input is kept"
    );
    assert!(refused.body.contains("value=\"vip\""));
    assert_eq!(
        s.app
            .rule_settings(&owner)
            .await
            .expect("rules")
            .rules
            .len(),
        before
    );
    let added = post(fields("100,50")).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let rules = s.app.rule_settings(&owner).await.expect("rules").rules;
    let rule = rules.last().expect("the new rule");
    assert_eq!(rule.trigger.as_str(), "order_shipped");
    assert_eq!(
        rule.action,
        tilaus_domain::rules::Action::Send {
            delay_minutes: 10,
            channels: vec![tilaus_domain::message::Channel::Sms],
        }
    );
    assert_eq!(rule.conditions.channels, ["web", "pos"]);
    assert_eq!(rule.conditions.min_total, Some(10_050));
    assert_eq!(rule.conditions.tag.as_deref(), Some("vip"));
    let shown = browser.get(added.location()).await;
    assert!(shown.body.contains("tunniste vip"), "{}", shown.body);
    let removed = browser
        .post(
            &format!("/admin/settings/rules/{}/remove", rule.id),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    assert_eq!(
        s.app
            .rule_settings(&owner)
            .await
            .expect("rules")
            .rules
            .len(),
        before
    );
}

/// The payment settings page switches ways of paying on and off and says why keys cannot be
/// stored without the server's key; the order page captures an authorised payment.
async fn payment_methods_are_switched_and_payments_captured(s: Server) {
    let browser = s.client();
    browser.login(&s.owner_email, PASSWORD).await;
    let hub = browser.get("/admin/settings").await;
    assert!(hub.body.contains("href=\"/admin/settings/payments\""));
    let page = browser.get("/admin/settings/payments").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.body.matches("name=\"accepted\"").count(),
        7,
        "{}",
        page.body
    );
    assert_eq!(
        page.body.matches(" checked").count(),
        7,
        "all on by default"
    );
    assert!(page.body.contains("Korttipääte"));
    let csrf = page.csrf();
    let saved = browser
        .post(
            "/admin/settings/payments",
            &[
                ("csrf", &csrf),
                ("accepted", "invoice"),
                ("accepted", "card_terminal"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let owner = owner(&s).await;
    let settings = s
        .app
        .payment_method_settings(&owner)
        .await
        .expect("settings");
    assert_eq!(settings.accepted, ["invoice", "card_terminal"]);
    let shown = browser.get(saved.location()).await;
    assert!(shown.body.contains("Maksuasetukset tallennettu"));
    assert_eq!(shown.body.matches(" checked").count(), 2);
    let refused = browser
        .post(
            "/admin/settings/payments/vismapay",
            &[("csrf", &csrf), ("api_key", "K"), ("private_key", "P")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("TILAUS_SECRET_KEY"),
        "{}",
        refused.body
    );
    assert!(
        s.app
            .payment_providers(&owner)
            .await
            .expect("providers")
            .is_empty()
    );
    // The order page offers only what the shop accepts: no transfer slip, no cash, and no
    // payment link without a provider.
    let confirmed = s.order("W-9", "Aino Asetus").await;
    s.change_state(&confirmed, "confirmed").await;
    let shown = browser
        .get(&format!("/admin/orders/{confirmed}?tab=payments"))
        .await;
    assert!(shown.body.contains("/invoice\""), "invoicing is on");
    assert!(
        !shown.body.contains("/transfer-slip\""),
        "prepayment is off"
    );
    assert!(!shown.body.contains("data-action=\"send_payment_link\""));
    let methods =
        crate::support::form_fields(&shown.body, &format!("/admin/orders/{confirmed}/payments"));
    let method = methods
        .iter()
        .find(|(n, _)| n == "method")
        .map(|(_, v)| v.as_str());
    assert_eq!(method, Some("card_terminal"), "{methods:?}");
    assert!(!shown.body.contains("value=\"cash\""));
    assert!(shown.body.contains("value=\"bank_transfer\""));

    // A web shop sends an order whose card payment is only authorised: staff capture it.
    let body = serde_json::json!({
        "channel": "web", "external_id": "AUTH-1", "language": "fi",
        "customer": {"kind": "consumer", "name": "Aino Varaus", "email": "aino@example.fi"},
        "lines": [{"sku": "TEE-1", "name": "T-paita", "quantity": 1, "unit_price": 2490, "vat_rate": 2550}],
        "payments": [{"method": "card", "amount": 2490, "provider": "webshop-psp",
            "reference": "psp-1", "status": "authorised"}]
    });
    let id = s.post_order(&s.token, &body).await;
    let order_page = browser
        .get(&format!("/admin/orders/{id}?tab=payments"))
        .await;
    assert!(
        order_page.body.contains("data-action=\"capture\""),
        "{}",
        order_page.body
    );
    let action = order_page
        .body
        .split("action=\"")
        .find_map(|rest| rest.split('"').next().filter(|a| a.ends_with("/capture")))
        .expect("the capture form")
        .to_owned();
    let fields = crate::support::form_fields(&order_page.body, &action);
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let captured = browser.post(&action, &pairs).await;
    assert_eq!(captured.status, StatusCode::SEE_OTHER, "{}", captured.body);
    let shown = browser.get(captured.location()).await;
    assert!(shown.body.contains("Maksu veloitettiin"), "{}", shown.body);
    assert!(!shown.body.contains("data-action=\"capture\""));
    let payments = s.api_get(&format!("/api/v1/orders/{id}/payments")).await;
    assert_eq!(payments["items"][0]["status"], "paid", "{payments}");
    assert_eq!(payments["payment_state"], "paid");
    // Captured once: the same form again is refused with the reason.
    let again = browser.post(&action, &pairs).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
}

/// The shop's details, payment terms and numbering are set on their page; a refused value comes
/// back with its field's name and changes nothing; the next invoice follows the settings.
async fn the_shop_and_its_invoicing_are_set_on_their_page(s: Server) {
    let browser = s.client();
    browser.login(&s.owner_email, PASSWORD).await;
    let hub = browser.get("/admin/settings").await;
    assert!(hub.body.contains("href=\"/admin/settings/shop\""));
    let page = browser.get("/admin/settings/shop").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.body.matches("data-series=").count(),
        4,
        "every document kind"
    );
    let csrf = page.csrf();
    let saved = browser
        .post(
            "/admin/settings/shop",
            &[
                ("csrf", &csrf),
                ("name", "Kahvila Aalto Oy"),
                ("business_id", "1234567-1"),
                ("vat_id", "FI12345671"),
                ("line1", "Rantakatu 1"),
                ("postal_code", "90100"),
                ("city", "Oulu"),
                ("country", "FI"),
                ("iban", "FI21 1234 5600 0007 85"),
                ("bic", "NDEAFIHH"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let terms = browser
        .post(
            "/admin/settings/shop/terms",
            &[
                ("csrf", &csrf),
                ("payment_terms_days", "30"),
                ("late_interest", "11,5"),
            ],
        )
        .await;
    assert_eq!(terms.status, StatusCode::SEE_OTHER, "{}", terms.body);
    let series = browser
        .post(
            "/admin/settings/shop/series",
            &[
                ("csrf", &csrf),
                ("kind", "invoice"),
                ("prefix", "L-"),
                ("next_number", "5000"),
            ],
        )
        .await;
    assert_eq!(series.status, StatusCode::SEE_OTHER, "{}", series.body);
    let shown = browser.get(series.location()).await;
    for value in [
        "value=\"Oulu\"",
        "value=\"NDEAFIHH\"",
        "value=\"30\"",
        "value=\"11,50\"",
        "value=\"5000\"",
        "value=\"L-\"",
    ] {
        assert!(shown.body.contains(value), "{value}");
    }
    let refused = browser
        .post(
            "/admin/settings/shop/terms",
            &[
                ("csrf", &csrf),
                ("payment_terms_days", "400"),
                ("late_interest", ""),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("Maksuaika päivinä"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("value=\"30\""), "unchanged");

    let owner = owner(&s).await;
    let id = s.order("SHOP-1", "Aino Asetus").await;
    s.change_state(&id, "confirmed").await;
    let order_id = uuid::Uuid::parse_str(&id).expect("id");
    let invoice = s
        .app
        .issue_invoice(&owner, order_id)
        .await
        .expect("invoice");
    assert_eq!(invoice.number, "L-5000");
    let (_, content) = s
        .app
        .document_with_content(&owner, invoice.id)
        .await
        .expect("content");
    let seller = serde_json::to_value(&content.seller).expect("json");
    assert_eq!(seller["business_id"], "1234567-1", "{seller}");
    assert_eq!(seller["iban"], "FI21 1234 5600 0007 85");
}
