//! Deliveries (ORD-13, FUL-3): the parcels and hand-overs of an order, each moving from
//! processing to shipped (with its carrier and tracking) to delivered; the order's delivery state
//! follows from them.

use crate::order::{DeliveryState, OrderState, StateError};
use crate::string_enum;
use crate::text::{self, MAX_SHORT};
use crate::validation::ValidationErrors;

string_enum! {
    /// Where one delivery is.
    DeliveryStep {
        /// Being picked, packed or prepared.
        Processing = "processing",
        /// Handed to the carrier (or out with the shop's own driver).
        Shipped = "shipped",
        /// With the customer.
        Delivered = "delivered",
    }
}

/// A step a delivery cannot take.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a delivery that is {from} cannot become {to}")]
pub struct StepError {
    pub from: DeliveryStep,
    pub to: DeliveryStep,
}

impl DeliveryStep {
    /// The step after moving to `to`: only forward, and a delivery may skip shipping (picked up
    /// at the counter).
    pub fn advance(self, to: DeliveryStep) -> Result<DeliveryStep, StepError> {
        if to > self {
            Ok(to)
        } else {
            Err(StepError { from: self, to })
        }
    }
}

/// The order's delivery state from its deliveries: none without any, delivered when all are,
/// partially delivered when some are, otherwise pending.
pub fn delivery_state(steps: &[DeliveryStep]) -> DeliveryState {
    let delivered = steps
        .iter()
        .filter(|s| **s == DeliveryStep::Delivered)
        .count();
    match (steps.len(), delivered) {
        (0, _) => DeliveryState::None,
        (all, done) if all == done => DeliveryState::Delivered,
        (_, 0) => DeliveryState::Pending,
        _ => DeliveryState::PartiallyDelivered,
    }
}

impl OrderState {
    /// Goods are delivered for agreed orders: confirmed (paid later or at the door), invoiced or
    /// paid; not for an open order (its content may change) nor a finished one.
    pub fn ensure_deliverable(self) -> Result<(), StateError> {
        match self {
            OrderState::Confirmed | OrderState::Invoiced | OrderState::Paid => Ok(()),
            _ => Err(self.refuse("delivering the order".into())),
        }
    }
}

/// The longest tracking link kept (carriers' links with their query strings fit well).
pub const MAX_URL: usize = 2_000;

/// How a shipped delivery travels, as staff or the shipping integration give it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tracking {
    pub carrier: Option<String>,
    pub number: Option<String>,
    /// Where the customer follows the parcel: an `https://` (or `http://`) address.
    pub url: Option<String>,
}

impl Tracking {
    /// Checks tracking details; every field is optional, a link must be a web address.
    pub fn parse(
        carrier: Option<&str>,
        number: Option<&str>,
        url: Option<&str>,
    ) -> Result<Tracking, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let carrier = errors
            .check("/carrier", text::optional(carrier, MAX_SHORT))
            .flatten();
        let number = errors
            .check("/tracking_number", text::optional(number, MAX_SHORT))
            .flatten();
        let url = errors
            .check("/tracking_url", text::optional(url, MAX_URL))
            .flatten();
        if let Some(link) = &url
            && !is_web_address(link)
        {
            errors.push("/tracking_url", "give a web address starting with https://");
        }
        errors.into_result().map(|()| Tracking {
            carrier,
            number,
            url,
        })
    }
}

/// An absolute http(s) address with a host and no spaces: what a mail client can open, and
/// nothing that would run (`javascript:`) or point inside the shop.
fn is_web_address(link: &str) -> bool {
    let rest = link
        .strip_prefix("https://")
        .or_else(|| link.strip_prefix("http://"));
    rest.is_some_and(|rest| {
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        !host.is_empty() && !link.chars().any(char::is_whitespace)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use DeliveryStep::*;

    #[test]
    fn deliveries_only_move_forward() {
        assert_eq!(Processing.advance(Shipped), Ok(Shipped));
        assert_eq!(Processing.advance(Delivered), Ok(Delivered));
        assert_eq!(Shipped.advance(Delivered), Ok(Delivered));
        assert!(Shipped.advance(Processing).is_err());
        assert!(Delivered.advance(Delivered).is_err());
        assert!(Shipped.advance(Shipped).is_err());
    }

    #[test]
    fn the_order_state_follows_its_deliveries() {
        assert_eq!(delivery_state(&[]), DeliveryState::None);
        assert_eq!(
            delivery_state(&[Processing, Shipped]),
            DeliveryState::Pending
        );
        assert_eq!(
            delivery_state(&[Delivered, Shipped]),
            DeliveryState::PartiallyDelivered
        );
        assert_eq!(
            delivery_state(&[Delivered, Delivered]),
            DeliveryState::Delivered
        );
    }

    #[test]
    fn only_agreed_unfinished_orders_are_delivered() {
        let deliverable: Vec<_> = OrderState::ALL
            .iter()
            .filter(|s| s.ensure_deliverable().is_ok())
            .collect();
        assert_eq!(
            deliverable,
            [
                &OrderState::Confirmed,
                &OrderState::Invoiced,
                &OrderState::Paid
            ]
        );
    }

    #[test]
    fn tracking_links_are_web_addresses() {
        let ok = Tracking::parse(
            Some(" Posti "),
            Some("JJFI123"),
            Some("https://www.posti.fi/fi/seuranta#/lahetys/JJFI123"),
        )
        .expect("valid");
        assert_eq!(ok.carrier.as_deref(), Some("Posti"));
        for bad in [
            "javascript:alert(1)",
            "www.posti.fi",
            "https://",
            "https://a b",
            "/admin",
        ] {
            let errors = Tracking::parse(None, None, Some(bad)).expect_err(bad);
            assert_eq!(errors.0[0].pointer, "/tracking_url", "{bad}");
        }
        assert_eq!(
            Tracking::parse(None, Some(" "), None).expect("blank is none"),
            Tracking::default()
        );
    }
}
