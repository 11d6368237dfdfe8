//! IBAN (ISO 13616) validation and printing, and the shape of a BIC (ISO 9362).

use super::{compact_upper, group_by_four, mod97};

/// IBAN lengths of the SEPA countries (SWIFT IBAN registry). Other countries are checked only
/// against the general 15–34 rule: a shop may have a customer anywhere, but the invoices we print
/// are paid within SEPA, where a wrong length is the commonest typing error.
const SEPA_LENGTHS: &[(&str, usize)] = &[
    ("AD", 24),
    ("AL", 28),
    ("AT", 20),
    ("BE", 16),
    ("BG", 22),
    ("CH", 21),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DK", 18),
    ("EE", 20),
    ("ES", 24),
    ("FI", 18),
    ("FR", 27),
    ("GB", 22),
    ("GI", 23),
    ("GR", 27),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IS", 26),
    ("IT", 27),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("MC", 27),
    ("MD", 24),
    ("ME", 22),
    ("MK", 19),
    ("MT", 31),
    ("NL", 18),
    ("NO", 15),
    ("PL", 28),
    ("PT", 25),
    ("RO", 24),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("VA", 22),
];

/// Why a text is not an IBAN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IbanError {
    #[error("an IBAN starts with a two-letter country code and two check digits")]
    BadStart,
    #[error("an IBAN may contain only letters A–Z and digits")]
    InvalidCharacter,
    #[error("an IBAN of this country has {expected} characters, not {actual}")]
    WrongLength { expected: usize, actual: usize },
    #[error("an IBAN has 15–34 characters")]
    BadLength,
    #[error("the IBAN's check digits do not match (typing error?)")]
    CheckDigits,
}

/// A valid IBAN in its electronic form (`FI4950009420028730`: upper case, no spaces).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Iban(String);

impl Iban {
    /// Parses an IBAN as printed or typed: spaces and lower case are accepted.
    pub fn parse(input: &str) -> Result<Self, IbanError> {
        let text = compact_upper(input);
        let bytes = text.as_bytes();
        if bytes.len() < 4
            || !bytes[..2].iter().all(u8::is_ascii_uppercase)
            || !bytes[2..4].iter().all(u8::is_ascii_digit)
        {
            return Err(IbanError::BadStart);
        }
        if !bytes
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            return Err(IbanError::InvalidCharacter);
        }
        let country = &text[..2];
        match SEPA_LENGTHS.iter().find(|(code, _)| *code == country) {
            Some(&(_, expected)) if expected != text.len() => {
                return Err(IbanError::WrongLength {
                    expected,
                    actual: text.len(),
                });
            }
            None if !(15..=34).contains(&text.len()) => return Err(IbanError::BadLength),
            _ => {}
        }
        // ISO 13616: move the country code and check digits to the end; the whole is 1 mod 97.
        match mod97(text[4..].chars().chain(text[..4].chars())) {
            Some(1) => Ok(Self(text)),
            _ => Err(IbanError::CheckDigits),
        }
    }

    /// The electronic form, `FI4950009420028730`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The ISO 3166 country code, `FI`.
    pub fn country(&self) -> &str {
        &self.0[..2]
    }

    /// The printed form in groups of four, `FI49 5000 9420 0287 30`.
    pub fn grouped(&self) -> String {
        group_by_four(&self.0)
    }
}

/// Why a text is not a BIC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "a BIC has 8 or 11 letters and digits: 4 for the bank, 2 letters for the country, 2 for the location and an optional 3 for the branch"
)]
pub struct BicError;

/// A BIC (SWIFT code) of the right shape, upper case: `NDEAFIHH` or `OKOYFIHHXXX`.
///
/// Only the shape can be checked offline; whether the bank exists is the bank's business.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Bic(String);

impl Bic {
    pub fn parse(input: &str) -> Result<Self, BicError> {
        let text = compact_upper(input);
        let bytes = text.as_bytes();
        let alphanumeric = |part: &[u8]| {
            part.iter()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        };
        // ISO 9362:2022 lets the party prefix (first four) contain digits; the country is letters.
        let shaped = matches!(bytes.len(), 8 | 11)
            && alphanumeric(&bytes[..4])
            && bytes[4..6].iter().all(u8::is_ascii_uppercase)
            && alphanumeric(&bytes[6..]);
        if shaped {
            Ok(Self(text))
        } else {
            Err(BicError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_published_ibans() {
        // integrations.md §4.3 worked example account.
        let iban = Iban::parse("FI49 5000 9420 0287 30").expect("valid");
        assert_eq!(iban.as_str(), "FI4950009420028730");
        assert_eq!(iban.grouped(), "FI49 5000 9420 0287 30");
        assert_eq!(iban.country(), "FI");
        // The virtuaaliviivakoodi library's example account.
        assert!(Iban::parse("FI37 1590 3000 0007 76").is_ok());
        // ISO 13616 / SWIFT registry examples.
        assert!(Iban::parse("DE89 3704 0044 0532 0130 00").is_ok());
        assert!(Iban::parse("gb82 west 1234 5698 7654 32").is_ok());
        assert!(Iban::parse("NO9386011117947").is_ok());
        // Outside the SEPA table only the general rules apply (Saudi Arabia, registry example).
        assert!(Iban::parse("SA03 8000 0000 6080 1016 7519").is_ok());
    }

    #[test]
    fn refuses_bad_ibans() {
        assert_eq!(Iban::parse(""), Err(IbanError::BadStart));
        assert_eq!(Iban::parse("4950009420028730"), Err(IbanError::BadStart));
        assert_eq!(Iban::parse("FIXX5000"), Err(IbanError::BadStart));
        assert_eq!(
            Iban::parse("FI49-5000-9420-0287-30"),
            Err(IbanError::InvalidCharacter)
        );
        assert_eq!(
            Iban::parse("FI49 5000 9420 0287 3"),
            Err(IbanError::WrongLength {
                expected: 18,
                actual: 17
            })
        );
        assert_eq!(Iban::parse("XX00 1234"), Err(IbanError::BadLength));
        assert_eq!(
            Iban::parse("FI49 5000 9420 0287 31"),
            Err(IbanError::CheckDigits)
        );
        assert_eq!(
            Iban::parse("FI94 5000 9420 0287 30"),
            Err(IbanError::CheckDigits)
        );
    }

    #[test]
    fn checks_bic_shape() {
        assert_eq!(Bic::parse("NDEAFIHH").expect("valid").as_str(), "NDEAFIHH");
        assert_eq!(
            Bic::parse("okoy fi hh xxx").expect("valid").as_str(),
            "OKOYFIHHXXX"
        );
        for bad in [
            "",
            "NDEAFIH",
            "NDEAFIHHX",
            "NDEA12HH",
            "NDEAFIHH-XX",
            "NDEÄFIHH",
        ] {
            assert_eq!(Bic::parse(bad), Err(BicError), "{bad:?}");
        }
    }

    proptest! {
        /// A Finnish BBAN with computed check digits always validates; changing any one digit
        /// never does (MOD 97-10 catches every single-digit substitution).
        #[test]
        fn single_digit_changes_are_detected(bban in "[0-9]{14}", position in 2_usize..18, step in 1_u8..10) {
            let check = 98 - mod97(bban.chars().chain("FI00".chars())).expect("valid");
            let iban = format!("FI{check:02}{bban}");
            prop_assert!(Iban::parse(&iban).is_ok());
            let mut changed = iban.into_bytes();
            changed[position] = b'0' + (changed[position] - b'0' + step) % 10;
            let changed = String::from_utf8(changed).expect("valid");
            prop_assert!(Iban::parse(&changed).is_err(), "{} passed", changed);
        }

        #[test]
        fn never_panics(input in "\\PC{0,40}") {
            let _ = Iban::parse(&input);
            let _ = Bic::parse(&input);
        }
    }
}
