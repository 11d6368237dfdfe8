//! Confirmation links (ORD-7): an organisation's binding acceptance of an order's content and the
//! shop's terms. What a link allows, and what the person confirming must give.

use crate::order::OrderState;
use crate::text::{self, MAX_SHORT};
use crate::validation::ValidationErrors;

/// Where a confirmation link stands, as its page tells the person who opened it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkStatus {
    /// The content can be confirmed now.
    Confirmable,
    /// Someone confirmed through this link already.
    AlreadyConfirmed,
    /// The order's content changed since the link was made: what it was sent for is gone.
    Changed,
    Expired,
    /// The order is no longer open (confirmed some other way, cancelled, …).
    Closed,
}

/// The facts a link's status follows from.
#[derive(Debug, Clone, Copy)]
pub struct LinkFacts<'a> {
    pub order_state: OrderState,
    /// SHA-256 of the order content when the link was made, and now.
    pub link_fingerprint: &'a str,
    pub current_fingerprint: &'a str,
    pub expires_at: i64,
    pub now: i64,
    pub confirmed_through_link: bool,
}

impl LinkStatus {
    /// A link confirms an open order (`OrderState::ensure_confirmable_by_link`) whose content
    /// is still what the link was made for, once, before it expires. An earlier confirmation through the link wins over everything
    /// else, so a second submit is told "already confirmed" rather than "closed".
    pub fn of(facts: LinkFacts<'_>) -> LinkStatus {
        if facts.confirmed_through_link {
            LinkStatus::AlreadyConfirmed
        } else if facts.order_state.ensure_confirmable_by_link().is_err() {
            LinkStatus::Closed
        } else if facts.link_fingerprint != facts.current_fingerprint {
            LinkStatus::Changed
        } else if facts.now >= facts.expires_at {
            LinkStatus::Expired
        } else {
            LinkStatus::Confirmable
        }
    }
}

/// The person who confirms, in their own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    pub name: String,
    pub title: Option<String>,
}

/// The confirmation form: a name (required), a title (optional) and the accepted terms.
pub fn signer(name: &str, title: &str, accepted: bool) -> Result<Signer, ValidationErrors> {
    let mut errors = ValidationErrors::default();
    let name = errors.check("/name", text::required(name, MAX_SHORT));
    let title = errors.check("/title", text::optional(Some(title), MAX_SHORT));
    if !accepted {
        errors.push("/accept", "the terms must be accepted");
    }
    errors.into_result()?;
    match (name, title) {
        (Some(name), Some(title)) => Ok(Signer { name, title }),
        _ => Err(ValidationErrors::single("/name", "must not be empty")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> LinkFacts<'static> {
        LinkFacts {
            order_state: OrderState::Open,
            link_fingerprint: "a",
            current_fingerprint: "a",
            expires_at: 100,
            now: 99,
            confirmed_through_link: false,
        }
    }

    #[test]
    fn an_open_unchanged_unexpired_link_confirms() {
        assert_eq!(LinkStatus::of(facts()), LinkStatus::Confirmable);
    }

    #[test]
    fn each_reason_to_refuse_is_told_and_an_earlier_confirmation_wins() {
        let changed = LinkFacts {
            current_fingerprint: "b",
            ..facts()
        };
        assert_eq!(LinkStatus::of(changed), LinkStatus::Changed);
        let expired = LinkFacts {
            now: 100,
            ..facts()
        };
        assert_eq!(LinkStatus::of(expired), LinkStatus::Expired);
        for state in [
            OrderState::Confirmed,
            OrderState::Cancelled,
            OrderState::Paid,
        ] {
            let closed = LinkFacts {
                order_state: state,
                ..facts()
            };
            assert_eq!(LinkStatus::of(closed), LinkStatus::Closed);
        }
        // After confirming, the order is confirmed and the link old: still "already confirmed".
        let done = LinkFacts {
            order_state: OrderState::Confirmed,
            now: 1000,
            confirmed_through_link: true,
            ..facts()
        };
        assert_eq!(LinkStatus::of(done), LinkStatus::AlreadyConfirmed);
    }

    #[test]
    fn the_signer_needs_a_name_and_the_accepted_terms() {
        assert_eq!(
            signer("  Aino Virtanen ", " ", true),
            Ok(Signer {
                name: "Aino Virtanen".into(),
                title: None
            })
        );
        assert_eq!(
            signer("Aino", "Toimitusjohtaja", true).map(|s| s.title),
            Ok(Some("Toimitusjohtaja".into()))
        );
        let refused = signer(" ", &"x".repeat(201), false).expect_err("refused");
        let text = format!("{refused:?}");
        for pointer in ["/name", "/title", "/accept"] {
            assert!(text.contains(pointer), "{pointer} in {text}");
        }
    }
}
