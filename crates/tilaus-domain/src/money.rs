//! Money: integer minor units, currencies, VAT rates and rounding.
//!
//! Amounts are `i64` minor units (cents). Every operation that could overflow is checked and
//! refused with [`AmountError`] instead of wrapping or panicking.

use crate::string_enum;

string_enum! {
    /// ISO 4217 currencies a shop can sell in.
    Currency {
        Eur = "EUR",
        Sek = "SEK",
        Nok = "NOK",
        Dkk = "DKK",
        Czk = "CZK",
        Pln = "PLN",
        Chf = "CHF",
        Gbp = "GBP",
        Usd = "USD",
    }
}

impl Currency {
    /// Minor units per major unit, as a power of ten (all supported currencies use cents).
    pub const fn exponent(self) -> u32 {
        2
    }
}

/// The largest amount of one line or one order we accept: 10^15 minor units (ten trillion
/// euros). It leaves room for sums over many lines without overflow and is far beyond any
/// real order.
pub const MAX_AMOUNT: i64 = 1_000_000_000_000_000;

/// Raised when an amount leaves the range we can represent safely.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("amount is too large (the limit is {MAX_AMOUNT} minor units)")]
pub struct AmountError;

/// Checks that `amount` is within ±[`MAX_AMOUNT`].
pub fn within_limit(amount: i128) -> Result<i64, AmountError> {
    if amount.abs() > i128::from(MAX_AMOUNT) {
        return Err(AmountError);
    }
    i64::try_from(amount).map_err(|_| AmountError)
}

/// Divides rounding half away from zero (the rounding Finnish and EU VAT rules expect).
pub fn div_round_half_away(numerator: i128, denominator: i128) -> i128 {
    debug_assert!(denominator > 0, "denominator must be positive");
    let quotient = numerator / denominator;
    let remainder = numerator % denominator;
    if remainder.abs() * 2 >= denominator {
        quotient + numerator.signum()
    } else {
        quotient
    }
}

/// A VAT rate in basis points: 25.5 % is `2550`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct VatRate(u32);

impl VatRate {
    /// 100 % — no real VAT rate is higher.
    pub const MAX_BASIS_POINTS: u32 = 10_000;

    pub fn new(basis_points: i64) -> Result<Self, String> {
        u32::try_from(basis_points)
            .ok()
            .filter(|bp| *bp <= Self::MAX_BASIS_POINTS)
            .map(VatRate)
            .ok_or_else(|| {
                format!(
                    "must be a VAT rate in basis points between 0 and {}",
                    Self::MAX_BASIS_POINTS
                )
            })
    }

    pub const fn basis_points(self) -> u32 {
        self.0
    }
}

/// Formats minor units as a major-unit decimal string (`-12.34`), for exports and documents.
pub fn format_major(amount: i64, currency: Currency, decimal_separator: char) -> String {
    let scale = 10_i64.pow(currency.exponent());
    let sign = if amount < 0 { "-" } else { "" };
    let abs = amount.unsigned_abs();
    let scale = scale.unsigned_abs();
    let width = currency.exponent() as usize;
    format!(
        "{sign}{}{decimal_separator}{:0width$}",
        abs / scale,
        abs % scale
    )
}

/// Reads an amount written in major units (`1234`, `1234.5`, `1 234,50`) into minor units: the
/// inverse of [`format_major`], for amounts people type.
pub fn parse_major(text: &str, currency: Currency) -> Result<i64, String> {
    let invalid = || format!("'{}' is not an amount such as 120 or 120,50", text.trim());
    let cleaned: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .collect();
    let (negative, digits) = match cleaned.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, cleaned.as_str()),
    };
    let (whole, fraction) = digits.split_once(['.', ',']).unwrap_or((digits, ""));
    let width = currency.exponent() as usize;
    let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) || fraction.len() > width {
        return Err(invalid());
    }
    let whole: i128 = whole.parse().map_err(|_| invalid())?;
    let fraction: i128 = format!("{fraction:0<width$}")
        .parse()
        .map_err(|_| invalid())?;
    let amount = whole * 10_i128.pow(currency.exponent()) + fraction;
    within_limit(if negative { -amount } else { amount }).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_amounts_read_back_what_format_major_writes() {
        assert_eq!(parse_major("120", Currency::Eur), Ok(12_000));
        assert_eq!(parse_major("1 234,5", Currency::Eur), Ok(123_450));
        assert_eq!(parse_major("-0.05", Currency::Eur), Ok(-5));
        assert_eq!(format_major(123_450, Currency::Eur, '.'), "1234.50");
        assert_eq!(parse_major("1234.50", Currency::Eur), Ok(123_450));
        for bad in [
            "",
            "abc",
            "1.234",
            "1,2,3",
            ".5",
            "1e3",
            "99999999999999999999",
        ] {
            assert!(parse_major(bad, Currency::Eur).is_err(), "{bad}");
        }
    }

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(div_round_half_away(5, 10), 1);
        assert_eq!(div_round_half_away(-5, 10), -1);
        assert_eq!(div_round_half_away(4, 10), 0);
        assert_eq!(div_round_half_away(-14, 10), -1);
        assert_eq!(div_round_half_away(15, 10), 2);
    }

    #[test]
    fn formats_major_units() {
        assert_eq!(format_major(123_456, Currency::Eur, '.'), "1234.56");
        assert_eq!(format_major(-5, Currency::Eur, ','), "-0,05");
        assert_eq!(
            format_major(i64::MIN, Currency::Eur, '.'),
            "-92233720368547758.08"
        );
    }

    #[test]
    fn vat_rate_range() {
        assert!(VatRate::new(2550).is_ok());
        assert!(VatRate::new(-1).is_err());
        assert!(VatRate::new(10_001).is_err());
    }
}
