//! The Finnish national reference number (viitenumero): a basic part of 3–19 digits and a 7-3-1
//! check digit, 4–20 digits in all (reference/integrations.md §4.1).
//!
//! Invoices and transfer slips carry one so that a payment found on a bank statement leads back
//! to its document. The RF form (ISO 11649) is built from this one elsewhere.

/// A valid national reference number, kept in its machine form: digits only, no leading zeros.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Reference(String);

const MIN_DIGITS: usize = 4;
const MAX_DIGITS: usize = 20;

/// The 7-3-1 check digit of a basic part (digits only; the caller has checked that).
fn check_digit(basic: &str) -> u8 {
    let sum: u32 = basic
        .bytes()
        .rev()
        .zip([7_u32, 3, 1].into_iter().cycle())
        .map(|(digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    // `sum % 10 < 10`, so the narrowing cannot lose anything.
    ((10 - sum % 10) % 10) as u8
}

impl Reference {
    /// The reference for a basic part: appends its check digit.
    pub fn from_basic(basic: &str) -> Result<Self, String> {
        let valid = (MIN_DIGITS - 1..MAX_DIGITS).contains(&basic.len())
            && basic.bytes().all(|b| b.is_ascii_digit())
            && !basic.starts_with('0');
        if !valid {
            return Err(
                "the basic part of a reference must be 3–19 digits without a leading zero".into(),
            );
        }
        Ok(Self(format!("{basic}{}", check_digit(basic))))
    }

    /// The reference of a numbered document: `prefix` (digits, not starting with 0: it keeps the
    /// documents of different series apart) followed by the number padded to at least three
    /// digits, then the check digit. Different numbers of one prefix never share a reference.
    pub fn for_number(prefix: &str, number: i64) -> Result<Self, String> {
        if number < 1 {
            return Err("a document number is positive".into());
        }
        Self::from_basic(&format!("{prefix}{number:03}"))
    }

    /// Reads a reference as people type it (spaces allowed between groups) and checks its
    /// length and check digit. Leading zeros (the machine-readable padding) are dropped.
    pub fn parse(input: &str) -> Result<Self, String> {
        let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err("a reference number has only digits (and spaces)".into());
        }
        let digits = digits.trim_start_matches('0');
        if !(MIN_DIGITS..=MAX_DIGITS).contains(&digits.len()) {
            return Err(format!(
                "a reference number has {MIN_DIGITS}–{MAX_DIGITS} digits"
            ));
        }
        let (basic, check) = digits.split_at(digits.len() - 1);
        if check.as_bytes()[0] - b'0' != check_digit(basic) {
            return Err("the check digit of the reference number is wrong".into());
        }
        Ok(Self(digits.to_owned()))
    }

    /// The machine form: digits only.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The printed form: groups of five counted from the right (`12 34561`).
    pub fn printed(&self) -> String {
        let digits = self.0.as_bytes();
        let first = match digits.len() % 5 {
            0 => 5,
            n => n,
        };
        let mut groups = vec![&self.0[..first]];
        groups.extend(
            digits[first..]
                .chunks(5)
                .map(|chunk| std::str::from_utf8(chunk).unwrap_or_default()),
        );
        groups.join(" ")
    }
}

impl std::fmt::Display for Reference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_published_examples() {
        for (basic, reference) in [
            ("123456", "1234561"),
            ("1234", "12344"),
            ("1000", "10003"),
            ("20260001", "202600017"),
            ("234823", "2348236"),
            ("123456790", "1234567907"),
        ] {
            assert_eq!(
                Reference::from_basic(basic).map(|r| r.0),
                Ok(reference.to_owned())
            );
            assert_eq!(
                Reference::parse(reference).map(|r| r.0),
                Ok(reference.to_owned())
            );
        }
        assert_eq!(
            Reference::from_basic("123456").map(|r| r.printed()),
            Ok("12 34561".to_owned())
        );
    }

    #[test]
    fn printed_in_groups_of_five_from_the_right() {
        let r = Reference::parse("1234567907").expect("valid");
        assert_eq!(r.printed(), "12345 67907");
        let r = Reference::parse("12344").expect("valid");
        assert_eq!(r.printed(), "12344");
        assert_eq!(
            Reference::parse("12 34561").map(|r| r.printed()),
            Ok("12 34561".into())
        );
    }

    #[test]
    fn wrong_input_is_refused() {
        assert!(Reference::parse("1234562").is_err(), "check digit");
        assert!(Reference::parse("123").is_err(), "too short");
        assert!(Reference::parse(&"1".repeat(21)).is_err(), "too long");
        assert!(Reference::parse("12a4").is_err());
        assert!(Reference::parse("").is_err());
        assert!(Reference::from_basic("12").is_err());
        assert!(Reference::from_basic("0123").is_err());
        assert!(Reference::for_number("1", 0).is_err());
        // Machine-readable padding is accepted and dropped.
        assert_eq!(
            Reference::parse("00000000000001234561").map(|r| r.0),
            Ok("1234561".into())
        );
    }

    #[test]
    fn document_numbers_are_padded_behind_their_prefix() {
        assert_eq!(
            Reference::for_number("1", 1).map(|r| r.0),
            Reference::from_basic("1001").map(|r| r.0)
        );
        assert_eq!(
            Reference::for_number("2", 12345).map(|r| r.0),
            Reference::from_basic("212345").map(|r| r.0)
        );
    }

    proptest! {
        #[test]
        fn every_generated_reference_validates(prefix in 1_u32..1000, number in 1_i64..1_000_000_000_000) {
            let r = Reference::for_number(&prefix.to_string(), number).expect("fits");
            prop_assert_eq!(Reference::parse(&r.printed()), Ok(r.clone()));
            prop_assert!((MIN_DIGITS..=MAX_DIGITS).contains(&r.as_str().len()));
        }

        #[test]
        fn distinct_numbers_get_distinct_references(prefix in 1_u32..100, a in 1_i64..100_000, b in 1_i64..100_000) {
            prop_assume!(a != b);
            let p = prefix.to_string();
            prop_assert_ne!(Reference::for_number(&p, a), Reference::for_number(&p, b));
        }

        #[test]
        fn any_single_digit_change_is_caught(basic in "[1-9][0-9]{2,18}", position in 0_usize..20, delta in 1_u8..10) {
            let r = Reference::from_basic(&basic).expect("valid");
            let mut digits = r.as_str().as_bytes().to_vec();
            let position = position % digits.len();
            digits[position] = b'0' + (digits[position] - b'0' + delta) % 10;
            let changed = String::from_utf8(digits).expect("ascii");
            // Weights 7, 3, 1 are coprime to 10: one wrong digit always breaks the check, unless
            // it only turned the leading digit into a zero that parsing drops.
            if !changed.starts_with('0') {
                prop_assert!(Reference::parse(&changed).is_err(), "{} passed", changed);
            }
        }

        #[test]
        fn parsing_never_panics(input in "\\PC{0,30}") {
            let _ = Reference::parse(&input);
        }
    }
}
