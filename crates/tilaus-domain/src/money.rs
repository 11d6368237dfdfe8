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

/// Reads a decimal number as people type it into a form: `12,50`, `12.5`, `1 234,50`,
/// `1,234.50`, with an optional sign, scaled to `decimals` places (`12,5` with 2 → `1250`).
///
/// When both `,` and `.` appear, the last one is the decimal separator and the other groups
/// digits; a single kind appearing once is the decimal separator whatever the locale, so
/// `1,234` reads as 1.234 and is refused for having too many decimals rather than guessed.
pub fn parse_decimal(input: &str, decimals: u32) -> Result<i128, String> {
    let cleaned: String = input
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\'')
        .map(|c| if c == '\u{2212}' { '-' } else { c })
        .collect();
    let invalid = || format!("'{}' is not a number such as 12,50", input.trim());
    let (negative, digits) = match cleaned.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, cleaned.strip_prefix('+').unwrap_or(&cleaned)),
    };
    let decimal_at = match (digits.rfind(','), digits.rfind('.')) {
        (Some(c), Some(d)) => Some(c.max(d)),
        (Some(c), None) if digits.matches(',').count() == 1 => Some(c),
        (None, Some(d)) if digits.matches('.').count() == 1 => Some(d),
        _ => None,
    };
    let (whole, fraction) = match decimal_at {
        Some(at) => (&digits[..at], &digits[at + 1..]),
        None => (digits, ""),
    };
    let whole: String = whole.chars().filter(|c| *c != ',' && *c != '.').collect();
    let digit_only = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !digit_only(&whole) || !digit_only(fraction) {
        return Err(invalid());
    }
    if fraction.len() > decimals as usize {
        return Err(format!(
            "'{}' has more than {decimals} decimals",
            input.trim()
        ));
    }
    // Beyond 30 digits nothing we store fits anyway; refusing early keeps i128 from overflowing.
    if whole.len() + fraction.len() > 30 {
        return Err(format!("'{}' is too large", input.trim()));
    }
    let padded = format!("{whole}{fraction:0<width$}", width = decimals as usize);
    let value: i128 = padded.parse().unwrap_or(0);
    Ok(if negative { -value } else { value })
}

/// Reads an amount typed in major units (`12,50`) as minor units of `currency`.
pub fn parse_major(input: &str, currency: Currency) -> Result<i64, String> {
    let value = parse_decimal(input, currency.exponent())?;
    within_limit(value).map_err(|e| e.to_string())
}

impl VatRate {
    /// Reads a rate typed as a percentage: `25,5`, `25.5 %`, `14`.
    pub fn parse_percent(input: &str) -> Result<Self, String> {
        let number = input.trim().trim_end_matches('%');
        let basis_points = parse_decimal(number, 2)?;
        Self::new(i64::try_from(basis_points).unwrap_or(i64::MAX))
    }
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
        for bad in ["", "abc", "1.234", "1e3", "99999999999999999999"] {
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
    fn reads_amounts_as_typed() {
        let eur = |s: &str| parse_major(s, Currency::Eur);
        assert_eq!(eur("12,50"), Ok(1250));
        assert_eq!(eur("12.5"), Ok(1250));
        assert_eq!(eur(" 1 234,50 "), Ok(123_450));
        assert_eq!(eur("1\u{a0}234,5"), Ok(123_450));
        assert_eq!(eur("1,234.50"), Ok(123_450));
        assert_eq!(eur("1.234,50"), Ok(123_450));
        assert_eq!(eur("1.234.567"), Ok(123_456_700));
        assert_eq!(eur("-3"), Ok(-300));
        assert_eq!(eur("\u{2212}0,05"), Ok(-5));
        assert_eq!(eur(",5"), Ok(50));
        assert!(
            eur("1,234").is_err(),
            "three decimals are refused, not guessed"
        );
        for bad in [
            "",
            "-",
            "abc",
            "12,5x",
            "1e5",
            "--1",
            "9999999999999999999999999999999",
        ] {
            assert!(eur(bad).is_err(), "{bad}");
        }
        assert!(eur("10000000000000,01").is_err(), "beyond MAX_AMOUNT");
    }

    proptest::proptest! {
        #[test]
        fn formatted_amounts_read_back(amount in -MAX_AMOUNT..=MAX_AMOUNT, comma in proptest::bool::ANY) {
            let text = format_major(amount, Currency::Eur, if comma { ',' } else { '.' });
            proptest::prop_assert_eq!(parse_major(&text, Currency::Eur), Ok(amount));
        }

        #[test]
        fn no_typed_text_panics(text in "\\PC{0,40}") {
            let _ = parse_major(&text, Currency::Eur);
            let _ = VatRate::parse_percent(&text);
        }
    }

    #[test]
    fn reads_vat_rates_as_percentages() {
        assert_eq!(VatRate::parse_percent("25,5"), VatRate::new(2550));
        assert_eq!(VatRate::parse_percent("25.5 %"), VatRate::new(2550));
        assert_eq!(VatRate::parse_percent("14"), VatRate::new(1400));
        assert_eq!(VatRate::parse_percent("10,25"), VatRate::new(1025));
        assert!(VatRate::parse_percent("101").is_err());
        assert!(VatRate::parse_percent("-1").is_err());
        assert!(VatRate::parse_percent("25,555").is_err());
    }

    #[test]
    fn vat_rate_range() {
        assert!(VatRate::new(2550).is_ok());
        assert!(VatRate::new(-1).is_err());
        assert!(VatRate::new(10_001).is_err());
    }
}
