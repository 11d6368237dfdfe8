//! An order's content as it is being made or edited: lines, reservations, tags.

use super::totals::{Totals, line_total, totals};
use super::{ProductKind, PurchaseProcess};
use crate::money::{AmountError, Currency, MAX_AMOUNT, VatRate};
use crate::text;
use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;

/// The most lines one order may have.
pub const MAX_LINES: usize = 1_000;
/// The most tags one order may have.
pub const MAX_TAGS: usize = 50;
/// The most units of one line.
pub const MAX_QUANTITY: i64 = 1_000_000;

/// When a booked service takes place (ORD-17).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reservation {
    pub start: Timestamp,
    pub end: Timestamp,
}

impl Reservation {
    pub fn new(start: Timestamp, end: Timestamp) -> Result<Self, String> {
        if end <= start {
            return Err("the reservation must end after it starts".into());
        }
        Ok(Self { start, end })
    }
}

/// Reads a reservation time: an RFC 3339 instant with an offset, or a local date and time
/// (`2026-12-01T15:00`) in the shop's time zone.
pub fn parse_reservation(input: &str, shop_zone: &TimeZone) -> Result<Timestamp, String> {
    let input = input.trim();
    if let Ok(instant) = input.parse::<Timestamp>() {
        return Ok(instant);
    }
    let local: DateTime = input
        .parse()
        .map_err(|_| format!("'{input}' is not a date and time such as 2026-12-01T15:00"))?;
    shop_zone
        .to_timestamp(local)
        .map_err(|e| format!("'{input}' does not exist in the shop's time zone: {e}"))
}

/// One order line, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineDraft {
    pub product_id: Option<uuid::Uuid>,
    pub sku: Option<String>,
    pub name: String,
    pub kind: ProductKind,
    pub quantity: i64,
    /// In the order's price basis (gross when the order's prices include VAT).
    pub unit_price: i64,
    pub vat_rate: VatRate,
    /// An amount off the line's total, in the same basis.
    pub discount: i64,
    pub reservation: Option<Reservation>,
    /// How the line's product is bought (ORD-5); a line without a product is paid now.
    pub purchase_process: PurchaseProcess,
}

impl LineDraft {
    pub fn total(&self) -> Result<i64, AmountError> {
        line_total(self.quantity, self.unit_price, self.discount)
    }

    pub fn parse_quantity(quantity: i64) -> Result<i64, String> {
        if (1..=MAX_QUANTITY).contains(&quantity) {
            Ok(quantity)
        } else {
            Err(format!("must be a whole number from 1 to {MAX_QUANTITY}"))
        }
    }

    pub fn parse_unit_price(price: i64) -> Result<i64, String> {
        // A range, not `abs()`: `i64::MIN.abs()` overflows.
        if (-MAX_AMOUNT..=MAX_AMOUNT).contains(&price) {
            Ok(price)
        } else {
            Err(format!("must be at most {MAX_AMOUNT} minor units"))
        }
    }

    pub fn parse_discount(discount: i64) -> Result<i64, String> {
        if (0..=MAX_AMOUNT).contains(&discount) {
            Ok(discount)
        } else {
            Err(format!("must be from 0 to {MAX_AMOUNT} minor units"))
        }
    }
}

/// What an order sells and at what price: enough to compute its totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderContent {
    pub currency: Currency,
    pub prices_include_vat: bool,
    pub lines: Vec<LineDraft>,
}

impl OrderContent {
    pub fn totals(&self) -> Result<Totals, AmountError> {
        let priced = self
            .lines
            .iter()
            .map(|line| line.total().map(|total| (total, line.vat_rate)))
            .collect::<Result<Vec<_>, _>>()?;
        totals(priced, self.prices_include_vat)
    }
}

/// Trims, lower-cases and de-duplicates tags (ORD-20), keeping their first order.
pub fn normalise_tags(tags: &[String]) -> Result<Vec<String>, String> {
    if tags.len() > MAX_TAGS {
        return Err(format!("at most {MAX_TAGS} tags"));
    }
    let mut result: Vec<String> = Vec::with_capacity(tags.len());
    for tag in tags {
        let tag = text::required(tag, 50)
            .map_err(|e| format!("each tag {e}"))?
            .to_lowercase();
        if !result.contains(&tag) {
            result.push(tag);
        }
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extreme_numbers_are_refused_not_panicked_on() {
        for value in [i64::MIN, i64::MAX, MAX_AMOUNT + 1, -MAX_AMOUNT - 1] {
            assert!(LineDraft::parse_unit_price(value).is_err(), "{value}");
            assert!(LineDraft::parse_discount(value).is_err(), "{value}");
            assert!(LineDraft::parse_quantity(value).is_err(), "{value}");
        }
        assert_eq!(LineDraft::parse_unit_price(-MAX_AMOUNT), Ok(-MAX_AMOUNT));
    }

    #[test]
    fn reservations_read_local_times_in_the_shop_zone() {
        let helsinki = TimeZone::get("Europe/Helsinki").expect("bundled zone");
        let winter = parse_reservation("2026-12-01T15:00", &helsinki).expect("valid");
        assert_eq!(winter.to_string(), "2026-12-01T13:00:00Z");
        let summer = parse_reservation("2026-07-01T15:00", &helsinki).expect("valid");
        assert_eq!(summer.to_string(), "2026-07-01T12:00:00Z");
        let explicit = parse_reservation("2026-12-01T15:00:00+00:00", &helsinki).expect("valid");
        assert_eq!(explicit.to_string(), "2026-12-01T15:00:00Z");
        assert!(parse_reservation("tomorrow", &helsinki).is_err());
        assert!(Reservation::new(winter, winter).is_err());
    }

    #[test]
    fn tags_are_normalised() {
        let tags = vec![" VIP ".to_string(), "vip".into(), "Lahja".into()];
        assert_eq!(
            normalise_tags(&tags),
            Ok(vec!["vip".to_string(), "lahja".into()])
        );
        assert!(normalise_tags(&["".to_string()]).is_err());
        assert!(normalise_tags(&vec!["x".to_string(); 51]).is_err());
    }

    #[test]
    fn quantities_and_amounts_have_limits() {
        assert!(LineDraft::parse_quantity(0).is_err());
        assert!(LineDraft::parse_quantity(-1).is_err());
        assert!(LineDraft::parse_quantity(3).is_ok());
        assert!(LineDraft::parse_unit_price(i64::MAX).is_err());
        assert!(LineDraft::parse_discount(-1).is_err());
    }
}
