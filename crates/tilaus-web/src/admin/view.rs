//! Small pieces the admin pages share: state badges (text and colour), select options,
//! customer and channel labels.

use super::guard::Staff;
use super::i18n::Lang;
use tilaus_app::order::CustomerView;
use tilaus_app::shop::ChannelInfo;
use tilaus_domain::customer::Address;

/// A state shown as text on its colour. The CSS class is the same wherever the state appears
/// (list, detail, situation centre), so each state has one colour everywhere.
pub(crate) struct Badge {
    pub class: String,
    pub label: String,
}

impl Badge {
    fn of(lang: Lang, kind: &str, value: &str) -> Self {
        // Stored values are snake_case words; anything else would be a corrupt row, shown plainly.
        let value: String = value
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        Badge {
            class: format!("badge {kind}-{value}"),
            label: lang
                .try_t(&format!("{kind}-{value}"))
                .unwrap_or_else(|| value.clone()),
        }
    }

    pub fn state(lang: Lang, state: &str) -> Self {
        Self::of(lang, "state", state)
    }

    pub fn payment(lang: Lang, state: &str) -> Self {
        Self::of(lang, "payment", state)
    }

    pub fn delivery(lang: Lang, state: &str) -> Self {
        Self::of(lang, "delivery", state)
    }

    pub fn message(lang: Lang, state: &str) -> Self {
        Self::of(lang, "message", state)
    }
}

/// An option of a select.
pub(crate) struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub(crate) fn choices<'a>(
    lang: Lang,
    kind: &str,
    values: impl Iterator<Item = &'a str>,
    selected: &str,
) -> Vec<Choice> {
    let mut choices: Vec<Choice> = values
        .map(|v| Choice {
            value: v.to_owned(),
            label: lang.t(&format!("{kind}-{v}")),
            selected: v == selected,
        })
        .collect();
    // A combination from a link (the situation centre's "confirmed,invoiced,paid") stays
    // selectable, so that filtering further keeps it.
    if selected.contains(',') {
        let label = selected
            .split(',')
            .map(|v| lang.t(&format!("{kind}-{}", v.trim())))
            .collect::<Vec<_>>()
            .join(" + ");
        choices.push(Choice {
            value: selected.to_owned(),
            label,
            selected: true,
        });
    }
    choices
}

/// An address as printed, one line each; nothing for no address.
pub(crate) fn address_lines(address: Option<&Address>) -> Vec<String> {
    address.map(Address::printed_lines).unwrap_or_default()
}

/// The person and, for organisations, the organisation.
pub(crate) fn customer_names(customer: &CustomerView) -> (String, Option<String>) {
    if customer.kind == "organisation" {
        match &customer.contact_person {
            Some(person) => (person.clone(), Some(customer.name.clone())),
            None => (customer.name.clone(), None),
        }
    } else {
        (customer.name.clone(), None)
    }
}

/// The channel in the user's language (the shop's own name for its own channels), with the
/// origin after it: "Kanavanhallinta · Booking.com".
pub(crate) fn channel_label(
    lang: Lang,
    channels: &[ChannelInfo],
    code: &str,
    origin: Option<&str>,
) -> String {
    let name = lang
        .try_t(&format!("channel-{code}"))
        .or_else(|| {
            channels
                .iter()
                .find(|c| c.code == code)
                .map(|c| c.name.clone())
        })
        .unwrap_or_else(|| code.to_owned());
    match origin {
        Some(origin) if !origin.is_empty() => format!("{name} · {origin}"),
        _ => name,
    }
}

/// The chosen shop's time zone.
pub(crate) fn zone(staff: &Staff) -> jiff::tz::TimeZone {
    staff
        .session
        .current
        .as_ref()
        .map(|s| s.time_zone.clone())
        .unwrap_or(jiff::tz::TimeZone::UTC)
}
