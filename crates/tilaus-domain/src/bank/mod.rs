//! Finnish and SEPA bank formats printed on invoices and transfer slips: the RF creditor
//! reference, IBAN and BIC, the Finnish bank barcode (with its Code 128 bars), the EPC QR
//! payload and the business id (Y-tunnus).
//!
//! Everything here is pure text and digit arithmetic, so the PDF renderer, the API and the
//! admin UI all print the same payment details. The national reference number (7-3-1) lives in
//! its own module; this one only needs its digits, through [`NationalReference`].

pub mod barcode;
pub mod business_id;
pub mod code128;
pub mod epc;
pub mod iban;
pub mod rf;
pub mod transfer;

/// A Finnish national reference number (viitenumero) that has already been validated, check digit
/// included.
///
/// The bank formats only need its machine-readable digits; the 7-3-1 rule itself belongs to the
/// reference number's own type, which implements this trait.
pub trait NationalReference {
    /// The digits without spaces, check digit last (e.g. `1234561`).
    fn digits(&self) -> &str;
}

/// ISO 7064 MOD 97-10 remainder of `text` read as one big number, with letters counting as two
/// digits (A = 10 … Z = 35) — the check shared by IBANs and RF references.
///
/// `None` when `text` holds anything but ASCII letters and digits. Both callers first move their
/// four leading characters to the end, as ISO 13616 and ISO 11649 prescribe.
fn mod97(text: impl IntoIterator<Item = char>) -> Option<u32> {
    text.into_iter().try_fold(0_u32, |remainder, c| {
        let value = c.to_digit(36)?;
        let shift = if value < 10 { 10 } else { 100 };
        Some((remainder * shift + value) % 97)
    })
}

/// Splits `text` into groups of four characters separated by spaces, the printed form of IBANs
/// and RF references.
fn group_by_four(text: &str) -> String {
    let mut grouped = String::with_capacity(text.len() + text.len() / 4);
    for (index, c) in text.chars().enumerate() {
        if index > 0 && index % 4 == 0 {
            grouped.push(' ');
        }
        grouped.push(c);
    }
    grouped
}

/// Removes spaces and upper-cases ASCII letters: people type IBANs and references in groups
/// and in either case.
fn compact_upper(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mod97_reads_letters_as_two_digits() {
        // "RF" = 27 15; 271500 mod 97 = 0 → check digits 98 for an empty body.
        assert_eq!(mod97("271500".chars()), mod97("RF00".chars()));
        assert_eq!(mod97("1a".chars()), Some(110 % 97));
        assert_eq!(mod97("1-".chars()), None);
        assert_eq!(mod97("Ä".chars()), None);
    }

    #[test]
    fn groups_by_four() {
        assert_eq!(group_by_four("RF341234561"), "RF34 1234 561");
        assert_eq!(group_by_four("ABCD"), "ABCD");
        assert_eq!(group_by_four(""), "");
    }
}
