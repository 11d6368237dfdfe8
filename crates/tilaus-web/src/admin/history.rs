//! An order's events in words (the History tab): what happened, and for edits what changed,
//! read from the event's before/after. Never JSON.

use super::i18n::Lang;
use serde_json::Value;
use tilaus_app::order::EventView;

/// One event as the History tab shows it.
pub(crate) struct Happening {
    pub title: String,
    pub details: Vec<String>,
}

/// The event in `lang`; amounts in the order's `currency`.
pub(crate) fn describe(lang: Lang, event: &EventView, currency: &str) -> Happening {
    let key = format!("event-{}", event.kind.replace(['.', '_'], "-"));
    let data = &event.data;
    if event.kind == "order.state_changed" {
        let state = |side: &str| state_name(lang, &data[side]["state"]);
        let title = lang.t_args(&key, &[("from", state("before")), ("to", state("after"))]);
        let reason = data["reason"]
            .as_str()
            .map(|reason| lang.t_args("history-reason", &[("reason", reason.to_owned())]));
        let details = reason
            .into_iter()
            .chain(confirmation(lang, &data["confirmation"]))
            .collect();
        return Happening { title, details };
    }
    // A message staff wrote, or a payment reminder: its subject and address.
    if event.kind == "order.message_written" || event.kind == "order.reminder_sent" {
        let text = |field: &str| data[field].as_str().unwrap_or_default().to_owned();
        let detail = lang.t_args(
            "history-message",
            &[("subject", text("subject")), ("to", text("to"))],
        );
        return Happening {
            title: lang.t(&key),
            details: vec![detail],
        };
    }
    let title = lang.try_t(&key).unwrap_or_else(|| event.kind.clone());
    // A parcel's carrier and tracking; a delay's expected day and reason.
    if event.kind == "order.shipped" || event.kind == "order.delay_notified" {
        let text = |field: &str| data[field].as_str().map(str::to_owned);
        let tracking = text("tracking_number").map(|number| {
            let name = text("carrier").unwrap_or_default();
            lang.t_args("history-tracking", &[("name", name), ("number", number)])
        });
        let expected = text("expected_on")
            .and_then(|day| day.parse::<jiff::civil::Date>().ok())
            .map(|day| lang.t_args("history-delay", &[("time", lang.date(day))]));
        let reason = text("reason").map(|r| lang.t_args("history-reason", &[("reason", r)]));
        let details = [tracking, expected, reason].into_iter().flatten().collect();
        return Happening { title, details };
    }
    Happening {
        title,
        details: changes(lang, &data["before"], &data["after"], currency),
    }
}

/// Who confirmed through a confirmation link, and the SHA-256 of what they confirmed.
fn confirmation(lang: Lang, confirmation: &Value) -> Option<String> {
    let name = confirmation["name"].as_str()?;
    let name = match confirmation["title"].as_str() {
        Some(title) => format!("{name}, {title}"),
        None => name.to_owned(),
    };
    let hash = confirmation["snapshot_sha256"].as_str().unwrap_or_default();
    Some(lang.t_args(
        "history-confirmation",
        &[("name", name), ("hash", hash.to_owned())],
    ))
}

fn state_name(lang: Lang, state: &Value) -> String {
    state
        .as_str()
        .map(|s| lang.t(&format!("state-{s}")))
        .unwrap_or_default()
}

/// What an edit changed, one sentence per field; nothing for events without before/after.
fn changes(lang: Lang, before: &Value, after: &Value, currency: &str) -> Vec<String> {
    if !before.is_object() || !after.is_object() {
        return Vec::new();
    }
    let changed = |field: &str| before[field] != after[field];
    let mut out = Vec::new();
    if changed("tags") {
        let tags = |v: &Value| -> Vec<String> {
            v.as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect()
        };
        let (old, new) = (tags(&before["tags"]), tags(&after["tags"]));
        let added: Vec<_> = new.iter().filter(|t| !old.contains(t)).cloned().collect();
        let removed: Vec<_> = old.iter().filter(|t| !new.contains(t)).cloned().collect();
        if !added.is_empty() {
            out.push(lang.t_args("history-tags-added", &[("tags", added.join(", "))]));
        }
        if !removed.is_empty() {
            out.push(lang.t_args("history-tags-removed", &[("tags", removed.join(", "))]));
        }
    }
    if changed("language") {
        let name = |v: &Value| {
            v.as_str()
                .map(|code| {
                    lang.try_t(&format!("language-{code}"))
                        .unwrap_or_else(|| code.to_owned())
                })
                .unwrap_or_default()
        };
        out.push(lang.t_args(
            "history-language",
            &[
                ("from", name(&before["language"])),
                ("to", name(&after["language"])),
            ],
        ));
    }
    if changed("customer") {
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        out.push(lang.t_args(
            "history-customer",
            &[
                ("from", text(&before["customer"])),
                ("to", text(&after["customer"])),
            ],
        ));
    }
    if changed("gross") || changed("line_count") {
        let money = |v: &Value| lang.money(v.as_i64().unwrap_or_default(), currency);
        let count = |v: &Value| v.as_i64().unwrap_or_default().to_string();
        out.push(lang.t_args(
            "history-lines",
            &[
                ("lines", count(&after["line_count"])),
                ("from", money(&before["gross"])),
                ("to", money(&after["gross"])),
            ],
        ));
    }
    for (field, key) in [
        ("delivery_address", "history-delivery-address"),
        ("billing_address", "history-billing-address"),
    ] {
        if changed(field) {
            out.push(lang.t(key));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tilaus_domain::event::EventKind;
    use uuid::Uuid;

    fn event(kind: &str, data: Value) -> EventView {
        EventView {
            id: 1,
            order_id: Uuid::nil(),
            kind: kind.into(),
            actor: "Aino".into(),
            actor_kind: "user".into(),
            data,
            created_at: "2026-11-23T10:00:00Z".into(),
        }
    }

    #[test]
    fn every_event_kind_has_words_in_every_language() {
        for lang in Lang::ALL {
            for kind in EventKind::ALL {
                let key = format!("event-{}", kind.as_str().replace(['.', '_'], "-"));
                let args = [("from", "a".to_owned()), ("to", "b".to_owned())];
                assert_ne!(lang.t_args(&key, &args), key, "missing in {}", lang.code());
            }
        }
    }

    #[test]
    fn an_edit_says_what_changed() {
        let before = json!({"customer": "Aino", "language": "fi", "tags": ["vip", "gift"], "gross": 1000, "line_count": 1, "delivery_address": null});
        let after = json!({"customer": "Aino", "language": "sv", "tags": ["vip", "call"], "gross": 2500, "line_count": 2, "delivery_address": {"city": "Oulu"}});
        let said = describe(
            Lang::En,
            &event("order.updated", json!({"before": before, "after": after})),
            "EUR",
        );
        assert_eq!(said.title, "Order edited");
        let text = said.details.join(" | ");
        for expected in [
            "call", "gift", "Finnish", "Swedish", "€10.00", "€25.00", "2",
        ] {
            assert!(text.contains(expected), "{expected} not in {text}");
        }
        assert!(
            !text.contains("Aino"),
            "unchanged customer mentioned: {text}"
        );
        assert_eq!(said.details.len(), 5, "{text}");
    }

    #[test]
    fn a_cancellation_shows_its_reason() {
        let said = describe(
            Lang::Fi,
            &event(
                "order.state_changed",
                json!({"before": {"state": "open"}, "after": {"state": "cancelled"}, "reason": "Asiakas perui"}),
            ),
            "EUR",
        );
        assert!(
            said.title.contains("Peruttu") || said.title.contains("peruttu"),
            "{}",
            said.title
        );
        assert_eq!(said.details.len(), 1);
        assert!(said.details[0].contains("Asiakas perui"));
    }

    #[test]
    fn a_confirmation_names_the_person_and_the_hash() {
        let said = describe(
            Lang::En,
            &event(
                "order.state_changed",
                json!({"before": {"state": "open"}, "after": {"state": "confirmed"},
                       "confirmation": {"name": "Aino Virtanen", "title": "CEO", "snapshot_sha256": "ab12"}}),
            ),
            "EUR",
        );
        assert_eq!(said.details.len(), 1, "{:?}", said.details);
        for expected in ["Aino Virtanen, CEO", "ab12", "confirmation link"] {
            assert!(said.details[0].contains(expected), "{}", said.details[0]);
        }
    }

    #[test]
    fn an_unknown_kind_shows_itself_and_no_details() {
        let said = describe(Lang::Sv, &event("order.future_thing", json!({})), "EUR");
        assert_eq!(said.title, "order.future_thing");
        assert!(said.details.is_empty());
    }
}
