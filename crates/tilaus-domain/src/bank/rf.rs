//! The international creditor reference RF (ISO 11649), built in Finland from the national
//! reference number including its check digit (Finance Finland's RF guide).

use super::{NationalReference, compact_upper, group_by_four, mod97};

/// Longest reference body after `RFkk`.
const MAX_BODY: usize = 21;

/// Why a text is not an RF creditor reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RfError {
    #[error("an RF reference starts with RF and two check digits")]
    MissingPrefix,
    #[error("an RF reference has 1–21 letters or digits after RF and the check digits")]
    BadLength,
    #[error("an RF reference may contain only letters A–Z and digits")]
    InvalidCharacter,
    #[error("the RF reference's check digits do not match (typing error?)")]
    CheckDigits,
    #[error("the national reference must be 1–20 digits")]
    InvalidNationalReference,
}

/// A valid RF creditor reference, kept in its electronic form (`RF341234561`: upper case, no
/// spaces).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CreditorReference(String);

impl CreditorReference {
    /// Builds the RF form of a national reference: check digits = 98 − (body ‖ "RF00" mod 97).
    ///
    /// Leading zeros are dropped first, as in the printed national reference; they would not
    /// change the check digits but would waste the barcode's 21-digit field.
    pub fn from_national(reference: &impl NationalReference) -> Result<Self, RfError> {
        let digits = reference.digits().trim_start_matches('0');
        if digits.is_empty() || digits.len() > 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RfError::InvalidNationalReference);
        }
        Self::from_body(digits)
    }

    /// Computes the check digits for a reference body of 1–21 letters and digits.
    fn from_body(body: &str) -> Result<Self, RfError> {
        let remainder =
            mod97(body.chars().chain("RF00".chars())).ok_or(RfError::InvalidCharacter)?;
        Ok(Self(format!("RF{:02}{body}", 98 - remainder)))
    }

    /// Parses an RF reference as printed or typed: spaces and lower case are accepted.
    pub fn parse(input: &str) -> Result<Self, RfError> {
        let text = compact_upper(input);
        let (Some(prefix), Some(body)) = (text.get(..4), text.get(4..)) else {
            return Err(RfError::MissingPrefix);
        };
        if !prefix.starts_with("RF") || !prefix[2..].bytes().all(|b| b.is_ascii_digit()) {
            return Err(RfError::MissingPrefix);
        }
        if body.is_empty() || body.len() > MAX_BODY {
            return Err(RfError::BadLength);
        }
        if !body
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            return Err(RfError::InvalidCharacter);
        }
        // ISO 11649: move "RFkk" to the end; the whole must be 1 mod 97.
        match mod97(body.chars().chain(prefix.chars())) {
            Some(1) => Ok(Self(text)),
            Some(_) => Err(RfError::CheckDigits),
            None => Err(RfError::InvalidCharacter),
        }
    }

    /// The electronic form, `RF341234561`, for payment files and the EPC QR code.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The two check digits, `34`.
    pub fn check_digits(&self) -> &str {
        &self.0[2..4]
    }

    /// The reference after the check digits, `1234561`.
    pub fn body(&self) -> &str {
        &self.0[4..]
    }

    /// The printed form in groups of four, `RF34 1234 561`.
    pub fn grouped(&self) -> String {
        group_by_four(&self.0)
    }
}

/// Test double for the national reference type: these tests need only its digits.
#[cfg(test)]
pub(crate) struct Digits<'a>(pub &'a str);

#[cfg(test)]
impl NationalReference for Digits<'_> {
    fn digits(&self) -> &str {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Worked examples of integrations.md §4.2, recomputed independently.
    #[test]
    fn builds_the_documented_examples() {
        let rf = CreditorReference::from_national(&Digits("1234561")).expect("valid");
        assert_eq!(rf.as_str(), "RF341234561");
        assert_eq!(rf.grouped(), "RF34 1234 561");
        assert_eq!(rf.check_digits(), "34");
        assert_eq!(rf.body(), "1234561");
        // Finance Finland's RF guide uses the national reference 2348236.
        let rf = CreditorReference::from_national(&Digits("2348236")).expect("valid");
        assert_eq!(rf.grouped(), "RF33 2348 236");
        // The virtuaaliviivakoodi library's v5 test vector: RF9811112.
        let rf = CreditorReference::from_national(&Digits("11112")).expect("valid");
        assert_eq!(rf.as_str(), "RF9811112");
    }

    #[test]
    fn leading_zeros_of_the_national_reference_are_dropped() {
        let padded =
            CreditorReference::from_national(&Digits("00000000000001234561")).expect("valid");
        assert_eq!(padded.as_str(), "RF341234561");
    }

    #[test]
    fn refuses_national_references_that_are_not_digits() {
        for bad in ["", "000", "12a4", "123456789012345678901"] {
            assert_eq!(
                CreditorReference::from_national(&Digits(bad)),
                Err(RfError::InvalidNationalReference),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn validates_published_references() {
        // The ISO 11649 example used throughout EPC and bank documentation.
        let rf = CreditorReference::parse("RF18 5390 0754 7034").expect("valid");
        assert_eq!(rf.as_str(), "RF18539007547034");
        assert_eq!(rf.grouped(), "RF18 5390 0754 7034");
        assert!(CreditorReference::parse("rf18539007547034").is_ok());
        // Letters in the body (ISO 11649 allows alphanumerics).
        let built = CreditorReference::from_body("ABC123").expect("valid");
        assert_eq!(CreditorReference::parse(built.as_str()), Ok(built));
    }

    #[test]
    fn refuses_malformed_references() {
        assert_eq!(CreditorReference::parse(""), Err(RfError::MissingPrefix));
        assert_eq!(CreditorReference::parse("RF1"), Err(RfError::MissingPrefix));
        assert_eq!(
            CreditorReference::parse("XX18539007547034"),
            Err(RfError::MissingPrefix)
        );
        assert_eq!(
            CreditorReference::parse("RFA8539007547034"),
            Err(RfError::MissingPrefix)
        );
        assert_eq!(CreditorReference::parse("RF18"), Err(RfError::BadLength));
        assert_eq!(
            CreditorReference::parse("RF18 1234 5678 9012 3456 7890 12"),
            Err(RfError::BadLength)
        );
        assert_eq!(
            CreditorReference::parse("RF18-5390"),
            Err(RfError::InvalidCharacter)
        );
        assert_eq!(
            CreditorReference::parse("RF18 5390 0754 7035"),
            Err(RfError::CheckDigits)
        );
        assert_eq!(
            CreditorReference::parse("RF18 ÄÖ"),
            Err(RfError::InvalidCharacter)
        );
    }

    fn alphanumeric_of_same_kind(c: char) -> impl Strategy<Value = char> {
        let pool: Vec<char> = if c.is_ascii_digit() {
            ('0'..='9').filter(|d| *d != c).collect()
        } else {
            ('A'..='Z').filter(|d| *d != c).collect()
        };
        proptest::sample::select(pool)
    }

    proptest! {
        #[test]
        fn anything_built_validates(digits in "[1-9][0-9]{0,19}") {
            let built = CreditorReference::from_national(&Digits(&digits)).expect("valid");
            prop_assert_eq!(built.body(), digits.as_str());
            prop_assert_eq!(CreditorReference::parse(&built.grouped()), Ok(built));
        }

        #[test]
        fn built_bodies_with_letters_validate(body in "[A-Z0-9]{1,21}") {
            let built = CreditorReference::from_body(&body).expect("valid");
            prop_assert_eq!(CreditorReference::parse(built.as_str()), Ok(built));
        }

        /// MOD 97-10 catches every single substitution of a digit by another digit or a letter
        /// by another letter (a letter↔digit swap changes the expanded number's length and is
        /// not guaranteed by ISO 7064, so it is not claimed here).
        #[test]
        fn any_single_character_change_is_detected(
            (built, position, replacement) in "[A-Z0-9]{1,21}"
                .prop_map(|body| CreditorReference::from_body(&body).expect("valid"))
                .prop_flat_map(|rf| {
                    let len = rf.as_str().len();
                    (Just(rf), 2..len)
                })
                .prop_flat_map(|(rf, position)| {
                    let original = rf.as_str().as_bytes()[position] as char;
                    (Just(rf), Just(position), alphanumeric_of_same_kind(original))
                })
        ) {
            let mut changed: Vec<char> = built.as_str().chars().collect();
            changed[position] = replacement;
            let changed: String = changed.into_iter().collect();
            prop_assert!(CreditorReference::parse(&changed).is_err(), "{} passed", changed);
        }
    }
}
