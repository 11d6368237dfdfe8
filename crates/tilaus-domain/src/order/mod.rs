//! Orders: their states, their lines and their totals.

mod draft;
mod process;
mod state;
mod totals;

pub use draft::{
    LineDraft, MAX_LINES, MAX_TAGS, OrderContent, Reservation, normalise_tags, parse_reservation,
};
pub use process::{NextStep, OrderAction, Standing, ensure_payment_linkable, order_process};
pub use state::{DeliveryState, OrderState, PaymentState, StateError};
pub use totals::{Totals, VatBreakdown, line_total, totals};

use crate::string_enum;

string_enum! {
    /// Whether a product is a thing to deliver or a service (possibly booked for a time).
    ProductKind {
        Goods = "goods",
        Service = "service",
    }
}

string_enum! {
    /// How a product is bought (ORD-5): paid at once, on invoice, after a quote, or as an open
    /// order that is settled later.
    PurchaseProcess {
        PayNow = "pay_now",
        Invoice = "invoice",
        Quote = "quote",
        OpenOrder = "open_order",
    }
}

string_enum! {
    /// What a source channel is, whatever the shop calls it.
    ChannelKind {
        Web = "web",
        Pos = "pos",
        Phone = "phone",
        Manual = "manual",
        Api = "api",
        Marketplace = "marketplace",
        ChannelManager = "channel_manager",
    }
}

impl ChannelKind {
    /// The channels every shop starts with: code, English name and kind.
    pub fn defaults() -> impl Iterator<Item = (&'static str, &'static str, ChannelKind)> {
        [
            ("web", "Web shop"),
            ("pos", "Point of sale"),
            ("phone", "Phone"),
            ("manual", "Manual"),
            ("api", "API"),
            ("marketplace", "Marketplace"),
            ("channel_manager", "Channel manager"),
        ]
        .into_iter()
        .zip(Self::ALL.iter().copied())
        .map(|((code, name), kind)| (code, name, kind))
    }
}

/// Checks a channel code a shop chooses for its own channel: short, lower-case, URL-safe.
pub fn parse_channel_code(input: &str) -> Result<String, String> {
    let code = input.trim();
    let valid = (1..=40).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if valid {
        Ok(code.to_owned())
    } else {
        Err("must be 1–40 characters of a–z, 0–9, '_' or '-'".into())
    }
}
